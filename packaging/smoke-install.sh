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

echo "--- scenarist run $EXAMPLE"
scenarist run "$EXAMPLE" --report summary | tee "$WORK/run.txt"
grep -q '"status": *"success"\|"status":"success"' "$WORK/run.txt"
echo "--- scenarist history list"
scenarist history list | tee "$WORK/history.txt"
grep -q "Hello world" "$WORK/history.txt"
echo "--- scenarist open $EXAMPLE --screenshot"
scenarist open "$EXAMPLE" --screenshot "$WORK/window.png" 2>/dev/null
python3 - "$WORK/window.png" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
assert width >= 640 and height >= 480, (width, height)
print(f"window screenshot: {width}x{height}, {len(data):,} bytes")
PY
if [ -n "${SMOKE_SCREENSHOT:-}" ]; then cp "$WORK/window.png" "$SMOKE_SCREENSHOT"; fi
if [ "$KEEP" != "--keep" ]; then
  apt-get remove -y -qq scenarist >/dev/null
  ! command -v scenarist >/dev/null
  echo "--- removed again"
fi
echo "smoke-install: ok"
