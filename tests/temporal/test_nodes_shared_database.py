"""Two `scenarist serve --engine temporal` nodes with a workspace folder each and ONE shared
PostgreSQL (`--database`), as the README's "Several serve nodes" describes: scenarios are
activated once, through one folder; the webhook URL that `scenarios list` prints works on
both nodes' ports; each request spread over both runs once, each planned time runs once
cluster-wide, and `history list` from a third folder lists every run once."""

from __future__ import annotations

import asyncio
import json
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tests.cli.test_serve import post_all, served, wait_for_port, wait_until
from tests.incomplete.helpers import scenarist, scenarist_json
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import blueprint, post
from tests.temporal.workers import WorkerProcess

TICKS = 2  # scenario names differ from test_several_nodes': the Temporal server is shared
POSTS_PER_NODE = 10
REFUSED = "was already started by another node"


def _activate(ws: Path, db: str, data: dict[str, object], *schedule: str) -> None:
    path = ws.parent / f"{data['name']}.blueprint.json"
    path.write_text(json.dumps(data))
    done = scenarist("activate", str(path), *schedule, "--data-dir", str(ws), "--database", db)
    assert done.returncode == 0, done.stderr


def _runs(ws: Path, db: str) -> list[dict[str, object]]:
    found: list[dict[str, object]] = scenarist_json(
        "history", "list", "--json", "--limit", "200", "--data-dir", str(ws), "--database", db)
    return found


def test_nodes_sharing_postgresql_share_scenarios_hooks_and_history(
        temporal_server: str, postgres_url: str, tmp_path: Path) -> None:
    db = postgres_url
    nodes = [tmp_path / "a" / "ws", tmp_path / "b" / "ws"]
    third = tmp_path / "c" / "ws"
    for ws in (*nodes, third):
        ws.mkdir(parents=True)
    with recording(lambda _r: Answer.of(200, {"ok": True})) as stub:
        base = (datetime.now(UTC) + timedelta(seconds=20)).replace(microsecond=0)
        times = [base + timedelta(seconds=3 * i) for i in range(TICKS)]
        _activate(nodes[0], db, blueprint(
            "SharedHooked", {"id": 1, "module": "gateway:CustomWebHook", "version": 1},
            post(2, f"{stub.url}/hook", '{"n": {{1.n}}}')))
        for i, at in enumerate(times):
            tick = post(1, f"{stub.url}/shared-tick{i}", "{}")
            _activate(nodes[0], db, blueprint(f"SharedTick{i}", tick),
                      "--schedule", f"once {at.isoformat().replace('+00:00', 'Z')}")
        worker = WorkerProcess(temporal_server, "t-shared", tmp_path / "worker",
                               tmp_path / "worker.log", "--database", db)
        try:
            worker.wait_ready()
            with ExitStack() as stack:
                ports = []
                for ws in nodes:
                    process = stack.enter_context(served(
                        ws, "--engine", "temporal", "--temporal", temporal_server,
                        "--task-queue", "t-shared", "--database", db))
                    ports.append(wait_for_port(ws, process))
                listing, elsewhere = ({s["name"]: s for s in scenarist_json(
                    "scenarios", "list", "--json", "--data-dir", str(ws), "--database", db)}
                    for ws in (nodes[0], third))
                path = urlsplit(listing["SharedHooked"]["webhook_url"]).path
                assert urlsplit(elsewhere["SharedHooked"]["webhook_url"]).path == path
                assert {n: s["active"] for n, s in elsewhere.items()} == {
                    n: True for n in ["SharedHooked", *(f"SharedTick{i}" for i in range(TICKS))]
                }
                for i, port in enumerate(ports):
                    bodies = [{"n": i * POSTS_PER_NODE + k} for k in range(POSTS_PER_NODE)]
                    codes = asyncio.run(post_all(f"http://127.0.0.1:{port}{path}", bodies))
                    assert set(codes) == {200}, (port, codes, _log(nodes[i]))
                wait_until(lambda: datetime.now(UTC) > times[-1] + timedelta(seconds=4),
                           what="the last planned time")
                wait_until(lambda: len(stub.requests) >= 2 * POSTS_PER_NODE + TICKS,
                           timeout=60, what="the runs' calls")
                wait_until(lambda: all(r["status"] != "running" for r in _runs(third, db)),
                           what="the runs to end")
                wait_until(lambda: sum(_log(ws).count(REFUSED) for ws in nodes) >= TICKS,
                           timeout=20, what="both nodes reaching every planned time")
        finally:
            worker.stop()
    calls = [r.path for r in stub.requests]
    assert sorted(c for c in calls if c.startswith("/shared-tick")) == [
        f"/shared-tick{i}" for i in range(TICKS)]
    assert sorted(r.json()["n"] for r in stub.requests if r.path == "/hook") == list(
        range(2 * POSTS_PER_NODE))
    assert sum(_log(ws).count(REFUSED) for ws in nodes) == TICKS  # each time: one refused
    runs = _runs(third, db)
    assert sorted(str(r["scenario"]) for r in runs) == sorted(
        ["SharedHooked"] * 2 * POSTS_PER_NODE + [f"SharedTick{i}" for i in range(TICKS)])
    assert len({r["id"] for r in runs}) == len(runs)
    assert all(r["status"] == "success" for r in runs), runs


def _log(ws: Path) -> str:
    return (ws.parent / "serve.log").read_text()
