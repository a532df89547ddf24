"""Secrets stay on the workers: a run whose HTTP call uses an API key from the workspace's
keychain sends the key, and the Temporal workflow history (read back from the cluster)
holds it nowhere."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from engine.connections import ConnectionStore, find_type
from engine.loading import blueprint_from_data
from engine.runtime.workspace import Workspace
from engine.temporal.client import start_execution
from engine.temporal.worker import connect, make_worker
from tests.support.http_stub import Answer, recording
from tests.temporal.scenarios import blueprint

SECRET = "sk-live-7f3a9c2e5b1d4f60"


async def test_workflow_history_holds_no_secret(temporal_server: str, tmp_path: Path) -> None:
    store = ConnectionStore(tmp_path)
    store.add(find_type("http:apikeyauth", None), "Billing key",
              {"key": SECRET, "placement": "header", "name": "X-Api-Key"}, make_id=78)
    client = await connect(temporal_server)
    with recording(lambda _r: Answer.of(200, {"balance": 12})) as stub:
        scenario = blueprint("Billing", {
            "id": 1, "module": "http:MakeRequest", "version": 4,
            "parameters": {"authenticationType": "apiKey", "apiKeyKeychain": 78},
            "mapper": {"url": f"{stub.url}/balance", "method": "get"}})
        async with make_worker(client, Workspace(tmp_path), task_queue="t-secret"):
            handle = await start_execution(client, blueprint_from_data(scenario),
                                           scenario="Billing", report="json",
                                           task_queue="t-secret")
            done = await handle.result()
            history = await handle.fetch_history()
    assert done["status"] == "success", done["report"]["error"]
    assert done["report"]["modules"]["1"]["outputs"][0]["data"] == {"balance": 12}
    assert stub.requests[0].headers["x-api-key"] == SECRET  # the worker used the key
    everything = history.to_json() + "\n".join(_payloads(history.to_json_dict()))
    assert "scenarist.operate" in everything and "/balance" in everything  # it is readable
    assert SECRET not in everything


def _payloads(node: Any) -> Iterator[str]:
    """Every payload's data, decoded (the history's JSON keeps them in base64)."""
    if isinstance(node, dict):
        if "metadata" in node and isinstance(node.get("data"), str):
            yield base64.b64decode(node["data"]).decode("utf-8", "replace")
        for value in node.values():
            yield from _payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payloads(value)
