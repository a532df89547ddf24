"""How bundles are stored in history: orjson + zstd, typed, redacted, big binaries as files.

Make's item types survive the round trip through tags: dates `{"$date": iso}`, buffers
`{"$buffer": base64}`, and buffers over `BLOB_THRESHOLD` bytes `{"$blob": sha256, "size": n}`,
whose bytes are a content-addressed file `<workspace>/blobs/ab/abcd…` (written once, shared by
every run that moved the same file).

Payloads under `COMPRESS_FROM_BYTES` are stored as plain JSON bytes (see `unpack`). Larger
ones are Zstandard frames at level 1: on history's JSON it compresses about 14x at nearly
1 GB/s, where zlib's fastest level (what runs recorded before used, still read) did 7x at
300 MB/s — compressing was most of what history cost a run of many small operations.
Secret values are never stored: any string (or buffer) containing one becomes `REDACTED`.
Finding them costs one substring search over the serialized bytes; only a hit walks the value.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
import threading
import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import zstandard

from engine.executor.events import row_bundles

BLOB_THRESHOLD = 64 * 1024
REDACTED = "[redacted]"
_SLICE = 2000  # bundles serialised per call (a few ms each)
_ROWS_SLICE = 256  # rows of a batch of operations serialised per call
COMPRESSION_LEVEL = 1
# Below this, compressing buys little for its fixed cost: stored as JSON text. A stored
# payload says which it is by its first bytes: a Zstandard frame starts with 28 B5 2F FD, a
# zlib stream with 0x78, and JSON never with either.
COMPRESS_FROM_BYTES = 256
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_ZLIB_HEADER = 0x78
_codecs = threading.local()  # zstd (de)compressors are not to be shared between threads
_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
# Without OPT_NON_STR_KEYS orjson writes twice as fast, and refuses a key that is not text:
# only then is it asked again with the option (the text is the same either way).
_TEXT_KEYS = orjson.OPT_PASSTHROUGH_DATETIME


def blob_path(blobs: Path, sha256: str) -> Path:
    return blobs / sha256[:2] / sha256


class PayloadCodec:
    """Encodes one run's payloads (used by the history writer thread only)."""

    def __init__(self, blobs: Path, secrets: Iterable[str] = ()) -> None:
        self.blobs = blobs
        self.secrets: list[str] = []
        self._longest_first: list[str] = []
        self._needles: list[bytes] = []
        self.add_secrets(secrets)
        self.blob_refs: set[str] = set()  # blobs this run's payloads refer to
        self.stored_bytes = 0  # compressed payloads + new blob files

    def add_secrets(self, secrets: Iterable[str]) -> None:
        """Redact these too from now on (values a run evaluated, such as a mapped password).
        Called on the event loop: the new lists replace the old ones in one assignment each,
        and the writer encodes a job only after the job that needs them was queued."""
        known = set(self.secrets)
        added = {s for s in secrets if s} - known
        if not added:
            return
        needles = set(self._needles)
        for secret in added:
            needles.add(secret.encode())
            needles.add(orjson.dumps(secret)[1:-1])  # as it looks inside JSON text
        self.secrets = sorted(known | added)  # first: a needle found is always redacted
        # A secret inside a longer one goes after it, so the longer is hidden whole.
        self._longest_first = sorted(self.secrets, key=len, reverse=True)
        self._needles = sorted(needles)

    # ------------------------------------------------------------- encoding

    def encode(self, value: Any) -> bytes:
        raw = self._dumps(value)
        if self._needles and any(needle in raw for needle in self._needles):
            raw = _json(self.redact(value), self._default)
        return self._pack(raw)

    def encode_rows(self, rows: Sequence[Any]) -> bytes:
        """Rows (tuples of values: a batch of operations) as one payload, a JSON array of
        arrays: one orjson call per couple of hundred rows, no Python work per row; only the
        rows holding a secret are walked to redact it."""
        raw = self._dumps_rows(rows)
        if self._needles and any(needle in raw for needle in self._needles):
            rows = [self.redact(row) if self._holds_secret(row) else row for row in rows]
            raw = self._dumps_rows(rows)
        return self._pack(raw)

    def plain_rows(self, rows: Sequence[Any]) -> bytes | None:
        """Rows as JSON when that needs nothing of the writer thread: no binary data (blob
        files, secrets inside buffers), nothing orjson refuses, no secret to redact. None
        otherwise (the writer encodes them with `encode_rows`)."""
        try:
            raw = _json(rows, _plain_default)
        except (TypeError, ValueError):
            return None
        if self._needles and any(needle in raw for needle in self._needles):
            return None
        return raw

    def counted(self, packed: bytes) -> bytes:
        """A payload packed elsewhere (`pack_all`), counted in `stored_bytes`."""
        self.stored_bytes += len(packed)
        return packed

    def check(self, value: Any) -> None:
        """Raise what orjson raises if `value` can't be encoded as it is."""
        _json(value, self._default)

    def _dumps_rows(self, rows: Sequence[Any]) -> bytes:
        parts = [
            _json(rows[i:i + _ROWS_SLICE], self._default)[1:-1]
            for i in range(0, len(rows), _ROWS_SLICE)
        ]
        return b"[" + b",".join(parts) + b"]"

    def _holds_secret(self, value: Any) -> bool:
        raw = _json(value, self._default)
        return any(needle in raw for needle in self._needles)

    def _pack(self, raw: bytes) -> bytes:
        """JSON bytes as stored: compressed unless small; counted in `stored_bytes`."""
        if len(raw) < COMPRESS_FROM_BYTES:
            # A copy, not orjson's own object: keeping 100k of those (each shrunk from a
            # 1 KB buffer) fragments the heap and makes every later dumps ~20x slower.
            packed = bytes(memoryview(raw))
        else:
            packed = _compressor().compress(raw)
        self.stored_bytes += len(packed)
        return packed

    def _dumps(self, value: Any) -> bytes:
        """JSON of a payload; long lists (an iterator's 100,000 bundles, at any depth of
        collections) in slices, so this thread gives the interpreter lock back to the window
        between them instead of holding it for one long serialisation."""
        if isinstance(value, list) and len(value) > _SLICE:
            parts = [
                _json(value[i:i + _SLICE], self._default)[1:-1]
                for i in range(0, len(value), _SLICE)
            ]
            return b"[" + b",".join(p for p in parts if p) + b"]"
        if isinstance(value, dict) and any(_long(v) for v in value.values()):
            items = [
                orjson.dumps(str(k)) + b":" + self._dumps(v) for k, v in value.items()
            ]
            return b"{" + b",".join(items) + b"}"
        if isinstance(value, list) and any(_long(v) for v in value):
            return b"[" + b",".join(self._dumps(v) for v in value) + b"]"
        return _json(value, self._default)

    def redact(self, value: Any) -> Any:
        """The value with every secret inside its strings replaced by `REDACTED` (the rest of
        the text stays: an API's JSON answer echoing a token still parses when replayed)."""
        if isinstance(value, str):
            return self._hide(value)
        if isinstance(value, dict):
            return {self.redact(k) if isinstance(k, str) else k: self.redact(v)
                    for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.redact(v) for v in value]
        if isinstance(value, orjson.Fragment):  # an operation's outputs, kept as JSON
            return self.redact(row_bundles(value))
        return value

    def _hide(self, text: str) -> str:
        for secret in self._longest_first:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def _default(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return {"$date": value.isoformat()}
        if isinstance(value, (bytes, bytearray, memoryview)):
            data = bytes(value)
            for secret in self._longest_first:  # a recorded HTTP body still parses
                data = data.replace(secret.encode(), REDACTED.encode())
            if len(data) > BLOB_THRESHOLD:
                return {"$blob": self._write_blob(data), "size": len(data)}
            return {"$buffer": base64.b64encode(data).decode("ascii")}
        return self._hide(str(value))  # Decimal, date, UUID, … : what Make would show

    def _write_blob(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.blob_refs.add(sha)
        path = blob_path(self.blobs, sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            self.stored_bytes += len(data)
        return sha


def _json(value: Any, default: Any) -> bytes:
    """orjson's text of a payload (dates and what else `default` makes of values)."""
    try:
        return orjson.dumps(value, default=default, option=_TEXT_KEYS)
    except TypeError:  # a key that is not text (or a value orjson refuses: it says so again)
        return orjson.dumps(value, default=default, option=_OPTIONS)


def _plain_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    raise TypeError(type(value).__name__)


# ----------------------------------------------------------------- decoding


def _long(value: Any) -> bool:
    """A list long enough to serialise in slices, or a collection holding one."""
    if isinstance(value, list):
        return len(value) > _SLICE or any(_long(v) for v in value[:50])
    if isinstance(value, dict):
        return any(_long(v) for v in value.values())
    return False


def unpack(packed: bytes) -> bytes:
    """A stored payload's JSON bytes."""
    if packed[:4] == _ZSTD_MAGIC:
        return _decompressor().decompress(packed)  # type: ignore[no-any-return]
    return zlib.decompress(packed) if packed[:1] == bytes([_ZLIB_HEADER]) else packed


def joined_arrays(arrays: list[bytes]) -> bytes:
    """JSON arrays as one array of all their items, in order."""
    if len(arrays) == 1:
        return arrays[0]
    items = [memoryview(a)[1:-1] for a in arrays if len(a) > 2]
    return b"[" + b",".join(items) + b"]"


def pack_all(raws: list[bytes]) -> list[bytes]:
    """JSON texts as `PayloadCodec` stores each (not counted), compressed in one call.

    The calling thread (the history writer) gives the interpreter lock up once for all of
    them instead of once each: a thread taking the lock back from a run that is computing
    waits for the switch interval (5 ms) every time, so 25 payloads one by one took ~130 ms
    beside a busy run, and ~10 ms in one call."""
    big = [raw for raw in raws if len(raw) >= COMPRESS_FROM_BYTES]
    compressor = _compressor()
    try:
        packed = [frame.tobytes() for frame in compressor.multi_compress_to_buffer(big)] \
            if big else []
    except NotImplementedError:  # zstandard's CFFI backend (not CPython's default)
        packed = [compressor.compress(raw) for raw in big]
    frames = iter(packed)
    return [next(frames) if len(raw) >= COMPRESS_FROM_BYTES else bytes(memoryview(raw))
            for raw in raws]


def _compressor() -> Any:
    found = getattr(_codecs, "compressor", None)
    if found is None:
        found = _codecs.compressor = zstandard.ZstdCompressor(level=COMPRESSION_LEVEL)
    return found


def _decompressor() -> Any:
    found = getattr(_codecs, "decompressor", None)
    if found is None:
        found = _codecs.decompressor = zstandard.ZstdDecompressor()
    return found


def decode(packed: bytes | None, blobs: Path) -> Any:
    """A stored payload back as Make values (dates, buffers); None stays None."""
    if packed is None:
        return None
    raw = unpack(packed)
    value = orjson.loads(raw)
    if b'"$' in raw:
        value = _untag(value, blobs)
    return value


def _untag(value: Any, blobs: Path) -> Any:
    if isinstance(value, list):
        return [_untag(v, blobs) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        if isinstance(date := value.get("$date"), str):
            try:
                return datetime.fromisoformat(date)
            except ValueError:
                pass
        elif isinstance(buffer := value.get("$buffer"), str):
            return base64.b64decode(buffer)
    elif len(value) == 2 and isinstance(sha := value.get("$blob"), str) and "size" in value:
        try:
            return blob_path(blobs, sha).read_bytes()
        except OSError:
            return value  # pruned: keep the reference (it still says size and hash)
    return {k: _untag(v, blobs) for k, v in value.items()}
