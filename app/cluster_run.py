"""`scenarist run --temporal HOST:PORT`: the run is submitted to the cluster as one workflow,
waited for, and reported as a local run reports (the same JSON report, summary and exit
code), so anything that drives `scenarist run` (the acceptance suite) can drive a cluster."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson

from engine.blueprint import Blueprint
from engine.report import summary_text
from engine.temporal.results import result_of


async def _submit(args: argparse.Namespace, blueprint: Blueprint, scenario: str,
                  request: Any, execution_id: str) -> dict[str, Any]:
    from engine.temporal.client import start_execution
    from engine.temporal.worker import connect

    client = await connect(args.temporal, args.namespace)
    handle = await start_execution(
        client, blueprint, scenario=scenario, request=request,
        report="json" if args.report == "json" else "summary", task_queue=args.task_queue,
        data_dir=str(Path(args.data_dir).resolve()) if args.data_dir else None,
        execution_id=execution_id)
    done: dict[str, Any] = await handle.result()
    return done


def run_on_cluster(args: argparse.Namespace, blueprint: Blueprint, scenario: str,
                   request: Any, early: list[str]) -> int:
    from engine.runtime.policy import RunPolicy
    from engine.runtime.workspace import Workspace
    from engine.temporal.recording import start_recording

    execution_id = uuid.uuid4().hex
    recorded = start_recording(
        Workspace.resolve(args.data_dir), blueprint,
        RunPolicy.manual(history=not args.no_history, webhook=request is not None),
        scenario=scenario, request=request, execution_id=execution_id)
    try:
        done = asyncio.run(_submit(args, blueprint, scenario, request, execution_id))
    except Exception as exc:  # the cluster can't be reached, or the workflow failed
        from engine.runtime.execution import failed

        print(f"scenarist run: cluster {args.temporal}: {exc}", file=sys.stderr)
        recorded.finish(failed(f"the cluster run failed: {exc}"))
        return 1
    report = done["report"]
    recorded.finish(result_of(report))
    report["warnings"][:0] = early
    if args.report == "json":
        sys.stdout.buffer.write(orjson.dumps(report) + b"\n")
        for warning in report["warnings"]:
            print(f"warning: {warning}", file=sys.stderr)
    else:
        print(summary_text(scenario, result_of(report)))
    return 1 if report["status"] == "error" else 0


def exit_now(code: int) -> None:
    """Leave without finalizing the interpreter: Temporal's core threads may still call
    into Python while it finalizes, which aborts the process (SIGABRT, exit 134) after the
    work is done and reported. Nothing else is open in a cluster run."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
