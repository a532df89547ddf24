"""Make's execution semantics: depth-first bundles, routers, filters, operations."""

from __future__ import annotations

from tests.executor.conftest import echo, source_of, when


async def test_each_bundle_travels_to_the_end_before_the_next_starts(run):
    ran = await run(
        [
            source_of({"n": 1}, {"n": 2}),
            {"id": 2, "module": "test:Split", "mapper": {"items": ["a", "b"]}},
            echo(3, tag="{{1.n}}-{{2.value}}"),
        ]
    )
    assert [b["tag"] for b in ran.outputs(3)] == ["1-a", "1-b", "2-a", "2-b"]
    # The trigger counts one operation whatever it returns; the others one per bundle.
    assert (ran.ops(1), ran.ops(2), ran.ops(3)) == (1, 2, 4)
    assert ran.result.operations == 7
    assert ran.result.status == "success"


async def test_first_module_counts_one_operation_even_with_no_bundles(run):
    ran = await run([source_of(), echo(2, x="1")])
    assert ran.result.operations == 1
    assert ran.ops(2) == 0


async def test_filter_stops_the_bundle_and_the_blocked_module_costs_nothing(run):
    ran = await run(
        [
            source_of({"n": 5}, {"n": 50}),
            {**echo(2, n="{{1.n}}"), "filter": when("{{1.n}}", "number:greater", "10")},
            echo(3, after="{{2.n}}"),
        ]
    )
    assert ran.outputs(2) == [{"n": 50}]
    assert ran.outputs(3) == [{"after": 50}]
    assert (ran.ops(2), ran.ops(3)) == (1, 1)


async def test_router_runs_routes_in_order_and_a_bundle_may_take_several(run):
    ran = await run(
        [
            source_of({"n": 1}, {"n": 20}),
            {
                "id": 2,
                "module": "builtin:BasicRouter",
                "routes": [
                    {
                        "flow": [
                            {
                                **echo(3, r="big {{1.n}}"),
                                "filter": when("{{1.n}}", "number:greater", "10"),
                            }
                        ]
                    },
                    {"flow": [echo(4, r="all {{1.n}}")]},
                ],
            },
        ]
    )
    visits = ran.sequence((3, 4), "r")
    assert visits == ["all 1", "big 20", "all 20"]
    assert ran.ops(2) == 0  # routers cost no operation
    assert ran.result.operations == 4


async def test_fallback_route_runs_last_and_only_for_bundles_no_route_took(run):
    ran = await run(
        [
            source_of({"c": "a"}, {"c": "z"}),
            {
                "id": 2,
                "module": "builtin:BasicRouter",
                "parameters": {"else": 0},
                "routes": [
                    {"flow": [echo(3, r="fallback {{1.c}}")]},
                    {
                        "flow": [
                            {**echo(4, r="a {{1.c}}"), "filter": when("{{1.c}}", "text:equal", "a")}
                        ]
                    },
                    {"flow": [echo(5, r="off")], "disabled": True},
                ],
            },
        ]
    )
    visits = ran.sequence((3, 4, 5), "r")
    assert visits == ["a a", "fallback z"]


async def test_a_filter_on_a_router_guards_all_its_routes(run):
    ran = await run(
        [
            source_of({"ok": False}, {"ok": True}),
            {
                "id": 2,
                "module": "builtin:BasicRouter",
                "filter": when("{{1.ok}}", "boolean:equal", "true"),
                "routes": [{"flow": [echo(3, x="r1")]}, {"flow": [echo(4, x="r2")]}],
            },
        ]
    )
    assert (ran.ops(3), ran.ops(4)) == (1, 1)


async def test_if_else_runs_the_first_matching_branch_and_merge_joins(run):
    flow = [
        source_of({"p": "high"}, {"p": "low"}, {"p": "HIGH"}),
        {
            "id": 2,
            "module": "builtin:BasicIfElse",
            "branches": [
                {
                    "type": "condition",
                    "conditions": [[{"a": "{{1.p}}", "o": "text:equal", "b": "high"}]],
                    "merge": True,
                    "flow": [echo(3, v="fast")],
                },
                {
                    "type": "condition",
                    "conditions": [[{"a": "{{1.p}}", "o": "text:equal", "b": "low"}]],
                    "merge": False,
                    "flow": [echo(6, v="dropped")],
                },
                {"type": "else", "merge": True, "flow": [echo(4, v="slow")]},
            ],
        },
        {
            "id": 5,
            "module": "builtin:BasicMerge",
            "outputs": [{"name": "msg", "mappings": ["{{3.v}}", "{{4.v}}"]}],
        },
        echo(7, got="{{5.msg}}"),
    ]
    ran = await run(flow)
    assert [b["got"] for b in ran.outputs(7)] == ["fast", "slow"]
    assert (ran.ops(3), ran.ops(4), ran.ops(6)) == (1, 1, 1)


async def test_single_expression_keeps_native_types_through_modules(run):
    ran = await run(
        [
            source_of({"items": [1, 2], "flag": True}),
            echo(2, items="{{1.items}}", flag="{{1.flag}}"),
        ]
    )
    assert ran.outputs(2) == [{"items": [1, 2], "flag": True}]
