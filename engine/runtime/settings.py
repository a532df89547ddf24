"""The runtime's settings, stored in the workspace (state.db's `setting` table, one JSON value
per key) so the window and `scenarist serve` share them.

- `port` (8765) and `host` (127.0.0.1): where the webhook server listens. Listening beyond
  loopback (`lan`: 0.0.0.0) is opt-in, and `warnings()` says what it exposes.
- `public_url`: the base URL external services are given for this machine's hooks (a tunnel
  or a reverse proxy), e.g. when an app registers its webhook.
- `timezone`: the IANA zone schedules are planned in (default: this computer's).
- `catch_up`: after sleep or downtime, run a missed scheduled run once, or skip it.
- `keep_running_in_tray`: closing the window with active scenarios keeps them running in
  the tray (None: ask the first time), `notifications`, `start_at_login`.
- `max_parallel_runs`: how many runs of one webhook scenario may run at once.
- `theme`: the window's look, `light`, `dark` or `system` (the desktop's choice).
- `history_days`: executions older than this many days leave the history (0: kept until
  the history's size limit).
- `granted_folders`: the only folders (with everything below them) the Files on this
  computer modules (`local-files:`) may read, write, move or delete in; none by default.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.errors import ScenaristError
from engine.store.dialects import upsert

__all__ = ["LAN_HOST", "THEMES", "RuntimeSettings", "SettingRow", "SettingsError",
           "load_settings", "local_zone_name", "save_setting"]

LAN_HOST = "0.0.0.0"
THEMES = ("light", "dark", "system")


class SettingsError(ScenaristError):
    pass


class SettingRow(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str  # JSON
    updated_at: datetime


_TABLE = SettingRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class RuntimeSettings:
    port: int = 8765
    host: str = "127.0.0.1"
    public_url: str | None = None
    timezone: str | None = None
    catch_up: str = "run_once"
    keep_running_in_tray: bool | None = None
    notifications: bool = True
    start_at_login: bool = False
    max_parallel_runs: int = 8
    theme: str = "light"
    history_days: int = 30
    granted_folders: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Stored as a JSON list; kept as a tuple of absolute paths.
        object.__setattr__(self, "granted_folders", folder_list(self.granted_folders))

    @property
    def zone(self) -> str:
        return self.timezone or local_zone_name()

    @property
    def lan(self) -> bool:
        return self.host not in ("127.0.0.1", "localhost", "::1")

    def warnings(self) -> list[str]:
        if not self.lan:
            return []
        return [f"the webhook server listens on {self.host}:{self.port}: every computer that "
                "can reach this one can call its hooks (each hook's URL is unguessable; add "
                "API keys or an IP allowlist to a hook to restrict it further)"]

    def hook_base(self, port: int | None = None) -> str:
        """Where this machine's hooks are reached, as given to the people calling them."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in (LAN_HOST, "::") else self.host
        return f"http://{host}:{port or self.port}"


_TYPES = {f.name: f.type for f in fields(RuntimeSettings)}


def load_settings(engine: Engine) -> RuntimeSettings:
    with engine.connect() as conn:
        stored = {row.key: orjson.loads(row.value) for row in conn.execute(select(_TABLE))}
    known = {k: v for k, v in stored.items() if k in _TYPES}
    return RuntimeSettings(**known)


def parse_value(key: str, text: str) -> Any:
    """A setting's value from the command line's text."""
    if key not in _TYPES:
        raise SettingsError(f"unknown setting {key!r}; known: {', '.join(_TYPES)}")
    kind = str(_TYPES[key])
    if text.lower() in ("none", "null", "") and "None" in kind:
        return None
    if kind.startswith("int"):
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{key} takes a whole number, not {text!r}") from None
    if kind.startswith("tuple"):
        if text.strip().lower() in ("none", "null", "", "[]"):
            return []
        return list(folder_list(text))
    if kind.startswith("bool"):
        if text.lower() in ("true", "yes", "on", "1"):
            return True
        if text.lower() in ("false", "no", "off", "0"):
            return False
        raise SettingsError(f"{key} takes true or false, not {text!r}")
    return text


def save_setting(engine: Engine, key: str, value: Any) -> RuntimeSettings:
    """Change one setting (checked: a bad port, zone or policy is refused, naming it)."""
    if key not in _TYPES:
        raise SettingsError(f"unknown setting {key!r}; known: {', '.join(_TYPES)}")
    candidate = {**asdict(load_settings(engine)), key: value}
    _check(RuntimeSettings(**candidate))
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, _TABLE)
            .values(key=key, value=orjson.dumps(value).decode(), updated_at=datetime.now(UTC))
            .on_conflict_do_update(index_elements=["key"], set_={
                "value": orjson.dumps(value).decode(), "updated_at": datetime.now(UTC)})
        )
    return load_settings(engine)


def _check(settings: RuntimeSettings) -> None:
    if not 0 <= settings.port <= 65535:
        raise SettingsError(f"port {settings.port}: use 1-65535 (0: any free port)")
    if settings.catch_up not in ("run_once", "skip"):
        raise SettingsError(f"catch_up {settings.catch_up!r}: use run_once or skip")
    if settings.theme not in THEMES:
        raise SettingsError(f"theme {settings.theme!r}: use {', '.join(THEMES)}")
    if settings.history_days < 0:
        raise SettingsError("history_days: use 0 (no age limit) or more days")
    if settings.max_parallel_runs < 1:
        raise SettingsError("max_parallel_runs must be at least 1")
    for folder in settings.granted_folders:
        if not Path(folder).is_dir():
            raise SettingsError(f"granted_folders: {folder} is not a folder")
    if settings.public_url is not None and not settings.public_url.startswith(
            ("http://", "https://")):
        raise SettingsError(f"public_url {settings.public_url!r}: give an http(s):// URL")
    if settings.timezone is not None:
        from engine.runtime.schedule import zone_of
        from engine.runtime.schedule_model import ScheduleError

        try:
            zone_of(settings.timezone)
        except ScheduleError as exc:
            raise SettingsError(str(exc)) from None


def folder_list(value: Any) -> tuple[str, ...]:
    """Folders as absolute paths, from a list or a text: a JSON list, or paths separated by
    the system's path separator (`:`, `;` on Windows); `~` is the home folder."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = orjson.loads(text)
            except orjson.JSONDecodeError:
                raise SettingsError(f"granted_folders: {text!r} is not a JSON list") from None
        else:
            value = [part for part in text.split(os.pathsep) if part.strip()]
    if not isinstance(value, (list, tuple)):
        raise SettingsError("granted_folders takes a list of folders")
    out: list[str] = []
    for item in value:
        path = os.path.abspath(os.path.expanduser(str(item).strip()))
        if path not in out:
            out.append(path)
    return tuple(out)


def local_zone_name() -> str:
    """This computer's IANA time zone (TZ, /etc/localtime, /etc/timezone), else UTC."""
    from zoneinfo import ZoneInfo

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        target = os.readlink("/etc/localtime")
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text().strip())
    except OSError:
        pass
    for name in candidates:
        if not name:
            continue
        try:
            ZoneInfo(name)
        except (ValueError, KeyError, OSError):
            continue
        return name
    return "UTC"
