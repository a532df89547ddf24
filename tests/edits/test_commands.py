"""Editor actions as pure edits: each does what a Make user expects and undoes exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.blueprint import Blueprint
from engine.edits import commands as c
from engine.edits.graph import project
from engine.edits.layout import auto_layout
from engine.edits.tree import find, modules, orphans, position

CASES = Path(__file__).resolve().parents[3] / "shared" / "acceptance" / "cases"


def snapshot(bp: Blueprint) -> str:
    return json.dumps(bp.to_json_obj(), sort_keys=True)


def applied(bp: Blueprint, edit: c.Edit) -> c.Edit:
    """Apply an edit, check its inverse restores the blueprint, redo it; return the inverse."""
    before = snapshot(bp)
    inverse = edit.apply(bp)
    after = snapshot(bp)
    inverse.apply(bp)
    assert snapshot(bp) == before
    edit.apply(bp)
    assert snapshot(bp) == after
    return inverse


def links(bp: Blueprint) -> set[tuple[int, int, str]]:
    return {(link.source, link.target, link.kind) for link in project(bp).links}


def build_iterator_aggregator() -> Blueprint:
    """The official iterator-aggregator pattern, built the way a user clicks it together."""
    bp = Blueprint.model_validate({"name": "Iterator and Aggregator"})
    ids = []
    for k, module in enumerate(
        [
            "gateway:CustomWebHook",
            "builtin:BasicFeeder",
            "util:ComposeTransformer",
            "builtin:BasicAggregator",
            "http:MakeRequest",
        ]
    ):
        edit, module_id = c.add_module(bp, module, k * 300, 0)
        applied(bp, edit)
        if ids:
            applied(bp, c.connect(bp, ids[-1], module_id))
        ids.append(module_id)
    return bp


def test_first_module_is_the_trigger_and_others_wait_unattached():
    bp = Blueprint.model_validate({})
    edit, first = c.add_module(bp, "gateway:CustomWebHook", 0, 0)
    applied(bp, edit)
    edit, second = c.add_module(bp, "util:ComposeTransformer", 300, 0)
    applied(bp, edit)
    assert [n.id for n in bp.flow] == [first]
    assert [[n.id for n in chain] for chain in orphans(bp)] == [[second]]
    assert project(bp).modules[first].first


def test_linking_builds_the_flow_and_a_second_link_makes_a_router():
    bp = build_iterator_aggregator()
    assert [n.module for n in bp.flow][:2] == ["gateway:CustomWebHook", "builtin:BasicFeeder"]
    assert len(bp.flow) == 5 and orphans(bp) == []
    edit, extra = c.add_module(bp, "util:SetVariable2", 600, 300)
    applied(bp, edit)
    applied(bp, c.connect(bp, 2, extra))  # the iterator already leads to module 3
    router = bp.flow[2]
    assert router.module == "builtin:BasicRouter"
    assert [[n.id for n in r.flow] for r in router.routes] == [[3, 4, 5], [extra]]
    # Linking from the router adds a route.
    edit, third = c.add_module(bp, "util:SetVariable2", 900, 600)
    applied(bp, edit)
    applied(bp, c.connect(bp, router.id, third))
    assert len(router.routes) == 3


def test_links_that_make_no_sense_are_refused_and_change_nothing():
    bp = build_iterator_aggregator()
    before = snapshot(bp)
    with pytest.raises(c.EditError, match="already has an incoming link"):
        c.connect(bp, 1, 3)
    with pytest.raises(c.EditError):
        c.connect(bp, 2, 2)
    assert snapshot(bp) == before


def test_insert_on_a_link_keeps_the_filter_with_the_module_it_guards():
    bp = build_iterator_aggregator()
    applied(
        bp, c.set_filter(bp, 3, {"name": "f", "conditions": [[{"a": "{{2.qty}}", "o": "exist"}]]})
    )
    link = next(x for x in project(bp).links if x.target == 3)
    edit, new = c.insert_on_link(bp, link, "util:SetVariable2")
    applied(bp, edit)
    assert [n.id for n in bp.flow] == [1, 2, new, 3, 4, 5]
    assert bp.flow[3].filter is not None and bp.flow[2].filter is None


def test_remove_link_then_delete_module():
    bp = build_iterator_aggregator()
    link = next(x for x in project(bp).links if x.target == 4)
    applied(bp, c.disconnect(bp, link))
    assert [n.id for n in bp.flow] == [1, 2, 3]
    assert [[n.id for n in ch] for ch in orphans(bp)] == [[4, 5]]
    applied(bp, c.delete_modules(bp, [2]))
    assert [n.id for n in bp.flow] == [1, 3]
    assert (1, 3, "flow") in links(bp)


def test_deleting_a_router_leaves_its_routes_unattached():
    bp = build_iterator_aggregator()
    edit, extra = c.add_module(bp, "util:SetVariable2", 600, 300)
    applied(bp, edit)
    applied(bp, c.connect(bp, 2, extra))
    router_id = bp.flow[2].id
    applied(bp, c.delete_modules(bp, [router_id]))
    assert [n.id for n in bp.flow] == [1, 2]
    assert sorted(ch[0].id for ch in orphans(bp)) == [3, extra]


def test_settings_filters_notes_and_fallback_round_trip():
    bp = build_iterator_aggregator()
    applied(bp, c.set_field(bp, 2, "mapper", ("array",), "{{1.items}}"))
    applied(bp, c.set_field(bp, 4, "parameters", ("feeder",), 2))
    applied(bp, c.set_note(bp, 3, "one line per item"))
    applied(bp, c.rename_module(bp, 3, "Line"))
    applied(bp, c.rename_scenario(bp, "Orders"))
    assert bp.flow[1].mapper == {"array": "{{1.items}}"}
    assert bp.metadata.designer.notes == [{"id": 3, "text": "one line per item", "filter": False}]
    applied(bp, c.set_filter(bp, 3, None))
    assert bp.flow[2].filter is None


def test_error_handler_routes_are_drawn_from_the_module():
    bp = build_iterator_aggregator()
    edit, handler = c.add_error_handler(bp, 5, "Ignore")
    applied(bp, edit)
    assert (5, handler, "onerror") in links(bp)


def test_copy_paste_gives_fresh_ids_and_remaps_mappings_between_pasted_modules():
    bp = build_iterator_aggregator()
    applied(bp, c.set_field(bp, 3, "mapper", ("value",), "{{2.name}} x {{1.qty}}"))
    applied(bp, c.set_field(bp, 4, "mapper", ("line",), "{{3.value}}"))
    text = c.copy_modules(bp, [3, 4])
    edit, new_ids = c.paste_modules(bp, text, at=(0, 600))
    applied(bp, edit)
    assert new_ids == [6, 7]
    pasted = {ch[0].id: ch[0] for ch in orphans(bp)}
    assert pasted[6].mapper == {"value": "{{2.name}} x {{1.qty}}"}  # outside refs unchanged
    assert pasted[7].mapper == {"line": "{{6.value}}"}


def test_moves_and_auto_layout_only_change_positions():
    bp = Blueprint.model_validate(
        json.loads((CASES / "error-directives" / "blueprint.json").read_text())
    )
    applied(bp, c.move_modules(bp, {1: (10, 20)}))
    assert project(bp).modules[1].x == 10
    edit = auto_layout(bp)
    assert edit.changes() == {"positions"}
    applied(bp, edit)
    views = project(bp).modules
    assert views[1].x < views[2].x < views[3].x < views[4].x
    ys = {views[4].y, views[7].y, views[10].y}
    assert len(ys) == 3  # the router's routes are fanned out


def test_every_acceptance_blueprint_projects_to_a_connected_graph():
    for case in sorted(CASES.iterdir()):
        bp = Blueprint.model_validate(json.loads((case / "blueprint.json").read_text()))
        graph = project(bp)
        heads = [m for m in graph.modules.values() if graph.link_into(m.id) is None]
        assert [m.id for m in heads] == [bp.flow[0].id], case.name


def test_upstream_lists_what_a_module_can_map_nearest_first():
    from engine.edits.tree import upstream

    bp = Blueprint.model_validate(
        json.loads((CASES / "error-directives" / "blueprint.json").read_text())
    )
    assert upstream(bp, 6) == [4, 2, 1]  # inside a route: the route, then the router's path
    assert upstream(bp, 5) == [4, 2, 1]  # an error handler sees the failed module
    bp = Blueprint.model_validate(
        json.loads((CASES / "iterator-aggregator" / "blueprint.json").read_text())
    )
    assert upstream(bp, 5) == [4, 2, 1]  # after the aggregator the loop's modules are gone


def test_if_else_branches_and_merge_are_built_by_linking():
    bp = Blueprint.model_validate({"name": "Priorities"})
    ids = {}
    for name, module in [("hook", "gateway:CustomWebHook"), ("if", "builtin:BasicIfElse"),
                         ("fast", "util:ComposeTransformer"), ("slow", "util:ComposeTransformer"),
                         ("merge", "builtin:BasicMerge"), ("post", "util:SetVariable2")]:
        edit, ids[name] = c.add_module(bp, module, 0, 0)
        applied(bp, edit)
    applied(bp, c.connect(bp, ids["hook"], ids["if"]))
    applied(bp, c.connect(bp, ids["if"], ids["fast"]))
    applied(bp, c.connect(bp, ids["if"], ids["slow"]))
    if_else = bp.flow[1]
    assert [(b.type, b.label) for b in if_else.branches] == [
        ("condition", "Condition 1"), ("condition", "Condition 2")]
    applied(bp, c.set_else_branch(bp, ids["if"], 1))
    assert [b.type for b in if_else.branches] == ["condition", "else"]
    # Linking each branch's end to the Merge puts the Merge after the If-else.
    applied(bp, c.connect(bp, ids["fast"], ids["merge"]))
    applied(bp, c.connect(bp, ids["slow"], ids["merge"]))
    assert [n.id for n in bp.flow] == [ids["hook"], ids["if"], ids["merge"]]
    assert [b.merge for b in if_else.branches] == [True, True]
    applied(bp, c.connect(bp, ids["merge"], ids["post"]))
    assert (ids["slow"], ids["merge"], "merge") in links(bp)
    # Unlinking a merge link stops that branch merging; unlinking a branch removes it.
    merge_link = next(x for x in project(bp).links
                      if x.kind == "merge" and x.source == ids["fast"])
    applied(bp, c.disconnect(bp, merge_link))
    assert [b.merge for b in if_else.branches] == [False, True]
    branch_link = next(x for x in project(bp).links if x.kind == "branch" and x.index == 0)
    applied(bp, c.disconnect(bp, branch_link))
    assert [b.type for b in if_else.branches] == ["else"]
    assert [[n.id for n in ch] for ch in orphans(bp)] == [[ids["fast"]]]


def test_only_a_branch_end_links_to_a_merge():
    bp = build_iterator_aggregator()
    edit, merge = c.add_module(bp, "builtin:BasicMerge", 0, 0)
    applied(bp, edit)
    with pytest.raises(c.EditError, match="last module of an If-else branch"):
        c.connect(bp, 3, merge)


def test_a_module_dropped_on_a_link_gets_room_of_its_own():
    """Make moves the target and what follows it right: no labels on top of each other."""
    bp = build_iterator_aggregator()
    before = {n.id: position(n) for _, n in modules(bp)}
    link = next(x for x in project(bp).links if x.target == 3)
    edit, new = c.insert_on_link(bp, link, "util:SetVariable2")
    applied(bp, edit)
    sx, sy = before[2]
    assert position(find(bp, new)) == (sx + c.ROOM_X, before[3][1])
    shift = sx + 2 * c.ROOM_X - before[3][0]
    assert shift > 0
    for module_id in (3, 4, 5):  # the target and everything after it
        assert position(find(bp, module_id)) == (before[module_id][0] + shift,
                                                 before[module_id][1])
    for module_id in (1, 2):
        assert position(find(bp, module_id)) == before[module_id]


def test_new_modules_start_with_the_declared_defaults():
    bp = build_iterator_aggregator()
    edit, new = c.add_module(bp, "util:SetVariable2", 0, 600,
                             {"parameters": {}, "mapper": {"scope": "roundtrip"}})
    applied(bp, edit)
    assert find(bp, new).mapper == {"scope": "roundtrip"}


def test_scenario_settings_change_in_one_step_and_undo_exactly():
    bp = build_iterator_aggregator()
    edit = c.set_scenario_settings(bp, {"dlq": True, "maxErrors": 5, "sequential": False})
    assert len(edit.steps) == 2  # "sequential" was already off
    applied(bp, edit)
    settings = bp.metadata.scenario
    assert (settings.dlq, settings.maxErrors, settings.sequential) == (True, 5, False)
    assert bp.to_json_obj()["metadata"]["scenario"]["dlq"] is True
    with pytest.raises(c.EditError):
        c.set_scenario_settings(bp, {"speed": 11})
