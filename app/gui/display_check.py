"""Can the window open here? Asked before Qt starts, without importing it: when its platform
plugin cannot load, Qt aborts the process (SIGABRT, exit 134, a core dump) with a message
that blames libxcb-cursor0 whatever is really missing.

`display_problem()` returns what to tell the user (None: go ahead). It trusts an explicit
`QT_QPA_PLATFORM` other than xcb and a Wayland session; for X11 it checks that the xcb
plugin's system libraries load and that the X server accepts a connection.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# The system libraries Qt's xcb plugin needs (the NEEDED entries of PySide6's
# plugins/platforms/libqxcb.so, lib/libQt6XcbQpa.so.6, libQt6Gui.so.6 and libQt6DBus.so.6,
# read with `readelf -d`), each with its Debian/Ubuntu package. Qt 6 needs no xinerama.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",  # libglib2.0-0t64 on Ubuntu 24.04
    "libdbus-1.so.3": "libdbus-1-3",
}

HEADLESS = (
    "Commands that need no window work here: scenarist run FILE, scenarist check FILE,\n"
    "scenarist history list, scenarist incomplete list, scenarist replay ID "
    "(see scenarist --help)."
)
_MISSING = re.compile(r"([\w.+-]+\.so[\w.]*): cannot open shared object file")

Loader = Callable[[str], str | None]  # a library -> None if it loads, else the error


def display_problem(
    environ: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    load: Loader | None = None,
    connect: Callable[[str], bool] | None = None,
) -> str | None:
    """Why the window cannot open here, said for a person; None when it can."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        if chosen.split(";")[0].split(":")[0] != "xcb":
            return None  # offscreen, wayland, vnc…: the user's choice
    elif env.get("WAYLAND_DISPLAY"):
        return None
    display = env.get("DISPLAY", "")
    if not display:
        return (
            "scenarist: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
            "not set).\n"
            "Start it from a desktop session, or on a server under a virtual X display:\n"
            "  xvfb-run -a scenarist            (Debian: apt-get install xvfb xauth)\n"
            "A picture of a scenario needs no display:\n"
            "  scenarist open FILE --screenshot OUT.png\n" + HEADLESS
        )
    missing = missing_libraries(load or _load)
    if missing:
        packages = " ".join(dict.fromkeys(XCB_LIBRARIES.get(lib, lib) for lib in missing))
        return (
            "scenarist: the window cannot start: Qt's X11 (xcb) platform plugin needs system "
            f"libraries that are not installed: {', '.join(missing)}.\n"
            f"On Debian or Ubuntu: sudo apt-get install {packages}\n"
            "(Qt's own message would blame libxcb-cursor0; the list above is what is "
            "missing.)\n" + HEADLESS
        )
    if not (connect or _connects)(display):
        return (
            f"scenarist: cannot connect to the X display {display} (DISPLAY): is its X "
            "server running, and may this user use it (xauth)?\n" + HEADLESS
        )
    return None


def missing_libraries(load: Loader) -> list[str]:
    """The xcb plugin's libraries that do not load; when the known ones all do, the plugin
    itself is loaded, so a library a newer Qt added is named too."""
    missing = [lib for lib in XCB_LIBRARIES if load(lib) is not None]
    if missing:
        return missing
    plugin = _xcb_plugin()
    error = load(str(plugin)) if plugin is not None else None
    if error is None:
        return []
    found = _MISSING.search(error)
    return [found.group(1) if found else f"{plugin} ({error})"]


def _xcb_plugin() -> Path | None:
    spec = importlib.util.find_spec("PySide6")  # finds the package without importing it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def _load(library: str) -> str | None:
    try:
        ctypes.CDLL(library)
    except OSError as error:
        return str(error)
    return None


def _connects(display: str) -> bool:
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return False
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return bool(connection) and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection:
            xcb.xcb_disconnect(connection)  # also frees a connection in error
