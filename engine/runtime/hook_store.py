"""The workspace's webhooks in state.db: each hook's unguessable token, name, scenario and
options (Make keeps a hook's settings on the hook, not in the blueprint).

A scenario that starts with a webhook gets its hook when it is first registered, and keeps
it (and so its URL) across deactivation, edits and restarts, as a Make hook does. A Make
export's hook id (`parameters.hook` of the trigger) is remembered as `make_id`. API keys are
secrets: they live in the secret store (engine.secrets), the row keeps a reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Index, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.runtime.webhook_hooks import HookOptions, new_hook_token

__all__ = ["HookRecord", "WebhookRow", "hook_for", "hooks", "set_hook_options"]

# The options a hook row keeps for the server (HookOptions' fields but the token, scenario
# and secrets), and what else it keeps (an app's attached registration and the connection
# it registers with: app_hooks.py).
OPTION_KEYS = ("headers", "method", "stringify", "ip_allowlist", "data_structure",
               "max_body", "rate_limit", "queue_limit", "determine")
# `structure`: the id of a workspace data structure (Make's `udt`, hook_structure.py); it
# takes the place of an inline `data_structure` list.
STORED_KEYS = (*OPTION_KEYS, "structure", "attached", "connection")


class WebhookRow(SQLModel, table=True):
    __tablename__ = "webhook"
    __table_args__ = (Index("ix_webhook_scenario", "scenario"),)

    token: str = Field(primary_key=True)
    name: str
    scenario: str | None = None  # None: not attached to any scenario
    make_id: str | None = None  # the hook id of the Make export it came from
    options: str = "{}"  # JSON of OPTION_KEYS
    api_keys_ref: str | None = None  # secret store id of its API keys (a JSON list)
    created_at: datetime


_TABLE = WebhookRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class HookRecord:
    token: str
    name: str
    scenario: str | None
    make_id: str | None
    options: dict[str, Any] = field(default_factory=dict)
    api_keys_ref: str | None = None

    def hook_options(self, workspace: Path, *, responds: bool = False) -> HookOptions:
        """What the webhook server serves (API keys read from the secret store)."""
        known = {k: v for k, v in self.options.items() if k in OPTION_KEYS}
        if isinstance(known.get("rate_limit"), list):
            known["rate_limit"] = tuple(known["rate_limit"])
        if self.options.get("structure") not in (None, ""):
            from engine.runtime.hook_structure import hook_structure

            fields, strict = hook_structure(workspace, self.options["structure"])
            known["data_structure"], known["strict"] = fields, strict
        return HookOptions(token=self.token, scenario=self.scenario or "", responds=responds,
                           api_keys=_api_keys(workspace, self.api_keys_ref), **known)


def _record(row: Any) -> HookRecord:
    return HookRecord(token=row.token, name=row.name, scenario=row.scenario,
                      make_id=row.make_id, options=orjson.loads(row.options or "{}"),
                      api_keys_ref=row.api_keys_ref)


def _api_keys(workspace: Path, ref: str | None) -> Sequence[str]:
    if not ref:
        return ()
    from engine.secrets import secret_store

    stored = secret_store(workspace).get(ref)
    keys = orjson.loads(stored) if stored else []
    return tuple(str(k) for k in keys)


def hooks(engine: Engine, *, scenario: str | None = None) -> list[HookRecord]:
    query = select(_TABLE).order_by(_TABLE.c.created_at)
    if scenario is not None:
        query = query.where(_TABLE.c.scenario == scenario)
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(query)]


def hook_for(engine: Engine, scenario: str, *, make_id: Any = None,
             now: datetime | None = None) -> HookRecord:
    """The scenario's hook, made (with a new token) the first time."""
    found = hooks(engine, scenario=scenario)
    if found:
        return found[0]
    record = HookRecord(token=new_hook_token(), name=f"{scenario} webhook", scenario=scenario,
                        make_id=None if make_id in (None, "") else str(make_id))
    with engine.begin() as conn:
        conn.execute(_TABLE.insert().values(
            token=record.token, name=record.name, scenario=scenario, make_id=record.make_id,
            options="{}", api_keys_ref=None, created_at=now or datetime.now(UTC)))
    return record


def set_hook_options(engine: Engine, workspace: Path, token: str, *,
                     api_keys: Sequence[str] | None = None, **options: Any) -> HookRecord:
    """Change a hook's options (only the ones given); `api_keys` replaces its keys."""
    unknown = set(options) - set(STORED_KEYS)
    if unknown:
        raise ValueError(f"unknown webhook option(s): {', '.join(sorted(unknown))}")
    checked: dict[str, Any] = {
        k: tuple(v) if k == "rate_limit" and v is not None else v for k, v in options.items()
        if k in OPTION_KEYS}
    HookOptions(token=token, scenario="", **checked)  # validates (a bad network) first
    with engine.connect() as conn:
        row = conn.execute(select(_TABLE).where(_TABLE.c.token == token)).first()
    if row is None:
        raise KeyError(token)
    record = _record(row)
    merged = {k: v for k, v in {**record.options, **options}.items() if v is not None}
    values: dict[str, Any] = {"options": orjson.dumps(merged).decode()}
    if api_keys is not None:
        from engine.secrets import secret_store

        store = secret_store(workspace)
        ref = record.api_keys_ref or f"webhook-keys-{token[:16]}"
        if api_keys:
            store.set(ref, orjson.dumps(list(api_keys)).decode())
            values["api_keys_ref"] = ref
        else:
            store.delete(ref)
            values["api_keys_ref"] = None
    with engine.begin() as conn:
        conn.execute(update(_TABLE).where(_TABLE.c.token == token).values(**values))
    return hooks_by_token(engine, token)


def hooks_by_token(engine: Engine, token: str) -> HookRecord:
    with engine.connect() as conn:
        row = conn.execute(select(_TABLE).where(_TABLE.c.token == token)).first()
    if row is None:
        raise KeyError(token)
    return _record(row)
