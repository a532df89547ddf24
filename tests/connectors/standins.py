"""Stand-in apps for the modules of a corpus export that belong to apps this branch does not
ship (Lokalise, Gmail, Google Sheets), so the export still runs unchanged through `scenarist
run`: each is a small Make custom app written into the test workspace's `apps/` folder,
served by a local stub. They produce the outputs the export maps and nothing more; they are
test doubles, not connectors. When a real connector of the same app ships, a workspace copy
is ignored (the shipped one loads first) and the test must use that connector's own fake."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def standin_app(apps_dir: Path, app_id: str, modules: dict[str, dict[str, Any]]) -> Path:
    """An app `app_id` with an API key connection (`apiKey`, sent as `x-api-key`) and the
    given modules: `{name: {"type": ..., "communication": {...}}}` (their fields are
    whatever the export maps; stand-ins declare none)."""
    folder = apps_dir / app_id
    files: dict[str, Any] = {
        "makecomapp.json": {
            "fileVersion": 1, "generalCodeFiles": {"base": "base.iml.json"},
            "components": {
                "connection": {"key": {"label": f"{app_id} (stand-in)",
                                       "connectionType": "basic",
                                       "codeFiles": {"params": "key.params.iml.json"}}},
                "module": {name: {"moduleType": spec["type"], "label": name,
                                  "connection": "key",
                                  "codeFiles": {"communication": f"{name}.iml.json"}}
                           for name, spec in modules.items()}},
            "origins": [{"label": "Production", "appId": app_id, "appVersion": 1}]},
        "base.iml.json": {"baseUrl": f"https://{app_id}.invalid",
                          "headers": {"x-api-key": "{{connection.apiKey}}"},
                          "log": {"sanitize": ["request.headers.x-api-key"]}},
        "key.params.iml.json": [{"name": "apiKey", "type": "password", "label": "API key",
                                 "required": True}],
        **{f"{name}.iml.json": spec["communication"] for name, spec in modules.items()},
    }
    for name, value in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    return folder
