"""Running real corpus exports whole through `scenarist run`, as a user would: the export's
file, with only the placeholders its author left for the user filled in; connections made
on the command line; the user's browser going through the fakes' consent screens."""

from __future__ import annotations

import json
import re
import threading
import webbrowser
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.connections import Connection, ConnectionStore
from tests.connectors.corpus import corpus
from tests.support.fake_google import FakeGoogle
from tests.support.fake_slack import FakeSlack


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def exported(name: str) -> Path:
    """The corpus export's file."""
    path = corpus() / name
    assert path.is_file(), f"the corpus export is missing: {path}"
    return path


def run(capsys: pytest.CaptureFixture[str], path: Path, ws: tuple[str, ...],
        *more: str) -> tuple[dict[str, Any], str, str]:
    """`scenarist run PATH --report json`: the report (its status success), stdout, stderr."""
    code, out, err = cli(capsys, "run", str(path), "--report", "json", *more, *ws)
    assert code == 0, (err, out[-2000:])
    report: dict[str, Any] = json.loads(out)
    assert report["status"] == "success", report
    return report, out, err


def operations(report: dict[str, Any], *modules: int) -> dict[int, int]:
    return {m: report["modules"].get(str(m), {}).get("operations", 0) for m in modules}


def filled_in(raw: str, values: dict[str, str]) -> str:
    """Each placeholder that is a whole JSON string replaced, every other byte as it was."""
    for placeholder, value in values.items():
        assert f'"{placeholder}"' in raw, placeholder
        raw = raw.replace(f'"{placeholder}"', json.dumps(value))
    return raw


def filled_in_modules(raw: str, values: dict[tuple[int, str], str]) -> str:
    """For one module each, its first `"key": "…PLACEHOLDER"` after its id replaced (a
    module's parameters and mapper come before its metadata), every other byte as it was."""
    for (module_id, key), value in values.items():
        [start] = [m.start() for m in re.finditer(rf'"id": {module_id},', raw)]
        found = re.compile(rf'"{key}": "[A-Z_]*PLACEHOLDER"').search(raw, start)
        assert found is not None, (module_id, key)
        raw = raw[:found.start()] + f'"{key}": {json.dumps(value)}' + raw[found.end():]
    return raw


def node(blueprint: dict[str, Any], module_id: int) -> dict[str, Any]:
    """The module of that id, wherever it is in the flow."""
    def walk(flow: list[dict[str, Any]]) -> Any:
        for module in flow:
            if module["id"] == module_id:
                return module
            for inner in [module.get("onerror") or [],
                          *[r["flow"] for r in module.get("routes") or []],
                          *[b["flow"] for b in module.get("branches") or []]]:
                found = walk(inner)
                if found is not None:
                    return found
        return None

    found: dict[str, Any] = walk(blueprint["flow"])
    return found


def browse_consent(monkeypatch: pytest.MonkeyPatch, slack: FakeSlack,
                   google: FakeGoogle) -> None:
    """The user's browser: Slack's or Google's consent screen, by the URL it is sent to."""
    def open_url(url: str, *args: Any, **kwargs: Any) -> bool:
        consent = slack.browser if url.startswith(slack.url) else google.consent
        threading.Thread(target=consent, args=(url,), daemon=True).start()
        return True

    monkeypatch.setattr(webbrowser, "open", open_url)


def connect_slack(capsys: pytest.CaptureFixture[str], fake: FakeSlack, ws: tuple[str, ...],
                  make_id: str, workspace: Path) -> Connection:
    """`scenarist connections add slack:slack2`: the user's Slack app (its default user
    scopes), OAuth with PKCE against the fake."""
    code, out, err = cli(capsys, "connections", "add", "slack:slack2", "--name", "Slack",
                         "--set", f"clientId={fake.client_id}",
                         "--set", f"clientSecret={fake.client_secret}",
                         "--base-url", fake.url, "--make-id", make_id,
                         "--timeout", "20", "--json", *ws)
    assert code == 0, err
    return ConnectionStore(workspace).require(json.loads(out)["id"])
