"""Google Sheets' own IML functions, in Python (engine.apps.functions): the shapes Make gives
rows (`0`, `1`, ... keyed by column, `__ROW_NUMBER__`, `__SPREADSHEET_ID__`, `__SHEET__`,
`__IMTINDEX__`/`__IMTLENGTH__` for searches) and the A1 ranges the Sheets API v4 reads.

Every function tolerates missing arguments: app code calls them before `if` decides.
What no public source confirmed (shapes, defaults) is listed in README.md, "Unverified".
"""

from __future__ import annotations

import re
from typing import Any

from engine.filters import find_operator
from engine.values import to_bool, to_number, to_text

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


def spreadsheet_id(value: Any) -> str:
    """The spreadsheet's id: Make's file picker keeps a path (`/folder/.../id`)."""
    text = to_text(value).strip().strip("/")
    return text.rsplit("/", 1)[-1]


def column_letter(number: Any) -> str:
    """1 -> A, 27 -> AA."""
    n = int(to_number(number) or 0)
    letters = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A -> 1, AA -> 27 (0 for no letters)."""
    n = 0
    for char in letters.upper():
        n = n * 26 + ord(char) - 64
    return n


def quoted_sheet(sheet: Any) -> str:
    """A sheet name as A1 notation writes it: `'My sheet'` (quotes doubled)."""
    return "'" + to_text(sheet).replace("'", "''") + "'"


def sheet_range(sheet: Any, cells: Any = None) -> str:
    """`'Sheet'!A1:Z` (or the whole sheet without cells)."""
    text = to_text(cells).strip()
    return quoted_sheet(sheet) + (f"!{text}" if text else "")


def _start(cells: Any) -> tuple[int, int]:
    """(column, row) of a range's first cell; `A1:Z1` -> (1, 1), `B:D` -> (2, 1)."""
    first = to_text(cells).split("!")[-1].split(":")[0].strip().replace("$", "")
    match = _CELL.match(first)
    if not match:
        return 1, 1
    column = column_number(match.group(1)) or 1
    row = int(match.group(2)) if match.group(2) else 1
    return column, row


def table_range(sheet: Any, first_row: Any) -> str:
    """The table's columns from its first row down: `A1:CZ1` -> `'Sheet'!A1:CZ`."""
    text = to_text(first_row).strip() or "A1:ZZZ1"
    start, _, end = text.partition(":")
    end_letters = re.sub(r"\d+", "", end) if end else re.sub(r"\d+", "", start)
    return sheet_range(sheet, f"{start}:{end_letters or 'ZZZ'}")


def table_start_row(first_row: Any) -> int:
    return _start(first_row)[1]


def row_values(values: Any, headers: Any = None) -> list[Any]:
    """A mapped row (`{"0": .., "3": ..}`, or by header names when `headers` lists them)
    as the list of a row's cells; a column not mapped is null, which the API leaves as it
    is."""
    if not isinstance(values, dict):
        return list(values) if isinstance(values, list) else []
    names = [to_text(h) for h in headers] if isinstance(headers, list) else []
    cells: dict[int, Any] = {}
    for key, value in values.items():
        if names and key in names:
            cells[names.index(key)] = _cell(value)
        elif str(key).isdigit():
            cells[int(key)] = _cell(value)
    width = max(cells, default=-1) + 1
    return [cells.get(i) for i in range(width)]


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return "" if value is None else value
    return to_text(value)


def update_range(sheet: Any, row: Any, values: Any, headers: Any = None) -> str:
    """The cells an updated row covers: `'Sheet'!A5:L5`."""
    number = int(to_number(row) or 0)
    width = max(1, len(row_values(values, headers)))
    return sheet_range(sheet, f"A{number}:{column_letter(width)}{number}")


def sheet_rows(values: Any, options: Any) -> list[dict[str, Any]]:
    """Rows read from a range as Make's bundles.

    `options`: `range` (the range read, for its first row and column), `includesHeaders`
    (the first row is headers, not data), `spreadsheetId`, `sheet`, `filter` (Make's filter
    by column letter), `orderBy` (a column letter), `sortOrder`, `limit`, `index` (add
    `__IMTINDEX__`/`__IMTLENGTH__`), `after` (only rows after this row number), `skipEmpty`.
    """
    opts = options if isinstance(options, dict) else {}
    rows = values if isinstance(values, list) else []
    first_column, first_row = _start(opts.get("range"))
    offset = 1 if to_bool(opts.get("includesHeaders")) else 0
    after = to_number(opts.get("after"))
    out: list[dict[str, Any]] = []
    for position, row in enumerate(rows[offset:], start=offset):
        cells = row if isinstance(row, list) else []
        number = first_row + position
        if after is not None and number <= after:
            continue
        if to_bool(opts.get("skipEmpty")) and all(c in (None, "") for c in cells):
            continue
        bundle: dict[str, Any] = {
            "__ROW_NUMBER__": number,
            "__SPREADSHEET_ID__": to_text(opts.get("spreadsheetId")),
            "__SHEET__": to_text(opts.get("sheet")),
        }
        for i, cell in enumerate(cells):
            bundle[str(first_column - 1 + i)] = cell
        if _passes(bundle, opts.get("filter")):
            out.append(bundle)
    order_by = to_text(opts.get("orderBy")).strip()
    if order_by:
        key = str(column_number(order_by) - 1)
        out.sort(key=lambda b: _sort_key(b.get(key)),
                 reverse=to_text(opts.get("sortOrder")) == "desc")
    limit = to_number(opts.get("limit"))
    if limit is not None and limit > 0:
        out = out[: int(limit)]
    if to_bool(opts.get("index")):
        for i, bundle in enumerate(out, start=1):
            bundle["__IMTINDEX__"] = i
            bundle["__IMTLENGTH__"] = len(out)
    return out


def _sort_key(value: Any) -> tuple[int, float, str]:
    number = to_number(value)
    return (0, float(number), "") if number is not None else (1, 0.0, to_text(value))


def _passes(bundle: dict[str, Any], groups: Any) -> bool:
    """Make's filter (OR of AND groups); `a` names a column by its letter."""
    if not isinstance(groups, list) or not groups:
        return True
    tested = False
    for group in groups:
        conditions = [c for c in (group if isinstance(group, list) else [])
                      if isinstance(c, dict) and c.get("o")]
        if not conditions:
            continue
        tested = True
        if all(_test(bundle, c) for c in conditions):
            return True
    return not tested


def _test(bundle: dict[str, Any], condition: dict[str, Any]) -> bool:
    operator = find_operator(condition.get("o"))
    if operator is None:
        return False
    column = to_text(condition.get("a")).strip()
    key = str(column_number(column) - 1) if column.isalpha() else column
    a = bundle.get(key)
    return bool(operator.test(a, operator.prepare(condition.get("b"))))


def column_options(header: Any, first_row: Any = None) -> list[dict[str, str]]:
    """Options `{label: "Name (C)", value: "C"}` for a table's columns, from its header row
    (the columns of `first_row`, e.g. A1:Z1, when the row is shorter)."""
    cells = header if isinstance(header, list) else []
    start, _ = _start(first_row)
    end_text = to_text(first_row).split(":")[-1] if ":" in to_text(first_row) else ""
    end = column_number(re.sub(r"[^A-Za-z]", "", end_text)) or start + len(cells) - 1
    out = []
    for number in range(start, max(end, start + len(cells) - 1) + 1):
        name = to_text(cells[number - start]).strip() if number - start < len(cells) else ""
        letter = column_letter(number)
        out.append({"label": f"{name} ({letter})" if name else f"({letter})", "value": letter})
    return out


FUNCTIONS = {
    "spreadsheetId": spreadsheet_id,
    "sheetRange": sheet_range,
    "tableRange": table_range,
    "tableStartRow": table_start_row,
    "rowValues": row_values,
    "updateRange": update_range,
    "sheetRows": sheet_rows,
    "columnLetter": column_letter,
    "columnOptions": column_options,
}
