"""Connections in the desktop app: the Connections dialog, the connection form, the picker
of module settings, options answered by app RPCs, and mapping an import's connection ids."""

from __future__ import annotations

from app.gui.connections.connection_form import ConnectionForm
from app.gui.connections.connections_dialog import ConnectionsDialog
from app.gui.connections.workspace_connections import WorkspaceConnections

__all__ = ["ConnectionForm", "ConnectionsDialog", "WorkspaceConnections"]
