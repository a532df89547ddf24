"""Connections in the desktop app: the Connections dialog, the connection form, the picker
of module settings, options answered by app RPCs, and mapping an import's connection ids."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.gui.connections.connection_form import ConnectionForm
    from app.gui.connections.connections_dialog import ConnectionsDialog
    from app.gui.connections.workspace_connections import WorkspaceConnections

_WHERE = {"ConnectionForm": "connection_form", "ConnectionsDialog": "connections_dialog",
          "WorkspaceConnections": "workspace_connections"}


def __getattr__(name: str) -> Any:
    """Names load on first use (PEP 562): the window imports only what its first frame
    shows; the rest loads when a feature is first used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = ["ConnectionForm", "ConnectionsDialog", "WorkspaceConnections"]
