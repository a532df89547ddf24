"""Regressions of issue 8 (no lock-out): ids unique across the whole blueprint, whatever
the edit, and the other bugs the property test (test_edit_properties.py) found."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.blueprint import Blueprint
from engine.blueprint_check import find_problems
from engine.edits import commands as c
from engine.edits.graph import project
from engine.edits.tree import modules, next_id, orphans
from engine.loading import load_blueprint_text

from .test_commands import applied, snapshot


def node(module_id: int, module: str = "util:ComposeTransformer", **extra: Any) -> dict[str, Any]:
    return {"id": module_id, "module": module, "version": 1, "parameters": {}, "mapper": {},
            "metadata": {"designer": {"x": 0, "y": 0}}, **extra}


def blueprint(flow: list[Any], chains: list[list[Any]] | None = None) -> Blueprint:
    return Blueprint.model_validate(
        {"name": "t", "flow": flow, "metadata": {"designer": {"orphans": chains or []}}})


def ids(bp: Blueprint) -> list[int]:
    return [n.id for _, n in modules(bp) if n.id is not None]


def test_linking_a_module_that_has_a_successor_makes_a_router_with_a_fresh_id():
    """The reported case: webhook(1) -> compose(2), compose(3) unlinked, link 1 to 3. The
    router got id 2 (taken by compose 2), and the saved file would no longer open."""
    bp = blueprint([node(1, "gateway:CustomWebHook"), node(2)], [[node(3)]])
    applied(bp, c.connect(bp, 1, 3))
    router = bp.flow[1]
    assert router.module == c.ROUTER and router.id == 4
    assert [[n.id for n in r.flow] for r in router.routes or []] == [[2], [3]]
    assert sorted(ids(bp)) == [1, 2, 3, 4]
    assert find_problems(bp) == []
    assert sorted(project(bp).modules) == [1, 2, 3, 4]  # all drawn
    reopened = load_blueprint_text(json.dumps(bp.to_json_obj()))  # the app can open it
    assert snapshot(reopened) == snapshot(bp)


def _max_id_in(where: str) -> Blueprint:
    """A blueprint whose largest id, 50, sits in one particular kind of place."""
    deep = node(50)
    flow: list[Any] = [node(1, "gateway:CustomWebHook")]
    chains: list[list[Any]] = []
    if where == "route":
        flow.append(node(2, c.ROUTER, mapper=None, routes=[{"flow": [deep]}]))
    elif where == "branch":
        flow.append(node(2, c.IF_ELSE, mapper=None, branches=[
            {"type": "else", "label": "Else", "flow": [deep]}]))
    elif where == "onerror":
        flow.append(node(2, onerror=[deep]))
    elif where == "orphan":
        flow.append(node(2))
        chains.append([node(3), deep])
    elif where == "tools":  # an AI agent's tool flows stay raw JSON in the model
        flow.append(node(2, "ai-agent:RunAgent", tools=[{"flow": [deep]}]))
    return blueprint(flow, chains)


@pytest.mark.parametrize("where", ["route", "branch", "onerror", "orphan", "tools"])
def test_every_edit_that_makes_a_module_takes_an_id_free_in_the_whole_blueprint(where: str):
    bp = _max_id_in(where)
    assert next_id(bp) == 51
    assert c.add_module(bp, "util:SetVariable2", 0, 0)[1] == 51
    assert c.append_after(bp, 1, "util:SetVariable2")[1] == 51
    assert c.add_error_handler(bp, 1, "Ignore")[1] == 51
    link = next(x for x in project(bp).links if x.source == 1)
    assert c.insert_on_link(bp, link, "util:SetVariable2")[1] == 51
    assert c.paste_modules(bp, c.copy_modules(bp, [1]))[1] == [51]
    edit, extra = c.add_module(bp, "util:SetVariable2", 0, 0)
    applied(bp, edit)
    applied(bp, c.connect(bp, 1, extra))  # 1 has a successor: a router is made
    assert bp.flow[1].module == c.ROUTER and bp.flow[1].id == 52


def test_paste_of_a_router_with_a_module_of_its_route_also_selected_pastes_it_once():
    bp = blueprint([node(1, "gateway:CustomWebHook"),
                    node(2, c.ROUTER, mapper=None, routes=[{"flow": [node(3)]}])])
    edit, pasted = c.paste_modules(bp, c.copy_modules(bp, [2, 3]))
    applied(bp, edit)
    assert pasted == [4]
    assert sorted(ids(bp)) == [1, 2, 3, 4, 5] and find_problems(bp) == []


def test_paste_gives_unique_ids_even_when_the_clipboard_repeats_one():
    bp = blueprint([node(1, "gateway:CustomWebHook")])
    text = json.dumps({"scenarist/modules": [
        node(7, mapper={"v": "{{7.x}}"}), node(7), node(8, mapper={"v": "{{7.x}} {{1.y}}"})]})
    edit, pasted = c.paste_modules(bp, text)
    applied(bp, edit)
    assert len(set(pasted)) == 3 and sorted(ids(bp)) == [1, *sorted(pasted)]
    first, _, third = (chain[0] for chain in orphans(bp))
    assert third.mapper == {"v": f"{{{{{first.id}.x}}}} {{{{1.y}}}}"}


def test_pasted_aggregator_closes_the_loop_of_the_pasted_iterator():
    bp = blueprint([node(1, "gateway:CustomWebHook"), node(2, "builtin:BasicFeeder"),
                    node(3, "builtin:BasicAggregator", parameters={"feeder": 2})])
    edit, pasted = c.paste_modules(bp, c.copy_modules(bp, [2, 3]))
    applied(bp, edit)
    assert pasted == [4, 5]
    assert orphans(bp)[1][0].parameters == {"feeder": 4}
    assert bp.flow[2].parameters == {"feeder": 2}  # the original keeps its own


def test_linking_a_module_to_the_chain_it_sits_in_is_refused_not_a_crash():
    """The source inside the target's chain (here its error handler): a loop."""
    bp = blueprint([node(1, "gateway:CustomWebHook")],
                   [[node(2, onerror=[node(3, "builtin:Ignore", mapper=None)])]])
    before = snapshot(bp)
    with pytest.raises(c.EditError, match="loop"):
        c.connect(bp, 3, 2)
    assert snapshot(bp) == before


def test_a_branch_links_to_a_merge_from_an_earlier_unattached_chain():
    """The Merge's chain listed before the If-else's: taking it out renumbered the chains,
    and the Merge went to the wrong place (or crashed)."""
    if_else = node(3, c.IF_ELSE, mapper=None, branches=[
        {"type": "condition", "label": "A", "conditions": [], "flow": [node(4)]}])
    bp = blueprint([node(1, "gateway:CustomWebHook")],
                   [[node(2, c.MERGE, mapper=None)], [if_else]])
    applied(bp, c.connect(bp, 4, 2))
    assert [[n.id for n in chain] for chain in orphans(bp)] == [[3, 2]]
    assert (4, 2, "merge") in {(x.source, x.target, x.kind) for x in project(bp).links}


def test_inserting_on_a_merge_link_adds_to_the_branch_and_keeps_the_merge():
    bp = blueprint([
        node(1, "gateway:CustomWebHook"),
        node(2, c.IF_ELSE, mapper=None, branches=[
            {"type": "condition", "label": "A", "conditions": [], "merge": True,
             "flow": [node(3)]}]),
        node(4, c.MERGE, mapper=None),
    ])
    link = next(x for x in project(bp).links if x.kind == "merge")
    edit, new = c.insert_on_link(bp, link, "util:SetVariable2")
    applied(bp, edit)
    assert [n.id for n in bp.flow] == [1, 2, 4]
    assert [n.id for n in bp.flow[1].branches[0].flow] == [3, new]  # type: ignore[index]
    assert (new, 4, "merge") in {(x.source, x.target, x.kind) for x in project(bp).links}


def test_the_fallback_route_follows_when_an_earlier_route_goes():
    routes = [{"flow": [node(k)]} for k in (3, 4, 5)]
    bp = blueprint([node(1, "gateway:CustomWebHook"),
                    node(2, c.ROUTER, mapper=None, routes=routes)])
    applied(bp, c.set_fallback(bp, 2, 2))
    link = next(x for x in project(bp).links if x.target == 3)
    applied(bp, c.disconnect(bp, link))  # route 0 goes: the fallback is now route 1
    assert bp.flow[1].parameters == {"else": 1}
    applied(bp, c.delete_modules(bp, [5]))  # the fallback route itself goes
    assert bp.flow[1].parameters == {}
    with pytest.raises(c.EditError, match="no route 3"):
        c.set_fallback(bp, 2, 2)


def test_undo_gives_back_null_and_missing_containers_exactly():
    """Undo restored `mapper: null` as absent, left `onerror: []` behind, and left an empty
    orphan list in a blueprint that had none; a default (unset) flow lost its module."""
    bp = Blueprint.model_validate({"name": "t", "flow": [
        node(1, "gateway:CustomWebHook"), node(2, "builtin:Ignore", mapper=None)]})
    applied(bp, c.set_field(bp, 2, "mapper", ("value",), "x"))
    applied(bp, c.add_error_handler(bp, 1, "Ignore")[0])
    applied(bp, c.add_module(bp, "util:SetVariable2", 0, 0)[0])  # makes metadata.designer
    bare = Blueprint.model_validate({"name": "t"})
    applied(bare, c.add_module(bare, "gateway:CustomWebHook", 0, 0)[0])
    assert [n["id"] for n in bare.to_json_obj()["flow"]] == [1]
