"""Reading a mailbox over IMAP: which messages match, fetching them, marking them read.

One `Mailbox` session per module call, run in a worker thread (imaplib is blocking) with a
timeout on every exchange. Messages are addressed by UID, which the server keeps for a folder
as long as its UIDVALIDITY stays the same (the watch trigger's cursor stores both).

Search: Make's criteria (ALL, SEEN, UNSEEN) and its sender/recipient/subject/phrase fields
become an IMAP `UID SEARCH`. ASCII values are searched by the server; a value with other
characters is matched here on the decoded message instead (IMAP's CHARSET search needs
literals that not every server accepts), case-insensitively, as servers do.
"""

from __future__ import annotations

import base64
import imaplib
import re
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from engine.errors import ModuleError
from engine.mail.account import TIMEOUT_S, Account

CRITERIA = ("ALL", "SEEN", "UNSEEN")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Search:
    criteria: str = "ALL"
    sender: str = ""
    recipient: str = ""
    subject: str = ""
    text: str = ""
    since: date | None = None
    after_uid: int | None = None  # only UIDs greater than this

    def server_terms(self) -> list[str]:
        terms: list[str] = [] if self.criteria == "ALL" else [self.criteria]
        for key, value in (("FROM", self.sender), ("TO", self.recipient),
                           ("SUBJECT", self.subject), ("TEXT", self.text)):
            if value and value.isascii():
                terms += [key, _quoted(value)]
        if self.since is not None:
            terms += ["SINCE", f"{self.since.day}-{_MONTHS[self.since.month - 1]}-"
                               f"{self.since.year}"]
        if self.after_uid is not None:
            terms += ["UID", f"{self.after_uid + 1}:*"]
        return terms or ["ALL"]

    def local_terms(self) -> dict[str, str]:
        """The values the server can't search (not ASCII): field name → lower-case text."""
        return {name: value.lower() for name, value in (
            ("from", self.sender), ("to", self.recipient), ("subject", self.subject),
            ("text", self.text)) if value and not value.isascii()}


@dataclass
class Fetched:
    uid: int
    raw: bytes
    flags: list[str] = field(default_factory=list)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def encode_folder(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            chunk = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + chunk.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return _quoted("".join(out))


class Mailbox:
    """A logged-in IMAP session on one folder (a context manager; blocking calls)."""

    def __init__(self, account: Account, folder: str, *, writable: bool = False) -> None:
        self.account = account
        self.folder = folder or "INBOX"
        self.writable = writable
        self.client: imaplib.IMAP4 | None = None
        self.uid_validity: int | None = None

    def __enter__(self) -> Mailbox:
        account = self.account
        try:
            if account.tls == "tls":
                client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    account.host, account.port, ssl_context=account.ssl_context(),
                    timeout=TIMEOUT_S)
            else:
                client = imaplib.IMAP4(account.host, account.port, timeout=TIMEOUT_S)
                if account.tls == "starttls":
                    client.starttls(ssl_context=account.ssl_context())
            self.client = client
            if account.user:
                client.login(account.user, account.password)
            status, data = client.select(encode_folder(self.folder),
                                         readonly=not self.writable)
            if status != "OK":
                raise ModuleError(f"IMAP server {account.describe()} has no folder "
                                  f"{self.folder!r}: {_text(data)}", name="DataError")
            # imaplib files the `[UIDVALIDITY n]` response code under its name
            validity = client.untagged_responses.get("UIDVALIDITY")
            if validity and isinstance(validity[-1], bytes):
                self.uid_validity = int(validity[-1])
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass

    def _uid(self, command: str, *args: str) -> list[Any]:
        assert self.client is not None
        status, data = self.client.uid(command, *args)
        if status != "OK":
            raise ModuleError(f"IMAP {command} failed on {self.account.describe()}: "
                              f"{_text(data)}", name="RuntimeError")
        return list(data)

    def search(self, search: Search) -> list[int]:
        data = self._uid("SEARCH", *search.server_terms())
        uids = sorted({int(x) for chunk in data if chunk for x in chunk.split()})
        if search.after_uid is not None:  # `n:*` always includes the newest message
            uids = [u for u in uids if u > search.after_uid]
        return uids

    def fetch(self, uids: Iterable[int]) -> list[Fetched]:
        wanted = [u for u in uids]
        if not wanted:
            return []
        data = self._uid("FETCH", ",".join(map(str, wanted)), "(UID FLAGS BODY.PEEK[])")
        found: dict[int, Fetched] = {}
        for item in data:
            if not isinstance(item, tuple) or len(item) < 2:
                continue
            head = item[0].decode("ascii", "replace") if isinstance(item[0], bytes) else ""
            uid = re.search(r"UID (\d+)", head)
            if uid is None:
                continue
            flags = re.search(r"FLAGS \(([^)]*)\)", head)
            found[int(uid.group(1))] = Fetched(
                int(uid.group(1)), bytes(item[1]),
                flags.group(1).split() if flags else [])
        return [found[u] for u in wanted if u in found]

    def mark_seen(self, uids: Iterable[int]) -> None:
        wanted = ",".join(map(str, uids))
        if wanted:
            self._uid("STORE", wanted, "+FLAGS.SILENT", "(\\Seen)")


def _text(data: Any) -> str:
    if isinstance(data, (list, tuple)):
        return " ".join(_text(d) for d in data if d is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


def imap_errors(account: Account, exc: BaseException) -> ModuleError:
    """A ModuleError for what imaplib or the network raised."""
    if isinstance(exc, ModuleError):
        return exc
    if isinstance(exc, imaplib.IMAP4.error) and "LOGIN" in str(exc).upper() or (
            isinstance(exc, imaplib.IMAP4.error)
            and "AUTHENTICATIONFAILED" in str(exc).upper()):
        return ModuleError(f"IMAP server {account.describe()} refused the login: {exc}",
                           name="InvalidAccessTokenError")
    if isinstance(exc, (ssl.SSLError, ssl.CertificateError)):
        return ModuleError(f"TLS with {account.describe()} failed: {exc}",
                           name="ConnectionError")
    if isinstance(exc, (OSError, imaplib.IMAP4.abort)):
        return ModuleError(f"cannot reach IMAP server {account.describe()}: {exc}",
                           name="ConnectionError")
    return ModuleError(f"IMAP server {account.describe()}: {exc}", name="RuntimeError")
