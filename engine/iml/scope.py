"""What a mapping expression can see while it is evaluated."""

from __future__ import annotations

import random as _random
import uuid as _uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_uuid() -> str:
    return str(_uuid.uuid4())


class Scope:
    """The roots an expression reads, and the run's clock and time zone.

    `roots` maps a module id (int) to that module's current bundle on this path
    (`{{3.email}}` reads `roots[3]["email"]`), and named roots (`var`, and later the
    custom-app roots such as `parameters` or `body`) by their name.
    """

    __slots__ = ("roots", "now", "timezone", "execution_id", "random", "uuid")

    def __init__(
        self,
        roots: dict[Any, Any] | None = None,
        *,
        now: Callable[[], datetime] = _utc_now,
        timezone: str = "UTC",
        execution_id: str = "",
        random: Callable[[], float] = _random.random,
        uuid: Callable[[], str] = _new_uuid,
    ) -> None:
        self.roots: dict[Any, Any] = roots if roots is not None else {}
        # Time and randomness come through the scope, so a replay can feed recorded values.
        self.now = now
        self.timezone = timezone
        self.execution_id = execution_id
        self.random = random
        self.uuid = uuid
