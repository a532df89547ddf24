"""`scenarist run BLUEPRINT [--input REQUEST.json] [--report json|summary]`: run once, headless.

The blueprint is validated as `scenarist check` validates it (`engine.loading.check_blueprint`):
an invalid one exits 2 with each problem once. Every warning reaches stderr once, and the
report (or the summary) too; history's own problems (a value it could not store as it was)
are warnings of the run, never a silent loss.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from app import progress
from app.gc_policy import headless_run
from engine.crash import describe
from engine.errors import BlueprintError, IMLError
from engine.executor.debug import DebugGate, Pause
from engine.executor.plan import compile_plan
from engine.loading import check_blueprint
from engine.report import OutputCollector, build_report, summary_text
from engine.runtime.policy import RunPolicy
from engine.runtime.start import sequential_refusal, start_run
from engine.runtime.workspace import Workspace
from engine.values import json_safe, to_json_value

NO_INPUT = "no --input: the webhook received an empty request"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "run", help="run a blueprint once, headless", description=__doc__
    )
    parser.add_argument("blueprint", metavar="BLUEPRINT.json", help="a Make blueprint file")
    parser.add_argument(
        "--input",
        metavar="REQUEST.json",
        help='the incoming webhook request: {"body": ..., "headers": {...}, "method", "query"}',
    )
    parser.add_argument(
        "--report",
        choices=["json", "summary"],
        help="print the run report as JSON (summary: without the bundles)",
    )
    parser.add_argument(
        "--no-history", action="store_true", help="do not record this run in the history"
    )
    parser.add_argument(
        "--break-at",
        metavar="MODULE_ID",
        type=int,
        help="stop before this module runs and print the bundles it would see (JSON)",
    )
    from app.commands.worker import add_cluster_options

    add_cluster_options(parser, required=False)
    return parser


def run(args: argparse.Namespace) -> int:
    checked = check_blueprint(Path(args.blueprint))
    registry, app_problems = _registry(checked.blueprint, args.data_dir)
    if registry is not None:  # the apps' modules validate by their own declarations
        checked = check_blueprint(Path(args.blueprint), registry)
    if checked.blueprint is None or checked.problems:
        for problem in checked.problems:
            print(f"scenarist run: {problem.describe()}", file=sys.stderr)
        return 2
    blueprint = checked.blueprint
    try:
        plan = compile_plan(blueprint, registry)
        request = _read_request(args.input) if args.input else None
        if args.break_at is not None and args.break_at not in plan.steps:
            raise _BadInput(f"--break-at {args.break_at}: no such module in the scenario")
    except BlueprintError as exc:
        where = "" if exc.file else f"{args.blueprint}: "
        print(f"scenarist run: {where}{exc.describe()}", file=sys.stderr)
        return 2
    except IMLError as exc:
        print(f"scenarist run: {args.blueprint}: {exc}", file=sys.stderr)
        return 2
    except _BadInput as exc:
        print(f"scenarist run: {exc}", file=sys.stderr)
        return 2
    workspace = Workspace.resolve(args.data_dir)
    for recovered in workspace.recover():
        print(f"scenarist: {describe(recovered)}", file=sys.stderr)
    scenario = blueprint.name or Path(args.blueprint).stem
    refused = sequential_refusal(workspace, blueprint, scenario)
    if refused:
        print(f"scenarist run: {refused}", file=sys.stderr)
        return 1
    early = [w.describe() for w in checked.warnings] + app_problems
    if request is None and _starts_with_webhook(plan):
        early.append(NO_INPUT)
    if not args.report:  # with --report, every warning goes to stderr after the run
        for warning in early:
            print(f"warning: {warning}", file=sys.stderr)
    cluster = args.temporal or os.environ.get("SCENARIST_TEMPORAL")
    if cluster and args.break_at is None:  # one workflow on the cluster, reported as here
        from app.cluster_run import exit_now, run_on_cluster

        args.temporal = cluster
        exit_now(run_on_cluster(args, blueprint, scenario, request, early))
    collector = OutputCollector() if args.report == "json" else None
    gate, paused = _break_gate(args.break_at)
    # The workspace's connections are bound before anything records the run (so their
    # secrets are redacted everywhere); what is missing fails the run at its start.
    policy = RunPolicy.manual(history=not args.no_history, webhook=request is not None,
                              breaking=args.break_at is not None)
    handle = start_run(
        workspace, blueprint, policy, plan=plan, scenario=scenario, request=request,
        warnings=early, listeners=[collector] if collector is not None else [], gate=gate,
    )
    services, executor = handle.services, handle.executor
    missing = handle.missing_connections
    with headless_run(), _history_warnings() as late:  # the writer works as the run goes on
        result = asyncio.run(
            progress.while_running(
                handle.run(), lambda: f"running: {sum(executor.ops.values()):,} operations"
            )
        )
        handle.finish(result)
    result.warnings.extend(late)
    if missing and args.report:  # the report has it; the person sees it too
        print(f"scenarist run: {missing}", file=sys.stderr)
    if args.break_at is not None:
        return _print_break(args.break_at, paused, plan, result, collector)
    if args.report:
        report = build_report(plan, result, collector, secrets=services.secrets)
        sys.stdout.buffer.write(_dumps(report) + b"\n")
        for warning in result.warnings:  # stdout is for the machine; tell the person too
            print(f"warning: {warning}", file=sys.stderr)
    else:
        print(summary_text(services.scenario_name, result, services.secrets))
        for warning in late:
            print(f"warning: {warning}", file=sys.stderr)
    return 1 if result.status == "error" else 0


def _registry(blueprint: Any, data_dir: str | None) -> tuple[Any, list[str]]:
    """Built-ins only (None) unless a module is not built in: then every app too (loading
    apps costs start-up time), with the problems of the apps the blueprint uses."""
    if blueprint is None:
        return None, []
    from engine.edits.tree import modules
    from engine.registry import default_registry

    builtins = default_registry()
    used = {node.module for _place, node in modules(blueprint)}
    if all(module in builtins for module in used):
        return None, []
    from engine.registry import registry_with_apps

    registry, problems = registry_with_apps(Workspace.resolve(data_dir).folder)
    apps = {module.split(":", 1)[0].removeprefix("app#") for module in used}
    return registry, [p.describe() for p in problems if p.app in apps]


def _starts_with_webhook(plan: Any) -> bool:
    first = plan.main.steps[0] if plan.main.steps else None
    return first is not None and first.spec is not None and first.spec.kind == "instant_trigger"


def _dumps(report: Any) -> bytes:
    """The report as JSON; text no JSON writer accepts (a lone surrogate from a parsed JSON
    text) is written as U+FFFD rather than losing the whole report."""
    try:
        return orjson.dumps(report)
    except TypeError:
        return orjson.dumps(json_safe(report))


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING:
            self.messages.append(record.getMessage())
        else:  # a failed write: one line here, its problem comes as a warning
            print(f"scenarist: {record.getMessage()}", file=sys.stderr)


@contextmanager
def _history_warnings() -> Iterator[list[str]]:
    """What the history writer reports while the run is stored, as the run's warnings."""
    logger = logging.getLogger("scenarist.history")
    handler = _Collect()
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


class _BadInput(Exception):
    pass


def _break_gate(module_id: int | None) -> tuple[DebugGate | None, list[Pause]]:
    """For --break-at: a gate that records the first pause there and stops the run."""
    paused: list[Pause] = []
    if module_id is None:
        return None, paused
    gate = DebugGate()
    gate.set_breakpoint(module_id)

    def on_pause(pause: Pause) -> None:
        paused.append(pause)
        gate.stop()

    gate.on_pause = on_pause
    return gate, paused


def _print_break(
    module_id: int, paused: list[Pause], plan: Any, result: Any, collector: Any
) -> int:
    report = build_report(plan, result, collector)
    if not paused:
        print(f"scenarist run: module {module_id} was not reached", file=sys.stderr)
        out: dict[str, Any] = {"paused_at": None, "report": report}
        sys.stdout.buffer.write(orjson.dumps(to_json_value(out)) + b"\n")
        return 1 if report["status"] == "error" and result.error.get("name") != \
            "ExecutionInterruptedError" else 0
    pause = paused[0]
    out = {
        "paused_at": pause.module_id,
        "module": pause.module,
        "operations_before": pause.operations,
        "bundles": {str(k): v for k, v in pause.bundles.items()},
        "input": pause.input,
        "input_error": pause.input_error,
    }
    from engine.sensitive import Redactor, scenario_secrets

    out = Redactor(scenario_secrets(plan.blueprint).searchable()).value(out)  # never printed
    sys.stdout.buffer.write(orjson.dumps(to_json_value(out), option=orjson.OPT_INDENT_2) + b"\n")
    return 0


def _read_request(path: str) -> dict[str, Any]:
    try:
        data = orjson.loads(Path(path).read_bytes())
    except OSError as exc:
        raise _BadInput(f"--input {path}: {exc.strerror}") from None
    except orjson.JSONDecodeError as exc:
        if "surrogate" in str(exc):  # valid JSON to Python, but no text anything can store
            raise _BadInput(f"--input {path}: text holds a lone UTF-16 surrogate (an escape "
                            f"such as \\ud800 without its pair): {exc}") from None
        raise _BadInput(f"--input {path}: not JSON ({exc})") from None
    if not isinstance(data, dict) or "body" not in data:
        raise _BadInput(f'--input {path}: expected {{"body": ..., "headers": {{}}, ...}}')
    return data
