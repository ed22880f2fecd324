"""GUI-only preferences in their own small schema (``gui.json`` in the data dir): the wallet
core's settings schema keeps what the CLI shares (network, RPC, fees); these only the window
needs. Same rules: key, type, default and description in one place; atomic, owner-only writes."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowfi_desktop.errors import InputError
from flowfi_desktop.paths import atomic_write

log = logging.getLogger(__name__)
PREFERENCES_FILE = "gui.json"


@dataclass(frozen=True)
class Preference:
    key: str
    type: type
    default: Any
    label: str
    description: str
    choices: tuple[Any, ...] = ()
    minimum: int | None = None
    maximum: int | None = None


SCHEMA: tuple[Preference, ...] = (
    Preference(
        "theme",
        str,
        "system",
        "Theme",
        "light, dark, or follow the system",
        ("system", "light", "dark"),
    ),
    Preference(
        "auto_lock_minutes",
        int,
        10,
        "Auto-lock after (minutes idle)",
        "forget the unlocked keystore after this many idle minutes (0: never)",
        minimum=0,
        maximum=1440,
    ),
    Preference(
        "notifications",
        bool,
        True,
        "Desktop notifications",
        "new incoming streams, withdrawals, cancellations, streams about to run dry",
    ),
    Preference(
        "running_dry_minutes",
        int,
        60,
        "Warn before an outgoing stream runs dry (minutes)",
        "how long before an outgoing stream's end a notification is shown",
        minimum=1,
        maximum=10_080,
    ),
    Preference("account", str, "", "Account", "the account shown at start"),
    Preference("first_run_done", bool, False, "First run done", "the welcome flow was completed"),
)
_BY_KEY = {p.key: p for p in SCHEMA}


def check_preference(key: str, value: Any) -> Any:
    pref = _BY_KEY.get(key)
    if pref is None:
        raise InputError(f"unknown preference {key!r}")
    if not isinstance(value, pref.type) or (pref.type is int and isinstance(value, bool)):
        raise InputError(f"{pref.label} must be a {pref.type.__name__}, got {value!r}")
    if pref.choices and value not in pref.choices:
        raise InputError(f"{pref.label} must be one of {', '.join(map(str, pref.choices))}")
    number: Any = value
    if pref.minimum is not None and number < pref.minimum:
        raise InputError(f"{pref.label} must be at least {pref.minimum}")
    if pref.maximum is not None and number > pref.maximum:
        raise InputError(f"{pref.label} must be at most {pref.maximum}")
    return value


class Preferences:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / PREFERENCES_FILE
        self._values: dict[str, Any] = {}
        self._flushing: asyncio.Task[None] | None = None
        self._dirty = False
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(raw, dict):
                self._values = raw
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            log.warning("preferences file %s unreadable; using defaults", self.path)

    def get(self, key: str) -> Any:
        pref = _BY_KEY[key]
        value = self._values.get(key, pref.default)
        try:
            return check_preference(key, value)
        except InputError:
            return pref.default

    def set(self, key: str, value: Any) -> None:
        self._values[key] = check_preference(key, value)
        self.save()

    def set_soon(self, key: str, value: Any) -> None:
        """``set``, but with an asyncio loop running the file is written in a worker thread:
        the write's two fsyncs (5-8 ms) stay off the GUI thread on an account switch. Writes
        run one at a time, each of the latest values; ``flush()`` waits for them."""
        self._values[key] = check_preference(key, value)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save()
            return
        self._dirty = True
        if self._flushing is None or self._flushing.done():
            self._flushing = loop.create_task(self._write_behind())

    async def _write_behind(self) -> None:
        while self._dirty:
            self._dirty = False
            data = self._text()  # the values as of now, read on the loop's thread
            try:
                await asyncio.to_thread(atomic_write, self.path, data)
            except OSError as error:
                log.warning("preferences not saved to %s: %s", self.path, error)
                return  # kept in memory; the next change writes them again

    async def flush(self) -> None:
        """Waits until every ``set_soon`` is on disk."""
        if self._flushing is not None:
            await self._flushing

    def save(self) -> None:
        atomic_write(self.path, self._text())
        if self._flushing is not None and not self._flushing.done():
            self._dirty = True  # its write in flight is older than this one: write again after

    def _text(self) -> bytes:
        return (json.dumps(self._values, indent=2, sort_keys=True) + "\n").encode("utf-8")
