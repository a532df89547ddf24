"""The command line in this process (its keyring is the test's in-memory one), and the
blueprints the mail tests run, shaped like real Make exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main


class Cli:
    """`scenarist ...` in one workspace, keeping everything it printed (for leak checks)."""

    def __init__(self, workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.workspace = workspace
        self.capsys = capsys
        self.printed: list[tuple[str, str]] = []

    def __call__(self, *args: str, code: int | None = 0) -> str:
        done = main([*args, "--data-dir", str(self.workspace)])
        out, err = self.capsys.readouterr()
        self.printed += [(f"{args[:2]} stdout", out), (f"{args[:2]} stderr", err)]
        if code is not None:
            assert done == code, err + out
        return out

    def add_email(self, make_id: int, port: int, *, user: str = "ada@example.com",
                  password: str = "", tls: str = "none", ca: str | None = None) -> str:
        values = ["host=127.0.0.1", f"port={port}", f"user={user}", f"tls={tls}"]
        if password:
            values.append(f"password={password}")
        if ca is not None:
            values.append(f"ca={ca}")
        sets = [arg for value in values for arg in ("--set", value)]
        out = self("connections", "add", "email", "--name", f"mail {make_id}", *sets,
                   "--make-id", str(make_id), "--json")
        return str(json.loads(out)["id"])

    def run(self, blueprint: dict[str, Any], *extra: str, name: str = "scenario",
            code: int | None = 0) -> Any:
        path = self.workspace.parent / f"{name}.blueprint.json"
        path.write_text(json.dumps(blueprint), encoding="utf-8")
        return json.loads(self("run", str(path), "--report", "json", *extra, code=code))


def scenario(name: str, *flow: dict[str, Any], io: dict[str, Any] | None = None
             ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name, "flow": list(flow),
        "metadata": {"instant": False, "version": 1, "designer": {"orphans": []},
                     "scenario": {"roundtrips": 1, "maxErrors": 3, "autoCommit": True,
                                  "autoCommitTriggerLast": True, "sequential": False,
                                  "confidential": False, "dataloss": False, "dlq": False,
                                  "freshVariables": False}, "zone": "eu1.make.com"},
    }
    if io is not None:
        out["io"] = io
    return out


def module(module_id: int, name: str, version: int = 1, *, parameters: Any = None,
           mapper: Any = None, **more: Any) -> dict[str, Any]:
    return {"id": module_id, "module": name, "version": version,
            "parameters": parameters or {}, "mapper": mapper if mapper is not None else {},
            "metadata": {"designer": {"x": 300 * module_id, "y": 0}}, **more}


def send_email(module_id: int, account: int, **mapper: Any) -> dict[str, Any]:
    """`email:ActionSendEmail` v7 as Make exports it (every field present)."""
    fields: dict[str, Any] = {"to": [], "subject": "", "contentType": "html", "html": "",
                              "attachments": [], "cc": [], "bcc": [], "from": "",
                              "sender": "", "replyTo": "", "inReplyTo": "", "references": [],
                              "priority": "normal", "headers": []}
    fields.update(mapper)
    return module(module_id, "email:ActionSendEmail", 7,
                  parameters={"account": account, "saveAfterSent": False}, mapper=fields)


def watch_emails(module_id: int, account: int, **parameters: Any) -> dict[str, Any]:
    """`email:TriggerNewEmail` v7 as Make exports it (its settings are parameters)."""
    fields: dict[str, Any] = {"to": "", "from": "", "text": "", "folder": "INBOX",
                              "account": account, "subject": "", "criteria": "ALL",
                              "markSeen": False, "maxResults": 10}
    fields.update(parameters)
    return module(module_id, "email:TriggerNewEmail", 7, parameters=fields)
