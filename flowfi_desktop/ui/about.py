"""About: version, where the data and the log are, and the libraries underneath."""

from __future__ import annotations

import platform
from pathlib import Path

import pyqtgraph
import PySide6
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from flowfi_desktop import APP_NAME, __version__
from flowfi_desktop.ui.widgets import CopyableValue


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, log_path: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"About {APP_NAME}")
        title = QLabel(f"<h2>{APP_NAME}</h2>", self)
        self.version = QLabel(
            f"Version {__version__}<br>Token payment streams on Stellar, from your own machine."
            f"<br><small>Python {platform.python_version()} · Qt for Python "
            f"{PySide6.__version__} · pyqtgraph {pyqtgraph.__version__}</small>",
            self,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.version)
        layout.addWidget(QLabel("Data folder", self))
        self.data_dir = CopyableValue(str(data_dir), self)
        layout.addWidget(self.data_dir)
        layout.addWidget(QLabel("Log file", self))
        self.log_path = CopyableValue(str(log_path) if log_path else "(not logging)", self)
        layout.addWidget(self.log_path)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
