"""`scenarist activate / deactivate / scenarios / settings`: registering scenarios for the
background runtime, with clear refusals that lose nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.incomplete.helpers import cli, cli_json, write_json
from tests.runtime.helpers import http_blueprint, webhook_blueprint

# State on SQLite and on PostgreSQL (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("backend")


def ws_args(tmp_path: Path) -> list[str]:
    return ["--data-dir", str(tmp_path / "ws")]


def test_activate_lists_and_deactivates(tmp_path: Path, capsys: Any) -> None:
    hook = write_json(tmp_path / "hook.json", webhook_blueprint("Greeter"))
    poll = write_json(tmp_path / "poll.json", http_blueprint("Poll", "http://127.0.0.1:9/x"))
    code, out, err = cli(capsys, "activate", str(hook), *ws_args(tmp_path))
    assert code == 0, err
    assert "activated 'Greeter': Immediately, as data arrives" in out
    assert "webhook URL: http://127.0.0.1:8765/hook/" in out
    status = cli_json(capsys, "activate", str(poll), "--schedule", "daily 09:00", "--json",
                      *ws_args(tmp_path))
    assert status["schedule"] == {"type": "daily", "time": "09:00"}
    assert status["webhook_url"] is None and status["active"]
    listed = {s["name"]: s for s in cli_json(capsys, "scenarios", "list", "--json",
                                             *ws_args(tmp_path))}
    assert set(listed) == {"Greeter", "Poll"}
    assert {k for k in listed["Greeter"]} >= {"name", "active", "schedule", "next_run",
                                              "webhook_url", "queue"}
    assert listed["Greeter"]["queue"] == 0
    url = listed["Greeter"]["webhook_url"]
    # activating again keeps the hook's URL and the schedule it was given
    cli(capsys, "activate", str(hook), *ws_args(tmp_path))
    cli(capsys, "activate", str(poll), *ws_args(tmp_path))
    again = {s["name"]: s for s in cli_json(capsys, "scenarios", "list", "--json",
                                            *ws_args(tmp_path))}
    assert again["Greeter"]["webhook_url"] == url
    assert again["Poll"]["schedule"] == {"type": "daily", "time": "09:00"}
    code, out, _err = cli(capsys, "deactivate", "Poll", *ws_args(tmp_path))
    assert (code, out.strip()) == (0, "deactivated 'Poll'")
    code, _out, err = cli(capsys, "scenarios", "remove", "Greeter", *ws_args(tmp_path))
    assert code == 1 and "is active; deactivate it first" in err
    code, _out, _err = cli(capsys, "scenarios", "remove", "Poll", *ws_args(tmp_path))
    assert code == 0
    assert [s["name"] for s in cli_json(capsys, "scenarios", "list", "--json",
                                        *ws_args(tmp_path))] == ["Greeter"]
    assert poll.exists()


def test_activate_refuses_what_cannot_run(tmp_path: Path, capsys: Any) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "Broken", "flow": [{"id": 1, "module": ')
    code, _out, err = cli(capsys, "activate", str(broken), *ws_args(tmp_path))
    assert code == 2 and "broken.json" in err
    assert broken.read_text().endswith('"module": ')  # never rewritten
    poll = write_json(tmp_path / "poll.json", http_blueprint("Poll", "http://127.0.0.1:9/x"))
    code, _out, err = cli(capsys, "activate", str(poll), "--schedule", "immediately",
                          *ws_args(tmp_path))
    assert code == 2 and "only a scenario that starts with an instant trigger" in err
    code, _out, err = cli(capsys, "activate", str(poll), "--schedule", "every 10s",
                          *ws_args(tmp_path))
    assert code == 2 and "the shortest interval is 1 minute" in err
    unsupported = write_json(tmp_path / "slack.json", {"name": "Slack", "flow": [
        {"id": 1, "module": "nosuchapp:CreateMessage", "parameters": {}}]})
    code, _out, err = cli(capsys, "activate", str(unsupported), *ws_args(tmp_path))
    assert code == 2 and "1 (nosuchapp:CreateMessage)" in err
    code, _out, err = cli(capsys, "deactivate", "Nope", *ws_args(tmp_path))
    assert code == 1 and "no scenario named 'Nope'" in err
    listed = cli_json(capsys, "scenarios", "list", "--json", *ws_args(tmp_path))
    assert listed == []


def test_two_files_may_not_share_a_name(tmp_path: Path, capsys: Any) -> None:
    first = write_json(tmp_path / "a.json", webhook_blueprint("Same"))
    second = write_json(tmp_path / "b.json", webhook_blueprint("Same"))
    assert cli(capsys, "activate", str(first), *ws_args(tmp_path))[0] == 0
    code, _out, err = cli(capsys, "activate", str(second), *ws_args(tmp_path))
    assert code == 2 and "already registered from" in err and "a.json" in err


def test_settings_are_checked_and_shown(tmp_path: Path, capsys: Any) -> None:
    code, out, err = cli(capsys, "settings", "set", "host", "0.0.0.0", *ws_args(tmp_path))
    assert code == 0 and "every computer that can reach this one" in err
    code, _out, err = cli(capsys, "settings", "set", "timezone", "Mars/Base",
                          *ws_args(tmp_path))
    assert code == 2 and "unknown time zone 'Mars/Base'" in err
    code, _out, err = cli(capsys, "settings", "set", "port", "http", *ws_args(tmp_path))
    assert code == 2 and "whole number" in err
    cli(capsys, "settings", "set", "public_url", "https://hooks.example.org",
        *ws_args(tmp_path))
    values = cli_json(capsys, "settings", "list", "--json", *ws_args(tmp_path))
    assert values["host"] == "0.0.0.0" and values["port"] == 8765
    hook = write_json(tmp_path / "hook.json", webhook_blueprint("Greeter"))
    status = cli_json(capsys, "activate", str(hook), "--json", *ws_args(tmp_path))
    assert status["webhook_url"].startswith("https://hooks.example.org/hook/")
