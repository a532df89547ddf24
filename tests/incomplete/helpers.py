"""A price stub that can drop the connection for some items, the error-directives blueprint
pointed at it, and the `scenarist` CLI as a subprocess (shared by incomplete, replay, crash)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.http_stub import Answer, Recorded, serve

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT.parent / "shared" / "acceptance" / "cases" / "error-directives"
PRICES = {"p1": 10, "p2": 20, "p3": 30}


@dataclass
class PriceStub:
    """GET /price/<id> answers {"price": n}; ids in `dropping` get the connection closed
    without a response (Make's ConnectionError)."""

    dropping: set[str] = field(default_factory=set)
    requests: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def price_stub(dropping: set[str] | None = None) -> Iterator[PriceStub]:
    stub = PriceStub(set(dropping or ()))

    def respond(request: Recorded) -> Answer | None:
        item = request.path.rsplit("/", 1)[-1]
        stub.requests.append(request.path)
        if item in stub.dropping:
            return None  # the client sees the connection closed (Make's ConnectionError)
        return Answer.of(200, {"price": PRICES.get(item, 0)})

    with serve(respond) as port:
        stub.port = port
        yield stub


def error_directives_blueprint(base_url: str, **settings: Any) -> dict[str, Any]:
    text = (CASE / "blueprint.json").read_text(encoding="utf-8")
    blueprint: dict[str, Any] = json.loads(text.replace("https://stub.invalid", base_url))
    blueprint["metadata"]["scenario"].update(settings)
    return blueprint


def items_request(mode: str, ids: tuple[str, ...] = ("p1", "p2", "p3")) -> dict[str, Any]:
    return {"body": {"mode": mode, "items": [{"id": i} for i in ids]},
            "headers": {"content-type": "application/json"}, "method": "POST", "query": {}}


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def scenarist(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The real command line, in a child process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "app.cli", *argv], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def scenarist_json(*argv: str, code: int = 0) -> Any:
    done = scenarist(*argv)
    assert done.returncode == code, done.stderr + done.stdout
    return json.loads(done.stdout)


def cli(capsys: Any, *argv: str) -> tuple[int, str, str]:
    """The command line in this process (faster than a child; same parser and code)."""
    from app.cli import main

    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def cli_json(capsys: Any, *argv: str, code: int = 0) -> Any:
    got, out, err = cli(capsys, *argv)
    assert got == code, err + out
    return json.loads(out)


def without_handler(blueprint: dict[str, Any], module_id: int) -> dict[str, Any]:
    """The blueprint with `module_id`'s error handler route removed."""

    def visit(flow: list[dict[str, Any]]) -> None:
        for node in flow:
            if node.get("id") == module_id:
                node.pop("onerror", None)
            for route in node.get("routes") or []:
                visit(route.get("flow") or [])

    visit(blueprint["flow"])
    return blueprint


def set_break(blueprint: dict[str, Any], **mapper: Any) -> dict[str, Any]:
    """Change the Break directive's settings (module 11)."""
    for route in blueprint["flow"][2]["routes"]:
        for node in route["flow"]:
            for handler in node.get("onerror") or []:
                if handler["module"] == "builtin:Break":
                    handler["mapper"].update(mapper)
    return blueprint
