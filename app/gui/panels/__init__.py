"""Side panels and dialogs: palette, module settings, mapping picker, filter editor."""

from __future__ import annotations

from app.gui.panels.filter_editor import FilterEditor
from app.gui.panels.iml_editor import ImlEditor, last_focused_editor
from app.gui.panels.mapping_picker import MappingPicker
from app.gui.panels.module_chooser import ModuleChooser
from app.gui.panels.palette import MODULE_MIME, Palette
from app.gui.panels.settings import SettingsPanel

__all__ = [
    "MODULE_MIME",
    "FilterEditor",
    "ImlEditor",
    "MappingPicker",
    "ModuleChooser",
    "Palette",
    "SettingsPanel",
    "last_focused_editor",
]
