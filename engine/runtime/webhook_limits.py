"""The checks a request passes before it is queued: IP allowlist, API key, rate limit."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Callable, Sequence

from engine.runtime.webhook_hooks import IPNetwork

__all__ = ["RateLimiter", "address_allowed", "api_key_valid"]


def address_allowed(remote: str | None, networks: Sequence[IPNetwork]) -> bool:
    """Whether the peer's address is in one of the networks (an empty list allows all).
    The TCP peer counts, never X-Forwarded-For: a caller could forge that header."""
    if not networks:
        return True
    if not remote:
        return False
    try:
        address = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def api_key_valid(given: str | None, keys: Sequence[str]) -> bool:
    """Whether the `x-make-apikey` header holds one of the keys (compared in constant time);
    a hook without keys takes every request."""
    if not keys:
        return True
    if not given:
        return False
    candidate = given.encode()
    valid = False
    for key in keys:  # no early exit: the time taken does not tell which key came close
        valid |= hmac.compare_digest(candidate, key.encode())
    return valid


class RateLimiter:
    """At most `limit` requests per `window` seconds (a fixed window, as Make counts)."""

    __slots__ = ("limit", "window", "clock", "_start", "_count")

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._start = clock()
        self._count = 0

    def take(self) -> bool:
        """Count one request; False when the window's allowance is spent."""
        now = self.clock()
        if now - self._start >= self.window:
            self._start, self._count = now, 0
        if self._count >= self.limit:
            return False
        self._count += 1
        return True
