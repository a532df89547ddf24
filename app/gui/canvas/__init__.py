"""The scenario canvas: a QGraphicsScene projecting a ScenarioDocument, and its view.

`ScenarioScene` builds one item per module/link/note and follows `document.changed`;
gestures (interactions.py) end in one document method each. `ScenarioView` adds zoom,
pan, fit, the minimap and the level of detail.
"""

from __future__ import annotations

from app.gui.canvas.mime import MODULE_MIME, module_mime_data, module_type_from
from app.gui.canvas.scene import ScenarioScene
from app.gui.canvas.view import ScenarioView

__all__ = ["MODULE_MIME", "ScenarioScene", "ScenarioView", "module_mime_data", "module_type_from"]
