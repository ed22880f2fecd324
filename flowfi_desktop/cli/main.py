"""Entry point of `flowfi-desktop`: parses the command line and dispatches to a command.

Exit codes (shared/specs/cli.md): 0 success, 1 bad input or refused, 2 usage error,
3 network or RPC failure, 4 the transaction failed on chain.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from flowfi_desktop import APP_NAME, __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowfi-desktop",
        description=f"{APP_NAME}: stream tokens on Stellar from your own machine.",
        epilog="Run without a command to open the app window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where settings, keystore and the index live (env FLOWFI_DATA_DIR)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the app window (the default)")
    gui.add_argument("--screenshot", metavar="FILE.png", help="save the main window to FILE")
    gui.add_argument(
        "--quit-after",
        metavar="SECONDS",
        type=float,
        help="close the app after SECONDS (with --screenshot: once it is saved)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui":
        # Imported here: the core and every other command stay importable without Qt.
        from flowfi_desktop.ui.app import run_gui

        return run_gui(screenshot=args.screenshot, quit_after=getattr(args, "quit_after", None))
    raise AssertionError(f"command {command!r} has no handler")  # argparse rejects unknowns


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
