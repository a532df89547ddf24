"""Search a workspace for secrets the way an attacker with the disk would: every file's raw
bytes, every zlib stream and Zstandard frame inside any file (history payloads, WAL frames
included), and every
cell of every SQLite database (read from a copy, so the search never checkpoints the WAL)."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import tempfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

import orjson
import zstandard

_ZLIB_HEADERS = (b"x\x01", b"x^", b"x\x9c", b"x\xda")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def forms(secret: str) -> list[bytes]:
    """How a secret can look on disk: as is, inside JSON text, URL-encoded."""
    out = {secret.encode(), orjson.dumps(secret)[1:-1], quote(secret, safe="").encode()}
    return sorted(out)


def _inflated(data: bytes) -> Iterable[bytes]:
    """Every zlib stream and zstd frame found anywhere in `data`, decompressed (as far as
    it goes)."""
    for header in _ZLIB_HEADERS:
        start = data.find(header)
        while start != -1:
            inflater = zlib.decompressobj()
            try:
                out = inflater.decompress(data[start:start + 4_000_000])
            except zlib.error:
                out = b""
            if out:
                yield out
            start = data.find(header, start + 1)
    start = data.find(_ZSTD_MAGIC)
    while start != -1:
        try:
            out = zstandard.ZstdDecompressor().decompressobj().decompress(
                data[start:start + 4_000_000])
        except zstandard.ZstdError:
            out = b""
        if out:
            yield out
        start = data.find(_ZSTD_MAGIC, start + 1)


def _sqlite_cells(path: Path) -> Iterable[bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                shutil.copy(side, copy.with_name(copy.name + suffix))
        conn = sqlite3.connect(copy)
        try:
            tables = [t for (t,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table'")]
            for table in tables:
                for row in conn.execute(f'SELECT * FROM "{table}"'):
                    for cell in row:
                        if isinstance(cell, bytes):
                            yield cell
                            yield from _inflated(cell)
                        elif isinstance(cell, str):
                            yield cell.encode()
        finally:
            conn.close()


def contents(workspace: Path) -> list[tuple[str, bytes]]:
    """(where, bytes) for everything a search must look at."""
    found: list[tuple[str, bytes]] = []
    for path in sorted(p for p in Path(workspace).rglob("*") if p.is_file()):
        data = path.read_bytes()
        found.append((str(path), data))
        found.extend((f"{path} (zlib)", part) for part in _inflated(data))
        if data.startswith(b"SQLite format 3\x00"):
            found.extend((f"{path} (cell)", cell) for cell in _sqlite_cells(path))
    return found


def leaks(secrets: Iterable[str], workspace: Path | None = None,
          texts: Iterable[tuple[str, str]] = ()) -> list[str]:
    """Where each secret was found (empty: nowhere)."""
    places = contents(workspace) if workspace is not None else []
    places += [(name, text.encode()) for name, text in texts]
    out = []
    for secret in secrets:
        for form in forms(secret):
            out.extend(f"{secret!r} in {where}" for where, data in places if form in data)
    return sorted(set(out))


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()
