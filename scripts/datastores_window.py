"""The README's data store screenshot: the Data stores window over a store of a million
customers (run by `scripts/screenshots.py --datastores` under Xvfb, never on its own).

    python scripts/datastores_window.py OUT.png   # DISPLAY and SCENARIST_HOME set

A temporary workspace gets a "Customer" data structure, a store of 1,000,000 records
imported from CSV as `scenarist datastores import` does, and a small keys-only store; the
window opens on the big store scrolled into its middle with a row selected, and the whole
screen (the window fills it) is taken with ImageMagick's `import -window root`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RECORDS = 1_000_000
WIDTH, HEIGHT = 1280, 760
PLANS = ["Free", "Team", "Pro", "Enterprise"]
CITIES = ["Lisbon", "Oslo", "Kyiv", "Lima", "Nairobi", "Osaka", "Denver", "Porto"]


def prepare(workspace: Path) -> str:
    from engine.runtime import Workspace
    from engine.store.data_structures import create_structure
    from engine.store.record_edits import save_record
    from engine.store.record_io import import_records
    from engine.store.store_admin import create_store

    engine = Workspace(workspace).state
    structure = create_structure(engine, "Customer", [
        {"name": "email", "type": "text", "required": True},
        {"name": "name", "type": "text"}, {"name": "city", "type": "text"},
        {"name": "plan", "type": "text"}, {"name": "seats", "type": "number"},
        {"name": "active", "type": "boolean"}, {"name": "since", "type": "date"}])
    seen = create_store(engine, "Seen order ids")
    for order in ("A-1001", "A-1002", "A-1007"):
        save_record(engine, seen, order, {})
    customers = create_store(engine, "Customers", structure_id=structure.id, max_size_mb=512)
    source = workspace / "customers.csv"
    with source.open("w") as out:
        out.write("key,email,name,city,plan,seats,active,since\n")
        for i in range(RECORDS):
            out.write(f"cus_{i:07d},customer{i}@example.com,Customer {i},"
                      f"{CITIES[i % len(CITIES)]},{PLANS[i % 7 % 4]},{1 + i % 40},"
                      f"{'true' if i % 5 else 'false'},2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
    started = time.perf_counter()
    result = import_records(engine, customers, source)
    print(f"imported {result.imported:,} records in {time.perf_counter() - started:.1f} s")
    source.unlink()
    return customers


def main() -> int:
    out = Path(sys.argv[1]).resolve()
    workspace = Path(os.environ["SCENARIST_HOME"])
    customers = prepare(workspace)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.gui.resources import DataStoresWindow

    app = QApplication(["scenarist"])
    window = DataStoresWindow(workspace)
    window.setGeometry(0, 0, WIDTH, HEIGHT)
    window.show()
    browser = window.select_store(customers)
    assert browser is not None
    row = RECORDS // 2 + 7
    browser.table.scrollTo(browser.model.index(row + 12, 0))
    browser.table.selectRow(row)

    def fit_columns() -> None:  # to the rows on screen, once they are there
        for column in range(browser.model.columnCount()):
            browser.table.resizeColumnToContents(column)

    def shoot() -> None:
        subprocess.run(["import", "-window", "root", str(out)], check=True)
        app.quit()

    QTimer.singleShot(800, fit_columns)
    QTimer.singleShot(1800, shoot)
    app.exec()
    return 0


if __name__ == "__main__":
    sys.exit(main())
