"""Auto-layout: left to right, a router's routes fanned out below each other, error
handlers under the module they guard, unattached chains at the bottom."""

from __future__ import annotations

from engine.blueprint import Blueprint, ModuleNode
from engine.edits.commands import move_modules
from engine.edits.primitives import Edit
from engine.edits.tree import orphans

STEP_X = 300
STEP_Y = 200


def layout_positions(blueprint: Blueprint) -> dict[int, tuple[float, float]]:
    positions: dict[int, tuple[float, float]] = {}

    def place(flow: list[ModuleNode], x: float, row: int) -> tuple[float, int]:
        """Lay a flow from (x, row); returns the x after it and the rows it used."""
        rows_used = 1
        for node in flow:
            if node.id is not None:
                positions[node.id] = (x, row * STEP_Y)
            if node.onerror:
                _, used = place(node.onerror, x + STEP_X / 2, row + rows_used)
                rows_used += used
            nested = [r.flow for r in node.routes or []] + [b.flow for b in node.branches or []]
            if nested:
                end_x, sub_row = x + STEP_X, row
                for sub in nested:
                    sub_end, used = place(sub, x + STEP_X, sub_row)
                    end_x = max(end_x, sub_end)
                    sub_row += max(used, 1)
                rows_used = max(rows_used, sub_row - row)
                x = end_x
            else:
                x += STEP_X
        return x, rows_used

    _, rows = place(blueprint.flow, 0, 0)
    row = rows + 1
    for chain in orphans(blueprint):
        _, used = place(chain, 0, row)
        row += used
    return positions


def auto_layout(blueprint: Blueprint) -> Edit:
    edit = move_modules(blueprint, layout_positions(blueprint))
    edit.label = "Auto-layout"
    return edit
