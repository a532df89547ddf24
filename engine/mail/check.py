""""Test connection" for an e-mail account: log in to its server and out again.

The connection does not say whether it is an SMTP or an IMAP account (one type serves both),
so the port decides, as mail clients' defaults do: 143 and 993 are IMAP, and so is a host
named `imap.*`; anything else is SMTP.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engine.mail.account import Account, account_of
from engine.mail.imap import Mailbox, imap_errors
from engine.mail.smtp import smtp_error

IMAP_PORTS = (143, 993)


def protocol_of(values: Any) -> str:
    data = dict(values or {})
    port = str(data.get("port") or "").strip()
    host = str(data.get("host") or "").strip().lower()
    return "imap" if port in {str(p) for p in IMAP_PORTS} or host.startswith("imap.") else (
        "smtp")


def _smtp_login(account: Account) -> None:
    from engine.mail.smtp import login_only

    login_only(account)


def _imap_login(account: Account) -> None:
    with Mailbox(account, "INBOX"):
        pass


async def check_account(values: Any) -> str:
    """What the check found (`SMTP ada@example.com at host:port`); raises ModuleError."""
    protocol = protocol_of(values)
    account = account_of(values, "imap" if protocol == "imap" else "smtp")
    try:
        await asyncio.to_thread(_imap_login if protocol == "imap" else _smtp_login, account)
    except Exception as exc:  # noqa: BLE001 - reported as the check's failure
        raise (imap_errors if protocol == "imap" else smtp_error)(account, exc) from None
    who = f"{account.user}@" if account.user and "@" not in account.user else (
        f"{account.user} at " if account.user else "")
    return f"{protocol.upper()} {who}{account.describe()}"
