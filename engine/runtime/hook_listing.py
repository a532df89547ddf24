"""The workspace's webhooks as `scenarist hooks list` and the Webhooks window show them: name,
URL, scenario, queued requests, data structure, options, whether API keys are set, the IP
allowlist. Read from state.db alone (any process; the URL carries the serving runtime's
port, else the configured one). Never a secret: API keys are only said to be there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from engine.runtime.hook_store import OPTION_KEYS, hooks
from engine.runtime.settings import load_settings
from engine.runtime.workspace import Workspace

__all__ = ["HookListing", "hook_listing"]


@dataclass(frozen=True)
class HookListing:
    name: str
    token: str
    url: str
    scenario: str | None
    queue: int
    make_id: str | None
    api_keys: bool
    options: dict[str, Any] = field(default_factory=dict)  # OPTION_KEYS that are set
    structure: str | None = None  # a workspace data structure's id
    structure_name: str | None = None
    determining: bool = False  # the next request makes its data structure
    attached: bool = False  # an app's hook registered with its service

    @property
    def ip_allowlist(self) -> list[str]:
        return list(self.options.get("ip_allowlist") or [])

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "token": self.token, "url": self.url,
                "scenario": self.scenario, "queue": self.queue, "make_id": self.make_id,
                "api_keys": self.api_keys, "options": self.options,
                "structure": self.structure, "structure_name": self.structure_name,
                "determining": self.determining, "attached": self.attached}


def hook_listing(workspace: Workspace) -> list[HookListing]:
    from engine.runtime.status import hook_url, serving_port
    from engine.store.data_structures import get_structure

    engine = workspace.state
    settings, port = load_settings(engine), serving_port(workspace)
    with engine.connect() as conn:
        queued: dict[str, int] = dict(conn.execute(text(
            "SELECT hook, count(*) FROM webhook_request WHERE status = 'queued' "
            "GROUP BY hook")).all())
    out = []
    for hook in hooks(engine):
        structure_id = hook.options.get("structure")
        structure = get_structure(engine, structure_id) if structure_id else None
        out.append(HookListing(
            name=hook.name, token=hook.token, url=hook_url(settings, hook.token, port),
            scenario=hook.scenario, queue=int(queued.get(hook.token, 0)),
            make_id=hook.make_id, api_keys=bool(hook.api_keys_ref),
            options={k: v for k, v in hook.options.items() if k in OPTION_KEYS},
            structure=str(structure_id) if structure_id else None,
            structure_name=structure.name if structure is not None else None,
            determining=bool(hook.options.get("determine")),
            attached=bool(hook.options.get("attached"))))
    return out
