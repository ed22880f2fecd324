from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowfi_desktop import __version__
from flowfi_desktop.cli.main import main


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowfi-desktop {__version__}"


def test_help_lists_the_gui_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: flowfi-desktop" in out
    assert "gui" in out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_console_script_runs_without_qt_for_version() -> None:
    # The installed entry point answers --version without importing the GUI.
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flowfi_desktop", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"flowfi-desktop {__version__}"
    assert "PySide6" not in result.stderr


@pytest.mark.slow
def test_gui_screenshot_saves_a_png(tmp_path: Path) -> None:
    shot = tmp_path / "main.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowfi_desktop",
            "--data-dir",
            str(tmp_path / "data"),
            "gui",
            "--screenshot",
            str(shot),
            "--quit-after",
            "0.3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_reader_that_goes_away_is_not_reported_as_a_bug(tmp_path: Path) -> None:
    """`flowfi-desktop settings list | head -1`: the pipe closes before the command writes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "flowfi_desktop", "--data-dir", str(tmp_path), "settings", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # the reader is gone before anything is written
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(60) == 141
    assert err == ""
