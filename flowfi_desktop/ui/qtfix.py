"""Workarounds for reference-counting bugs of PySide6 6.12.0 on Python 3.11 (where ``None``,
``True`` and ``False`` are not yet immortal, as they are from Python 3.12).

- ``SignalInstance.emit()`` returns ``True``/``False`` without taking a reference, so every
  emit from Python (ours and pyqtgraph's, several per repaint) drops one reference to ``True``.
  After a few thousand emits the interpreter frees ``True`` and aborts ("bool_dealloc").
  Fix: ``emit`` is wrapped to give back the missing reference.
- Every call of a Qt method that returns nothing (``setText``, ``update``,
  ``installEventFilter``...) returns ``None`` without taking a reference: one reference to
  ``None`` lost per call. An idle window showing the dashboard makes ~200 such calls a second,
  so after ~8 minutes (the ~97,000 references the app's modules hold) the interpreter frees
  ``None`` and aborts ("none_dealloc"). Wrapping every method is not possible; instead
  ``None`` is given 2**40 extra references at start, which is what Python 3.12 does for it
  (immortal objects): at a million lost references a second that lasts 12 days... of CPU
  time in void calls alone, i.e. for ever in practice.

``apply()`` probes for each bug and fixes only what it finds: on a PySide6 (or Python) without
them it does nothing."""

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


def void_call_leaks() -> bool:
    """Whether calling a Qt method that returns nothing loses a reference to ``None``."""
    probe = _Probe()
    before = sys.getrefcount(None)
    for _ in range(16):
        probe.setObjectName("probe")
    return sys.getrefcount(None) - before <= -16


NONE_PIN = 1 << 40
_none_pinned = False


def pin_none() -> bool:
    """Gives ``None`` ``NONE_PIN`` more references when void calls leak them (CPython only,
    where the reference count is the object's first field); returns whether it did."""
    global _none_pinned
    if _none_pinned or sys.implementation.name != "cpython" or not void_call_leaks():
        return _none_pinned
    refcount = ctypes.c_ssize_t.from_address(id(None))
    refcount.value += NONE_PIN
    _none_pinned = True
    log.info("applied the PySide6 void-call None refcount workaround")
    return True


def apply() -> bool:
    """Applies the workarounds the running PySide6 needs; returns whether ``emit`` is
    patched."""
    global _applied
    pin_none()
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
