"""A workaround for a reference-counting bug in PySide6 6.12.0: ``SignalInstance.emit()``
returns ``True``/``False`` without taking a reference, so every emit from Python (ours and
pyqtgraph's, several per repaint) drops one reference to ``True``. After a few thousand
emits the interpreter frees ``True`` and aborts ("bool_dealloc"), at exit or mid-run.

``apply()`` probes for the bug and, only when present, wraps ``emit`` to give back the missing
reference. It is a no-op on a PySide6 without the bug."""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)
_incref = ctypes.pythonapi.Py_IncRef
_incref.argtypes = [ctypes.py_object]
_incref.restype = None
_applied = False


class _Probe(QObject):
    fired = Signal()


def emit_leaks() -> bool:
    """Whether emitting a signal loses a reference to the bool it returns."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(16):
        probe.fired.emit()
    return sys.getrefcount(True) - before <= -16


def apply() -> bool:
    """Patches ``SignalInstance.emit`` when the bug is present; returns whether it did."""
    global _applied
    if _applied or not emit_leaks():
        return _applied
    original = SignalInstance.emit

    def emit(self: SignalInstance, *args: Any) -> Any:
        result: object = original(self, *args)
        if isinstance(result, bool):
            _incref(result)
        return result

    SignalInstance.emit = emit  # type: ignore[method-assign]
    _applied = True
    log.info("applied the PySide6 signal emit refcount workaround")
    return True
