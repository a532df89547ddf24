"""Archive app (`archive:`): a ZIP made from a loop's files, and extracted back."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.builtins.archive import MODULES, extract_zip
from engine.context import RunServices
from engine.errors import ModuleError
from engine.iml.scope import Scope
from engine.limits import RunLimits
from engine.spec import ModuleCall

SPECS = {spec.id: spec for spec in MODULES}
NOW = datetime(2025, 6, 1, 12, 30, 4, tzinfo=UTC)


def pack(mappers: list[dict[str, Any]]) -> dict[str, Any]:
    agg = SPECS["archive:PackAggregator"].implementation
    run = RunServices(now=lambda: NOW)

    def call(mapper: dict[str, Any]) -> ModuleCall:
        return ModuleCall(5, {"feeder": 2}, mapper, run, Scope())

    state = agg.start(call({}))
    for mapper in mappers:
        agg.add(state, call(mapper))
    [bundle] = agg.finish(state, call({}))
    return bundle


def unpack(data: Any, run: RunServices | None = None) -> list[dict[str, Any]]:
    call = ModuleCall(6, {}, {"data": data}, run or RunServices(), Scope())
    return SPECS["archive:UnpackAction"].implementation(call)


def test_a_zip_made_and_extracted_gives_the_same_files() -> None:
    files = [("notes.txt", b"hello"), ("img/logo.png", bytes(range(256)) * 40),
             ("empty.csv", b"")]
    archive = pack([{"name": "bundle.zip", "fileName": n, "data": d} for n, d in files])
    assert archive["fileName"] == "bundle.zip" and archive["mimeType"] == "application/zip"
    assert archive["fileSize"] == len(archive["data"])
    out = unpack(archive["data"])
    assert [(b["path"], b["data"]) for b in out] == files
    assert [b["fileName"] for b in out] == ["notes.txt", "logo.png", "empty.csv"]
    assert [b["mimeType"] for b in out] == ["text/plain", "image/png", "text/csv"]
    assert [b["fileSize"] for b in out] == [5, 10240, 0]


def test_files_get_the_runs_date_and_duplicate_names_are_kept_apart() -> None:
    archive = pack([{"fileName": "a.txt", "data": "one"}, {"fileName": "a.txt", "data": "two"},
                    {"files": [{"fileName": "b.txt", "data": b"3"}]}])
    with zipfile.ZipFile(io.BytesIO(archive["data"])) as z:
        assert z.namelist() == ["a.txt", "a (2).txt", "b.txt"]
        assert z.getinfo("a.txt").date_time == (2025, 6, 1, 12, 30, 4)
    assert archive["fileName"] == "archive.zip"


def test_a_mapped_binary_item_carries_its_name() -> None:
    archive = pack([{"data": {"fileName": "r.pdf", "data": b"%PDF"}}])
    assert [b["fileName"] for b in unpack(archive)] == ["r.pdf"]


def test_extracting_what_is_not_a_zip_is_a_data_error() -> None:
    with pytest.raises(ModuleError, match="not a ZIP") as caught:
        unpack(b"plain text")
    assert caught.value.name == "DataError"


def test_extracting_stops_at_the_runs_value_limit() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\0" * 300_000)  # a few hundred bytes packed
    with pytest.raises(ModuleError, match="larger than"):
        extract_zip(buffer.getvalue(), 100_000)
    run = RunServices(limits=RunLimits(max_value_bytes=400_000))
    assert unpack(buffer.getvalue(), run)[0]["fileSize"] == 300_000
