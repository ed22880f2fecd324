#!/usr/bin/env bash
# Installs the built .deb on this machine (root + apt), runs the installed app, removes it again.
# Fails on a non-zero exit, on anything unexpected on stderr, on a missing screenshot, or when
# removing the package touched the user's data.
set -euo pipefail
cd "$(dirname "$0")/.."
deb=$(ls -t dist/flowfi-desktop_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "error: no .deb in dist/; run make package" >&2; exit 1; }
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "smoke-test-deb: skipped (needs root and apt to install $deb)"; exit 0
fi
command -v xvfb-run >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xvfb xauth >/dev/null; }

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "./$deb" >/dev/null
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run"; mkdir -p "$HOME" "$XDG_RUNTIME_DIR"; chmod 700 "$XDG_RUNTIME_DIR"
data="$work/data"

check_stderr() {  # $1: what ran, $2: its stderr file
    if grep -v -E '^\s*$' "$2" >/dev/null; then
        echo "error: $1 wrote to stderr:" >&2; cat "$2" >&2; exit 1
    fi
}

version=$(/usr/bin/flowfi-desktop --version 2>"$work/err")
check_stderr "flowfi-desktop --version" "$work/err"
echo "installed: $version"

xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/flowfi-desktop --data-dir "$data" gui \
    --screenshot "$work/shot.png" --quit-after 3 2>"$work/err"
check_stderr "flowfi-desktop gui" "$work/err"
[ "$(head -c 8 "$work/shot.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] \
    || { echo "error: the screenshot is not a PNG" >&2; exit 1; }
cp "$work/shot.png" dist/installed-app-screenshot.png
echo "installed app rendered its window: dist/installed-app-screenshot.png"

mkdir -p "$data" && echo keep >"$data/sentinel"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq flowfi-desktop >/dev/null
[ ! -e /usr/bin/flowfi-desktop ] || { echo "error: /usr/bin/flowfi-desktop left behind" >&2; exit 1; }
[ "$(cat "$data/sentinel")" = keep ] || { echo "error: removing the package touched user data" >&2; exit 1; }
echo "removed cleanly; user data left alone"
