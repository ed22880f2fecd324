"""Files that ship with the app: the stream contract wasm (and later the localnet binary)."""

from __future__ import annotations

import os
from pathlib import Path

_BUNDLED_DIR = Path(__file__).resolve().parent / "_bundled"


class BundledFileMissing(FileNotFoundError):
    """A file the app ships with is absent: the build step that makes it has not run."""


def contract_wasm_path() -> Path:
    """The stream contract wasm: `FLOWFI_CONTRACT_WASM`, else the one `make wasm` bundled."""
    override = os.environ.get("FLOWFI_CONTRACT_WASM")
    path = Path(override) if override else _BUNDLED_DIR / "stream_contract.wasm"
    if not path.is_file():
        raise BundledFileMissing(
            f"stream contract wasm not found at {path}; build it with `make wasm`"
        )
    return path
