"""Test-wide settings: Qt without a screen, the `gui` marker, paths to shared material."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Property tests check results, not speed: hypothesis's default 200 ms deadline per example is a
# timed assertion that a busy CI machine can fail. (Speed is `make bench`'s.)
settings.register_profile("flowfi", deadline=None)
settings.load_profile("flowfi")
# No test (nor a subprocess it starts) may touch the real profile of whoever runs the tests.
if "FLOWFI_DATA_DIR" not in os.environ:
    _session_data_dir = tempfile.mkdtemp(prefix="flowfi-test-data-")
    os.environ["FLOWFI_DATA_DIR"] = _session_data_dir
    atexit.register(shutil.rmtree, _session_data_dir, ignore_errors=True)

REPO_ROOT = Path(__file__).resolve().parent.parent
# shared/ (specs, fixtures) sits beside the checkout, for developers and in CI alike.
SHARED_DIR = Path(os.environ.get("FLOWFI_SHARED_DIR", REPO_ROOT.parent / "shared"))

_QT_FIXTURES = {"qtbot", "qapp", "qtmodeltester"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _QT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"shared/ not found at {SHARED_DIR} (set FLOWFI_SHARED_DIR)")
    return SHARED_DIR
