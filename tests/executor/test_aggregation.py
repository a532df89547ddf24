"""Iterators and aggregators: the loop a feeder opens and its aggregator closes."""

from __future__ import annotations

from tests.executor.conftest import echo, source_of, when


def split(module_id: int, items: str) -> dict:
    return {"id": module_id, "module": "builtin:BasicFeeder", "mapper": {"array": items}}


def aggregate(module_id: int, feeder: int, **mapper) -> dict:
    return {
        "id": module_id,
        "module": "builtin:BasicAggregator",
        "parameters": {"feeder": feeder},
        "mapper": mapper,
    }


async def test_aggregator_emits_once_after_its_feeders_bundles(run):
    ran = await run(
        [
            source_of({"items": [{"n": 1}, {"n": 2}, {"n": 3}], "order": "O-1"}),
            split(2, "{{1.items}}"),
            echo(3, doubled="{{2.n * 2}}"),
            aggregate(4, 2, d="{{3.doubled}}"),
            echo(5, order="{{1.order}}", all="{{4.array}}"),
        ]
    )
    assert ran.outputs(4) == [{"array": [{"d": 2}, {"d": 4}, {"d": 6}]}]
    # Modules before the loop are still mapped after the aggregator.
    assert ran.outputs(5) == [{"order": "O-1", "all": [{"d": 2}, {"d": 4}, {"d": 6}]}]
    assert (ran.ops(2), ran.ops(3), ran.ops(4), ran.ops(5)) == (1, 3, 1, 1)


async def test_one_aggregation_per_incoming_bundle_of_the_feeder(run):
    ran = await run(
        [
            source_of({"items": [1, 2]}, {"items": [3]}),
            split(2, "{{1.items}}"),
            aggregate(3, 2, v="{{2.value}}"),
        ]
    )
    assert ran.outputs(3) == [{"array": [{"v": 1}, {"v": 2}]}, {"array": [{"v": 3}]}]


async def test_aggregators_in_two_routes_each_close_the_same_loop(run):
    ran = await run(
        [
            source_of({"items": [1, 5, 10, 20]}),
            split(2, "{{1.items}}"),
            {
                "id": 3,
                "module": "builtin:BasicRouter",
                "routes": [
                    {
                        "flow": [
                            {
                                **aggregate(4, 2, v="{{2.value}}"),
                                "filter": when("{{2.value}}", "number:less", "6"),
                            }
                        ]
                    },
                    {
                        "flow": [
                            {
                                **aggregate(5, 2, v="{{2.value}}"),
                                "filter": when("{{2.value}}", "number:greaterorequal", "6"),
                            }
                        ]
                    },
                ],
            },
        ]
    )
    assert ran.outputs(4) == [{"array": [{"v": 1}, {"v": 5}]}]
    assert ran.outputs(5) == [{"array": [{"v": 10}, {"v": 20}]}]


async def test_empty_loop_gives_an_empty_array_unless_stop_if_empty(run):
    ran = await run([source_of({"items": []}), split(2, "{{1.items}}"), aggregate(3, 2, v="x")])
    assert ran.outputs(3) == [{"array": []}]
    stopped = await run(
        [
            source_of({"items": []}),
            split(2, "{{1.items}}"),
            {**aggregate(3, 2, v="x"), "flags": {"stopIfEmpty": True}},
        ]
    )
    assert stopped.outputs(3) == []
    assert stopped.ops(3) == 0


async def test_group_by_gives_one_bundle_per_key_in_first_seen_order(run):
    ran = await run(
        [
            source_of({"items": [{"k": "b", "v": 1}, {"k": "a", "v": 2}, {"k": "b", "v": 3}]}),
            split(2, "{{1.items}}"),
            {**aggregate(3, 2, v="{{2.v}}"), "flags": {"groupBy": "{{2.k}}"}},
        ]
    )
    assert ran.outputs(3) == [
        {"__IMTKEY__": "b", "array": [{"v": 1}, {"v": 3}]},
        {"__IMTKEY__": "a", "array": [{"v": 2}]},
    ]
    assert ran.ops(3) == 2


async def test_iterator_adds_position_and_wraps_primitives(run):
    ran = await run([source_of({"items": ["x", "y"]}), split(2, "{{1.items}}")])
    assert ran.outputs(2) == [
        {"value": "x", "__IMTINDEX__": 1, "__IMTLENGTH__": 2},
        {"value": "y", "__IMTINDEX__": 2, "__IMTLENGTH__": 2},
    ]
