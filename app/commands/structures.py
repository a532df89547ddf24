"""`scenarist structures list | show ID | create NAME [--from-sample FILE | --spec FILE] |
delete ID`: the workspace's data structures.

`create --from-sample FILE` determines the fields from a sample JSON, as Make's "Generate"
button does; `--strict` makes the structure refuse fields it does not list. `list --json`
prints `[{"id", "name", "strict", "spec"}]`, `create --json` prints `{"id": ...}`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

from app.commands.actions import action_adder


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "structures", help="data structures: list, create (from a sample), delete",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    action = action_adder(parser)
    listing = action("list", "every data structure")
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = action("show", "one data structure's fields")
    show.add_argument("structure", metavar="ID")
    create = action("create", "create a data structure")
    create.add_argument("name", metavar="NAME", nargs="?", default="")
    source = create.add_mutually_exclusive_group()
    source.add_argument("--from-sample", metavar="FILE", help="determine fields from JSON")
    source.add_argument("--spec", metavar="FILE", help="a JSON list of Make fields")
    create.add_argument("--strict", action="store_true", help="refuse unlisted fields")
    create.add_argument("--json", action="store_true", help="print JSON")
    remove = action("delete", "delete a data structure")
    remove.add_argument("structure", metavar="ID")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import Workspace
    from engine.store import data_structures as ds

    engine = Workspace.resolve(args.data_dir).state
    if args.action == "list":
        found = [_as_json(s) for s in ds.list_structures(engine)]
        if args.json:
            sys.stdout.buffer.write(orjson.dumps(found) + b"\n")
        for s in found if not args.json else []:
            print(f"{s['id']}  {s['name']}  {len(s['spec'])} fields"
                  + ("  strict" if s["strict"] else ""))
        return 0
    if args.action == "create":
        return _create(args, engine)
    structure = ds.get_structure(engine, args.structure)
    if structure is None:
        print(f"scenarist structures: there is no data structure {args.structure}",
              file=sys.stderr)
        return 1
    if args.action == "delete":
        ds.delete_structure(engine, structure.id)
        return 0
    sys.stdout.buffer.write(orjson.dumps(_as_json(structure), option=orjson.OPT_INDENT_2)
                            + b"\n")
    return 0


def _create(args: argparse.Namespace, engine: Any) -> int:
    from engine.store.data_structures import create_structure
    from engine.store.structure_sample import fields_from_sample

    try:
        if args.from_sample:
            spec: list[Any] = [f.model_dump(exclude_none=True) for f in fields_from_sample(
                orjson.loads(Path(args.from_sample).read_bytes()))]
        elif args.spec:
            spec = orjson.loads(Path(args.spec).read_bytes())
        else:
            spec = []
    except (OSError, orjson.JSONDecodeError) as exc:
        print(f"scenarist structures create: {exc}", file=sys.stderr)
        return 1
    name = args.name or (Path(args.from_sample).stem if args.from_sample else "Structure")
    structure = create_structure(engine, name, spec, strict=args.strict)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps({"id": structure.id}) + b"\n")
    else:
        print(f"created data structure {structure.id} {name!r} with {len(spec)} fields")
    return 0


def _as_json(structure: Any) -> dict[str, Any]:
    return {"id": structure.id, "name": structure.name, "strict": structure.strict,
            "spec": [f.model_dump(exclude_none=True) for f in structure.spec]}
