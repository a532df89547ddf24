"""The implementation behind every app module: one object per module declaration.

Actions, searches and "Make an API call" run their communication and return its outputs
as bundles. Polling triggers also keep the last id/date they emitted (engine.apps.runtime)
and emit only newer items, oldest first. Instant triggers read the run's webhook request
through the app's webhook communication (verification, respond, iterate, output).
Modules with `commit`/`rollback` code take part in the cycle's transaction.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.apps.communication import Context, Emitted, execute
from engine.apps.components import functions_of
from engine.apps.declaration import App, ModuleDecl
from engine.apps.runtime import find_connection, trigger_key, trigger_state
from engine.errors import ModuleError
from engine.spec import ModuleCall
from engine.values import format_iso, to_bool, to_date, to_number, to_text

if TYPE_CHECKING:
    from engine.context import RunServices

CONNECTION_PARAMETER = "__IMTCONN__"
# Older Make modules (Gmail's ActionSendEmail v2) name their connection `account`.
LEGACY_CONNECTION_PARAMETER = "account"
WEBHOOK_PARAMETER = "__IMTHOOK__"
EPOCH_START = "1970-01-01T00:00:00.000Z"


def _bundle(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {"value": value}


class AppModule:
    """`impl(call)` for one module of one app."""

    def __init__(self, app: App, decl: ModuleDecl) -> None:
        self.app = app
        self.decl = decl
        self.functions = functions_of(app)

    def context(self, call: ModuleCall) -> Context:
        parameters = {k: v for k, v in {**call.parameters, **call.mapper}.items()
                      if k not in (CONNECTION_PARAMETER, WEBHOOK_PARAMETER)}
        reference = call.parameters.get(CONNECTION_PARAMETER)
        if reference in (None, "") and self.decl.connection is not None:
            reference = call.parameters.get(LEGACY_CONNECTION_PARAMETER)
        conn = find_connection(call.run, reference, self.app.name, *self.app.aliases,
                               self.decl.connection)
        if conn is None and self.decl.connection is not None:
            message = (f"module {call.module_id} ({self.app.name}:{self.decl.name}): no "
                       f"connection {self.decl.connection!r} here; it runs without one")
            if message not in call.run.warnings:
                call.run.warn(message)
        common = dict(self.app.common)
        if self.decl.connection in self.app.connections:
            common.update(self.app.connections[self.decl.connection].common)
        return Context(
            run=call.run, base=self.app.base, parameters=parameters,
            connection=dict(conn.data) if conn is not None else {},
            base_url_override=conn.base_url_override if conn is not None else None,
            common=common, functions=self.functions,
        )

    async def __call__(self, call: ModuleCall) -> list[dict[str, Any]]:
        ctx = self.context(call)
        kind = self.decl.type
        if kind == "instant_trigger":
            return await self._instant(call, ctx)
        if kind == "trigger":
            return await self._poll(call, ctx)
        result = await execute(self.decl.communication or {}, ctx)
        bundles = [_bundle(v) for v in result.values]
        if self.decl.commit is not None or self.decl.rollback is not None:
            transaction = call.run.resource("apps.transaction", lambda: AppTransaction(call.run))
            for bundle in bundles or [{}]:
                transaction.add(self.decl, ctx, bundle)
        return bundles

    # --- polling triggers --------------------------------------------------------------

    async def _poll(self, call: ModuleCall, ctx: Context) -> list[dict[str, Any]]:
        # Several requests (a list, then the items): the last one's response is the trigger's.
        communication = self.decl.communication
        requests = [r for r in communication if isinstance(r, dict)] if isinstance(
            communication, list) else ([communication] if isinstance(communication, dict) else [])
        spec = requests[-1] if requests else {}
        trigger = (spec.get("response") or {}).get("trigger") or {}
        by_date = to_text(trigger.get("type")) == "date"
        order = to_text(trigger.get("order")) or "unordered"
        store, key = trigger_state(call.run), trigger_key(call.run, call.module_id)
        stored = store.get(key)
        # "Choose where to start" applies until the trigger has a cursor of its own.
        choice = (call.run.start_from or {}) if stored is None else {}
        mode = choice.get("mode")
        state = stored or {}
        last_id, last_date = state.get("lastId"), state.get("lastDate")
        if mode == "since" and by_date:
            last_date = _iso(choice.get("date"))
        elif mode == "id":
            last_id = choice.get("id")
        ctx.data = {"lastId": last_id, "lastDate": last_date or EPOCH_START}
        ctx.extra["trigger"] = {"matchEqual": False}
        # How many items one run emits: the communication's `response.limit` when it has one
        # (Make's trigger limit, read from the app's own field, say `maxRecords`), else the
        # `limit`/`maxResults` parameter Scenarist adds, else Make's default of 1.
        response_limit = (spec.get("response") or {}).get("limit")
        limit = to_number(ctx.evaluate(response_limit) if response_limit is not None
                          else ctx.parameters.get("limit", ctx.parameters.get("maxResults")))
        ctx.default_limit = int(limit) if limit is not None and limit > 0 else 1
        wanted = ctx.default_limit

        def accept(emitted: Emitted) -> bool:
            if by_date:
                date = to_date(emitted.date)
                return date is not None and (last_date is None or date > _date(last_date))
            return last_id is None or _newer(emitted.id, last_id)

        ctx.accept = accept
        ctx.stop_on_rejected = order == "desc"
        if mode == "now" and order == "desc":
            ctx.default_limit = 1  # only the newest item is wanted: it comes first
        elif order != "asc" or mode in ("now", "last"):
            ctx.default_limit = None  # collect every new item, then take the oldest
        if "limit" in (spec.get("response") or {}) and order != "asc":
            spec = {**spec, "response": {k: v for k, v in spec["response"].items()
                                         if k != "limit"}}
        result = await execute([*requests[:-1], spec], ctx)
        items = result.outputs
        if by_date:
            items.sort(key=lambda e: to_date(e.date) or datetime.min.replace(tzinfo=UTC))
        elif order != "asc":
            items = _sorted_by_id(items)
        if mode == "now":  # from now on: remember the newest, emit nothing
            items, result.more, skipped = [], False, items[-1:]
        elif mode == "last":
            count = int(to_number(choice.get("count")) or 1)
            items, result.more, skipped = items[-count:], False, []
        elif len(items) > wanted:
            items, result.more, skipped = items[:wanted], True, []
        else:
            skipped = []
        if items or skipped:
            newest = (items or skipped)[-1]
            store.set(key, {
                "lastId": newest.id if newest.id is not None else last_id,
                "lastDate": _iso(newest.date) if by_date else last_date,
            })
        elif mode in ("now", "last"):  # nothing yet: everything after this moment is new
            store.set(key, {"lastId": last_id,
                            "lastDate": _iso(call.run.now()) if by_date else last_date})
        if result.more:
            call.run.more = True
        return [_bundle(e.output) for e in items]

    # --- instant triggers --------------------------------------------------------------

    async def _instant(self, call: ModuleCall, ctx: Context) -> list[dict[str, Any]]:
        request = call.run.webhook_request
        if request is None:
            return []
        hook = self.app.webhooks.get(self.decl.webhook or "")
        hook_spec = hook.communication if hook is not None and isinstance(
            hook.communication, dict) else {}
        roots = {"body": request.get("body"), "headers": request.get("headers") or {},
                 "query": request.get("query") or {}, "method": request.get("method")}
        verification = hook_spec.get("verification")
        if isinstance(verification, dict) and to_bool(
                ctx.evaluate(verification.get("condition"), **roots)):
            _respond(call.run, ctx, verification.get("respond"), roots)
            return []
        if "respond" in hook_spec:
            _respond(call.run, ctx, hook_spec["respond"], roots)
        if "condition" in hook_spec and not to_bool(
                ctx.evaluate(hook_spec["condition"], **roots)):
            return []
        items = _items(ctx, hook_spec, roots, default=roots["body"])
        module_spec = self.decl.communication if isinstance(
            self.decl.communication, dict) else {}
        response = module_spec.get("response") if isinstance(
            module_spec.get("response"), dict) else module_spec
        if response and ("output" in response or "iterate" in response):
            mapped: list[Any] = []
            for item in items:
                mapped.extend(_items(ctx, response, {**roots, "body": item}, default=item))
            items = mapped
        return [_bundle(i) for i in items]


def _items(ctx: Context, spec: dict[str, Any], roots: dict[str, Any], default: Any
           ) -> list[Any]:
    output = spec.get("output")
    if "iterate" in spec:
        iterate = spec["iterate"]
        condition = iterate.get("condition") if isinstance(iterate, dict) else None
        container = ctx.evaluate(iterate.get("container") if isinstance(iterate, dict)
                                 else iterate, **roots)
        out = []
        for item in container if isinstance(container, list) else []:
            item_roots = {**roots, "item": item}
            if condition is not None and not to_bool(ctx.evaluate(condition, **item_roots)):
                continue
            out.append(item if output is None else ctx.evaluate(output, **item_roots))
        return out
    if default is None and output is None:
        return []
    return [default if output is None else ctx.evaluate(output, **roots)]


def _respond(run: RunServices, ctx: Context, respond: Any, roots: dict[str, Any]) -> None:
    if not isinstance(respond, dict):
        return
    evaluated = ctx.evaluate(respond, **roots)
    kind = to_text(evaluated.get("type")) or "json"
    headers = dict(evaluated.get("headers") or {})
    content_types = {"json": "application/json", "urlencoded":
                     "application/x-www-form-urlencoded", "text": "text/plain"}
    headers.setdefault("Content-Type", content_types.get(kind, "text/plain"))
    status = to_number(evaluated.get("status"))
    run.webhook_response = {"status": int(status) if status else 200, "headers": headers,
                            "body": evaluated.get("body")}


def _newer(candidate: Any, last: Any) -> bool:
    a, b = to_number(candidate), to_number(last)
    if a is not None and b is not None:
        return a > b
    return to_text(candidate) > to_text(last)


def _sorted_by_id(items: list[Emitted]) -> list[Emitted]:
    if all(to_number(e.id) is not None for e in items):
        return sorted(items, key=lambda e: to_number(e.id) or 0)
    return list(reversed(items))  # a descending list by an opaque id: reverse it


def _date(value: Any) -> datetime:
    return to_date(value) or datetime.min.replace(tzinfo=UTC)


def _iso(value: Any) -> str | None:
    date = to_date(value)
    return format_iso(date) if date is not None else None


class AppTransaction:
    """The cycle's pending commit/rollback requests of app modules (a `Transactional`).

    The executor's hooks are synchronous while requests are async: each hook runs its
    requests on a worker thread with its own event loop and HTTP client."""

    def __init__(self, run: RunServices) -> None:
        self.run = run
        self.pending: list[tuple[ModuleDecl, Context, dict[str, Any]]] = []

    def add(self, decl: ModuleDecl, ctx: Context, output: dict[str, Any]) -> None:
        self.pending.append((decl, ctx, output))

    def commit(self) -> None:
        self._finish("commit")

    def rollback(self) -> None:
        self._finish("rollback")

    async def afinish(self, hook: str) -> None:
        """Run the hook's requests (awaitable, for an executor that awaits hooks)."""
        pending, self.pending = self.pending, []
        errors = []
        for decl, ctx, output in pending:
            spec = getattr(decl, hook)
            if spec is None:
                continue
            run_ctx = dataclasses.replace(ctx, extra={**ctx.extra, "output": output})
            try:
                await execute(spec, run_ctx)
            except ModuleError as exc:
                errors.append(f"{decl.name}: {exc.message}")
        if errors:
            self.run.warn(f"app {hook} failed: " + "; ".join(errors))

    def _finish(self, hook: str) -> None:
        if not any(getattr(d, hook) is not None for d, _, _ in self.pending):
            self.pending = []
            return
        from engine.context import RunServices

        worker_run = RunServices(now=self.run.now, timezone=self.run.timezone,
                                 secrets=self.run.secrets)
        pending = [(d, dataclasses.replace(c, run=worker_run), o) for d, c, o in self.pending]
        self.pending = pending

        async def go() -> None:
            try:
                await self.afinish(hook)
            finally:
                await worker_run.aclose()

        thread = threading.Thread(target=lambda: asyncio.run(go()), daemon=True)
        thread.start()
        thread.join()
        self.run.warnings.extend(w for w in worker_run.warnings if w not in self.run.warnings)
