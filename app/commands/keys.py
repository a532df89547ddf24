"""`scenarist keys list|create|edit|delete`: Make's keychains ("Keys and certificates"), the
credentials the HTTP modules name by id: `basicauth` (username and password), `apikeyauth`
(an API key sent in a header or the query), `clientcert` (a client certificate presented in
the TLS handshake), `pgp` (a PGP key pair).

Values are `--set NAME=VALUE` or, for PEM texts, `--file NAME=PATH`. `--make-id ID` is the id
a Make export's modules use for the keychain (their `key` / `auth` / `...Keychain`
parameter), so an imported blueprint runs with it. Secret values go to the OS keyring (or
the workspace's encrypted file) like connections' and are never printed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from app.commands.actions import action_adder
from engine.errors import ScenaristError
from engine.store.workspace import resolve_workspace

if TYPE_CHECKING:
    from engine.connections import Connection


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "keys", help="keychains: list, create, edit, delete", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = action_adder(parser)

    def values_options(cmd: argparse.ArgumentParser) -> None:
        cmd.add_argument("--set", metavar="NAME=VALUE", action="append", default=[],
                         dest="values", help="a field's value (repeatable)")
        cmd.add_argument("--file", metavar="NAME=PATH", action="append", default=[],
                         dest="files", help="a field's value read from a file (PEM texts)")
        cmd.add_argument("--make-id", metavar="ID",
                         help="the id Make exports use for this keychain")

    listing = action("list", "every keychain (never a secret)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    create = action("create", "create a keychain: basicauth, apikeyauth, clientcert, pgp")
    create.add_argument("type", metavar="TYPE")
    create.add_argument("--name", required=True, help="the keychain's name")
    create.add_argument("--json", action="store_true", help='print {"id": ...}')
    values_options(create)
    edit = action("edit", "change a keychain's values or name")
    edit.add_argument("key_id", metavar="ID")
    edit.add_argument("--name", help="a new name")
    values_options(edit)
    delete = action("delete", "delete a keychain and its secrets")
    delete.add_argument("key_id", metavar="ID")
    return parser


def run(args: argparse.Namespace) -> int:
    workspace = resolve_workspace(args.data_dir)
    try:
        return {"list": _list, "create": _create, "edit": _edit, "delete": _delete}[
            args.action](args, workspace)
    except (ScenaristError, ValueError) as exc:
        print(f"scenarist keys: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1


def _values(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair, from_file in [*((p, False) for p in args.values),
                            *((p, True) for p in args.files)]:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise ValueError(f"{'--file' if from_file else '--set'} {pair!r}: expected "
                             f"NAME={'PATH' if from_file else 'VALUE'}")
        if from_file:
            try:
                value = Path(value).expanduser().read_text()
            except OSError as exc:
                raise ValueError(f"--file {pair!r}: {exc}") from None
        out[name.strip()] = value
    return out


def _row(connection: Connection) -> dict[str, Any]:
    from engine.connections import keychain_type, keychain_type_name

    kind = keychain_type(connection.type_key)
    return {"id": connection.id, "name": connection.name, "type": keychain_type_name(kind),
            "label": kind.label, "fields": connection.fields,
            "secret_fields": sorted(connection.secret_fields),
            "make_ids": connection.make_ids,
            "created_at": connection.public()["created_at"]}


def _find(args: argparse.Namespace, workspace: Path) -> Connection:
    from engine.connections import ConnectionStore, ConnectionStoreError, is_keychain

    found = ConnectionStore(workspace).resolve(args.key_id)
    if found is None or not is_keychain(found):
        raise ConnectionStoreError(f"no keychain {args.key_id} in this workspace")
    return found


def _list(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import ConnectionStore, keychains

    rows = [_row(c) for c in keychains(ConnectionStore(workspace))]
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(rows) + b"\n")
        return 0
    if not rows:
        print("no keychains")
    for row in rows:
        ids = f"  (Make id {', '.join(row['make_ids'])})" if row["make_ids"] else ""
        print(f"{row['id']}  {row['type']}  {row['name']!r}{ids}")
    return 0


def _create(args: argparse.Namespace, workspace: Path) -> int:
    from app.commands.connections import _store
    from engine.connections import create_connection, keychain_type

    kind = keychain_type(args.type)
    values = _values(args)
    store = _store(workspace, writing=True)
    created = create_connection(store, kind, args.name, values, make_id=args.make_id)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps({"id": created.id}) + b"\n")
    else:
        print(f"created {created.id}  {args.type}  {created.name!r}")
    return 0


def _edit(args: argparse.Namespace, workspace: Path) -> int:
    from app.commands.connections import _store
    from engine.connections import edit_connection, keychain_type

    found = _find(args, workspace)
    values = _values(args)
    store = _store(workspace, writing=bool(values))
    edited = edit_connection(store, keychain_type(found.type_key), found.id, values,
                             name=args.name)
    if args.make_id is not None:
        store.map_import(args.make_id, edited.id)
    print(f"edited {edited.id}  {edited.name!r}")
    return 0


def _delete(args: argparse.Namespace, workspace: Path) -> int:
    from engine.connections import ConnectionStore

    found = _find(args, workspace)
    ConnectionStore(workspace).delete(found.id)
    print(f"deleted {found.id} ({found.name})")
    return 0
