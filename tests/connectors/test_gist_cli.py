"""The Gist connector from the command line, as a user meets it: a connection made with
`scenarist connections add gist`, then `scenarist run` of a Make-style blueprint (Create User
→ List Users → Tag/Untag Users or Leads) against the local fake Gist API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from tests.connectors.test_gist import onboarding_blueprint
from tests.secrets.scan import leaks
from tests.support import fake_gist as support
from tests.support.fake_gist import FakeGist

fake_gist = support.fake_gist


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_gist_scenario_runs_with_a_connection_added_on_the_cli(
        fake_gist: FakeGist, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ws = ("--data-dir", str(tmp_path / "ws"))
    code, out, err = cli(capsys, "connections", "add", "gist", "--name", "Work",
                         "--set", f"apiKey={fake_gist.api_key}",
                         "--set", f"baseUrl={fake_gist.url}", "--make-id", "7", "--json", *ws)
    assert code == 0, err
    connection_id = json.loads(out)["id"]
    code, out, err = cli(capsys, "connections", "test", connection_id, *ws)
    assert code == 0, err

    code, out, _ = cli(capsys, "apps", "list", "--json", *ws)
    gist = {row["module"] for row in json.loads(out) if row["app"] == "gist"}
    assert {"gist:createUser", "gist:listUsers", "gist:tagUntagUsersOrLeads",
            "gist:watchEvents", "gist:makeApiCall"} <= gist

    fake_gist.add_contact(email="old@example.com", user_id=1, tags=["beta"])
    blueprint = tmp_path / "onboarding.blueprint.json"
    blueprint.write_text(json.dumps(onboarding_blueprint(7)))  # 7: the id the export carries
    code, out, err = cli(capsys, "run", str(blueprint), "--report", "json", *ws)
    assert code == 0, err
    report = json.loads(out)
    assert report["status"] == "success", report
    assert {m: report["modules"][m]["operations"] for m in "123"} == {"1": 1, "2": 1, "3": 2}
    onboarded = next(t["id"] for t in fake_gist.tags.values() if t["name"] == "Onboarded")
    auth = {"authorization": f"Bearer {fake_gist.api_key}"}
    _, _, answer = fake_gist.handle("GET", f"/contacts?tag_id={onboarded}", auth, b"")
    assert sorted(c["email"] for c in answer["contacts"]) == ["ada@example.com",
                                                              "old@example.com"]
    assert all(r.headers["authorization"] == f"Bearer {fake_gist.api_key}"
               for r in fake_gist.requests)
    # The key reached Gist and nothing else: not the workspace, not what was printed.
    assert leaks([fake_gist.api_key], tmp_path / "ws", [("report", out), ("stderr", err)]) == []
