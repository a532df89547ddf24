"""The background runtime: runs a workspace's active scenarios, on schedule and on webhooks,
for as long as it lives (in `scenarist serve`, or in the window and its tray icon).

    runtime = Runtime(Workspace.resolve(data_dir), owner="serve")
    await runtime.start()      # the lock, crash recovery, the webhook server, the timers
    ...
    await runtime.stop()       # finishes running runs (or keeps them as incomplete)

- One runtime owns a workspace (its lock): a second one raises WorkspaceBusy naming the
  first. Another process activates and deactivates scenarios by writing the registry
  (engine.runtime.activation); the runtime reads it again every `poll_interval` seconds,
  with each scenario's file when it changed.
- Webhooks: the server (engine.runtime.webhook_server) stores every request before answering;
  the dispatcher turns each into exactly one run. Schedules: the scheduler. Due automatic
  retries of incomplete executions run every `retry_interval` seconds. A scenario reaching
  its maximum number of consecutive errors is deactivated, with an event.
- Every run goes through `start_run` (engine.runtime.execution), history included, with one
  history writer shared by all runs.
- Listeners get RuntimeEvents (engine.runtime.events) on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from engine.incomplete.policy import OutcomeCounter
from engine.runtime import registry
from engine.runtime.dispatcher import WebhookDispatcher
from engine.runtime.events import (
    BackgroundRunFinished,
    BackgroundRunStarted,
    RuntimeEvent,
    RuntimeStopped,
    ScenarioActivated,
    ScenarioDeactivated,
    ScenarioProblem,
)
from engine.runtime.execution import Execution, Respond, StartedElsewhere, run_in_background
from engine.runtime.hook_store import hooks
from engine.runtime.loaded import (
    LoadedScenario,
    ScenarioLoadError,
    copy_source,
    file_signature,
    file_source,
    load_scenario,
    needs_apps,
    scenario_signature,
)
from engine.runtime.policy import RunPolicy
from engine.runtime.scheduler import Scheduler
from engine.runtime.settings import RuntimeSettings, load_settings
from engine.runtime.workspace import Workspace

if TYPE_CHECKING:
    from engine.history.writer import HistoryWriter
    from engine.runtime.recovery import RecoveryReport
    from engine.runtime.webhook_queue import QueuedRequest, WebhookQueue
    from engine.runtime.webhook_server import WebhookServer

log = logging.getLogger("scenarist.runtime")

ATTACH_RETRY_S = 60.0  # an app webhook whose registration failed is tried again after this

Listener = Callable[[RuntimeEvent], object]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Runtime:
    def __init__(
        self,
        workspace: Workspace,
        *,
        owner: str = "serve",
        port: int | None = None,
        host: str | None = None,
        history: bool = True,
        now: Callable[[], datetime] = _utc_now,
        poll_interval: float = 1.0,
        retry_interval: float = 30.0,
        respond_timeout: float | None = None,
        max_sleep: float | None = None,
    ) -> None:
        self.workspace = workspace
        self.owner = owner
        self.history = history
        self.now = now
        self.poll_interval = poll_interval
        self.retry_interval = retry_interval
        self.respond_timeout = respond_timeout
        self._port, self._host = port, host
        self.settings = RuntimeSettings()
        self.listeners: list[Listener] = []
        self.scenarios: dict[str, LoadedScenario] = {}
        self.problems: dict[str, str] = {}
        self.paused = False
        self.queue: WebhookQueue | None = None
        self.server: WebhookServer | None = None
        self.history_writer: HistoryWriter | None = None
        self.recovery: RecoveryReport | None = None
        self.dispatcher = WebhookDispatcher(self)
        self.scheduler = Scheduler(self, now, **({"max_sleep": max_sleep} if max_sleep else {}))
        self._apps: Any = None  # the app registry, loaded once when a scenario needs it
        self.outcomes = OutcomeCounter()  # consecutive errors, without a read per success
        self._tasks: list[asyncio.Task[None]] = []
        self._started = False
        self._hooked: dict[str, str] = {}  # scenario: hook token registered with the server
        self._attaching: dict[tuple[str, str, str], float] = {}  # (scenario, url,
        # connection): when it last failed
        self._background: set[asyncio.Task[None]] = set()
        # `serve --engine temporal`: runs start workflows there (engine.temporal.cluster)
        self.cluster: Any = None

    # ------------------------------------------------------------------ life

    @property
    def port(self) -> int | None:
        return self.server.port if self.server is not None else None

    async def start(self) -> None:
        """Own the workspace, recover what a crash left, serve hooks, start the timers."""
        from engine.runtime.recovery import recover
        from engine.runtime.webhook_queue import WebhookQueue
        from engine.runtime.webhook_server import RESPOND_TIMEOUT_S, WebhookServer

        ws = self.workspace
        ws.acquire(self.owner)
        try:
            self.settings = await asyncio.to_thread(load_settings, ws.state)
            if self.history:
                from engine.history.writer import HistoryWriter

                self.history_writer = await asyncio.to_thread(HistoryWriter, ws.folder)
            self.queue = await WebhookQueue.open(ws.folder)
            self.recovery = await recover(ws, self.queue)
            self.server = WebhookServer(
                self.queue, host=self._host or self.settings.host,
                port=self._port if self._port is not None else self.settings.port,
                on_request=self._on_request, on_determined=self._on_determined,
                respond_timeout=self.respond_timeout or RESPOND_TIMEOUT_S)
            await self.server.start()
            ws.announce_port(self.server.port)
            self._started = True
            await self.refresh()
        except BaseException:
            await self._close()
            raise
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._watch(), name="runtime-watch"),
            loop.create_task(self.scheduler.loop(), name="runtime-scheduler"),
            loop.create_task(self._retry_loop(), name="runtime-retries"),
        ]
        for warning in self.settings.warnings():
            log.warning(warning)

    async def stop(self, reason: str = "stopped", grace: float = 30.0) -> None:
        """Stop taking requests and starting runs; runs going on get `grace` seconds to
        finish, the others are kept as incomplete executions. Callers still waiting for a
        Webhook response are answered "Accepted"."""
        if not self._started:
            return
        self._started = False
        for task in [*self._tasks, *self._background]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._background, return_exceptions=True)
        if self.server is not None:
            await self.server.stop()
        await self.dispatcher.stop(grace)
        await self.scheduler.stop(grace)
        await self._close()
        self.emit(RuntimeStopped(reason))

    async def rebind(self) -> int:
        """Serve the hooks where the settings now say (`host`, `port`), without a restart:
        the new address listens before the old one closes (on the same port, the old one
        closes first). A taken port raises OSError and the old address keeps serving.
        Returns the port listened on."""
        from engine.runtime.webhook_server import WebhookServer

        old, queue = self.server, self.queue
        if old is None or queue is None:
            raise RuntimeError("the runtime is not started")
        self._port = self._host = None  # from now on the settings decide
        new = WebhookServer(queue, host=self.settings.host, port=self.settings.port,
                            on_request=self._on_request, respond_timeout=old.respond_timeout)
        for options in old.hooks():
            new.register(options)
        try:
            await new.start(freeze_gc=False)
        except OSError:
            if new.port != old.port:
                raise
            await old.stop()  # the same port on another address: free it first
            try:
                await new.start(freeze_gc=False)
            except OSError:
                await old.start(freeze_gc=False)
                raise
        else:
            await old.stop()
        self.server = new
        self.workspace.announce_port(new.port)
        return new.port

    async def _close(self) -> None:
        if self.queue is not None:
            await self.queue.close()
        if self.history_writer is not None:
            await asyncio.to_thread(self.history_writer.close)
            self.history_writer = None
        self.workspace.release()

    # ------------------------------------------------------------ scenarios

    async def refresh(self) -> None:
        """Read the registry (and changed files) again; apply what changed."""
        ws = self.workspace
        self.settings = await asyncio.to_thread(load_settings, ws.state)
        entries = await asyncio.to_thread(registry.entries, ws.state)
        tokens = {h.scenario: h for h in await asyncio.to_thread(hooks, ws.state)
                  if h.scenario is not None}
        seen = set()
        for entry in entries:
            seen.add(entry.name)
            before = self.scenarios.get(entry.name)
            loaded = await self._load(entry, before)
            if loaded is None:
                continue
            self.scenarios[entry.name] = loaded
            self._serve_hook(loaded, tokens.get(entry.name))
            was_active = before is not None and before.entry.active
            if entry.active != was_active and (before is not None or entry.active):
                self.outcomes.forget(entry.name)  # activating resets its count
                self.emit(ScenarioActivated(entry.name) if entry.active else
                          ScenarioDeactivated(entry.name, entry.deactivated_reason or
                                              "deactivated", automatic=False))
            if not entry.active:
                self.scheduler.forget(entry.name)
                continue
            if before is None or _replan(before.entry, entry):
                self.scheduler.plan(loaded)
            if loaded.starts_with == "webhook":
                self.dispatcher.wake(entry.name)
        for name in set(self.scenarios) - seen:  # unregistered
            self.scenarios.pop(name, None)
            self.scheduler.forget(name)
            token = self._hooked.pop(name, None)
            if token is not None and self.server is not None:
                self.server.unregister(token)

    async def _load(self, entry: registry.ScenarioEntry, before: LoadedScenario | None
                    ) -> LoadedScenario | None:
        if before is not None and before.signature == scenario_signature(entry):
            return before if before.entry == entry else before.with_entry(entry)
        try:
            loaded = await asyncio.to_thread(self._load_file, entry)
        except ScenarioLoadError as exc:
            message = str(exc)
            if self.problems.get(entry.name) != message:
                self.problems[entry.name] = message
                log.warning("scenario %r: %s", entry.name, message)
                self.emit(ScenarioProblem(entry.name, message))
            return before.with_entry(entry) if before is not None else None
        self.problems.pop(entry.name, None)
        return loaded

    def _load_file(self, entry: registry.ScenarioEntry) -> LoadedScenario:
        """The scenario from its file, kept in the registry for nodes without it; or, on a
        node without the file, from the registry's copy."""
        from engine.loading import check_blueprint_text

        state = self.workspace.state
        copy = None
        if file_signature(entry.file) is None and entry.blueprint_sha256 is not None:
            copy = registry.stored_blueprint(state, entry.name)
        source = file_source(entry) if copy is None else copy_source(copy)
        checked = check_blueprint_text(source.text, str(entry.file))
        apps = None
        if checked.blueprint is not None and needs_apps(checked.blueprint):
            if self._apps is None:
                from engine.registry import registry_with_apps

                self._apps, _problems = registry_with_apps(self.workspace.folder)
            apps = self._apps
        loaded = load_scenario(entry, apps, source=source)
        if loaded.source.from_copy:
            log.info("scenario %r: %s is not on this node: running the copy the registry "
                     "keeps", entry.name, entry.file)
        elif registry.text_sha256(loaded.text) != entry.blueprint_sha256:
            registry.keep_copy(state, entry.name, loaded.text)
        return loaded

    def _serve_hook(self, loaded: LoadedScenario, hook: Any) -> None:
        if self.server is None or loaded.starts_with != "webhook" or hook is None:
            return
        options = hook.hook_options(self.workspace.folder, responds=loaded.responds)
        if options not in self.server.hooks():
            self.server.register(options)
        self._hooked[loaded.name] = hook.token
        if loaded.entry.active and loaded.uses_apps:
            self._attach(loaded, hook)

    def _attach(self, loaded: LoadedScenario, hook: Any) -> None:
        """An app's instant trigger registers its URL with the service (app_hooks.py), in
        the background; a failure is a problem of the scenario, tried again a minute on."""
        from engine.runtime.app_hooks import attach_if_needed
        from engine.runtime.status import hook_url

        url = hook_url(self.settings, hook.token, self.port)
        key = (loaded.name, url, str(hook.options.get("connection")))  # a new one: try now
        last = self._attaching.get(key)
        if last is not None and (last == 0.0 or time.monotonic() - last < ATTACH_RETRY_S):
            return  # attaching now, or failed a moment ago

        async def attach() -> None:
            self._attaching[key] = 0.0
            try:
                if await attach_if_needed(self.workspace, loaded, hook, url):
                    log.info("scenario %r: its webhook %s is registered with %s",
                             loaded.name, url, loaded.plan.main.steps[0].module)
                self._attaching.pop(key, None)
            except Exception as exc:
                log.debug("attaching %r's webhook failed", loaded.name, exc_info=True)
                self._attaching[key] = time.monotonic()
                message = f"registering its webhook with the service failed: {exc}"
                self.problems[loaded.name] = message
                self.emit(ScenarioProblem(loaded.name, message))

        task = asyncio.get_running_loop().create_task(attach(), name=f"attach:{loaded.name}")
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def runnable(self, name: str) -> LoadedScenario | None:
        """The scenario, if a new run of it may start now."""
        loaded = self.scenarios.get(name)
        if loaded is None or not loaded.entry.active or self.paused or not self._started:
            return None
        return loaded

    async def sequential_refusal(self, loaded: LoadedScenario) -> str | None:
        from engine.runtime.start import sequential_refusal

        return await asyncio.to_thread(sequential_refusal, self.workspace, loaded.blueprint,
                                       loaded.name)

    def store_next_run(self, name: str, when: datetime | None, *,
                       ran: datetime | None = None) -> None:
        with contextlib.suppress(Exception):
            registry.set_next_run(self.workspace.state, name, when, ran=ran)

    # ---------------------------------------------------------------- runs

    async def execute(self, loaded: LoadedScenario, trigger: str, *,
                      request: dict[str, Any] | None = None, execution_id: str | None = None,
                      on_response: Respond | None = None, due: datetime | None = None,
                      request_key: tuple[int, float] | None = None) -> Execution:
        """One run, here or on the cluster. `due` (a scheduled run's planned time) and
        `request_key` (a webhook request's stored id and arrival) name the run for the
        cluster, where a run another node already started raises StartedElsewhere."""
        if self.cluster is not None:
            cluster_run: Execution = await self.cluster.execute(
                self, loaded, trigger, request=request, execution_id=execution_id,
                on_response=on_response, due=due, request_key=request_key)
            return cluster_run
        policy = (RunPolicy.webhook(history=self.history) if trigger == "webhook"
                  else RunPolicy.scheduled_run(history=self.history))

        def started(execution_id: str) -> None:
            self.emit(BackgroundRunStarted(loaded.name, execution_id, trigger))

        return await run_in_background(
            self.workspace, loaded, policy, request=request, execution_id=execution_id,
            on_response=on_response, history_writer=self.history_writer, on_started=started,
            outcomes=self.outcomes)

    async def run_scheduled(self, loaded: LoadedScenario, due: datetime | None = None) -> None:
        try:
            execution = await self.execute(loaded, "schedule", due=due)
        except StartedElsewhere as exc:
            log.info("%s", exc)
            return
        execution.settle()
        self.finished(loaded, execution)

    def finished(self, loaded: LoadedScenario, execution: Execution) -> None:
        """After a background run: tell the listeners; deactivate at maxErrors."""
        result = execution.result
        self.emit(BackgroundRunFinished(
            loaded.name, execution.execution_id, execution.trigger, result.status,
            result.operations, execution.duration_s, result.error,
            tuple(execution.incomplete_ids)))
        if execution.deactivates and loaded.entry.active:
            limit = loaded.blueprint.metadata.scenario.maxErrors
            reason = (f"{execution.consecutive_errors} consecutive runs failed (the scenario's "
                      f"maximum number of consecutive errors is "
                      f"{limit if limit is not None else 3})")
            self._deactivate(loaded, reason)

    def _deactivate(self, loaded: LoadedScenario, reason: str) -> None:
        try:
            entry = registry.deactivate(self.workspace.state, loaded.name, reason)
        except Exception:
            log.exception("could not deactivate %r", loaded.name)
            return
        self.scenarios[loaded.name] = loaded.with_entry(entry)
        self.scheduler.forget(loaded.name)
        log.warning("scenario %r deactivated: %s", loaded.name, reason)
        self.emit(ScenarioDeactivated(loaded.name, reason))

    def _on_request(self, queued: QueuedRequest) -> None:
        self.dispatcher.wake(queued.scenario)

    def _on_determined(self, token: str, fields: list[dict[str, Any]]) -> None:
        """Keep the data structure a request determined (a small write, rare: inline)."""
        from engine.runtime.hook_store import hooks_by_token
        from engine.runtime.hook_structure import keep_determined

        folder = self.workspace.folder
        keep_determined(folder, token, hooks_by_token(self.workspace.state, token).name, fields)

    # ------------------------------------------------------------ controls

    def pause_all(self) -> None:
        """No new runs (requests keep being accepted and queued) until `resume_all`."""
        self.paused = True

    def resume_all(self) -> None:
        self.paused = False
        for name, loaded in self.scenarios.items():
            if loaded.entry.active and loaded.starts_with == "webhook":
                self.dispatcher.wake(name)

    def emit(self, event: RuntimeEvent) -> None:
        for listener in list(self.listeners):
            try:
                listener(event)
            except Exception:
                log.exception("a runtime listener failed on %s", type(event).__name__)

    # ---------------------------------------------------------------- loops

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                await self.refresh()
            except Exception:
                log.exception("reading the scenario registry failed")

    async def _retry_loop(self) -> None:
        while True:
            try:
                await self.retry_due()
            except Exception:
                log.exception("automatic retries failed")
            await asyncio.sleep(self.retry_interval)

    async def retry_due(self) -> int:
        """Run the due automatic retries (engine.runtime.retries)."""
        from engine.runtime.retries import retry_due

        return await retry_due(self)


def _replan(before: registry.ScenarioEntry, now: registry.ScenarioEntry) -> bool:
    """Plan again: just activated, a new schedule, or any change of the user's (activated
    again); never because the runtime's own plan changed."""
    return (not before.active or before.schedule != now.schedule
            or before.updated_at != now.updated_at)
