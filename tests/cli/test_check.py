"""`scenarist check`: validity, modules not implemented yet, and the coverage table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from engine.registry import Registry
from engine.spec import ModuleSpec

CORPUS = Path("/work/shared/corpus/blueprints")


def blueprint(*modules: tuple[int, str]) -> str:
    flow = [{"id": i, "module": name, "version": 1, "mapper": {}} for i, name in modules]
    return json.dumps({"name": "t", "flow": flow, "metadata": {"version": 1}})


@pytest.fixture(autouse=True)
def known_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """A registry implementing exactly the webhook and Set variable modules."""
    registry = Registry([
        ModuleSpec(id="gateway:CustomWebHook", label="Webhook", kind="instant_trigger"),
        ModuleSpec(id="util:SetVariable2", label="Set variable", kind="transformer"),
    ])
    monkeypatch.setattr("app.commands.check.default_registry", lambda: registry)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {
        "orders": tmp_path / "orders.blueprint.json",
        "crm": tmp_path / "crm export (1).json",
    }
    paths["orders"].write_text(blueprint(
        (1, "gateway:CustomWebHook"), (2, "acme:DoThing"), (3, "util:SetVariable2"),
        (4, "acme:DoThing")))
    paths["crm"].write_text(blueprint((1, "util:SetVariable2"), (2, "hubspot:Search")))
    return paths


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_lists_unimplemented_modules_per_file_and_a_coverage_table(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(files["orders"]), str(files["crm"]))
    assert code == 0 and err == ""
    orders_block = out.split(str(files["crm"]))[0]
    assert "acme:DoThing (modules 2, 4)" in orders_block
    assert "util:SetVariable2" not in orders_block.split("\n", 1)[1]
    assert "hubspot:Search (module 2)" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if ":" in line
            and len(line.split()) == 4}
    assert rows["util:SetVariable2"] == ["2", "2", "yes"]
    assert rows["acme:DoThing"] == ["1", "2", "no"]
    assert rows["hubspot:Search"] == ["1", "1", "no"]
    # 6 uses, 3 of them implemented
    assert "6 module uses, 3 supported (50.0%)" in out
    assert "2 files checked: 2 valid, 0 invalid" in out


def test_shipped_and_workspace_apps_count_as_implemented(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.connections.apps import keyed_app

    keyed_app(tmp_path / "ws" / "apps")
    path = tmp_path / "apps.blueprint.json"
    path.write_text(blueprint((1, "gist:createUser"), (2, "keyed:getMe"), (3, "acme:DoThing")))
    code, out, _ = run(capsys, str(path), "--data-dir", str(tmp_path / "ws"))
    assert code == 0
    assert "acme:DoThing (module 3)" in out and "gist:createUser (" not in out
    assert "keyed:getMe (" not in out
    assert "3 module uses, 2 supported (66.7%)" in out


def test_invalid_file_exits_2_with_file_module_and_path_once(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"flow": [
        {"id": 1, "module": "builtin:BasicRouter", "routes": [
            {"flow": [{"id": 2, "module": "util:SetVariable2"}]},
            {"flow": [{"id": 2, "module": "util:SetVariable2"}]},
        ]}]}))
    code, out, err = run(capsys, str(files["orders"]), str(bad))
    assert code == 2  # as `scenarist run` exits for an invalid blueprint
    assert str(bad) in err and "module 2" in err and "flow[0].routes[1].flow[0].id" in err
    assert (err + out).count("used twice") == 1  # one message per problem
    assert f"{bad}: INVALID, 1 problem" in out
    assert "acme:DoThing" in out  # the valid file is still reported


def test_json_syntax_error_reports_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"flow": [\n  {"id": 1,, "module": "a:B"}]}')
    code, out, err = run(capsys, str(bad))
    assert code == 2
    assert "line 2, column 12" in err and "line 2" not in out


def test_missing_file_is_a_bad_argument(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, str(files["orders"]), str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json" in err


def test_a_folder_checks_every_json_file_inside(
    files: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "readme.txt").write_text("not a blueprint")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0
    assert str(files["orders"]) in out and str(files["crm"]) in out
    assert "readme" not in out
    assert "2 files checked" in out


def test_recursive_folders(files: dict[str, Path], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    nested = tmp_path / "more"
    nested.mkdir()
    (nested / "deep.json").write_text(blueprint((1, "util:SetVariable2")))
    assert "2 files checked" in run(capsys, str(tmp_path))[1]
    assert "3 files checked" in run(capsys, "-r", str(tmp_path))[1]


def test_json_output(files: dict[str, Path], tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text('{"flow": {}}')
    code, out, _ = run(capsys, "--json", str(files["orders"]), str(bad))
    assert code == 2
    report: dict[str, Any] = json.loads(out)
    orders, broken = report["files"]
    assert orders["valid"] and orders["modules"] == 4
    assert orders["unsupported"] == {"acme:DoThing": [2, 4]}
    assert broken["valid"] is False and broken["error"]["path"] == "flow"
    assert [p["path"] for p in broken["problems"]] == ["flow"]
    totals = report["coverage"]["totals"]
    assert (totals["uses"], totals["supported_uses"], totals["percent_supported"]) == (4, 2, 50.0)
    assert report["coverage"]["modules"][0] == {
        "module": "acme:DoThing", "files": 1, "uses": 2, "supported": False}


# Two genuine exports hold mappings that don't compile: `{{{{33.`0`}}}}` and an unknown
# function `dateDiff(...)`. As in Make, those modules fail when they run; the files are valid.
BROKEN_MAPPINGS = {
    "mrlmbrown__make-blueprints__Instructor Onboarding Automation.blueprint.json",
    "mrlmbrown__make-blueprints__make-blueprints__make- scenario JSON files__"
    "Full DevOps CI-CD Event Pipeline.blueprint.json",
}


def test_every_real_export_is_valid_and_broken_mappings_are_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "--json", str(CORPUS))
    report = json.loads(out)
    assert len(report["files"]) == len(list(CORPUS.glob("*.json")))
    assert [f["file"] for f in report["files"] if not f["valid"]] == [], err
    deferred = {Path(f["file"]).name: [w for w in f["warnings"]
                                       if "fails when this module runs" in w["message"]]
                for f in report["files"]}
    assert {name for name, found in deferred.items() if found} == BROKEN_MAPPINGS
    for name in BROKEN_MAPPINGS:  # located: mapper field and column
        assert all(".mapper." in w["path"] and "column" in w["message"] for w in deferred[name])
    assert code == 0


def test_unknown_filter_operators_are_a_warning_and_the_file_stays_valid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ops.json"
    data = json.loads(blueprint((1, "gateway:CustomWebHook"), (2, "util:SetVariable2")))
    data["flow"][1]["filter"] = {"name": "has text", "conditions": [
        [{"a": "{{1.text}}", "o": "text:isnotempty"}]]}
    path.write_text(json.dumps(data))
    code, out, err = run(capsys, str(path))
    assert code == 0 and err == ""
    assert (f"{path}: ok, 2 modules, all implemented\n"
            "  warning: module 2: flow[1].filter.conditions[0][0].o: filter operator "
            "'text:isnotempty' is not supported yet") in out
    code, out, _ = run(capsys, "--json", str(path))
    [entry] = json.loads(out)["files"]
    assert entry["valid"] and entry["warnings"][0]["path"] == "flow[1].filter.conditions[0][0].o"
