"""A new webhook port applies to the running runtime: its hooks answer on the new port at
once and the old port stops answering; a taken port changes nothing."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from engine.runtime.workspace import Workspace
from tests.runtime.helpers import activate, hook_url, running, webhook_blueprint


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_rebind_moves_the_hooks_to_the_new_port(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    activated = activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    async with running(ws) as (runtime, events), httpx.AsyncClient() as client:
        old_url = hook_url(runtime, activated)
        target = free_port()
        runtime.settings = replace(runtime.settings, port=target)
        assert await runtime.rebind() == target
        answer = await client.post(hook_url(runtime, activated), json={"name": "Ada"})
        assert answer.status_code == 200 and runtime.port == target
        await events.wait_for(lambda e: len(e.finished()) == 1)
        with pytest.raises(httpx.ConnectError):
            await client.post(old_url, json={"name": "Bob"})


async def test_a_taken_port_leaves_the_old_one_serving(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws")
    activated = activate(ws, tmp_path / "greeter.json", webhook_blueprint())
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        async with running(ws) as (runtime, _events), httpx.AsyncClient() as client:
            before = runtime.port
            runtime.settings = replace(runtime.settings, port=taken.getsockname()[1])
            with pytest.raises(OSError):
                await runtime.rebind()
            assert runtime.port == before
            answer = await client.post(hook_url(runtime, activated), json={"name": "Ada"})
            assert answer.status_code == 200
