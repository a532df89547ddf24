"""The workspace's resources beside its scenarios: data stores and data structures."""

from app.gui.resources.datastores_window import DataStoresWindow

__all__ = ["DataStoresWindow"]
