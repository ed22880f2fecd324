from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from stellar_sdk import Keypair

from flowfi_desktop.logs import setup_logging
from flowfi_desktop.ui.crash import make_excepthook


def _flush() -> None:
    for handler in logging.getLogger("flowfi_desktop").handlers:
        handler.flush()


def test_uncaught_exception_is_logged_redacted_and_shown(qtbot: QtBot, tmp_path: Path) -> None:
    log_path = setup_logging(tmp_path)
    seed = Keypair.random().secret
    hook = make_excepthook(log_path)
    try:
        raise RuntimeError(f"signing failed for {seed}")
    except RuntimeError as exc:
        hook(type(exc), exc, exc.__traceback__)

    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert len(boxes) == 1
    box = boxes[0]
    qtbot.addWidget(box)
    assert box.isVisible()
    assert "RuntimeError" in box.informativeText()
    assert str(log_path) in box.informativeText()
    assert seed not in box.informativeText() + box.detailedText()
    _flush()
    text = log_path.read_text()
    assert "RuntimeError: signing failed for [redacted]" in text
    assert seed not in text


def test_keyboard_interrupt_is_not_reported(
    qtbot: QtBot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hook = make_excepthook(setup_logging(tmp_path))
    before = {id(w) for w in QApplication.topLevelWidgets()}
    hook(KeyboardInterrupt, KeyboardInterrupt(), None)
    assert "KeyboardInterrupt" in capsys.readouterr().err
    assert not [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and id(w) not in before
    ]
