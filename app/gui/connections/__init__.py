"""Connections in the desktop app: the Connections dialog, the connection form, the picker
of module settings, options answered by app RPCs, and mapping an import's connection ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.lazy_names import lazy_names

if TYPE_CHECKING:
    from app.gui.connections.connection_form import ConnectionForm
    from app.gui.connections.connections_dialog import ConnectionsDialog
    from app.gui.connections.workspace_connections import WorkspaceConnections

_WHERE = {"ConnectionForm": "connection_form", "ConnectionsDialog": "connections_dialog",
          "WorkspaceConnections": "workspace_connections"}


__getattr__ = lazy_names(__name__, _WHERE)  # the names load on first use (PEP 562)


__all__ = ["ConnectionForm", "ConnectionsDialog", "WorkspaceConnections"]
