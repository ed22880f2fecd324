"""Receive: the account's address as text (copyable) and as a QR code."""

from __future__ import annotations

import functools

import segno
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from flowfi_desktop.ui.widgets import CopyableValue, label


@functools.lru_cache(maxsize=16)
def qr_image(text: str, size: int = 260) -> QImage:
    """A QR code of ``text`` drawn with a quiet zone, black on white (scanners need contrast
    whatever the theme). Kept for the last few addresses: encoding and drawing it in Python
    costs several ms of GUI thread, which each account switch used to spend."""
    code = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    n = len(matrix)
    border = 4
    cells = n + 2 * border
    image = QImage(size, size, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    cell = size / cells
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect(QRectF((x + border) * cell, (y + border) * cell, cell, cell))
    painter.end()
    return image


def qr_modules(text: str) -> list[list[bool]]:
    """The QR matrix (tests decode-free check: size and finder patterns)."""
    return [[bool(v) for v in row] for row in segno.make(text, error="m", micro=False).matrix]


class ReceiveView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("Receive", "title", self)
        self.hint = label(
            "Give this address to whoever streams to you. It is a Stellar account (G…); the "
            "stream's tokens arrive here when you withdraw.",
            "muted",
            self,
        )
        self.hint.setWordWrap(True)
        self.qr = QLabel(self)
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.address = CopyableValue(parent=self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.qr)
        layout.addWidget(self.address)
        layout.addStretch(1)
        self._qr_for: str | None = None  # whose QR code the page shows

    def set_address(self, address: str | None) -> None:
        self._qr_for = None
        if not address:
            self.qr.clear()
            self.qr.setText("No account yet: create, import or watch one.")
            self.address.set_text("")
            return
        self.address.set_text(address)
        self.qr.clear()
        if self.isVisible():
            self._show_qr()
        # else when the page is shown: an account switch does not draw a code nobody sees

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._show_qr()

    def _show_qr(self) -> None:
        address = self.address.text()
        if not address or self._qr_for == address:
            return
        self._qr_for = address
        ratio = self.devicePixelRatioF()
        image = qr_image(address, int(260 * ratio))
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(ratio)
        self.qr.setPixmap(pixmap)
        self.qr.setToolTip(address)
