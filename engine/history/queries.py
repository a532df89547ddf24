"""Reading history: the list of executions, one execution's report, and a diff of two runs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from engine.errors import ScenaristError
from engine.history.batches import decode_batch
from engine.history.payloads import decode
from engine.store.history_db import (
    BlueprintVersion,
    Execution,
    Operation,
    OperationBatch,
    blobs_dir,
)
from engine.values import to_json_value

_EXECUTION = Execution.__table__  # type: ignore[attr-defined]
_OPERATION = Operation.__table__  # type: ignore[attr-defined]
_BLUEPRINT = BlueprintVersion.__table__  # type: ignore[attr-defined]
_BATCH = OperationBatch.__table__  # type: ignore[attr-defined]

MAX_DIFF_BUNDLES_PER_MODULE = 100
MAX_DIFF_PATHS_PER_BUNDLE = 20


class ExecutionNotFound(ScenaristError):
    pass


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _entry(row: Any, blobs: Path) -> dict[str, Any]:
    duration = None
    if row.finished_at is not None:
        working = (row.finished_at - row.started_at).total_seconds() - (row.paused_s or 0.0)
        duration = round(max(0.0, working), 6)
    error = decode(row.error, blobs)
    return {
        "id": row.id,
        "scenario": row.scenario,
        "status": row.status,
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "duration_s": duration,
        "operations": row.operations,
        "data_transfer": row.data_transfer,
        "incomplete_executions": row.incomplete_executions,
        "trigger": row.trigger,
        "check_run": bool(row.check_run),
        "confidential": bool(row.confidential),
        "resumed_from": row.resumed_from,
        "kind": row.kind,
        "blueprint_sha256": row.blueprint_sha256,
        "error": to_json_value(error),
    }


def list_executions(
    engine: Engine,
    workspace: Path,
    *,
    scenario: str | None = None,
    status: str | None = None,
    include_check_runs: bool = False,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Executions newest first; check runs are hidden unless asked for, as in Make."""
    query = select(_EXECUTION).order_by(_EXECUTION.c.started_at.desc(),
                                        _EXECUTION.c.num.desc())
    if scenario is not None:
        query = query.where(_EXECUTION.c.scenario == scenario)
    if status is not None:
        query = query.where(_EXECUTION.c.status == status)
    if not include_check_runs:
        query = query.where(_EXECUTION.c.check_run.is_(False))
    if since is not None:
        query = query.where(_EXECUTION.c.started_at >= since)
    if limit is not None:
        query = query.limit(limit)
    blobs = blobs_dir(workspace)
    with engine.connect() as conn:
        return [_entry(row, blobs) for row in conn.execute(query)]


def _execution_row(conn: Any, execution_id: str) -> Any:
    row = conn.execute(select(_EXECUTION).where(_EXECUTION.c.id == execution_id)).first()
    if row is None:
        # Let people type a unique prefix of the id, as with git hashes.
        rows = conn.execute(
            select(_EXECUTION).where(_EXECUTION.c.id.startswith(execution_id, autoescape=True))
            .limit(2)
        ).all()
        if len(rows) != 1 or not execution_id:
            raise ExecutionNotFound(f"no execution {execution_id!r} in history")
        row = rows[0]
    return row


def operations(engine: Engine, workspace: Path, execution_id: str) -> list[dict[str, Any]]:
    """Every operation of an execution, in order, with its bundles (the bundle inspector)."""
    blobs = blobs_dir(workspace)
    with engine.connect() as conn:
        row = _execution_row(conn, execution_id)
        batches = conn.execute(
            select(_BATCH).where(_BATCH.c.execution_num == row.num).order_by(_BATCH.c.first_seq)
        ).all()
        rows = conn.execute(  # one row per operation: runs recorded before batches
            select(_OPERATION).where(_OPERATION.c.execution_num == row.num,
                                     _OPERATION.c.kind == "operation")
            .order_by(_OPERATION.c.seq)
        ).all()
    ops = [
        {
            "seq": op.seq, "kind": op.kind, "cycle": op.cycle, "module_id": op.module_id,
            "duration_ms": op.duration_ms, "filter_passed": op.filter_passed,
            "output_count": op.output_count, "error": decode(op.error, blobs),
            "input": decode(op.input, blobs), "outputs": decode(op.outputs, blobs),
        }
        for op in rows
    ]
    for batch in batches:
        ops.extend(decode_batch(batch.first_seq, batch.cycle, batch.content, blobs))
    if rows and batches:
        ops.sort(key=lambda op: int(op["seq"]))
    return ops


def recorded_value(engine: Engine, workspace: Path, execution_id: str, kind: str) -> Any:
    """A run's row of `kind` beside its operations ("trigger": the input it started from,
    "effects": its recorded external effects); None when the run has none."""
    with engine.connect() as conn:
        row = _execution_row(conn, execution_id)
        packed = conn.execute(
            select(_OPERATION.c.input).where(_OPERATION.c.execution_num == row.num,
                                             _OPERATION.c.kind == kind).limit(1)
        ).scalar()
    return decode(packed, blobs_dir(workspace))


def execution_entry(engine: Engine, workspace: Path, execution_id: str) -> dict[str, Any]:
    """One execution's list entry (id, scenario, status, times, counts, ...)."""
    with engine.connect() as conn:
        row = _execution_row(conn, execution_id)
    return _entry(row, blobs_dir(workspace))


def execution_summary(engine: Engine, workspace: Path, execution_id: str) -> Any:
    """The run's stored report (without bundles), decoded; None if it has none."""
    with engine.connect() as conn:
        packed = conn.execute(
            select(_EXECUTION.c.summary).where(_EXECUTION.c.id == execution_id)).scalar()
    return decode(packed, blobs_dir(workspace))


def stored_blueprint(engine: Engine, workspace: Path, execution_id: str) -> Any:
    """The scenario's blueprint as it was when this execution ran."""
    with engine.connect() as conn:
        row = _execution_row(conn, execution_id)
        content = conn.execute(
            select(_BLUEPRINT.c.content).where(_BLUEPRINT.c.sha256 == row.blueprint_sha256)
        ).scalar()
    return decode(content, blobs_dir(workspace))


def show_execution(
    engine: Engine, workspace: Path, execution_id: str, *, with_operations: bool = False
) -> dict[str, Any]:
    """The run report of `scenarist run --report json`, plus the execution's ids and times."""
    blobs = blobs_dir(workspace)
    with engine.connect() as conn:
        row = _execution_row(conn, execution_id)
    entry = _entry(row, blobs)
    ops = operations(engine, workspace, row.id)
    summary = decode(row.summary, blobs) or {
        "status": row.status, "operations": row.operations,
        "data_transfer": row.data_transfer, "webhook_response": None,
        "incomplete_executions": row.incomplete_executions, "error": entry["error"],
        "warnings": [], "modules": {},
    }
    filtered = summary.pop("filtered", {})
    outputs: dict[str, list[Any]] = {}
    for op in ops:
        if op["outputs"]:
            outputs.setdefault(str(op["module_id"]), []).extend(op["outputs"])
    for module_id, module in summary["modules"].items():
        summary["modules"][module_id] = {
            "module": module["module"], "operations": module["operations"],
            "outputs": to_json_value(outputs.get(module_id, [])),
            "errors": module["errors"],
        }
    report: dict[str, Any] = {**entry, **summary, "filtered": filtered}
    report["error"] = summary.get("error")
    if with_operations:
        report["log"] = [
            {**op, "input": to_json_value(op["input"]), "outputs": to_json_value(op["outputs"]),
             "error": to_json_value(op["error"])}
            for op in ops
        ]
    return report


# ------------------------------------------------------------------------ diff

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENTIFIER.match(key) else f"{path}[{key!r}]"


def json_paths(a: Any, b: Any, path: str = "$", limit: int = MAX_DIFF_PATHS_PER_BUNDLE,
               out: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Where two values differ, as JSON paths with both sides (at most `limit`)."""
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            sub = _key_path(path, str(key))
            if key not in b:
                out.append({"path": sub, "a": to_json_value(a[key]), "b": None,
                            "change": "removed"})
            elif key not in a:
                out.append({"path": sub, "a": None, "b": to_json_value(b[key]),
                            "change": "added"})
            else:
                json_paths(a[key], b[key], sub, limit, out)
            if len(out) >= limit:
                break
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            sub = f"{path}[{i}]"
            if i >= len(b):
                out.append({"path": sub, "a": to_json_value(a[i]), "b": None,
                            "change": "removed"})
            elif i >= len(a):
                out.append({"path": sub, "a": None, "b": to_json_value(b[i]),
                            "change": "added"})
            else:
                json_paths(a[i], b[i], sub, limit, out)
            if len(out) >= limit:
                break
    elif type(a) is not type(b) or a != b:
        out.append({"path": path, "a": to_json_value(a), "b": to_json_value(b),
                    "change": "changed"})
    return out


def _by_module(ops: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for op in ops:
        grouped.setdefault(op["module_id"], []).append(op)
    return grouped


def _module_diff(a_ops: list[dict[str, Any]], b_ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bundles that differ between a module's operations in two runs (k-th vs k-th)."""
    found: list[dict[str, Any]] = []
    for k in range(max(len(a_ops), len(b_ops))):
        a_op = a_ops[k] if k < len(a_ops) else None
        b_op = b_ops[k] if k < len(b_ops) else None
        if a_op is None or b_op is None:
            found.append({"operation": k, "only_in": "a" if b_op is None else "b"})
            continue
        for part in ("input", "error"):
            paths = json_paths(a_op[part], b_op[part])
            if paths:
                found.append({"operation": k, "bundle": part, "paths": paths})
        a_out, b_out = a_op["outputs"] or [], b_op["outputs"] or []
        for j in range(max(len(a_out), len(b_out))):
            if j >= len(a_out) or j >= len(b_out):
                found.append({"operation": k, "bundle": f"output {j}",
                              "only_in": "a" if j < len(a_out) else "b"})
                continue
            paths = json_paths(a_out[j], b_out[j])
            if paths:
                found.append({"operation": k, "bundle": f"output {j}", "paths": paths})
            if len(found) >= MAX_DIFF_BUNDLES_PER_MODULE:
                return found
    return found


def diff_executions(engine: Engine, workspace: Path, a_id: str, b_id: str) -> dict[str, Any]:
    """Per module: which bundles differ between two runs, and where (JSON paths)."""
    a = show_execution(engine, workspace, a_id)
    b = show_execution(engine, workspace, b_id)
    a_ops = _by_module(operations(engine, workspace, a["id"]))
    b_ops = _by_module(operations(engine, workspace, b["id"]))
    run_fields = {}
    for name in ("scenario", "blueprint_sha256", "status", "operations", "data_transfer",
                 "incomplete_executions", "error"):
        if a.get(name) != b.get(name):
            run_fields[name] = {"a": a.get(name), "b": b.get(name)}
    modules: dict[str, Any] = {}
    module_names = {**b["modules"], **a["modules"]}
    for module_id in sorted(set(a_ops) | set(b_ops), key=lambda i: (i < 0, abs(i))):
        ops_a, ops_b = a_ops.get(module_id, []), b_ops.get(module_id, [])
        bundles = _module_diff(ops_a, ops_b)
        if bundles or len(ops_a) != len(ops_b):
            modules[str(module_id)] = {
                "module": module_names.get(str(module_id), {}).get("module"),
                "operations": {"a": len(ops_a), "b": len(ops_b)},
                "bundles": bundles,
            }
    return {
        "a": a["id"], "b": b["id"],
        "same": not run_fields and not modules,
        "confidential": a["confidential"] or b["confidential"],
        "run": run_fields,
        "modules": modules,
    }
