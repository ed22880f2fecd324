#!/usr/bin/env bash
# Builds dist/flowfi-desktop-<version>-macos.dmg from the PyInstaller bundle
# dist/FlowFi Desktop.app (the spec makes a .app on macOS). Runs on a hosted macOS runner
# (.github/workflows/release.yml); hdiutil does not exist on our Linux machines.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=${VERSION:-$(python3 -c 'import tomllib;print(tomllib.load(open("pyproject.toml","rb"))["project"]["version"])')}
app="dist/FlowFi Desktop.app"
[ -d "$app" ] || { echo "error: $app missing; build it with packaging/build-app.sh" >&2; exit 1; }
staging=$(mktemp -d)
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
out="dist/flowfi-desktop-${version}-macos.dmg"
rm -f "$out"
hdiutil create -volname "FlowFi Desktop" -srcfolder "$staging" -fs HFS+ -format UDZO "$out"
rm -rf "$staging"
echo "dmg: $out"
