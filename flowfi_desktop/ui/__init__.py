"""The Qt GUI. The only package that imports PySide6, qasync or pyqtgraph."""

from flowfi_desktop.ui import qtfix

qtfix.apply()
