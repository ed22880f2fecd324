"""The main window. For now a welcome page; the wallet views arrive with the desktop-app issue."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from flowfi_desktop import APP_NAME, __version__


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_NAME)
        self.resize(960, 640)
        page = QWidget(self)
        layout = QVBoxLayout(page)
        title = QLabel(f"<h1>{APP_NAME}</h1>", page)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        subtitle = QLabel(
            f"Version {__version__}<br>Token payment streams on Stellar, from your own machine.",
            page,
        )
        subtitle.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addStretch(2)
        self.setCentralWidget(page)
