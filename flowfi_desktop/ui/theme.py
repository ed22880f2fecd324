"""Light, dark or system theme: the Fusion style with an explicit palette, plus one stylesheet
(``resources/styles/app.qss``) written in ``palette(...)`` roles so it reads well in both."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

THEMES = ("system", "light", "dark")
_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup


def resources_dir() -> Path:
    """``resources/`` of the source tree, or of a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def app_icon() -> QIcon:
    path = resources_dir() / "icons" / "flowfi-desktop.svg"
    return QIcon(str(path)) if path.is_file() else QIcon()


@dataclass(frozen=True)
class Colors:
    """Colours the palette has no role for (charts, states); chosen per theme for contrast."""

    dark: bool
    accrued: str
    withdrawn: str
    now_line: str
    positive: str
    warning: str
    negative: str
    muted: str


LIGHT = Colors(False, "#1565c0", "#2e7d32", "#c62828", "#2e7d32", "#b26a00", "#c62828", "#5f6368")
DARK = Colors(True, "#64b5f6", "#81c784", "#ef9a9a", "#81c784", "#ffb74d", "#ef9a9a", "#a0a4aa")

_current = LIGHT


def current_colors() -> Colors:
    return _current


def _palette(dark: bool) -> QPalette:
    p = QPalette()
    if dark:
        base, alt, window, text, button = "#1e1f22", "#26282c", "#2b2d31", "#e8eaed", "#35373c"
        highlight, link, disabled = "#3d7bd9", "#8ab4f8", "#7f8389"
    else:
        base, alt, window, text, button = "#ffffff", "#f4f6f8", "#eceff3", "#1f2328", "#f7f8fa"
        highlight, link, disabled = "#1a66d2", "#1558b0", "#8a9099"
    colors = {
        _Role.Window: window,
        _Role.WindowText: text,
        _Role.Base: base,
        _Role.AlternateBase: alt,
        _Role.ToolTipBase: base,
        _Role.ToolTipText: text,
        _Role.PlaceholderText: disabled,
        _Role.Text: text,
        _Role.Button: button,
        _Role.ButtonText: text,
        _Role.BrightText: "#ffffff",
        _Role.Highlight: highlight,
        _Role.HighlightedText: "#ffffff",
        _Role.Link: link,
        _Role.LinkVisited: link,
        _Role.Mid: "#4a4d52" if dark else "#c5cad1",
        _Role.Midlight: "#3a3c41" if dark else "#dde1e6",
        _Role.Dark: "#141517" if dark else "#a0a6ae",
        _Role.Shadow: "#000000" if dark else "#7a7f86",
    }
    for role, value in colors.items():
        p.setColor(role, QColor(value))
    for role in (_Role.Text, _Role.WindowText, _Role.ButtonText):
        p.setColor(_Group.Disabled, role, QColor(disabled))
    return p


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def resolve(mode: str) -> bool:
    """Whether ``mode`` (system/light/dark) means dark right now."""
    if mode == "dark":
        return True
    if mode == "light":
        return False
    return system_is_dark()


def stylesheet() -> str:
    path = resources_dir() / "styles" / "app.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("stylesheet %s not found; using the plain style", path)
        return ""


def apply_theme(app: QApplication, mode: str) -> Colors:
    """Applies ``mode`` to the whole app; returns the colours in use."""
    global _current
    if mode not in THEMES:
        mode = "system"
    dark = resolve(mode)
    _current = DARK if dark else LIGHT  # before the palette: its change events restyle charts
    app.setStyle("Fusion")
    app.setPalette(_palette(dark))
    app.setStyleSheet(stylesheet())
    app.setProperty("flowfi_theme", mode)
    return _current


def setup_high_dpi() -> None:
    """Before the QApplication exists: crisp scaling at fractional factors (125%, 150%)."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
