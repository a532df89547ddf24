"""Whether a scenario's modules sit on top of each other (exports made by scripts, or by
hand, often leave every module at 0,0): such a scenario is laid out when it is opened."""

from __future__ import annotations

from engine.edits.graph import Graph

# Two bubbles closer than this (scene units, centre to centre) hide each other's icon.
TOO_CLOSE = 60.0
# Lay out when at least this share of the modules is hidden (and at least MIN_HIDDEN of them).
HIDDEN_SHARE = 0.25
MIN_HIDDEN = 2


def modules_overlap(graph: Graph) -> bool:
    points = [(m.x, m.y) for m in graph.modules.values()]
    cells: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for x, y in points:  # a grid of TOO_CLOSE cells: neighbours are in adjacent cells
        cells.setdefault((int(x // TOO_CLOSE), int(y // TOO_CLOSE)), []).append((x, y))
    hidden = 0
    limit = TOO_CLOSE * TOO_CLOSE
    for x, y in points:
        cx, cy = int(x // TOO_CLOSE), int(y // TOO_CLOSE)
        near = sum(
            1
            for dx in (-1, 0, 1)
            for dy in (-1, 0, 1)
            for ox, oy in cells.get((cx + dx, cy + dy), ())
            if (ox - x) ** 2 + (oy - y) ** 2 < limit
        )
        hidden += near > 1  # itself, plus another one
    return hidden >= MIN_HIDDEN and hidden >= HIDDEN_SHARE * len(points)
