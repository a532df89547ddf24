"""Blueprints and CLI helpers shared by the history tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main


def leads_blueprint(name: str = "Leads", **settings: Any) -> dict[str, Any]:
    """Webhook -> iterator -> compose a greeting per item."""
    return {
        "name": name,
        "flow": [
            {"id": 1, "module": "gateway:CustomWebHook", "parameters": {"maxResults": 1},
             "mapper": {}},
            {"id": 2, "module": "builtin:BasicFeeder", "mapper": {"array": "{{1.items}}"}},
            {"id": 3, "module": "util:ComposeTransformer",
             "mapper": {"value": "Hello {{2.name}}"}},
        ],
        "metadata": {"scenario": settings},
    }


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    return code, capsys.readouterr().out


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out = cli(capsys, *argv)
    assert code == 0, out
    return json.loads(out)


def run_leads(tmp_path: Path, capsys: pytest.CaptureFixture[str], names: list[str],
              blueprint: dict[str, Any] | None = None, *extra: str) -> dict[str, Any]:
    """`scenarist run` a blueprint with a webhook body of items; returns the run report."""
    bp = write_json(tmp_path / "blueprint.json", blueprint or leads_blueprint())
    request = write_json(tmp_path / "request.json",
                         {"body": {"items": [{"name": n} for n in names]}})
    code, out = cli(capsys, "run", str(bp), "--input", str(request), "--report", "json",
                    "--data-dir", str(tmp_path / "ws"), *extra)
    report: dict[str, Any] = json.loads(out)
    assert code == (1 if report["status"] == "error" else 0)
    return report
