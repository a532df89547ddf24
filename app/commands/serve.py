"""`scenarist serve [--port P] [--host H] [--log-format text|json]`: run the workspace's
active scenarios, headless, until stopped.

Schedules fire and webhooks are served (http://127.0.0.1:8765/hook/<token> by default; the
port and host are settings, `scenarist settings`, or these options for this run). Activate
scenarios with `scenarist activate FILE` (from any terminal: the change takes effect within
seconds). Logs are structured lines on stderr. SIGTERM or Ctrl+C stops cleanly: runs going on
get `--grace` seconds to finish, the others are kept as incomplete executions.

The workspace has one owner at a time: with the window (or another `serve`) running on it,
this says which and exits 1. No Qt is imported.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any


def add_parser(sub: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        "serve", help="run the active scenarios in the background, headless",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, help="the webhook server's port (default: 8765, "
                        "or the 'port' setting; 0: any free port)")
    parser.add_argument("--host", help="the address to listen on (default: 127.0.0.1; "
                        "0.0.0.0 makes hooks reachable from the network)")
    parser.add_argument("--log-format", choices=["text", "json"], default="text",
                        help="log lines as text (default) or JSON")
    parser.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                        help="on stop, how long runs going on may take to finish (30)")
    parser.add_argument("--no-history", action="store_true",
                        help="do not record the runs in the history")
    parser.add_argument("--verbose", action="store_true", help="also log every run's start")
    parser.add_argument("--engine", choices=["local", "temporal"], default="local",
                        help="run here (local) or start Temporal workflows that `scenarist "
                        "worker` processes run (temporal, with --temporal HOST:PORT)")
    from app.commands.worker import add_cluster_options

    add_cluster_options(parser, required=False)
    return parser


def _migrate_apart(folder: Any) -> None:
    """Migrating a database loads Alembic (~14 MB that would stay for the server's whole
    life): when state.db or history.db is new or behind, a short-lived child migrates it
    (with a shared PostgreSQL, only the child can tell, so it always runs)."""
    import sqlite3
    import subprocess

    from engine.store.history_db import HEAD_REVISION as HISTORY_HEAD
    from engine.store.history_db import history_db_path
    from engine.store.state_db import HEAD_REVISION as STATE_HEAD
    from engine.store.state_db import state_db_path

    def behind(path: Any, head: str) -> bool:
        if not path.exists():
            return True
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return True
        return row is None or row[0] != head

    from engine.store.database import database_of

    if database_of(folder) is None and not (behind(state_db_path(folder), STATE_HEAD)
            or behind(history_db_path(folder), HISTORY_HEAD)):
        return
    code = ("import sys\n"
            "from engine.store.history_db import open_history_engine\n"
            "from engine.store.state_db import local_state_engine, open_state_engine\n"
            "from pathlib import Path\n"
            "folder = Path(sys.argv[1])\n"
            "open_state_engine(folder).dispose()\n"
            "local_state_engine(folder).dispose()  # the webhook queue's, if state is shared\n"
            "open_history_engine(folder).dispose()\n")
    subprocess.run([sys.executable, "-c", code, str(folder)], check=False)


def _trim() -> None:
    """Hand the heap's free pages back to the system (glibc keeps what start-up and busy
    minutes freed; a server idles most of the time). Elsewhere: nothing."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _few_arenas(arenas: int = 2) -> None:
    """At most `arenas` malloc arenas (glibc gives each thread its own: the history writer's,
    the queue's and the executor's threads each keep a partly used one). Before any thread
    starts. Elsewhere: nothing."""
    import ctypes

    m_arena_max = -8
    try:
        ctypes.CDLL("libc.so.6").mallopt(m_arena_max, arenas)
    except (OSError, AttributeError):
        pass


async def _give_memory_back(every_s: float = 300.0) -> None:
    while True:
        _trim()
        await asyncio.sleep(every_s)


def run(args: argparse.Namespace) -> int:
    import logging

    from app.serve_log import configure
    from engine.runtime import Workspace

    _few_arenas()
    logger = configure(args.log_format, logging.DEBUG if args.verbose else logging.INFO)
    workspace = Workspace.resolve(args.data_dir)
    _migrate_apart(workspace.folder)
    if args.engine == "temporal" and not args.temporal:
        print("scenarist serve: --engine temporal needs --temporal HOST:PORT", file=sys.stderr)
        return 2
    try:
        code = asyncio.run(_serve(args, workspace, logger))
    except KeyboardInterrupt:
        code = 0
    if args.engine == "temporal":
        from app.cluster_run import exit_now

        exit_now(code)
    return code


async def _serve(args: argparse.Namespace, workspace: Any, logger: Any) -> int:
    from app.serve_log import log_event
    from engine.runtime import Runtime, WorkspaceBusy, scenario_statuses

    runtime = Runtime(workspace, owner="serve", port=args.port, host=args.host,
                      history=not args.no_history)
    runtime.listeners.append(lambda event: log_event(logger, event))
    if args.engine == "temporal":
        from engine.temporal.cluster import ClusterEngine
        from engine.temporal.worker import connect

        try:
            client = await connect(args.temporal, args.namespace)
        except RuntimeError as exc:
            print(f"scenarist serve: cannot reach {args.temporal}: {exc}", file=sys.stderr)
            return 1
        runtime.cluster = ClusterEngine(client, args.task_queue)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start()
    except WorkspaceBusy as exc:
        print(f"scenarist serve: {exc}; stop it first (the window's tray menu: Quit)",
              file=sys.stderr)
        return 1
    except OSError as exc:  # the port is taken
        print(f"scenarist serve: cannot listen on {args.host or runtime.settings.host}:"
              f"{args.port if args.port is not None else runtime.settings.port}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    statuses = await asyncio.to_thread(scenario_statuses, workspace, port=runtime.port)
    active = [s for s in statuses if s.active]
    logger.info("serving", workspace=str(workspace.folder), port=runtime.port,
                active=len(active), registered=len(statuses))
    for status in active:
        logger.info("scenario_active", scenario=status.name, schedule=status.schedule_text,
                    webhook_url=status.webhook_url,
                    next_run=status.next_run.isoformat() if status.next_run else None)
    if not active:
        logger.info("no active scenario yet: activate one with `scenarist activate FILE`")
    trimming = asyncio.get_running_loop().create_task(_give_memory_back())
    await stop.wait()
    trimming.cancel()
    logger.info("stopping", grace_s=args.grace)
    await runtime.stop("stopped by a signal", grace=args.grace)
    logger.info("stopped")
    return 0
