"""A small IMAP4rev1 server on 127.0.0.1 for tests, on asyncio in its own thread.

It speaks what the Email app's modules use (RFC 3501 subset): CAPABILITY, LOGIN, SELECT /
EXAMINE (with UIDVALIDITY), UID SEARCH (ALL, SEEN, UNSEEN, FROM, TO, SUBJECT, TEXT, SINCE, UID
ranges; conditions AND-ed), UID FETCH (UID, FLAGS, BODY[] / BODY.PEEK[]), UID STORE of flags,
NOOP, LOGOUT; and implicit TLS when given an SSL context. Tests put messages in with
`deliver()` and read what the client did in `commands` and each message's `flags`.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

_TOKEN = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\()|(\))|([^\s()"]+)')
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)

    def header(self, name: str) -> str:
        message = message_from_bytes(self.raw, policy=policy.default)
        return " ".join(str(v) for v in message.get_all(name) or [])

    def date(self) -> datetime:
        try:
            return parsedate_to_datetime(self.header("Date"))
        except (TypeError, ValueError):
            return datetime.now(UTC)


@dataclass
class Folder:
    uid_validity: int = 1
    next_uid: int = 1
    messages: list[StoredMessage] = field(default_factory=list)


class ImapServer:
    def __init__(self, user: str, password: str,
                 ssl_context: ssl.SSLContext | None = None) -> None:
        self.user = user
        self.password = password
        self.ssl_context = ssl_context
        self.folders: dict[str, Folder] = {"INBOX": Folder()}
        self.commands: list[str] = []  # "TAG COMMAND ..." lines, LOGIN's password hidden
        self.port = 0
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- test side

    def deliver(self, raw: bytes, folder: str = "INBOX", *, seen: bool = False) -> int:
        with self._lock:
            box = self.folders.setdefault(folder, Folder())
            uid = box.next_uid
            box.next_uid += 1
            box.messages.append(StoredMessage(uid, raw, {"\\Seen"} if seen else set()))
            return uid

    def flags(self, uid: int, folder: str = "INBOX") -> set[str]:
        with self._lock:
            return next(m.flags for m in self.folders[folder].messages if m.uid == uid)

    def renumber(self, folder: str = "INBOX") -> None:
        """A new UIDVALIDITY, as a server does when it rebuilds a folder."""
        with self._lock:
            self.folders[folder].uid_validity += 1

    # ---------------------------------------------------------------- protocol

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state: dict[str, object] = {"user": None, "folder": None}

        async def send(line: bytes) -> None:
            writer.write(line + b"\r\n")
            await writer.drain()

        await send(b"* OK [CAPABILITY IMAP4rev1] scenarist test IMAP ready")
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
                done = await self.command(tag, rest, state, send, writer)
                if done:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    async def command(self, tag: bytes, rest: bytes, state: dict[str, object], send,
                      writer: asyncio.StreamWriter) -> bool:
        words = _tokens(rest)
        name = words[0].upper() if words else ""
        logged = rest.decode(errors="replace")
        if name == "LOGIN":
            logged = f"LOGIN {words[1] if len(words) > 1 else ''} ***"
        self.commands.append(f"{tag.decode()} {logged}")
        if name == "CAPABILITY":
            await send(b"* CAPABILITY IMAP4rev1")
        elif name == "NOOP":
            pass
        elif name == "LOGOUT":
            await send(b"* BYE logging out")
            await send(tag + b" OK LOGOUT completed")
            return True
        elif name == "LOGIN":
            if words[1:3] != [self.user, self.password]:
                await send(tag + b" NO [AUTHENTICATIONFAILED] invalid credentials")
                return False
            state["user"] = words[1]
        elif state["user"] is None:
            await send(tag + b" NO log in first")
            return False
        elif name in ("SELECT", "EXAMINE"):
            folder = words[1] if len(words) > 1 else ""
            with self._lock:
                box = self.folders.get(folder)
                if box is None:
                    await send(tag + b" NO [NONEXISTENT] no such folder")
                    return False
                state["folder"] = folder
                lines = [f"* {len(box.messages)} EXISTS", "* 0 RECENT",
                         "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft)",
                         f"* OK [UIDVALIDITY {box.uid_validity}] UIDs valid",
                         f"* OK [UIDNEXT {box.next_uid}] next UID"]
            for text in lines:
                await send(text.encode())
            mode = "READ-ONLY" if name == "EXAMINE" else "READ-WRITE"
            await send(tag + f" OK [{mode}] {name} completed".encode())
            return False
        elif name == "UID" and state["folder"] is not None:
            await self.uid_command(tag, words[1:], str(state["folder"]), send)
            return False
        else:
            await send(tag + b" BAD unknown command")
            return False
        await send(tag + b" OK " + name.encode() + b" completed")
        return False

    async def uid_command(self, tag: bytes, words: list[str], folder: str, send) -> None:
        sub = words[0].upper() if words else ""
        with self._lock:
            box = self.folders[folder]
            messages = list(box.messages)
        if sub == "SEARCH":
            found = [m.uid for m in messages if _matches(m, words[1:], box)]
            await send(b"* SEARCH" + b"".join(b" %d" % uid for uid in found))
        elif sub == "FETCH":
            wanted = _uid_set(words[1], box)
            peek = "BODY.PEEK[]" in " ".join(words[2:]).upper()
            for seq, message in enumerate(messages, 1):
                if message.uid not in wanted:
                    continue
                if not peek:
                    with self._lock:
                        message.flags.add("\\Seen")
                flags = " ".join(sorted(message.flags))
                head = f"* {seq} FETCH (UID {message.uid} FLAGS ({flags}) BODY[] " \
                       f"{{{len(message.raw)}}}"
                await send(head.encode() + b"\r\n" + message.raw + b")")
        elif sub == "STORE":
            wanted = _uid_set(words[1], box)
            action = words[2].upper()
            flags = {w.strip("()") for w in words[3:] if w.strip("()")}
            with self._lock:
                for message in box.messages:
                    if message.uid in wanted:
                        if action.startswith("+"):
                            message.flags |= flags
                        elif action.startswith("-"):
                            message.flags -= flags
                        else:
                            message.flags = set(flags)
        else:
            await send(tag + b" BAD unknown UID command")
            return
        await send(tag + f" OK UID {sub} completed".encode())


def _tokens(data: bytes) -> list[str]:
    out = []
    for quoted, _open, _close, atom in _TOKEN.findall(data):
        if quoted or (not atom and not _open and not _close):
            out.append(re.sub(rb"\\(.)", rb"\1", quoted).decode("utf-8", "replace"))
        elif atom:
            out.append(atom.decode("utf-8", "replace"))
    return out


def _uid_set(text: str, box: Folder) -> set[int]:
    top = max((m.uid for m in box.messages), default=0)
    out: set[int] = set()
    for part in text.split(","):
        low, _, high = part.partition(":")
        start = top if low == "*" else int(low)
        end = start if not high else (top if high == "*" else int(high))
        out.update(range(min(start, end), max(start, end) + 1))
    return out


def _matches(message: StoredMessage, terms: list[str], box: Folder) -> bool:
    i = 0
    while i < len(terms):
        key = terms[i].upper()
        if key == "ALL":
            i += 1
        elif key in ("SEEN", "UNSEEN"):
            if ("\\Seen" in message.flags) != (key == "SEEN"):
                return False
            i += 1
        elif key in ("FROM", "TO", "SUBJECT"):
            wanted = terms[i + 1].lower()
            if wanted not in message.header(key.capitalize()).lower():
                return False
            i += 2
        elif key == "TEXT":
            if terms[i + 1].lower().encode() not in message.raw.lower():
                return False
            i += 2
        elif key == "SINCE":
            day, month, year = terms[i + 1].split("-")
            since = datetime(int(year), _MONTHS[month.lower()], int(day), tzinfo=UTC)
            if message.date() < since:
                return False
            i += 2
        elif key == "UID":
            if message.uid not in _uid_set(terms[i + 1], box):
                return False
            i += 2
        else:
            raise ValueError(f"search key {key} is not supported by the test server")
    return True


@contextmanager
def imap_server(user: str = "ada@example.com", password: str = "imap-secret",
                ssl_context: ssl.SSLContext | None = None) -> Iterator[ImapServer]:
    """Serve on a free port until the block ends."""
    server = ImapServer(user, password, ssl_context)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, asyncio.AbstractServer] = {}

    async def start() -> None:
        holder["server"] = await asyncio.start_server(
            server.handle, "127.0.0.1", 0, ssl=ssl_context)
        server.port = holder["server"].sockets[0].getsockname()[1]
        ready.set()

    thread = threading.Thread(target=loop.run_forever, name="imap-test-server", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(start(), loop)
    ready.wait(10)
    try:
        yield server
    finally:
        async def stop() -> None:
            holder["server"].close()
            await holder["server"].wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
