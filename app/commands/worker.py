"""`scenarist worker --temporal HOST:PORT [--namespace NS] [--task-queue Q]`: run scenario
workflows and their module activities for a Temporal cluster, until stopped.

Start as many as needed, on any machine that reaches the cluster and the shared workspace.
Secrets come from this machine's keyring, or from the workspace's encrypted file with
SCENARIST_MASTER_PASSWORD; they never travel through the cluster. No Qt is imported.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any


def add_cluster_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    """--temporal, --namespace, --task-queue: shared by worker, run and serve."""
    parser.add_argument("--temporal", metavar="HOST:PORT", required=required,
                        help="the Temporal cluster's frontend")
    parser.add_argument("--namespace", default="default", help="Temporal namespace (default)")
    parser.add_argument("--task-queue", default="scenarist",
                        help="the task queue workers serve (scenarist)")


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "worker", help="run scenario workflows for a Temporal cluster", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_cluster_options(parser, required=True)
    parser.add_argument("--max-concurrent", type=int, default=50, metavar="N",
                        help="operations this worker runs at once (50)")
    parser.add_argument("--any-workspace", action="store_true",
                        help="run each scenario in the workspace its run names (the "
                        "submitter's --data-dir) instead of this worker's; that workspace's "
                        "credentials are then used: for tests and hosts you alone use")
    return parser


def run(args: argparse.Namespace) -> int:
    from app.cluster_run import exit_now

    try:
        code = asyncio.run(_work(args))
    except KeyboardInterrupt:
        code = 0
    exit_now(code)
    return code


async def _work(args: argparse.Namespace) -> int:
    from engine.registry import registry_with_apps
    from engine.runtime.workspace import Workspace
    from engine.temporal.worker import connect, make_worker

    workspace = Workspace.resolve(args.data_dir)
    registry, _problems = registry_with_apps(workspace.folder)
    try:
        client = await connect(args.temporal, args.namespace)
    except RuntimeError as exc:
        print(f"scenarist worker: cannot reach {args.temporal}: {exc}", file=sys.stderr)
        return 1
    worker = make_worker(client, workspace, task_queue=args.task_queue, registry=registry,
                         max_concurrent=args.max_concurrent, any_workspace=args.any_workspace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        print(f"scenarist worker: serving {args.task_queue!r} on {args.temporal}"
              f" ({args.namespace})", file=sys.stderr, flush=True)
        await stop.wait()
    return 0
