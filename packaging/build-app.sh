#!/usr/bin/env bash
# Builds the PyInstaller app folder into dist/flowfi-desktop/ from the current tree.
# Reproducible: SOURCE_DATE_EPOCH (the last commit's time) and PYTHONHASHSEED=0.
set -euo pipefail
cd "$(dirname "$0")/.."
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
export PYTHONHASHSEED=0
python=${PYTHON:-.venv/bin/python}
test -f flowfi_desktop/_bundled/stream_contract.wasm || { echo "error: run make wasm first" >&2; exit 1; }
"$python" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/pyinstaller/flowfi-desktop.spec
# Clamp mtimes so archives made from the folder do not depend on when it was built.
# (Python, not `touch -d`, so that the same step works on macOS and Windows runners.)
"$python" - <<'PY'
import os
from pathlib import Path
epoch = int(os.environ["SOURCE_DATE_EPOCH"])
for top in (Path("dist/flowfi-desktop"), Path("dist/FlowFi Desktop.app")):
    if top.exists():
        for path in [top, *top.rglob("*")]:
            os.utime(path, (epoch, epoch), follow_symlinks=False)
PY
if command -v readelf >/dev/null && [ -d dist/flowfi-desktop/_internal ]; then
    # Every Qt library a bundled file links to must be in the bundle (the spec leaves some out).
    missing=$(find dist/flowfi-desktop -type f \( -name '*.so*' -o -name flowfi-desktop \) -print0 \
        | xargs -0 readelf -d 2>/dev/null | grep -oE 'NEEDED.*\[libQt6[A-Za-z]+\.so\.6\]' \
        | grep -oE 'libQt6[A-Za-z]+\.so\.6' | sort -u \
        | while read -r lib; do [ -e "dist/flowfi-desktop/_internal/PySide6/Qt/lib/$lib" ] || echo "$lib"; done)
    [ -z "$missing" ] || { echo "error: bundled files need Qt libraries left out: $missing" >&2; exit 1; }
fi
# The app runs without the native page reader, only slower: a bundle without it is a build bug.
if [ -z "$(find dist -name 'flowfi_native*' -print -quit)" ]; then
    echo "error: flowfi_native is not in the bundle (make setup builds it)" >&2
    exit 1
fi
echo "app folder: dist/flowfi-desktop ($(du -sh dist/flowfi-desktop | cut -f1))"
