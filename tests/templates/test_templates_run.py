"""Every template runs as shipped, with its sample payload: its HTTP calls go to a local echo
server here (the shipped URL is httpbin's echo, which needs no account; tests stay off the
internet)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.templates import Template, load_templates
from tests.support.http_stub import Answer, Recorded, serve

ECHO = "https://httpbin.org/anything"


def run(template: Template, echo: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
        ) -> dict[str, Any]:
    blueprint = tmp_path / "blueprint.json"
    blueprint.write_text(template.blueprint_path.read_text().replace(ECHO, echo))
    argv = ["run", str(blueprint), "--data-dir", str(tmp_path / "ws"), "--report", "json"]
    if template.starts_with_webhook:
        request = tmp_path / "request.json"
        request.write_text(json.dumps({"body": template.sample_payload,
                                       "headers": {"content-type": "application/json"},
                                       "method": "POST", "query": {}}))
        argv[2:2] = ["--input", str(request)]
    capsys.readouterr()
    code = main(argv)
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0, report
    return report


@pytest.mark.parametrize("template", load_templates(), ids=lambda t: t.slug)
def test_each_template_runs_with_its_sample_payload(
        template: Template, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[str] = []

    def echo(request: Recorded) -> Answer:
        calls.append(f"{request.method} {request.path}")
        return Answer.of(200, {"url": request.path, "json": request.json() if request.body
                               else None})

    with serve(echo) as port:
        report = run(template, f"http://127.0.0.1:{port}/anything", tmp_path, capsys)
    assert report["status"] == "success" and report["operations"] >= 1
    uses_http = ECHO in template.blueprint_path.read_text()
    assert bool(calls) == uses_http, calls
