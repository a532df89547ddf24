"""A price stub that can drop the connection for some items, the error-directives blueprint
pointed at it, and the `scenarist` CLI as a subprocess (shared by incomplete, replay, crash)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

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

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            item = path.rsplit("/", 1)[-1]
            stub.requests.append(path)
            if item in stub.dropping:
                self.close_connection = True
                return  # nothing sent: the client sees the connection closed
            data = json.dumps({"price": PRICES.get(item, 0)}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


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
