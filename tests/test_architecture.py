"""The core stays Qt-free: only flowfi_desktop/ui/ may import Qt (ruff enforces it too)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "flowfi_desktop"
QT_MODULES = {"PySide6", "shiboken6", "qasync", "pyqtgraph"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_qt_import_outside_ui() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(_imported_roots(path) & QT_MODULES)
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_scan_sees_the_ui_package() -> None:
    # Guards the test above against scanning nothing.
    assert QT_MODULES & _imported_roots(PACKAGE / "ui" / "app.py")
