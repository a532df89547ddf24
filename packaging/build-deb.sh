#!/usr/bin/env bash
# Build dist/scenarist_<version>_amd64.deb: a PyInstaller onedir bundle in /usr/lib/scenarist,
# the /usr/bin/scenarist launcher, a .desktop entry, hicolor icons and the example
# blueprints in /usr/share/scenarist/examples. Run from anywhere: `packaging/build-deb.sh`.
# Needs uv and dpkg-deb (Debian/Ubuntu); takes about two minutes on two cores.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -1)"
BUILD="$ROOT/build/deb"
STAGE="$BUILD/scenarist_${VERSION}_amd64"
DEB="$ROOT/dist/scenarist_${VERSION}_amd64.deb"

echo "scenarist $VERSION: bundling with PyInstaller (onedir)"
rm -rf "$BUILD"
mkdir -p "$BUILD" "$ROOT/dist"
# The packaging group adds PyInstaller; --frozen: exactly the locked versions.
uv sync --quiet --frozen --group packaging
uv run --frozen --group packaging pyinstaller --noconfirm --clean --log-level WARN \
  --distpath "$BUILD/pyinstaller" --workpath "$BUILD/pyinstaller-work" \
  packaging/scenarist.spec

echo "laying out the package"
install -d "$STAGE/DEBIAN" "$STAGE/usr/lib" "$STAGE/usr/bin" \
  "$STAGE/usr/share/applications" "$STAGE/usr/share/icons/hicolor" \
  "$STAGE/usr/share/scenarist/examples" "$STAGE/usr/share/doc/scenarist"
cp -a "$BUILD/pyinstaller/scenarist" "$STAGE/usr/lib/scenarist"
install -m 0755 packaging/scenarist-launcher.sh "$STAGE/usr/bin/scenarist"
install -m 0644 packaging/scenarist.desktop "$STAGE/usr/share/applications/scenarist.desktop"
QT_QPA_PLATFORM=offscreen uv run --frozen python packaging/render_icons.py \
  "$STAGE/usr/share/icons/hicolor" >/dev/null
install -m 0644 examples/*.json "$STAGE/usr/share/scenarist/examples/"
install -m 0644 README.md "$STAGE/usr/share/doc/scenarist/README.md"
# Files 0644 and folders 0755 whatever the umask; executables keep their bits.
find "$STAGE" -type d -exec chmod 0755 {} +
find "$STAGE/usr/share" -type f -exec chmod 0644 {} +

SIZE_KB="$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)"
sed -e "s/@VERSION@/$VERSION/" -e "s/@SIZE@/$SIZE_KB/" packaging/control.in \
  > "$STAGE/DEBIAN/control"

echo "building $DEB"
# --root-owner-group: files owned by root in the package whoever builds it. xz -1: 76 MB
# in under two minutes here; -6 saves 12 MB but takes minutes longer on two cores.
dpkg-deb --root-owner-group -Zxz -z1 --build "$STAGE" "$DEB" >/dev/null
uv run --frozen python packaging/check_deb.py "$DEB"
echo "$DEB"
