"""Where the workspace lives: `--data-dir`, else `$SCENARIST_HOME`, else the folder chosen
in the app's settings (remembered per user, outside any workspace), else the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import platformdirs

APP_NAME = "Scenarist"
HOME_ENV = "SCENARIST_HOME"
LOCATION_FILE = "workspace.json"


def default_workspace() -> Path:
    """The folder used when nothing else says where the workspace is."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def location_file() -> Path:
    """Where the user's choice of workspace folder is remembered."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / LOCATION_FILE


def chosen_workspace() -> Path | None:
    """The folder chosen in the settings, if any (an unreadable choice is no choice)."""
    try:
        data = orjson.loads(location_file().read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    folder = data.get("folder") if isinstance(data, dict) else None
    return Path(folder) if isinstance(folder, str) and folder else None


def choose_workspace(folder: Path | None) -> None:
    """Remember `folder` as the workspace of the next starts (None: the default again)."""
    target = location_file()
    if folder is None:
        target.unlink(missing_ok=True)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    tmp.write_bytes(orjson.dumps({"folder": str(Path(folder).expanduser().resolve())}))
    os.replace(tmp, target)


def resolve_workspace(data_dir: str | os.PathLike[str] | None = None, *, create: bool = True
                      ) -> Path:
    """The workspace folder, absolute, created (with parents) unless `create` is false."""
    if data_dir is not None and str(data_dir) != "":
        path = Path(data_dir)
    elif os.environ.get(HOME_ENV):
        path = Path(os.environ[HOME_ENV])
    else:
        path = chosen_workspace() or default_workspace()
    path = path.expanduser().resolve()
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
