"""`scenarist datastores list | create | rename | delete | records | import | export | clear`.

`list --json` prints `[{"id", "name", "records", "size", ...}]`; `create NAME --json` prints
`{"id": ...}`; `records ID --json` prints `[{"key", "data"}]` (all of them, or `--limit`
from `--offset`), dates as `{"$date": ISO}` and buffers as `{"$buffer": base64}` so that
the output imports back unchanged. `import ID FILE` adds or replaces records from CSV or
JSON with a progress line on a terminal; `export ID [FILE]` writes them (stdout without
FILE). A store is named by its id or its name.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from app.commands.actions import action_adder


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "datastores", help="data stores: list, create, records, import, export",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = action_adder(parser)
    listing = action("list", "every data store with its record count and size")
    listing.add_argument("--json", action="store_true", help="print JSON")
    create = action("create", "create an empty data store")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--structure", metavar="FILE",
                        help="its data structure: a JSON file {name, spec, strict} or [fields]")
    create.add_argument("--structure-id", metavar="ID", help="an existing data structure")
    create.add_argument("--max-size", type=int, metavar="MB", help="size limit in MB")
    create.add_argument("--json", action="store_true", help="print JSON")
    rename = action("rename", "give a data store a new name")
    rename.add_argument("store", metavar="ID")
    rename.add_argument("name", metavar="NAME")
    remove = action("delete", "delete a data store and its records")
    remove.add_argument("store", metavar="ID")
    remove.add_argument("--yes", action="store_true", help="even when scenarios use it")
    records = action("records", "a data store's records, by key")
    records.add_argument("store", metavar="ID")
    records.add_argument("--search", default="", help="keys starting with this text")
    records.add_argument("--offset", type=int, default=0)
    records.add_argument("--limit", type=int, help="at most this many")
    records.add_argument("--json", action="store_true", help="print JSON")
    clear = action("clear", "delete every record of a data store")
    clear.add_argument("store", metavar="ID")
    load = action("import", "add or replace records from a CSV or JSON file")
    load.add_argument("store", metavar="ID")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--format", choices=("csv", "json"), help="default: from the suffix")
    load.add_argument("--json", action="store_true", help="print the result as JSON")
    dump = action("export", "write every record as CSV or JSON")
    dump.add_argument("store", metavar="ID")
    dump.add_argument("file", metavar="FILE", nargs="?", help="default: stdout")
    dump.add_argument("--format", choices=("csv", "json"), help="default: from the suffix")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import Workspace
    from engine.store.record_edits import RecordInvalid
    from engine.store.store_admin import StoreError

    workspace = Workspace.resolve(args.data_dir)
    folder, engine = workspace.folder, workspace.state
    try:
        code: int = _ACTIONS[args.action](args, engine, folder)
        return code
    except (StoreError, RecordInvalid, ValueError, OSError) as exc:
        print(f"scenarist datastores {args.action}: {exc}", file=sys.stderr)
        return 1


def _print_json(value: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(value) + b"\n")


def _list(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.store_admin import list_stores

    stores = list_stores(engine)
    if args.json:
        _print_json([s.as_json() for s in stores])
    elif not stores:
        print("no data store: create one with `scenarist datastores create NAME`")
    for s in stores if not args.json else []:
        limit = f" of {s.max_size_mb} MB" if s.max_size_mb else ""
        print(f"{s.id}  {s.name}  {s.records} records  {s.size} bytes{limit}")
    return 0


def _create(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.data_structures import create_structure
    from engine.store.store_admin import create_store

    structure_id = args.structure_id
    if args.structure:
        data = orjson.loads(Path(args.structure).read_bytes())
        body = data if isinstance(data, dict) else {"spec": data}
        structure_id = create_structure(engine, body.get("name") or args.name,
                                        body.get("spec") or [],
                                        strict=bool(body.get("strict"))).id
    sid = create_store(engine, args.name, structure_id=structure_id, max_size_mb=args.max_size)
    if args.json:
        _print_json({"id": sid, "structure": structure_id})
    else:
        print(f"created data store {sid} {args.name!r}")
    return 0


def _rename(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.store_admin import find_store, update_store

    update_store(engine, find_store(engine, args.store), name=args.name)
    return 0


def _delete(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.store_admin import delete_store, find_store, scenarios_using

    sid = find_store(engine, args.store)
    users = scenarios_using(folder, sid)
    if users and not args.yes:
        names = ", ".join(users)
        print(f"scenarist datastores delete: data store {sid} is used by {names}; "
              "add --yes to delete it anyway", file=sys.stderr)
        return 1
    count = delete_store(engine, sid)
    print(f"deleted data store {sid} and its {count} records")
    return 0


def _records(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    """Written a page at a time (a million records never sit in memory at once)."""
    from engine.store.record_pages import RecordQuery, read_page
    from engine.store.store_admin import find_store
    from engine.store.tagged_json import dumps_tagged
    from engine.values import to_json_value

    query = RecordQuery(find_store(engine, args.store), search=args.search)
    out = sys.stdout.buffer
    left = args.limit if args.limit is not None else -1
    offset, after, first = args.offset, None, True
    out.write(b"[" if args.json else b"")
    while left != 0:
        size = _PAGE if left < 0 else min(_PAGE, left)
        page = read_page(engine, query, offset, size, after=after)
        for record in page:
            if args.json:
                out.write((b"" if first else b",") + b'{"key":' + orjson.dumps(record.key)
                          + b',"data":' + dumps_tagged(record.data) + b"}")
            else:
                out.write(record.key.encode() + b"  "
                          + orjson.dumps(to_json_value(record.data)) + b"\n")
            first = False
        if len(page) < size:
            break
        left -= len(page) if left > 0 else 0
        offset, after = offset + len(page), page[-1].key
    out.write(b"]\n" if args.json else b"")
    return 0


_PAGE = 10_000


def _clear(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.record_edits import delete_all_records
    from engine.store.store_admin import find_store

    print(f"deleted {delete_all_records(engine, find_store(engine, args.store))} records")
    return 0


def _import(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from app import progress
    from engine.store.record_io import import_records
    from engine.store.store_admin import find_store

    started = time.perf_counter()
    path = Path(args.file)
    total = path.stat().st_size

    def report(rows: int) -> None:
        elapsed = max(time.perf_counter() - started, 1e-9)
        progress.line(f"importing {path.name}: {rows:,} rows  ({rows / elapsed:,.0f} rows/s, "
                      f"file {total / 1e6:.0f} MB)")

    result = import_records(engine, find_store(engine, args.store), path, kind=args.format,
                            progress=report)
    progress.clear()
    seconds = time.perf_counter() - started
    if args.json:
        _print_json({"imported": result.imported, "skipped": result.skipped,
                     "problems": result.problems, "full": result.full,
                     "seconds": round(seconds, 3)})
    else:
        print(f"imported {result.imported:,} records in {seconds:.1f} s"
              + (f", skipped {result.skipped:,}" if result.skipped else ""))
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
    return 1 if result.full else 0


def _export(args: argparse.Namespace, engine: Any, folder: Path) -> int:
    from engine.store.record_io import export_records, format_of
    from engine.store.store_admin import find_store

    sid = find_store(engine, args.store)
    if args.file is None:
        export_records(engine, sid, sys.stdout, "csv" if args.format == "csv" else "json")
        return 0
    path = Path(args.file)
    with path.open("w", newline="", encoding="utf-8") as out:
        count = export_records(engine, sid, out, format_of(path, args.format))
    print(f"exported {count:,} records to {path}", file=sys.stderr)
    return 0


_ACTIONS = {"list": _list, "create": _create, "rename": _rename, "delete": _delete,
            "records": _records, "clear": _clear, "import": _import, "export": _export}
