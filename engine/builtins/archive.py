"""Make's Archive app (`archive:`): create a ZIP from the files of a loop (an aggregator),
extract a ZIP into one bundle per file.

Extracting never writes anything to disk; names keep their folders in `path`. A ZIP whose
files together exceed the run's value limit (100 MB by default), or that is not a ZIP,
is a DataError. Created archives use DEFLATE and the run's clock for the files' dates.

`archive:PackAggregator` and `archive:UnpackAction` (its mapped field `data`) are Make's ids
as seen in use; the other field names (`name` of the archive, `fileName`/`data` of each
file, `files`) and the outputs (a binary item: `fileName`, `data`, `fileSize`, `mimeType`)
are unverified.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any

from engine.builtins.binary import as_bytes, binary_item, file_name_from
from engine.builtins.util import Accumulator
from engine.errors import ModuleError
from engine.limits import describe_bytes
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import to_text

MODULES = ModuleTable()

_BINARY_OUT = [
    FieldSpec(name="fileName", label="File name"),
    FieldSpec(name="data", type="buffer", label="Data"),
    FieldSpec(name="fileSize", type="uinteger", label="File size"),
    FieldSpec(name="mimeType", label="MIME type"),
]


# --- create ----------------------------------------------------------------------------------


class _Files:
    __slots__ = ("name", "files")

    def __init__(self) -> None:
        self.name = ""
        self.files: list[tuple[str, bytes]] = []


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, ext = posixpath.splitext(name)
    k = 2
    while f"{stem} ({k}){ext}" in taken:
        k += 1
    return f"{stem} ({k}){ext}"


@MODULES.module(
    "archive:PackAggregator",
    label="Create an archive",
    kind="aggregator",
    description="A ZIP of one file per bundle of the source module (or of the files mapped).",
    parameters=[FieldSpec(name="feeder", type="module", label="Source module", required=True)],
    mapper=[
        FieldSpec(name="name", label="Archive name", default="archive.zip"),
        FieldSpec(name="fileName", label="File name"),
        FieldSpec(name="data", type="buffer", label="Data"),
        FieldSpec(name="files", type="array", label="Files", advanced=True,
                  help="Several files per bundle: each a file name and data.",
                  spec=[FieldSpec(name="fileName", label="File name"),
                        FieldSpec(name="data", type="buffer", label="Data")]),
    ],
    interface=_BINARY_OUT,
)
class CreateArchive(Accumulator):
    def new(self) -> _Files:
        return _Files()

    def push(self, acc: _Files, call: ModuleCall) -> None:
        mapper = call.mapper
        acc.name = acc.name or to_text(mapper.get("name")).strip()
        files = mapper.get("files")
        items = [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []
        if mapper.get("data") is not None or not items:
            items.insert(0, {"fileName": mapper.get("fileName"), "data": mapper.get("data")})
        for item in items:
            if item.get("data") is None:
                continue
            name = file_name_from(item, f"file{len(acc.files) + 1}")
            acc.files.append((name, as_bytes(item.get("data"))))

    def result(self, acc: _Files, call: ModuleCall) -> dict[str, Any]:
        now = call.run.now()
        stamp = (max(now.year, 1980), now.month, now.day, now.hour, now.minute, now.second)
        buffer = io.BytesIO()
        taken: set[str] = set()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in acc.files:
                entry = _unique(name.lstrip("/"), taken)
                taken.add(entry)
                info = zipfile.ZipInfo(entry, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
        name = acc.name or "archive.zip"
        return binary_item(name, buffer.getvalue(), "application/zip")


# --- extract ---------------------------------------------------------------------------------


def extract_zip(data: bytes, limit: int) -> list[dict[str, Any]]:
    """One binary item per file (folders left out), `path` its place in the archive."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ModuleError("The data is not a ZIP archive.", name="DataError") from None
    out: list[dict[str, Any]] = []
    total = 0
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                raise ModuleError(f"{info.filename}: encrypted archives are not supported.",
                                  name="DataError")
            try:
                with archive.open(info) as handle:
                    content = handle.read(limit - total + 1)
            except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
                raise ModuleError(f"{info.filename}: cannot be extracted ({exc}).",
                                  name="DataError") from None
            total += len(content)
            if total > limit:
                raise ModuleError(
                    f"The archive's files are larger than {describe_bytes(limit)} unpacked "
                    "(the run's value limit).", name="DataError")
            item = binary_item(posixpath.basename(info.filename), content)
            item["path"] = info.filename
            out.append(item)
    return out


@MODULES.module(
    "archive:UnpackAction",
    label="Extract an archive",
    kind="search",
    description="One bundle per file of a ZIP archive: file name, data, size, MIME type and "
    "its path inside the archive.",
    mapper=[
        FieldSpec(name="fileName", label="File name"),
        FieldSpec(name="data", type="buffer", label="Data", required=True),
    ],
    interface=[*_BINARY_OUT, FieldSpec(name="path", label="Path in the archive")],
)
def extract(call: ModuleCall) -> list[dict[str, Any]]:
    data = as_bytes(call.mapper.get("data"))
    return extract_zip(data, call.run.limits.max_value_bytes)
