"""Error handling: the five directives, incomplete executions, rollback."""

from __future__ import annotations

from tests.executor.conftest import echo, source_of


def failing(module_id: int, onerror: list | None = None) -> dict:
    node = echo(module_id, fail="{{if(1.bad; 1.id; emptystring)}}", id="{{1.id}}")
    if onerror is not None:
        node["onerror"] = onerror
    return node


BUNDLES = ({"id": "p1"}, {"id": "p2", "bad": True}, {"id": "p3"})


def directive(module_id: int, name: str, **mapper) -> dict:
    return {"id": module_id, "module": f"builtin:{name}", "mapper": mapper or None}


async def test_ignore_drops_the_bundle_and_the_run_succeeds(run):
    ran = await run(
        [source_of(*BUNDLES), failing(2, [directive(9, "Ignore")]), echo(3, id="{{2.id}}")]
    )
    assert [b["id"] for b in ran.outputs(3)] == ["p1", "p3"]
    assert ran.result.status == "success"
    assert ran.result.errors_by_module[2][0]["message"] == "failed on p2"


async def test_resume_substitutes_the_output_and_goes_on(run):
    ran = await run(
        [
            source_of(*BUNDLES),
            failing(2, [directive(9, "Resume", id="substitute")]),
            echo(3, id="{{2.id}}"),
        ]
    )
    assert [b["id"] for b in ran.outputs(3)] == ["p1", "substitute", "p3"]
    assert ran.result.status == "success"


async def test_handler_route_sees_the_error_and_runs_before_its_directive(run):
    ran = await run(
        [
            source_of(*BUNDLES),
            failing(2, [echo(8, log="{{2.error.message}} for {{1.id}}"), directive(9, "Ignore")]),
        ]
    )
    assert ran.outputs(8) == [{"log": "failed on p2 for p2"}]
    assert ran.ops(8) == 1 and ran.ops(9) == 0


async def test_commit_stops_the_run_keeps_the_writes_and_succeeds(run):
    ran = await run(
        [
            source_of(*BUNDLES),
            {"id": 4, "module": "test:Write", "mapper": {"value": "{{1.id}}"}},
            failing(2, [directive(9, "Commit")]),
            echo(3, id="{{2.id}}"),
        ],
        autoCommit=False,
    )
    assert [b["id"] for b in ran.outputs(3)] == ["p1"]
    assert ran.result.status == "success"
    assert ran.services.store.committed == ["p1", "p2"]


async def test_rollback_stops_the_run_drops_held_writes_and_fails(run):
    ran = await run(
        [
            source_of(*BUNDLES),
            {"id": 4, "module": "test:Write", "mapper": {"value": "{{1.id}}"}},
            failing(2, [directive(9, "Rollback")]),
        ],
        autoCommit=False,
    )
    assert ran.result.status == "error"
    assert ran.services.store.committed == []
    assert ran.services.store.rolled_back == ["p1", "p2"]


async def test_break_stores_an_incomplete_execution_and_the_rest_goes_on(run):
    ran = await run(
        [
            source_of(*BUNDLES),
            failing(2, [directive(9, "Break", retry=False, count="3", interval="15")]),
            echo(3, id="{{2.id}}"),
        ],
        dlq=True,
    )
    assert [b["id"] for b in ran.outputs(3)] == ["p1", "p3"]
    assert ran.result.status == "warning"
    assert ran.result.incomplete_executions == 1


async def test_unhandled_error_stops_the_run_with_status_error(run):
    ran = await run([source_of(*BUNDLES), failing(2), echo(3, id="{{2.id}}")])
    assert [b["id"] for b in ran.outputs(3)] == ["p1"]
    assert ran.result.status == "error"
    assert ran.result.error["module_id"] == 2


async def test_unhandled_error_with_incomplete_executions_allowed_is_a_warning(run):
    ran = await run([source_of(*BUNDLES), failing(2), echo(3, id="{{2.id}}")], dlq=True)
    assert [b["id"] for b in ran.outputs(3)] == ["p1", "p3"]
    assert ran.result.status == "warning"
    assert ran.result.incomplete_executions == 1


async def test_a_bad_mapping_fails_the_module_naming_it(run):
    ran = await run([source_of({"x": "a"}), echo(2, v='{{parseDate(1.x; "YYYY")}}')])
    assert ran.result.status == "error"
    assert ran.result.error["module_id"] == 2


async def test_unsupported_module_fails_the_run_before_anything_runs(run):
    ran = await run([source_of({"x": 1}), {"id": 2, "module": "slack:CreateMessage"}])
    assert ran.result.status == "error"
    assert "2 (slack:CreateMessage)" in ran.result.error["message"]
    assert ran.result.operations == 0
