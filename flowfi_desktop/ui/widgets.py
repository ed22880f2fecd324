"""Small shared widgets: a copyable value, a figure card, a role-styled label."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


def label(text: str = "", role: str | None = None, parent: QWidget | None = None) -> QLabel:
    widget = QLabel(text, parent)
    if role:
        widget.setProperty("role", role)
    return widget


class CopyableValue(QWidget):
    """A value (address, hash, id) shown in full, selectable, with a Copy button."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, mono: bool = True):
        super().__init__(parent)
        self.value = QLabel(text, self)
        self.value.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        if mono:
            self.value.setProperty("role", "mono")
        self.value.setWordWrap(False)
        self.button = QToolButton(self)
        self.button.setText("Copy")
        self.button.setToolTip("Copy to the clipboard")
        self.button.setAutoRaise(True)
        self.button.clicked.connect(self.copy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.value, 1)
        layout.addWidget(self.button)

    def set_text(self, text: str) -> None:
        self.value.setText(text)
        self.button.setEnabled(bool(text))

    def text(self) -> str:
        return self.value.text()

    def copy(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.value.text())
        self.button.setText("Copied")
        self.button.setToolTip("Copied to the clipboard")


class FigureCard(QFrame):
    """A caption over a large figure, with an optional line below."""

    def __init__(self, caption: str, parent: QWidget | None = None, tooltip: str = ""):
        super().__init__(parent)
        self.setProperty("role", "card")
        self.caption = label(caption, "figure-label", self)
        self.figure = label("—", "figure", self)
        self.figure.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.note = label("", "muted", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.figure)
        layout.addWidget(self.note)
        if tooltip:
            self.setToolTip(tooltip)

    def set(self, figure: str, note: str = "") -> None:
        self.figure.setText(figure)
        self.note.setText(note)
