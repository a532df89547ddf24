"""A hook as the webhook server knows it: its unguessable token and its options.

The options are Make's webhook settings (help.make.com/webhooks; make-formats §2.5): the data
options "Get request headers" (`headers`), "Get request HTTP method" (`method`) and "JSON
pass-through" (`stringify`: the raw body as a `value` text field), API keys checked against
the `x-make-apikey` header, an IP allowlist, and a data structure that validates requests
(or that the next request determines: "Redetermine data structure").
Limits follow Make: 5 MB bodies, a 10,000-request queue, and an optional rate limit (Make's
is 300 requests per 10 s).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.runtime.webhook_queue import DEFAULT_QUEUE_LIMIT

__all__ = ["DEFAULT_MAX_BODY", "MAKE_RATE_LIMIT", "HookOptions", "new_hook_token"]

DEFAULT_MAX_BODY = 5 * 1024 * 1024
MAKE_RATE_LIMIT = (300, 10.0)  # requests per seconds, Make's (off unless a hook asks)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def new_hook_token() -> str:
    """An unguessable hook token (192 random bits), URL-safe as Make's hook URLs."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class HookOptions:
    """One registered hook. `responds`: its scenario has a Webhook response module, so the
    caller waits for the scenario's answer (up to the server's timeout)."""

    token: str
    scenario: str
    headers: bool = False
    method: bool = False
    stringify: bool = False
    api_keys: Sequence[str] = ()
    ip_allowlist: Sequence[str] = ()  # addresses or networks ("192.168.1.0/24")
    data_structure: Sequence[Mapping[str, Any]] | None = None  # Make's field list
    strict: bool = False  # fields the data structure doesn't name are refused too
    determine: bool = False  # the next request makes the data structure (hook_structure.py)
    responds: bool = False
    max_body: int = DEFAULT_MAX_BODY
    rate_limit: tuple[int, float] | None = None  # (requests, per seconds)
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    networks: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parsed once: a bad entry fails at registration, not on a request.
        networks = tuple(ipaddress.ip_network(entry.strip(), strict=False)
                         for entry in self.ip_allowlist)
        object.__setattr__(self, "networks", networks)

    @property
    def data_options(self) -> dict[str, Any] | None:
        """What a run needs of the options (`request["options"]`, gateway.py)."""
        if not (self.headers or self.method):
            return None
        return {"headers": self.headers, "method": self.method}
