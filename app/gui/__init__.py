"""The Qt desktop application (imported only by GUI commands).

The engine modules the window's first frame needs load here, before Qt: once PySide6 is
imported, it reads the source file of every module imported after it (to find
`from __feature__ import ...`), about a tenth of a second more for these. The guard test
(tests/gui/test_startup_imports.py) keeps this list in step with the window.
"""

import importlib
import sys

BEFORE_QT = (
    "asyncio",
    "engine.loading",
    "engine.registry",
    "engine.blueprint_check",
    "engine.builtins",
    "engine.apps.loader",
    "engine.edits.commands",
    "engine.edits.layout",
    "engine.iml",
    "engine.iml.function_help",
    "engine.iml.keywords",
    "engine.executor.run",
    "engine.executor.debug",
    "engine.filters",
    "engine.runtime.start",
    "engine.runtime.schedule_text",
    "engine.runtime.events",
    "engine.runtime.workspace",
    "engine.history.runs",
    "engine.store.peek",
    "engine.store.workspace",
    "engine.connections.store",
)

if "PySide6" not in sys.modules:
    for _name in BEFORE_QT:
        importlib.import_module(_name)
