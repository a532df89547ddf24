# Replaces PyInstaller's pyi_rth_pyside6, which imports PySide6.QtCore at every start to
# register a qt.conf: that loads Qt and shiboken (about 0.08 s) before `scenarist run` or
# `--help`, which never use Qt. PySide6's wheels register their own qt.conf when QtCore is
# imported, so only the plugin and QML paths are left to set, as the original hook does.
def _pyi_rthook():
    import os
    import sys

    if sys.platform.startswith("win"):
        qt_path = os.path.join(sys._MEIPASS, "PySide6")
        os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
    else:
        qt_path = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_path, "plugins")
    os.environ["QML2_IMPORT_PATH"] = os.path.join(qt_path, "qml")
    app_bundle = sys._MEIPASS.endswith("Contents/Frameworks")  # a macOS .app finds them itself
    if sys.platform == "darwin" and not app_bundle:
        os.environ["DYLD_LIBRARY_PATH"] = (
            sys._MEIPASS + os.pathsep + os.environ.get("DYLD_LIBRARY_PATH", ""))


_pyi_rthook()
del _pyi_rthook
