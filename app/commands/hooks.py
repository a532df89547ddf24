"""`scenarist hooks list [--json] | set NAME|SCENARIO [options] | redetermine HOOK |
requests HOOK [--json] | delete-requests HOOK [--id N ...]`: the workspace's webhooks.

Each scenario that starts with a webhook has one, with an unguessable URL that stays the
same across edits, deactivation and restarts. `set` changes how a hook accepts requests
(Make's webhook settings): `--headers` and `--method` pass the request's headers and method
to the scenario, `--raw-body` passes the body as text (JSON pass-through), `--api-key KEY`
(repeatable) requires one of the keys in the `x-make-apikey` header, `--allow-ip ADDR`
(repeatable; networks like 192.168.1.0/24 too) accepts only those callers, `--rate-limit
N/SECONDS` answers 429 beyond it (Make's is 300/10), `--max-body BYTES` (5 MB), `--queue-limit
N` (10,000), `--data-structure FILE` (a JSON list of Make fields) or `--structure ID` (a
workspace data structure, strict when it says so) validates every request (400 naming the
field that fails). `redetermine` makes the hook's data structure from the next request it
receives. `requests` lists the requests waiting in a hook's queue; `delete-requests` deletes
them (all, or those `--id`), so they never run. `--connection ID`: for an app's trigger
(Telegram, ...), the connection its hook is registered with. A running runtime applies the
change within seconds.
API keys are secrets: they go to the OS keyring (or the encrypted file), never on screen.
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
        "hooks", help="webhooks: list, set their options", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    action = action_adder(parser)
    listing = action("list", "every webhook: URL, scenario, queue, options")
    listing.add_argument("--json", action="store_true", help="print JSON")
    again = action("redetermine", "make the data structure from the next request")
    again.add_argument("hook", metavar="NAME|SCENARIO")
    waiting = action("requests", "the requests waiting in a webhook's queue")
    waiting.add_argument("hook", metavar="NAME|SCENARIO")
    waiting.add_argument("--json", action="store_true", help="print JSON")
    forget = action("delete-requests", "delete queued requests (all, or those --id)")
    forget.add_argument("hook", metavar="NAME|SCENARIO")
    forget.add_argument("--id", type=int, action="append", dest="ids", metavar="N",
                        help="one request's id (repeatable; default: every queued one)")
    change = action("set", "change a webhook's options")
    change.add_argument("hook", metavar="NAME|SCENARIO")
    for flag, what in (("headers", "pass the request's headers"),
                       ("method", "pass the request's method"),
                       ("raw-body", "pass the body as text (JSON pass-through)")):
        change.add_argument(f"--{flag}", action=argparse.BooleanOptionalAction, help=what)
    change.add_argument("--api-key", action="append", metavar="KEY",
                        help="a key callers must send in x-make-apikey (repeatable)")
    change.add_argument("--no-api-keys", action="store_true", help="remove every API key")
    change.add_argument("--allow-ip", action="append", metavar="ADDR",
                        help="only accept callers from this address or network (repeatable)")
    change.add_argument("--any-ip", action="store_true", help="remove the IP allowlist")
    change.add_argument("--rate-limit", metavar="N/SECONDS",
                        help="at most N requests per SECONDS (none: no limit)")
    change.add_argument("--max-body", type=int, metavar="BYTES")
    change.add_argument("--queue-limit", type=int, metavar="N")
    change.add_argument("--connection", metavar="ID",
                        help="an app's hook: the connection it registers with the service "
                             "(when its trigger names none, as Make exports' often don't)")
    change.add_argument("--data-structure", metavar="FILE",
                        help="a JSON list of Make fields every request must match (none: "
                             "no validation)")
    change.add_argument("--structure", metavar="ID",
                        help="a workspace data structure every request must match (none: "
                             "no validation)")
    return parser


def run(args: argparse.Namespace) -> int:
    from engine.runtime import Workspace

    workspace = Workspace.resolve(args.data_dir)
    if args.action == "list":
        return _list(workspace, args)
    from engine.runtime.hook_store import hooks

    found = [h for h in hooks(workspace.state)
             if args.hook in (h.name, h.scenario, h.token)]
    if not found:
        known = ", ".join(repr(h.name) for h in hooks(workspace.state)) or "none"
        print(f"scenarist hooks: no webhook {args.hook!r} (known: {known})", file=sys.stderr)
        return 1
    try:
        return {"set": _set, "redetermine": _redetermine, "requests": _requests,
                "delete-requests": _delete_requests}[args.action](workspace, found[0], args)
    except ValueError as exc:
        print(f"scenarist hooks: {exc}", file=sys.stderr)
        return 2


def _listed(workspace: Any) -> list[dict[str, Any]]:
    from engine.runtime.hook_listing import hook_listing

    return [hook.as_json() for hook in hook_listing(workspace)]


def _list(workspace: Any, args: argparse.Namespace) -> int:
    listed = _listed(workspace)
    if getattr(args, "json", False):
        sys.stdout.buffer.write(orjson.dumps(listed) + b"\n")
        return 0
    if not listed:
        print("no webhook yet: activate a scenario that starts with one")
    for hook in listed:
        extras = ", ".join(f"{k}={v}" for k, v in hook["options"].items())
        keys = ", API keys" if hook["api_keys"] else ""
        if hook["determining"]:
            keys += ", data structure from the next request"
        elif hook["structure"]:
            keys += f", data structure {hook['structure_name'] or hook['structure']!r}"
        print(f"{hook['name']}  {hook['url']}  ({hook['queue']} queued{keys}"
              f"{', ' + extras if extras else ''})")
    return 0


def _redetermine(workspace: Any, hook: Any, _args: argparse.Namespace) -> int:
    from engine.runtime.hook_store import set_hook_options

    set_hook_options(workspace.state, workspace.folder, hook.token, determine=True)
    print(f"{hook.name}: the next request it receives makes its data structure")
    return 0


def _requests(workspace: Any, hook: Any, args: argparse.Namespace) -> int:
    from engine.runtime.webhook_queue import queued_requests
    from engine.store.tagged_json import encode_value

    waiting = [{"id": q.id, "received_at": q.received_at, "method": q.method,
                "headers": q.headers, "query": q.query, "body": encode_value(q.body)}
               for q in queued_requests(workspace.local_state, hook.token)]
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(waiting) + b"\n")
        return 0
    if not waiting:
        print(f"{hook.name}: no request waits")
    for item in waiting:
        body = orjson.dumps(item["body"]).decode()
        print(f"{item['id']}  {item['method']}  {body[:80]}{'…' if len(body) > 80 else ''}")
    return 0


def _delete_requests(workspace: Any, hook: Any, args: argparse.Namespace) -> int:
    from engine.runtime.webhook_queue import discard_queued

    deleted = discard_queued(workspace.local_state, hook.token, args.ids)
    print(f"{hook.name}: {deleted} queued request(s) deleted")
    return 0


def _set(workspace: Any, hook: Any, args: argparse.Namespace) -> int:
    from engine.runtime.hook_store import set_hook_options

    options: dict[str, Any] = {}
    for flag, key in (("headers", "headers"), ("method", "method"), ("raw_body", "stringify")):
        if getattr(args, flag) is not None:
            options[key] = getattr(args, flag)
    if args.allow_ip or args.any_ip:
        options["ip_allowlist"] = [] if args.any_ip else list(args.allow_ip)
    if args.rate_limit is not None:
        options["rate_limit"] = _rate(args.rate_limit)
    if args.max_body is not None:
        options["max_body"] = args.max_body
    if args.queue_limit is not None:
        options["queue_limit"] = args.queue_limit
    if args.data_structure is not None:
        options["data_structure"] = _structure(args.data_structure)
    if args.structure is not None:
        options["structure"] = _structure_id(workspace, args.structure)
    if args.connection is not None:
        options["connection"] = args.connection or None
    keys = [] if args.no_api_keys else args.api_key
    hook = set_hook_options(workspace.state, workspace.folder, hook.token,
                            api_keys=keys, **options)
    print(f"{hook.name}: options changed")
    return 0


def _structure_id(workspace: Any, wanted: str) -> str | None:
    from engine.store.data_structures import get_structure, list_structures

    if wanted.lower() == "none":
        return None
    if get_structure(workspace.state, wanted) is None:
        known = ", ".join(f"{s.id} ({s.name})" for s in list_structures(workspace.state))
        raise ValueError(f"--structure {wanted}: no such data structure (known: "
                         f"{known or 'none'})")
    return wanted


def _rate(text: str) -> list[float] | None:
    if text.lower() in ("none", "off", ""):
        return None
    count, _, seconds = text.partition("/")
    try:
        return [int(count), float(seconds or 1)]
    except ValueError:
        raise ValueError(f"--rate-limit {text!r}: use N/SECONDS, e.g. 300/10") from None


def _structure(path: str) -> list[dict[str, Any]] | None:
    if path.lower() == "none":
        return None
    try:
        data = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ValueError(f"--data-structure {path}: {exc}") from None
    if not isinstance(data, list) or not all(isinstance(f, dict) for f in data):
        raise ValueError(f"--data-structure {path}: expected a JSON list of fields "
                         '[{"name": ..., "type": ..., "required": ...}]')
    return data
