"""Where a workspace's state and history live: its own SQLite files (the default, one
machine), or a PostgreSQL database that a cluster's workers and windows share.

`--database URL` (any command that opens a workspace) or `$SCENARIST_DATABASE` selects it;
`Workspace(folder, database=URL)` binds one folder to one in this process. The workspace
folder keeps what is local to a machine either way (lock, blobs, keyring file, settings).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from engine.errors import ScenaristError

DATABASE_ENV = "SCENARIST_DATABASE"
# In PostgreSQL, state and history are two schemas of one database, each with its own
# alembic_version, so the SQLite split (history never blocks state) keeps its meaning.
STATE_SCHEMA = "scenarist_state"
HISTORY_SCHEMA = "scenarist_history"

_POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
_SQLITE = ("sqlite", "sqlite:", "sqlite://")  # the workspace's own files, said explicitly

_bound: dict[Path, str | None] = {}
_lock = threading.Lock()


class BadDatabase(ScenaristError):
    """A database location Scenarist cannot use."""


class DatabaseUnreachable(ScenaristError):
    """PostgreSQL did not accept a connection (the message names host and port)."""


def checked_database(url: str | None, source: str = "--database") -> str | None:
    """The SQLAlchemy URL of a PostgreSQL location (psycopg driver), or None for the
    workspace's SQLite files; anything else is refused naming where it came from."""
    if url is None or url.strip() in ("", *_SQLITE):
        return None
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in _POSTGRES_SCHEMES:
        raise BadDatabase(
            f"{source} {url!r}: expected a postgresql://USER@HOST:PORT/DB URL (or sqlite for"
            " the workspace's own files)")
    if not rest.split("/", 1)[0].rpartition("@")[2]:
        raise BadDatabase(f"{source} {url!r}: the URL names no host")
    return f"postgresql+psycopg://{rest}"


def bind_database(folder: Path, url: str | None) -> None:
    """Make `folder`'s state and history live at `url` (None: its SQLite files) in this
    process, whatever $SCENARIST_DATABASE says."""
    with _lock:
        _bound[Path(folder).resolve()] = checked_database(url)


def unbind_database(folder: Path) -> None:
    """Forget `bind_database(folder, ...)` (a temporary folder about to be deleted)."""
    with _lock:
        _bound.pop(Path(folder).resolve(), None)


def database_of(folder: Path | str | os.PathLike[str]) -> str | None:
    """The PostgreSQL URL a workspace folder uses, or None for its SQLite files."""
    if _bound:
        key = Path(folder).resolve()
        if key in _bound:
            return _bound[key]
    return checked_database(os.environ.get(DATABASE_ENV), f"${DATABASE_ENV}")


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
