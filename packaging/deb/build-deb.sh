#!/usr/bin/env bash
# Builds dist/flowfi-desktop_<version>_amd64.deb from the app folder (packaging/build-app.sh).
# Installs to /opt/flowfi-desktop with /usr/bin/flowfi-desktop, a desktop entry, hicolor icons
# and AppStream metainfo. No maintainer scripts: removing the package never touches user data
# (settings, keystore and index live in the user's own data folder). Reproducible: every mtime
# is clamped to SOURCE_DATE_EPOCH and dpkg-deb writes root-owned, sorted archives.
set -euo pipefail
cd "$(dirname "$0")/../.."
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
python=${PYTHON:-.venv/bin/python}
version=$("$python" -c 'import importlib.metadata as m; print(m.version("flowfi-desktop"))')
app=dist/flowfi-desktop
test -x "$app/flowfi-desktop" || { echo "error: $app missing; run packaging/build-app.sh" >&2; exit 1; }

stage=build/deb/root
rm -rf build/deb && mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" \
    "$stage/usr/share/applications" "$stage/usr/share/metainfo" \
    "$stage/usr/share/icons/hicolor/scalable/apps" "$stage/usr/share/doc/flowfi-desktop"
cp -a "$app" "$stage/opt/flowfi-desktop"
ln -s /opt/flowfi-desktop/flowfi-desktop "$stage/usr/bin/flowfi-desktop"
install -m 0644 resources/flowfi-desktop.desktop "$stage/usr/share/applications/"
install -m 0644 resources/io.github.flowfi.Desktop.metainfo.xml "$stage/usr/share/metainfo/"
install -m 0644 resources/icons/flowfi-desktop.svg "$stage/usr/share/icons/hicolor/scalable/apps/"
"$python" packaging/render_icons.py resources/icons/flowfi-desktop.svg "$stage/usr/share/icons/hicolor"
cat > "$stage/usr/share/doc/flowfi-desktop/copyright" <<'COPY'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: flowfi-desktop
License: Apache-2.0
COPY

installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: flowfi-desktop
Version: $version
Architecture: amd64
Maintainer: FlowFi Desktop developers <flowfi-desktop@users.noreply.github.com>
Installed-Size: $installed_kb
Depends: libc6 (>= 2.34), libgl1, libegl1, libfontconfig1, libfreetype6, libxkbcommon0,
 libxkbcommon-x11-0, libdbus-1-3, libx11-xcb1, libxcb1, libxcb-cursor0, libxcb-icccm4,
 libxcb-keysyms1, libxcb-image0, libxcb-render-util0, libxcb-randr0, libxcb-shape0,
 libxcb-xinerama0, libxcb-xkb1, libxcb-shm0, libxcb-sync1, libxcb-xfixes0, libxcb-render0
Recommends: gnome-keyring | kwalletmanager
Section: utils
Priority: optional
Homepage: https://github.com/flowfi
Description: wallet for FlowFi token payment streams on Stellar
 FlowFi Desktop holds your Stellar keys, builds and signs FlowFi stream-contract
 transactions locally, shows what will be signed before it signs, and follows
 the contract into a local database for live stream lists and balance charts.
 It bundles flowfi-localnet, a local Soroban network for offline use.
CONTROL

find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
chmod -R u+rwX,go+rX,go-w "$stage"
out="dist/flowfi-desktop_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$out" >/dev/null
echo "deb: $out ($(du -h "$out" | cut -f1)), sha256 $(sha256sum "$out" | cut -d' ' -f1)"
