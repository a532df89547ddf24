"""File ▸ Webhooks…: the workspace's hook listed with its URL (copied), scenario and queue;
its IP allowlist and API keys set in its settings and enforced by the window's runtime (403,
401); queued requests viewed and deleted; and "Redetermine data structure" turning the next
request into the structure that answers 400, naming the field, to one that breaks it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.gui.main_window import MainWindow
from app.gui.resources.webhooks_window import COLUMNS, WebhooksWindow
from engine.runtime import Workspace, activate_file
from tests.gui.connections.helpers import click
from tests.gui.debugger.helpers import until
from tests.gui.runtime.conftest import greeter, hosting, write

KEY = "hook-key-7Hq2"


async def post(url: str, payload: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"x-make-apikey": key} if key else {}
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, json=payload, headers=headers)


async def answered(url: str, payload: dict[str, Any], status: int, key: str | None = None,
                   timeout: float = 10.0) -> httpx.Response:
    """Post until the runtime, which reads a hook's settings every second, answers `status`."""
    for _ in range(int(timeout / 0.2)):
        response = await post(url, payload, key)
        if response.status_code == status:
            return response
        await asyncio.sleep(0.2)
    raise AssertionError(f"never answered {status}: {response.status_code} {response.text}")


def row(hooks: WebhooksWindow) -> dict[str, str]:
    hooks.refresh()
    return {name: hooks.table.item(0, c).text() for c, name in enumerate(COLUMNS)}


async def test_the_webhooks_window_lists_sets_and_empties_a_hook(
        new_window: Callable[[], MainWindow], workspace: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(workspace, greeter())
    activate_file(Workspace(workspace), path, active=False)  # switched off: requests wait
    window = new_window()
    async with hosting(window) as host:
        window.act_webhooks.trigger()
        hooks = window.webhooks_window
        assert hooks is not None and hooks.isVisible()
        listed = row(hooks)
        url = listed["URL"]
        assert url.startswith(f"http://127.0.0.1:{host.port}/hook/")
        assert (listed["Name"], listed["Scenario"], listed["Queue"]) == (
            "Greeter webhook", "Greeter", "0")
        hooks.table.selectRow(0)
        click(hooks.copy_button)
        assert QGuiApplication.clipboard().text() == url

        click(hooks.edit_button)  # only callers from another network
        form = hooks.form
        assert form is not None
        form.ip_allowlist.setText("10.0.0.0/8")
        click(form.save_button)
        assert row(hooks)["IP allowlist"] == "10.0.0.0/8"
        await answered(url, {"name": "probe"}, 403)  # (earlier probes were queued)

        hooks.table.selectRow(0)
        click(hooks.edit_button)  # this machine, with a key
        form = hooks.form
        assert form is not None
        form.ip_allowlist.setText("127.0.0.1")
        form.new_key.setText(KEY)
        form.headers.setChecked(True)
        click(form.save_button)
        listed = row(hooks)
        assert (listed["API keys"], listed["Options"]) == ("set", "headers")
        assert KEY not in str(listed)
        await answered(url, {"name": "probe"}, 401)
        before = int(row(hooks)["Queue"])
        assert (await post(url, {"name": "Ada"}, KEY)).status_code == 200
        assert (await post(url, {"name": "Bob"}, KEY)).status_code == 200
        assert row(hooks)["Queue"] == str(before + 2)

        hooks.table.selectRow(0)
        click(hooks.requests_button)
        requests = hooks.requests_dialog
        assert requests is not None and requests.table.rowCount() == before + 2
        requests.table.selectRow(before)
        assert '"name": "Ada"' in requests.detail.toPlainText()
        assert "x-make-apikey" in requests.detail.toPlainText()  # headers, as received
        click(requests.delete_button)
        bodies = [requests.table.item(r, 3).text() for r in range(requests.table.rowCount())]
        assert len(bodies) == before + 1 and "Ada" not in str(bodies) and "Bob" in bodies[-1]
        await requests.task  # type: ignore[misc]
        runtime = host.runtime
        assert runtime is not None and runtime.queue is not None
        token = hooks.hooks[0].token
        assert runtime.queue.queued_count(token) == before + 1
        with monkeypatch.context() as patched:
            patched.setattr(QMessageBox, "question", lambda *_a: QMessageBox.StandardButton.Yes)
            assert requests.delete_all() == before + 1
        assert requests.table.rowCount() == 0
        await requests.task  # type: ignore[misc]
        assert runtime.queue.queued_count(token) == 0
        requests.close()
        assert row(hooks)["Queue"] == "0"

        hooks.table.selectRow(0)
        click(hooks.redetermine_button)
        assert row(hooks)["Data structure"] == "from the next request…"
        server = runtime.server
        assert server is not None
        await until(lambda: any(h.determine for h in server.hooks()))  # read (every second)
        assert (await post(url, {"name": "Cy", "age": 36}, KEY)).status_code == 200
        refused = await answered(url, {"name": "Di", "age": "old"}, 400, KEY)
        assert "'age'" in refused.text
        assert row(hooks)["Data structure"] == "Greeter webhook (from a request)"
        hooks.table.selectRow(0)
        click(hooks.edit_button)
        form = hooks.form
        assert form is not None
        assert form.structure.currentText() == "Greeter webhook (from a request)"
        form.reject()


async def test_a_hooks_limits_are_set_in_its_settings_and_enforced(
        new_window: Callable[[], MainWindow], workspace: Path) -> None:
    path = write(workspace, greeter())
    activate_file(Workspace(workspace), path, active=False)  # switched off: requests wait
    window = new_window()
    async with hosting(window):
        window.act_webhooks.trigger()
        hooks = window.webhooks_window
        assert hooks is not None
        url = row(hooks)["URL"]

        def settings() -> Any:
            hooks.table.selectRow(0)
            click(hooks.edit_button)
            assert hooks.form is not None
            return hooks.form

        form = settings()  # Make's defaults until changed
        assert (form.max_body.value(), form.queue_limit.value()) == (5.0, 10_000)
        assert not form.rate_on.isChecked() and not form.rate_row.isEnabled()
        form.max_body.setValue(0.01)  # about 10 KB
        click(form.save_button)
        refused = await answered(url, {"name": "x" * 20_000}, 413)
        assert refused.status_code == 413
        assert (await post(url, {"name": "small"})).status_code == 200

        form = settings()
        form.rate_on.setChecked(True)
        assert form.rate_row.isEnabled()
        form.rate_count.setValue(2)
        form.rate_seconds.setValue(60)
        click(form.save_button)
        await answered(url, {"name": "again"}, 429)

        form = settings()
        assert form.rate_on.isChecked() and form.rate_count.value() == 2
        form.rate_on.setChecked(False)
        form.queue_limit.setValue(1)  # one request waits already
        click(form.save_button)
        full = await answered(url, {"name": "one more"}, 400)
        assert "queue" in full.text.lower()

        form = settings()  # what was saved comes back
        assert (form.max_body.value(), form.queue_limit.value()) == (0.01, 1)
        assert not form.rate_on.isChecked()
        form.reject()
