"""The records table reads a page at a time: a big store opens with a page or two read,
scrolling to the end reads the last page, search by key narrows; import runs off the GUI
thread with a progress bar, export writes what the table shows."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.gui.resources import DataStoresWindow
from app.gui.resources.record_model import PAGE_SIZE
from engine.store.record_io import import_records
from engine.store.store_admin import create_store

ROWS = 20_000


def big_store(stores: DataStoresWindow, tmp_path: Path) -> str:
    source = tmp_path / "big.csv"
    source.write_text("key,n\n" + "".join(f"k{i:06d},{i}\n" for i in range(ROWS)))
    sid = create_store(stores.engine, "Big")
    import_records(stores.engine, sid, source)
    stores.refresh(select=sid)
    return sid


def test_a_big_store_opens_and_scrolls_a_page_at_a_time(stores: DataStoresWindow,
                                                       tmp_path: Path) -> None:
    big_store(stores, tmp_path)
    browser = stores.browser
    assert browser is not None
    QApplication.processEvents()
    model = browser.model
    assert model.total == ROWS and model.pages_read <= 2
    assert f"{ROWS:,} records" in browser.info.text()
    browser.table.scrollToBottom()
    QApplication.processEvents()
    assert model.data(model.index(ROWS - 1, 0)) == f"k{ROWS - 1:06d}"
    assert model.pages_read <= 4  # the first, the last, never the ones between
    browser.search.setText("k01234")
    assert model.total == 10 and model.data(model.index(0, 1)) == "12340"
    assert browser.info.text().startswith("10 of ")
    browser.search.setText("")
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == f"k{ROWS - 1:06d}"


async def test_import_and_export_from_the_window(stores: DataStoresWindow,
                                                 tmp_path: Path) -> None:
    sid = create_store(stores.engine, "Imported")
    stores.refresh(select=sid)
    browser = stores.browser
    assert browser is not None
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"key": f"r{i}", "n": i} for i in range(3 * PAGE_SIZE)]))
    task = browser.import_file(source)
    assert browser.progress.isVisible() and not browser.import_button.isEnabled()
    result = await task
    assert result.imported == 3 * PAGE_SIZE and not browser.progress.isVisible()
    assert browser.model.total == 3 * PAGE_SIZE
    assert stores.stores.currentItem().text().startswith(f"Imported\n{3 * PAGE_SIZE} records")
    out = tmp_path / "out.csv"
    assert await browser.export_file(out) == 3 * PAGE_SIZE
    assert out.read_text().splitlines()[:2] == ["key,n", "r0,0"]


async def test_sorting_by_a_field_indexes_it_off_the_gui_thread(stores: DataStoresWindow,
                                                                tmp_path: Path) -> None:
    sid = create_store(stores.engine, "Cities")
    source = tmp_path / "cities.json"
    source.write_text(json.dumps([{"key": f"c{i}", "city": city}
                                  for i, city in enumerate(["Rome", "Lima", "Oslo"])]))
    import_records(stores.engine, sid, source)
    stores.refresh(select=sid)
    browser = stores.browser
    assert browser is not None
    browser.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    assert browser.info.text().startswith("Indexing city")
    task = browser.model.task
    assert task is not None
    await task
    model = browser.model
    assert [model.data(model.index(r, 1)) for r in range(3)] == ["Lima", "Oslo", "Rome"]
    assert browser.info.text().startswith("3 records")
    browser.table.sortByColumn(1, Qt.SortOrder.DescendingOrder)  # indexed now: at once
    assert [model.data(model.index(r, 1)) for r in range(3)] == ["Rome", "Oslo", "Lima"]
