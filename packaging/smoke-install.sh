#!/usr/bin/env bash
# Install a built .deb on this Debian/Ubuntu machine and use the installed app as a person
# would: run a shipped example, take a screenshot of the window (offscreen), then remove
# the package again (`--keep` leaves it installed). Needs root (apt-get).
#   packaging/smoke-install.sh [dist/scenarist_<version>_amd64.deb] [--keep]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEB="${1:-$(ls "$ROOT"/dist/scenarist_*_amd64.deb | tail -1)}"
KEEP="${2:-}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# apt-get (not dpkg -i) so that a fresh machine gets the Qt libraries the package depends on.
apt-get install -y -qq "$(realpath "$DEB")" >/dev/null
cd "$WORK"  # nothing of the source tree is on the way
export HOME="$WORK/home" QT_QPA_PLATFORM=offscreen
EXAMPLE=/usr/share/scenarist/examples/hello-world.json

check_png() {  # FILE WHAT: a PNG of at least 640x480, or fail
  python3 - "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
assert width >= 640 and height >= 480, (width, height)
print(f"{sys.argv[2]}: {width}x{height}, {len(data):,} bytes")
PY
}

echo "--- scenarist run $EXAMPLE"
scenarist run "$EXAMPLE" --report summary | tee "$WORK/run.txt"
grep -q '"status": *"success"\|"status":"success"' "$WORK/run.txt"
# Start-up: a headless command must not load Qt (PyInstaller's own PySide6 hook would).
if LD_DEBUG=files scenarist run "$EXAMPLE" --no-history 2>&1 >/dev/null | grep -q libQt6Core
then echo "scenarist run loaded Qt's libraries" >&2; exit 1; fi
echo "--- scenarist history list"
scenarist history list | tee "$WORK/history.txt"
grep -q "Hello world" "$WORK/history.txt"
echo "--- scenarist open $EXAMPLE --screenshot"
scenarist open "$EXAMPLE" --screenshot "$WORK/window.png" 2>/dev/null
check_png "$WORK/window.png" "window screenshot"
if [ -n "${SMOKE_SCREENSHOT:-}" ]; then cp "$WORK/window.png" "$SMOKE_SCREENSHOT"; fi
if command -v xvfb-run >/dev/null; then  # a real X11 window too (Qt's xcb plugin, fonts)
  echo "--- the same on an X server (xvfb-run)"
  env -u QT_QPA_PLATFORM xvfb-run -a -s "-screen 0 1600x1000x24" \
    scenarist open "$EXAMPLE" --screenshot "$WORK/x11.png" 2>/dev/null
  check_png "$WORK/x11.png" "X11 screenshot"
fi
if [ "$KEEP" != "--keep" ]; then
  apt-get remove -y -qq scenarist >/dev/null
  hash -r  # bash remembers where it found scenarist: forget it, then look again
  if command -v scenarist >/dev/null; then echo "scenarist is still installed" >&2; exit 1; fi
  echo "--- removed again"
fi
echo "smoke-install: ok"
