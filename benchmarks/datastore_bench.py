"""Data store benchmark: a store of 1,000,000 records, from import to browsing and searching.

`uv run python -m benchmarks.datastore_bench [--records N]`

1. `scenarist datastores import` of an N-row CSV (a child process, as a user runs it) into a
   store with a data structure (every row checked and coerced), in rows/s.
2. The Data stores window (offscreen Qt, real widgets): opening on the store, then pages at
   offsets across it as the view scrolls there (each page read from SQLite, never cached),
   and a search by key prefix; in ms per step.
3. `datastore:SearchRecord` with a filter on a field, through the module itself: the first
   search builds the field's index (once per field and workspace), the next ones use it.
Targets (issue 14): pages <= 100 ms, key search <= 10 ms, import >= 50,000 rows/s,
Search records with a field filter <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

CITIES = ["Oslo", "Rome", "Lima", "Kyiv", "Pune", "Baku", "Doha", "Riga", "Bern", "Nice"]


def make_csv(path: Path, records: int) -> None:
    with path.open("w") as out:
        out.write("key,email,city,score\n")
        for i in range(records):
            out.write(f"user-{i:07d},user{i}@example.com,{CITIES[i % len(CITIES)]},{i % 100}\n")


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return (time.perf_counter() - started) * 1000, result


def cli(workspace: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app", *args, "--data-dir", str(workspace)],
                          capture_output=True, text=True, check=True)
    return done.stdout


def bench_import(workspace: Path, source: Path, records: int) -> dict[str, Any]:
    structure = workspace.parent / "structure.json"
    structure.write_text(json.dumps({"name": "User", "spec": [
        {"name": "email", "type": "text", "required": True},
        {"name": "city", "type": "text"}, {"name": "score", "type": "number"}]}))
    sid = json.loads(cli(workspace, "datastores", "create", "Users", "--structure",
                         str(structure), "--json"))["id"]
    started = time.perf_counter()
    result = json.loads(cli(workspace, "datastores", "import", sid, str(source), "--json"))
    seconds = time.perf_counter() - started
    assert result["imported"] == records, result
    return {"id": sid, "process_s": seconds, "import_s": result["seconds"],
            "rows_per_s": records / result["seconds"],
            "process_rows_per_s": records / seconds}


def bench_browser(workspace: Path, sid: str, records: int) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from app.gui.resources import DataStoresWindow
    from app.gui.resources.record_model import PAGE_SIZE

    app = QApplication.instance() or QApplication(["bench"])

    def open_window() -> Any:
        window = DataStoresWindow(workspace)
        window.resize(1100, 640)
        window.show()
        window.select_store(sid)
        app.processEvents()
        return window

    open_ms, window = timed(open_window)
    browser = window.browser
    assert browser is not None and browser.model.total == records
    pages = []
    for fraction in (0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 0.33, 0.66, 0.45, 0.55, 0.05, 0.95):
        row = min(records - 1, int(records * fraction))

        def scroll(row: int = row) -> None:
            browser.table.scrollTo(browser.model.index(row, 0))
            app.processEvents()

        ms, _ = timed(scroll)
        pages.append(ms)
    from engine.store.record_pages import read_page

    query = browser.model.query
    reads = [timed(lambda f=f: read_page(browser.engine, query, int(records * f), PAGE_SIZE,
                                         total=records))[0]
             for f in (0.1, 0.3, 0.5, 0.7, 0.9, 0.999)]
    searches = []
    for n in range(1, 8):
        key = f"user-{records * n // 8:07d}"
        ms, _ = timed(lambda key=key: (browser.search.setText(key), app.processEvents()))
        assert browser.model.total == 1 and browser.model.record(0) is not None
        searches.append(ms)
    search_ms = statistics.median(searches)
    prefix_ms, _ = timed(lambda: (browser.search.setText(key[:-2]), app.processEvents()))
    assert browser.model.total == min(100, records)
    browser.search.setText("")
    city = browser.model.fields.index("city") + 1
    from PySide6.QtCore import Qt

    sort_ms, _ = timed(lambda: (browser.table.sortByColumn(city, Qt.SortOrder.AscendingOrder),
                                app.processEvents()))
    sorted_pages = []
    for fraction in (0.1, 0.3, 0.5, 0.7, 0.9, 0.999):
        row = min(records - 1, int(records * fraction))
        ms, _ = timed(lambda row=row: (browser.table.scrollTo(browser.model.index(row, 0)),
                                       app.processEvents()))
        sorted_pages.append(ms)
    window.close()
    return {"open_ms": open_ms, "page_ms": pages, "page_size": PAGE_SIZE, "read_ms": reads,
            "key_search_ms": search_ms, "prefix_search_ms": prefix_ms,
            "sort_ms": sort_ms, "sorted_page_ms": sorted_pages}


def bench_search(workspace: Path, sid: str, records: int) -> dict[str, Any]:
    from engine.builtins.datastore import search_records
    from engine.context import RunServices
    from engine.spec import ModuleCall

    async def run() -> dict[str, Any]:
        services = RunServices(data_dir=workspace)

        def search(field: str, value: str, limit: int | None = None) -> list[Any]:
            params: dict[str, Any] = {"datastore": sid}
            if limit:
                params["limit"] = limit
            mapper = {"filter": [[{"a": field, "o": "text:equal", "b": value}]]}
            found: list[Any] = search_records(ModuleCall(2, params, mapper, services,
                                                         SimpleNamespace()))
            return found

        email = f"user{records // 3}@example.com"
        first_ms, found = timed(lambda: search("email", email))
        assert len(found) == 1, found
        repeats = [timed(lambda i=i: search("email", f"user{i * 7}@example.com"))[0]
                   for i in range(1, 21)]
        key_ms = statistics.median(
            timed(lambda i=i: search("key", f"user-{i * 11:07d}"))[0] for i in range(1, 21))
        city_first, _ = timed(lambda: search("city", "Oslo", 10))
        city_ms, city = timed(lambda: search("city", "Oslo", 10))
        assert len(city) == 10
        await services.aclose()
        return {"index_build_ms": first_ms, "field_ms": statistics.median(repeats),
                "field_max_ms": max(repeats), "key_ms": key_ms,
                "city_index_build_ms": city_first, "city_limit10_ms": city_ms,
                "city_matches": records // len(CITIES)}

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    records = args.records
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="scenarist-dsbench-") as tmp:
        workspace = Path(tmp) / "ws"
        source = Path(tmp) / "users.csv"
        make_csv(source, records)
        size_mb = source.stat().st_size / 1e6
        imported = bench_import(workspace, source, records)
        browser = bench_browser(workspace, imported["id"], records)
        search = bench_search(workspace, imported["id"], records)
        db_mb = (workspace / "state.db").stat().st_size / 1e6
    print(f"\nData store of {records:,} records (CSV {size_mb:.0f} MB, state.db {db_mb:.0f} MB "
          f"after import; load average {load:.1f} on {os.cpu_count()} cores at the start)\n")
    print("| step | result | target |")
    print("|---|---|---|")
    print(f"| `datastores import` (structure checked) | {imported['rows_per_s']:,.0f} rows/s "
          f"({imported['import_s']:.1f} s; whole process {imported['process_s']:.1f} s) "
          "| ≥ 50,000 rows/s |")
    print(f"| browser opens on the store | {browser['open_ms']:.0f} ms | — |")
    print(f"| browser jumps to a row at 5–99.9 % (12 jumps; page read + paint) | median "
          f"{statistics.median(browser['page_ms']):.0f} ms, max {max(browser['page_ms']):.0f}"
          " ms | ≤ 100 ms |")
    print(f"| one page read from SQLite (engine, 10–99.9 %) | median "
          f"{statistics.median(browser['read_ms']):.0f} ms, max {max(browser['read_ms']):.0f}"
          " ms | — |")
    print(f"| browser search by key (1 match, median of 7) | {browser['key_search_ms']:.1f} ms"
          " | ≤ 10 ms |")
    print(f"| browser search by key prefix (100 matches) | {browser['prefix_search_ms']:.1f} ms"
          " | — |")
    print(f"| browser sorts by a field (first time: builds its index) | "
          f"{browser['sort_ms']:.0f} ms | once |")
    print(f"| browser jumps in field order (6 jumps) | median "
          f"{statistics.median(browser['sorted_page_ms']):.0f} ms, max "
          f"{max(browser['sorted_page_ms']):.0f} ms | ≤ 100 ms |")
    print(f"| Search records, field = value, first time (builds the index) | "
          f"{search['index_build_ms']:.0f} ms | once |")
    print(f"| Search records, field = value (1 match) | median {search['field_ms']:.1f} ms, "
          f"max {search['field_max_ms']:.1f} ms | ≤ 50 ms |")
    print(f"| Search records, key = value | median {search['key_ms']:.1f} ms | ≤ 50 ms |")
    print(f"| Search records, field = value ({search['city_matches']:,} matches, limit 10) | "
          f"{search['city_limit10_ms']:.0f} ms | — |")


if __name__ == "__main__":
    main()
