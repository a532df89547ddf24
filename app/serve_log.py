"""`scenarist serve`'s log: one structured line per event (structlog), as text for a person
or JSON for a log collector (`--log-format json`), on stderr.

The engine logs through the standard library (`logging`); its records are rendered by the
same processors, so a line from the engine and a line from the runtime look alike. The
runtime's events (engine.runtime.events) become lines with their fields.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from datetime import datetime
from typing import Any

import structlog

from engine.runtime.events import (
    BackgroundRunFinished,
    BackgroundRunStarted,
    RuntimeEvent,
    RuntimeStopped,
    ScenarioActivated,
    ScenarioDeactivated,
    ScenarioProblem,
    ScheduleChanged,
)

_NAMES = {
    BackgroundRunStarted: "run_started", BackgroundRunFinished: "run_finished",
    ScenarioDeactivated: "scenario_deactivated", ScenarioProblem: "scenario_problem",
    ScheduleChanged: "next_run_planned", ScenarioActivated: "scenario_activated",
    RuntimeStopped: "runtime_stopped",
}


_SERVE = logging.getLogger("scenarist.serve")


def configure(log_format: str = "text", level: int = logging.INFO) -> structlog.BoundLogger:
    """Route `logging` and structlog to stderr in one format; the serve logger."""
    renderer: Any = (structlog.processors.JSONRenderer() if log_format == "json"
                     else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()))
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiohttp.access", "alembic", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logger: structlog.BoundLogger = structlog.get_logger("scenarist.serve")
    return logger


def event_fields(event: RuntimeEvent) -> tuple[str, dict[str, Any]]:
    """A runtime event as a log line's name and fields."""
    name = _NAMES.get(type(event), type(event).__name__)
    fields = {}
    for field in dataclasses.fields(event):  # shallow: events hold plain values
        key, value = field.name, getattr(event, field.name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        if value is not None and value != []:
            fields[key] = value
    if isinstance(event, BackgroundRunFinished):
        fields["duration_s"] = round(event.duration_s, 3)
    return name, fields


def log_event(logger: structlog.BoundLogger, event: RuntimeEvent) -> None:
    if isinstance(event, BackgroundRunStarted) and not _SERVE.isEnabledFor(logging.DEBUG):
        return  # a line nobody sees (no --verbose): not even its fields are made
    name, fields = event_fields(event)
    if isinstance(event, (ScenarioDeactivated, ScenarioProblem)) or (
            isinstance(event, BackgroundRunFinished) and event.status == "error"):
        logger.warning(name, **fields)
    elif isinstance(event, BackgroundRunStarted):
        logger.debug(name, **fields)
    else:
        logger.info(name, **fields)
