"""The tables of connections in state.db: metadata only, never a secret.

`connection` holds what the settings forms show (app, kind, name, the non-secret fields, the
non-secret data the app's check stored, the base URL override, timestamps); the secret
fields live in the secret store under the connection's id (engine.secrets).
`connection_import` maps the numeric ids of a Make export's `__IMTCONN__` (and the HTTP
modules' keychains) to local connections.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel


class ConnectionRow(SQLModel, table=True):
    __tablename__ = "connection"

    id: str = Field(primary_key=True)  # uuid4 hex: unique across workspaces
    app: str  # the app's id ("gist", "http")
    component: str  # the app's connection component ("apiKey", "basicauth")
    kind: str  # api_key, basic, oauth2, custom
    name: str
    fields: str = "{}"  # JSON: the non-secret values the user gave
    data: str = "{}"  # JSON: the non-secret values the check stored
    secret_fields: str = "[]"  # JSON: the names of the values kept in the secret store
    label: str | None = None  # what the check named the account (an e-mail)
    base_url_override: str | None = None
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = None


class ConnectionImportRow(SQLModel, table=True):
    __tablename__ = "connection_import"

    make_id: str = Field(primary_key=True)  # an export's numeric id, as text
    connection_id: str = Field(sa_column=Column(
        String, ForeignKey("connection.id", ondelete="CASCADE"), nullable=False, index=True))
