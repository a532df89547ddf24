"""The acceptance case filter-operators: route filters decide exactly the expected routing."""

from __future__ import annotations

import json
from pathlib import Path

from engine.filters import compile_filter
from engine.iml.scope import Scope
from engine.loading import load_blueprint

CASE = Path("/work/shared/acceptance/cases/filter-operators")


def test_route_filters_route_each_item_as_make_does() -> None:
    blueprint = load_blueprint(CASE / "blueprint.json")
    run = json.loads((CASE / "case.json").read_text())["runs"][0]
    items = run["input"]["body"]["items"]
    router = next(node for node in blueprint.flow if node.module == "builtin:BasicRouter")

    routed: dict[str, list[dict[str, str]]] = {}
    for route in router.routes or []:
        first = route.flow[0]
        passes = compile_filter(first.filter, module_id=first.id)
        routed[str(first.id)] = [
            {"value": item["id"]}
            for item in items
            if passes(Scope({1: run["input"], 2: item}))
        ]
    assert routed == run["expect"]["module_outputs"]
