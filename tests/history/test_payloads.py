"""Stored payloads: compressed with Zstandard, and those of runs recorded before (zlib) or
too small to compress (plain JSON) still read back the same."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from pathlib import Path

import orjson

from engine.history.payloads import PayloadCodec, decode

BUNDLES = [{"value": f"Hello item {i}", "at": datetime(2026, 12, 7, 9, i % 60, tzinfo=UTC)}
           for i in range(500)]


def test_a_large_payload_is_a_zstandard_frame_that_reads_back(tmp_path: Path) -> None:
    codec = PayloadCodec(tmp_path / "blobs")
    packed = codec.encode(BUNDLES)
    assert packed[:4] == b"\x28\xb5\x2f\xfd"
    assert len(packed) * 5 < len(orjson.dumps(BUNDLES, default=str))
    assert decode(packed, tmp_path / "blobs") == BUNDLES


def test_payloads_of_older_runs_still_read(tmp_path: Path) -> None:
    codec = PayloadCodec(tmp_path / "blobs")
    text = codec.encode([{"n": 1}])  # small: stored as JSON text
    assert text == b'[{"n":1}]' and decode(text, tmp_path) == [{"n": 1}]
    older = zlib.compress(orjson.dumps(["x"] * 300), 1)  # as runs were recorded before
    assert decode(older, tmp_path) == ["x"] * 300
