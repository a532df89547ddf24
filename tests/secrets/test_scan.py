"""The leak scanner itself: a secret hidden in a compressed history payload (as history
writes them now, and as it wrote them before) inside a file is found."""

from __future__ import annotations

import zlib
from pathlib import Path

import zstandard

from tests.secrets.scan import leaks

SECRET = "sk-live-4242-very-secret"


def test_a_secret_inside_compressed_bytes_of_a_file_is_found(tmp_path: Path) -> None:
    # The secret repeated: compressed, it is never written out whole.
    payload = ("[" + ",".join(f'{{"n":{i},"token":"{SECRET}"}}' for i in range(40))
               + "]").encode()
    for name, packed in (("zstd.bin", zstandard.ZstdCompressor(level=1).compress(payload)),
                         ("zlib.bin", zlib.compress(payload, 1))):
        assert SECRET.encode() not in packed
        (tmp_path / name).write_bytes(b"header" + packed + b"trailer")
    found = leaks([SECRET], tmp_path)
    assert len(found) >= 2, found
