"""Make's CSV app (`csv:`): parse CSV text into one bundle per row; create CSV text from the
bundles of a loop (two aggregators: the mapped fields, or a data structure's fields).

Reading follows RFC 4180 as Make's parser does: fields in double quotes may hold the
delimiter, line breaks and doubled quotes; rows end with LF, CRLF or CR; a byte order mark
is dropped; a file's data (a buffer) is read as UTF-8. A row is `{col1, col2, ...}` (Make's
column names, whatever the header says; the header row, when there is one, is skipped).
Writing quotes a field only when it must (delimiter, quote, line break, edge spaces), joins
rows with LF and ends without a line break, so parse -> create gives the text back.

Unverified against Make (no export with these modules was found): the parameter names
(`columns`, `containsHeader`, `delimiterType`, `delimiter`, `skipEmptyLines`,
`includeHeaders`), the aggregators' module ids (`csv:MakeAggregator`,
`csv:MakeAdvancedAggregator`; `csv:CreateCSV` and `csv:CreateCSVAdvanced` are accepted too)
and the output field `text`.
"""

from __future__ import annotations

from typing import Any

from engine.builtins.structures import workspace_structure
from engine.builtins.util import Accumulator
from engine.errors import ModuleError
from engine.spec import FieldSpec, ModuleCall, ModuleTable
from engine.values import to_bool, to_number, to_text

MODULES = ModuleTable()

_DELIMITERS = {"comma": ",", "tab": "\t", "semicolon": ";"}
_DELIMITER_FIELDS = [
    FieldSpec(name="delimiterType", type="select", label="Delimiter", default=",",
              options=[{"label": "Comma", "value": ","}, {"label": "Tab", "value": "\t"},
                       {"label": "Semicolon", "value": ";"},
                       {"label": "Other", "value": "other"}]),
    FieldSpec(name="delimiter", label="Delimiter (other)", shown_when={"delimiterType": ["other"]},
              help="One or more characters, e.g. | or ;;"),
]
_FEEDER = FieldSpec(name="feeder", type="module", label="Source module", required=True)
_INCLUDE_HEADERS = FieldSpec(name="includeHeaders", type="boolean", default=True,
                             label="Include headers in the first row")
_TEXT_OUT = [FieldSpec(name="text", type="text", label="CSV")]


def delimiter_of(params: dict[str, Any]) -> str:
    """The delimiter a module's settings choose (comma when nothing is chosen)."""
    chosen = params.get("delimiterType", params.get("delimiter"))
    if chosen == "other":
        text = to_text(params.get("delimiter"))
    else:
        text = to_text(chosen)
        text = _DELIMITERS.get(text.lower(), text)
    if text == "\\t":
        text = "\t"
    return text or ","


# --- reading ------------------------------------------------------------------------------


def parse_csv(text: str, delimiter: str = ",", *, skip_empty: bool = True) -> list[list[str]]:
    """Rows of fields; DataError for a quoted field that never closes."""
    if not delimiter:
        raise ModuleError("The CSV delimiter is empty.", name="DataError")
    text = text.removeprefix("\ufeff")
    rows: list[list[str]] = []
    row: list[str] = []
    field: list[str] = []
    i, n, width = 0, len(text), len(delimiter)
    quoted = False  # inside a quoted field
    started = False  # the current row has any content (a delimiter counts)
    line = 1
    while i < n:
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    field.append('"')
                    i += 2
                    continue
                quoted = False
            else:
                if c == "\n":
                    line += 1
                field.append(c)
            i += 1
            continue
        if c == '"' and not field:
            quoted = started = True
            opened_at = line
            i += 1
        elif text.startswith(delimiter, i):
            row.append("".join(field))
            field = []
            started = True
            i += width
        elif c in "\r\n":
            if started or field:
                row.append("".join(field))
                rows.append(row)
            elif not skip_empty:
                rows.append([""])
            row, field, started = [], [], False
            i += 2 if c == "\r" and text.startswith("\n", i + 1) else 1
            line += 1
        else:
            field.append(c)
            started = True
            i += 1
    if quoted:
        raise ModuleError(f"Invalid CSV: the quoted field opened on line {opened_at} is never "
                          "closed.", name="DataError", detail={"line": opened_at})
    if started or field:
        row.append("".join(field))
        rows.append(row)
    return rows


def _csv_text(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return to_text(value)


@MODULES.module(
    "csv:ParseCSV",
    label="Parse CSV",
    kind="transformer",
    description="One bundle per row: {col1, col2, ...}. The header row, if any, is skipped.",
    parameters=[
        FieldSpec(name="columns", type="uinteger", label="Number of columns", required=True,
                  help="Rows with fewer fields get empty columns; more fields is an error."),
        FieldSpec(name="containsHeader", type="boolean", label="CSV contains headers",
                  default=False),
        *_DELIMITER_FIELDS,
        FieldSpec(name="skipEmptyLines", type="boolean", label="Skip empty lines",
                  default=True, advanced=True),
    ],
    mapper=[FieldSpec(name="csv", type="text", label="CSV", required=True,
                      help="CSV text, or a file's data.")],
    interface=[
        FieldSpec(name="col1", type="text", label="Column 1",
                  help="col2, col3, ... hold the next columns."),
        FieldSpec(name="__IMTINDEX__", type="uinteger", label="Bundle order position"),
        FieldSpec(name="__IMTLENGTH__", type="uinteger", label="Total number of bundles"),
    ],
)
def parse(call: ModuleCall) -> list[dict[str, Any]]:
    params = call.parameters
    rows = parse_csv(_csv_text(call.mapper.get("csv")), delimiter_of(params),
                     skip_empty=to_bool(params.get("skipEmptyLines", True)))
    if to_bool(params.get("containsHeader")) and rows:
        rows = rows[1:]
    wanted = to_number(params.get("columns"))
    columns = int(wanted) if wanted is not None and wanted > 0 else max(map(len, rows),
                                                                        default=0)
    total = len(rows)
    bundles = []
    for position, row in enumerate(rows, 1):
        if len(row) > columns and any(row[columns:]):
            raise ModuleError(
                f"Row {position} has {len(row)} columns; the module reads {columns} "
                "(Number of columns).", name="DataError", detail={"row": position})
        bundle: dict[str, Any] = {f"col{k}": row[k - 1] if k <= len(row) else ""
                                  for k in range(1, columns + 1)}
        bundle["__IMTINDEX__"] = position
        bundle["__IMTLENGTH__"] = total
        bundles.append(bundle)
    return bundles


# --- writing ------------------------------------------------------------------------------


def csv_field(value: Any, delimiter: str) -> str:
    text = _csv_text(value)
    if (delimiter in text or '"' in text or "\n" in text or "\r" in text
            or text != text.strip(" ")):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(columns: list[str], rows: list[dict[str, Any]], delimiter: str, *,
              headers: bool) -> str:
    lines = [delimiter.join(csv_field(c, delimiter) for c in columns)] if headers else []
    lines.extend(delimiter.join(csv_field(row.get(c), delimiter) for c in columns)
                 for row in rows)
    return "\n".join(lines)


class _Rows:
    """The mapped rows of one loop and the columns in the order they first appeared."""

    __slots__ = ("columns", "rows")

    def __init__(self) -> None:
        self.columns: dict[str, None] = {}
        self.rows: list[dict[str, Any]] = []

    def add(self, mapper: dict[str, Any]) -> None:
        for name in mapper:
            self.columns.setdefault(name)
        self.rows.append(mapper)


class _CsvAggregator(Accumulator):
    def new(self) -> _Rows:
        return _Rows()

    def push(self, acc: _Rows, call: ModuleCall) -> None:
        acc.add(dict(call.mapper))

    def columns(self, acc: _Rows, call: ModuleCall) -> list[str]:
        return list(acc.columns)

    def result(self, acc: _Rows, call: ModuleCall) -> dict[str, Any]:
        params = call.parameters
        text = write_csv(self.columns(acc, call), acc.rows, delimiter_of(params),
                         headers=to_bool(params.get("includeHeaders", True)))
        return {"text": text}


@MODULES.module(
    "csv:MakeAggregator",
    label="Create CSV",
    kind="aggregator",
    description="One row per bundle of the source module: the mapped fields are the columns "
    "(their names the header).",
    parameters=[_FEEDER, _INCLUDE_HEADERS, *_DELIMITER_FIELDS],
    interface=_TEXT_OUT,
    aliases=["csv:CreateCSV"],
)
class CreateCSV(_CsvAggregator):
    pass


@MODULES.module(
    "csv:MakeAdvancedAggregator",
    label="Create CSV (advanced)",
    kind="aggregator",
    description="One row per bundle, the columns of a data structure in its order.",
    parameters=[_FEEDER, FieldSpec(name="type", type="udt", label="Data structure",
                                   required=True), _INCLUDE_HEADERS, *_DELIMITER_FIELDS],
    interface=_TEXT_OUT,
    aliases=["csv:CreateCSVAdvanced"],
)
class CreateCSVAdvanced(_CsvAggregator):
    """Columns: the structure's fields when the workspace knows it (a field nobody mapped
    stays an empty column), else the mapped fields."""

    def columns(self, acc: _Rows, call: ModuleCall) -> list[str]:
        structure = workspace_structure(call, call.parameters.get("type"))
        if structure is None:
            return list(acc.columns)
        names = [f.name for f in structure.spec]
        return names + [c for c in acc.columns if c not in names]

