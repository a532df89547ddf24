"""The workspace's resources beside its scenarios: keys (keychains), webhooks, data stores
and data structures, each in a window of its own opened from the main window's menus."""

from app.gui.resources.datastores_window import DataStoresWindow

__all__ = ["DataStoresWindow"]
