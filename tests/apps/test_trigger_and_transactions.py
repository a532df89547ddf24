"""A polling trigger with epoch and by-id state, and a module taking part in the cycle's
transaction, in a small app written the way Make's VS Code extension lays one out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.apps import (
    ConnectionData,
    bind_connections,
    epoch_choices,
    load_makecomapp,
    module_specs,
)
from engine.apps.modules import AppTransaction
from engine.context import RunServices
from engine.store.trigger_cursors import forget_cursors, read_cursor
from tests.apps.fakes import Request, call_module, fake_service

ORDERS = [{"id": i, "created": f"2026-01-0{i}T00:00:00Z"} for i in range(1, 6)]


def _write(folder: Path, files: dict[str, Any]) -> None:
    for name, value in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value if isinstance(value, str) else json.dumps(value))


def shop_app(folder: Path) -> Path:
    _write(folder, {
        "makecomapp.json": {"fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
                            "components": {"module": {
                                "watchOrders": {"moduleType": "trigger", "label": "Watch orders",
                                                "codeFiles": {"communication": "watch.iml.json",
                                                              "epoch": "epoch.iml.json"}},
                                "reserve": {"moduleType": "action", "label": "Reserve",
                                            "acid": True,
                                            "codeFiles": {"communication": "reserve.iml.json",
                                                          "commit": "commit.iml.json",
                                                          "rollback": "rollback.iml.json"}}}}},
        "base.iml.json": '{"baseUrl": "https://shop.example", // overridden in tests\n'
                         ' "headers": {"x-key": "{{connection.key}}"},}',
        "watch.iml.json": {"url": "/orders", "qs": {"page": "{{pagination.page}}"},
                           "response": {"iterate": "{{body.items}}",
                                        "trigger": {"id": "{{item.id}}", "type": "id",
                                                    "order": "desc"}},
                           "pagination": {"qs": {"page": "{{pagination.page}}"},
                                          "condition": "{{body.more}}"}},
        "epoch.iml.json": {"response": {"output": {"label": "Order {{item.id}}",
                                                   "date": "{{item.created}}"}}},
        "reserve.iml.json": {"url": "/reservations", "method": "POST",
                             "body": {"sku": "{{parameters.sku}}"}},
        "commit.iml.json": {"url": "/reservations/{{output.id}}/confirm", "method": "POST"},
        "rollback.iml.json": {"url": "/reservations/{{output.id}}", "method": "DELETE"},
    })
    return folder


def shop(request: Request) -> tuple[int, Any]:
    if request.path == "/orders":
        page = int(request.query.get("page") or 1)
        newest_first = list(reversed(ORDERS))
        chunk = newest_first[(page - 1) * 2 : page * 2]
        return 200, {"items": chunk, "more": page * 2 < len(ORDERS)}
    if request.path == "/reservations":
        return 201, {"id": "r1"}
    return 200, {"ok": True}


async def test_polling_trigger_emits_only_new_items_oldest_first(tmp_path: Path) -> None:
    app = load_makecomapp(shop_app(tmp_path / "shop"))
    assert app.problems == []
    watch = {s.id.split(":")[1]: s for s in module_specs(app)}["watchOrders"]
    assert watch.kind == "trigger"
    with fake_service(shop) as fake:
        run = RunServices(scenario_name="orders", data_dir=tmp_path / "data")
        bind_connections(run, {"shop": ConnectionData({"key": "k"}, fake.url)})
        choices = await epoch_choices(app, "watchOrders", run,
                                      connection=ConnectionData({"key": "k"}, fake.url))
        assert choices[0] == {"label": "Order 5", "date": "2026-01-05T00:00:00Z"}
        first = await call_module(watch, run, parameters={"limit": 2})
        assert [b["id"] for b in first] == [1, 2] and run.more
        second = await call_module(watch, run, parameters={"limit": 10})
        assert [b["id"] for b in second] == [3, 4, 5]
        ORDERS.append({"id": 6, "created": "2026-01-06T00:00:00Z"})
        try:
            pages_before = len(fake.requests)
            third = await call_module(watch, run, parameters={"limit": 10})
        finally:
            ORDERS.pop()
        assert [b["id"] for b in third] == [6]
        assert len(fake.requests) - pages_before == 1  # desc order: older page not fetched
        assert fake.requests[-1].headers["x-key"] == "k"
        await run.aclose()
    assert read_cursor(tmp_path / "data", "orders", 1)["lastId"] == 6  # type: ignore[index]


async def _poll_with(tmp_path: Path, choice: dict[str, Any] | None, limit: int = 10,
                     scenario: str = "orders") -> list[Any]:
    app = load_makecomapp(shop_app(tmp_path / "shop"))
    watch = {s.id.split(":")[1]: s for s in module_specs(app)}["watchOrders"]
    with fake_service(shop) as fake:
        run = RunServices(scenario_name=scenario, data_dir=tmp_path / "data")
        run.start_from = choice
        bind_connections(run, {"shop": ConnectionData({"key": "k"}, fake.url)})
        bundles = await call_module(watch, run, parameters={"limit": limit})
        await run.aclose()
    return [b["id"] for b in bundles]


async def test_start_from_now_emits_nothing_then_only_newer_items(tmp_path: Path) -> None:
    assert await _poll_with(tmp_path, {"mode": "now"}) == []
    assert read_cursor(tmp_path / "data", "orders", 1) == {"lastId": 5, "lastDate": None}
    ORDERS.append({"id": 6, "created": "2026-01-06T00:00:00Z"})
    try:  # the choice no longer applies: the trigger has a cursor of its own
        assert await _poll_with(tmp_path, {"mode": "now"}) == [6]
    finally:
        ORDERS.pop()


async def test_start_from_last_n_and_a_chosen_item(tmp_path: Path) -> None:
    assert await _poll_with(tmp_path, {"mode": "last", "count": 2}, scenario="a") == [4, 5]
    assert await _poll_with(tmp_path, {"mode": "id", "id": 3}, scenario="b") == [4, 5]
    assert await _poll_with(tmp_path, {"mode": "all"}, limit=3, scenario="c") == [1, 2, 3]
    forget_cursors(tmp_path / "data", "a")  # chosen again: it starts over
    assert await _poll_with(tmp_path, {"mode": "last", "count": 1}, scenario="a") == [5]


async def test_acid_module_commits_and_rolls_back(tmp_path: Path) -> None:
    app = load_makecomapp(shop_app(tmp_path / "shop"))
    reserve = {s.id.split(":")[1]: s for s in module_specs(app)}["reserve"]
    assert reserve.transactional
    with fake_service(shop) as fake:
        run = RunServices()
        bind_connections(run, {"shop": ConnectionData({"key": "k"}, fake.url)})
        assert await call_module(reserve, run, mapper={"sku": "A"}) == [{"id": "r1"}]
        transaction = run.resource("apps.transaction", lambda: None)
        assert isinstance(transaction, AppTransaction) and transaction in run.transactional()
        transaction.commit()
        assert (fake.requests[-1].method, fake.requests[-1].path) == (
            "POST", "/reservations/r1/confirm")
        await call_module(reserve, run, mapper={"sku": "B"})
        transaction.rollback()
        assert (fake.requests[-1].method, fake.requests[-1].path) == (
            "DELETE", "/reservations/r1")
        await run.aclose()
