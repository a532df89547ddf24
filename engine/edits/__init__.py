"""Pure edits of a blueprint, for the editor's undo stack (DESIGN.md §9: the scene is a
projection of the model; commands change only the model).

- `graph.project(blueprint)` -> the modules and links the canvas draws;
- `commands.*` build an `Edit` (a list of primitive changes) against the current blueprint;
- `Edit.apply(blueprint)` returns the inverse `Edit`, so undo is applying the inverse.
"""

from engine.edits.primitives import Edit

__all__ = ["Edit"]
