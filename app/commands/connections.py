"""`scenarist connections add|list|test|edit|delete|authorize|types`: the workspace's
connections. Secret values go to the OS keyring (or, where none works, to the workspace's
encrypted file under SCENARIST_MASTER_PASSWORD); every command that stores one says which
store is in use. Nothing printed ever holds a secret value."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from app.commands.actions import action_adder
from engine.errors import ScenaristError
from engine.store.workspace import resolve_workspace
from engine.values import to_json_value

if TYPE_CHECKING:
    from engine.apps import LoadedApps
    from engine.connections import Connection, ConnectionStore, ConnectionType


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "connections", help="add, list, test, edit and delete connections",
        description=__doc__,
    )
    action = action_adder(parser)

    def values_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--set", metavar="KEY=VALUE", action="append", default=[],
                         dest="values", help="a field of the connection (repeatable)")
        cmd.add_argument("--base-url", metavar="URL",
                         help="send this connection's requests to another base URL")
        cmd.add_argument("--make-id", metavar="ID",
                         help="the id a Make export uses for this connection (__IMTCONN__)")

    add = action("add", "add a connection of an app (APP or APP:CONNECTION)")
    add.add_argument("app", metavar="APP")
    add.add_argument("--name", required=True, help="the connection's name")
    values_options(add)
    _oauth_options(add)
    add.add_argument("--no-authorize", action="store_true",
                     help="OAuth 2.0: store the client now, authorize later")
    add.add_argument("--json", action="store_true", help='print {"id": ...}')

    listing = action("list", "every connection (never a secret)")
    listing.add_argument("--json", action="store_true", help="print JSON")

    test = action("test", "run the app's own check of a connection (Test connection)")
    test.add_argument("connection_id", metavar="ID")
    test.add_argument("--json", action="store_true", help="print JSON")

    edit = action("edit", "change a connection's fields or name")
    edit.add_argument("connection_id", metavar="ID")
    edit.add_argument("--name", help="a new name")
    values_options(edit)

    delete = action("delete", "delete a connection and its secrets")
    delete.add_argument("connection_id", metavar="ID")

    authorize = action("authorize", "OAuth 2.0: authorize (again) in the browser")
    authorize.add_argument("connection_id", metavar="ID")
    _oauth_options(authorize)

    types = action("types", "the connection types of every app, with their fields")
    types.add_argument("app", metavar="APP", nargs="?", help="only this app")
    types.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _oauth_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("--port", type=int, default=0,
                     help="OAuth 2.0: the loopback redirect's port (default: any free one)")
    cmd.add_argument("--no-browser", action="store_true",
                     help="OAuth 2.0: only print the authorization URL")
    cmd.add_argument("--timeout", type=float, default=300.0,
                     help="OAuth 2.0: seconds to wait for the authorization")


class _Usage(Exception):
    pass


def run(args: argparse.Namespace) -> int:
    from engine.connections import (
        ConnectionCheckFailed,
        ConnectionStoreError,
        OAuthError,
        UnknownConnectionType,
    )

    workspace = resolve_workspace(args.data_dir)
    try:
        handler = _ACTIONS[args.action]
        return handler(args, workspace)
    except (_Usage, UnknownConnectionType) as exc:
        print(f"scenarist connections: {exc}", file=sys.stderr)
        return 2
    except (ConnectionCheckFailed, ConnectionStoreError, OAuthError) as exc:
        print(f"scenarist connections: {exc}", file=sys.stderr)
        return 1
    except ScenaristError as exc:
        print(f"scenarist connections: {exc}", file=sys.stderr)
        return 1


# ------------------------------------------------------------------------- helpers


def _print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(to_json_value(value)) + b"\n")


def _base_url(kind: ConnectionType, values: dict[str, Any], flag: str | None) -> str | None:
    """`--base-url URL`, or `--set baseUrl=URL` for an app whose connection has no field of
    that name (a self-hosted app such as OpnForm declares one: it stays a field)."""
    if flag is None and kind.field("baseUrl") is None and "baseUrl" in values:
        return str(values.pop("baseUrl"))
    return flag


def _values(pairs: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise _Usage(f"--set {pair!r}: expected KEY=VALUE")
        out[key.strip()] = value
    return out


def _store(workspace: Path, *, writing: bool) -> ConnectionStore:
    """The store; when writing, say where secrets go (asking for a master password only
    on an interactive terminal, never blocking one that isn't)."""
    from engine.connections import ConnectionStore
    from engine.secrets import NoStore, secret_store

    secrets = secret_store(workspace)
    if writing and isinstance(secrets, NoStore) and sys.stdin.isatty():
        password = getpass.getpass("No OS keyring works here. Master password for the "
                                   "encrypted secrets file: ")
        if password:
            secrets = secret_store(workspace, password)
    store = ConnectionStore(workspace, secrets)
    if writing:
        print(f"scenarist connections: secrets are kept in {secrets.description}",
              file=sys.stderr)
    return store


def _loaded(workspace: Path, wanted: str | None) -> LoadedApps | None:
    """Apps, loaded only when a name is not one of the built-in HTTP connection types."""
    from engine.connections.kinds import BUILTIN_BY_MODULE_KIND, HTTP_APP

    if wanted is not None:
        app = wanted.partition(":")[0]
        if app == HTTP_APP or (app in BUILTIN_BY_MODULE_KIND and ":" not in wanted):
            return None
    from engine.apps import discover_apps

    return discover_apps(workspace)


def _type_of(workspace: Path, connection: Connection) -> ConnectionType:
    from engine.connections import find_type

    return find_type(connection.type_key, _loaded(workspace, connection.type_key))


def _describe(connection: Connection) -> str:
    state = "verified" if connection.verified_at else "not tested"
    label = f", {connection.label}" if connection.label else ""
    return (f"{connection.id}  {connection.app}:{connection.component}  {connection.kind}  "
            f"{connection.name!r} ({state}{label})")


def _open_browser(no_browser: bool) -> Any:
    def show(url: str) -> None:
        print(f"Open this URL to authorize Scenarist:\n  {url}", file=sys.stderr)
        if not no_browser:
            webbrowser.open(url)

    return show


def _authorize(args: argparse.Namespace, store: ConnectionStore, connection_id: str,
               kind: ConnectionType) -> Connection:
    from engine.connections import authorize_connection

    return asyncio.run(authorize_connection(
        store, connection_id, _open_browser(args.no_browser), kind=kind,
        timeout=args.timeout, port=args.port))


# ------------------------------------------------------------------------- actions


def _add(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import create_connection, find_type

    kind = find_type(args.app, _loaded(workspace, args.app))
    values = _values(args.values)
    base_url = _base_url(kind, values, args.base_url)
    store = _store(workspace, writing=True)
    connection = create_connection(store, kind, args.name, values,
                                   base_url_override=base_url, make_id=args.make_id)
    if kind.kind == "oauth2" and not args.no_authorize:
        try:
            connection = _authorize(args, store, connection.id, kind)
        except ScenaristError as exc:
            print(f"scenarist connections: added {connection.id}, but it is not authorized:"
                  f" {exc}; run `scenarist connections authorize {connection.id}`",
                  file=sys.stderr)
            if args.json:
                _print_json({"id": connection.id})
            return 1
    if args.json:
        _print_json({"id": connection.id})
    else:
        print(f"added {_describe(connection)}")
    return 0


def _list(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import ConnectionStore

    store = ConnectionStore(workspace)
    connections = store.list()
    if args.json:
        _print_json([c.public() for c in connections])
        return 0
    if not connections:
        print("no connections")
    for connection in connections:
        print(_describe(connection))
    return 0


def _test(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import ConnectionCheckFailed, check_connection

    store = _store(workspace, writing=False)
    connection = store.require(args.connection_id)
    kind = _type_of(workspace, connection)
    try:
        result = asyncio.run(check_connection(store, connection.id, kind))
    except ConnectionCheckFailed as exc:
        if args.json:
            _print_json({"id": connection.id, "ok": False, "message": str(exc)})
        print(f"scenarist connections: {connection.id} ({connection.name}) failed its "
              f"test: {exc}", file=sys.stderr)
        return 1
    if args.json:
        _print_json({"id": connection.id, "ok": True, "checked": result.checked,
                     "message": result.message, "label": result.connection.label})
    else:
        print(f"{connection.id} ({connection.name}): {result.message}")
    return 0


def _edit(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import edit_connection

    values = _values(args.values)
    store = _store(workspace, writing=bool(values))
    connection = store.require(args.connection_id)
    kind = _type_of(workspace, connection)
    connection = edit_connection(store, kind, connection.id, values, name=args.name,
                                 base_url_override=_base_url(kind, values, args.base_url))
    if args.make_id is not None:
        store.map_import(args.make_id, connection.id)
    print(f"edited {_describe(connection)}")
    return 0


def _delete(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import ConnectionStore, OAuthError, invalidate_connection

    store = ConnectionStore(workspace)
    connection = store.resolve(args.connection_id)
    if connection is None:
        print(f"scenarist connections: no connection {args.connection_id} in this workspace",
              file=sys.stderr)
        return 1
    try:  # the app revokes its tokens at the provider, when it says how
        if asyncio.run(invalidate_connection(store, connection,
                                             kind=_type_of(workspace, connection))):
            print("its tokens are revoked at the provider")
    except OAuthError as exc:
        print(f"warning: {exc}; revoke its access at the provider by hand", file=sys.stderr)
    if not store.delete(connection.id):
        print(f"scenarist connections: no connection {args.connection_id} in this workspace",
              file=sys.stderr)
        return 1
    print(f"deleted {connection.id} ({connection.name})")
    return 0


def _authorize_action(args: argparse.Namespace, workspace: Path) -> int:
    store = _store(workspace, writing=True)
    connection = store.require(args.connection_id)
    connection = _authorize(args, store, connection.id, _type_of(workspace, connection))
    print(f"authorized {_describe(connection)}")
    return 0


def _types(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import connection_types

    types = [t for t in connection_types(_loaded(workspace, None))
             if args.app is None or t.app == args.app or t.key == args.app]
    rows = [{"type": t.key, "app": t.app, "kind": t.kind, "label": t.label,
             "fields": [{"name": f.name, "type": f.type, "required": f.required,
                         "secret": f.secret or t.is_secret(f.name), "default": f.default}
                        for f in t.fields]} for t in types]
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        fields = ", ".join(f"{f['name']}{'*' if f['required'] else ''}"
                           f"{' (secret)' if f['secret'] else ''}" for f in row["fields"])
        print(f"{row['type']}  {row['kind']}  {row['label']}: {fields}")
    return 0


_ACTIONS = {"add": _add, "list": _list, "test": _test, "edit": _edit, "delete": _delete,
            "authorize": _authorize_action, "types": _types}
