"""Where the workspace lives: `--data-dir`, else `$SCENARIST_HOME`, else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Scenarist"
HOME_ENV = "SCENARIST_HOME"


def default_workspace() -> Path:
    """The folder used when neither `--data-dir` nor `$SCENARIST_HOME` is given."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_workspace(data_dir: str | os.PathLike[str] | None = None, *, create: bool = True
                      ) -> Path:
    """The workspace folder, absolute, created (with parents) unless `create` is false."""
    if data_dir is not None and str(data_dir) != "":
        path = Path(data_dir)
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV])
    else:
        path = default_workspace()
    path = path.expanduser().resolve()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
