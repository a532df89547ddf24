"""Guard for the PySide6 pin: 6.12.0 on Python 3.11 corrupts reference counts and crashes
after a few thousand Qt-to-Python callbacks. This runs many callbacks in a child process;
a release that passes it (and the rest of the suite) may lift the `<6.12` pin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import PySide6

CHILD = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication

    app = QApplication([])

    class Emitter(QObject):
        fired = Signal(object)

    payload = {"bundle": [1, 2, 3]}
    before = sys.getrefcount(payload)
    seen = []
    emitter = Emitter()
    emitter.fired.connect(lambda value: seen.append(value is payload))
    for _ in range(20000):
        emitter.fired.emit(payload)
    seen.clear()
    after = sys.getrefcount(payload)
    assert after == before, (before, after)
    print("ok")
    """
)


def test_many_qt_to_python_callbacks_keep_reference_counts_intact():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"


def test_pyside6_stays_below_the_broken_release():
    major, minor = (int(p) for p in PySide6.__version__.split(".")[:2])
    assert (major, minor) < (6, 12), "lift the pin only after the guard passes on the new release"
