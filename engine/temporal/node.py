"""This serve node's name in the cluster's workflow ids (engine.temporal.ids): a random id
kept in the workspace folder (`node.id`), made once, so it survives restarts, and differs
between nodes that have their own workspaces."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

FILE = "node.id"


def node_id(folder: Path) -> str:
    path = folder / FILE
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    made = uuid.uuid4().hex[:16]
    tmp = path.with_name(f".{FILE}.{os.getpid()}")
    tmp.write_text(made, encoding="utf-8")
    try:
        os.link(tmp, path)  # the first writer wins, should two race
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="utf-8").strip()
