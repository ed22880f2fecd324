"""The one typed settings schema, and the settings file (`settings.json` in the data dir).

Each setting has a key, a type, a default and a description here, in one place; the CLI, the
settings dialog and the file all come from `SCHEMA`. Networks live in the same file (see
`networks.py`) under `"networks"`. Writes are atomic and owner-only; a corrupt file is reported,
kept as it is, and never overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowfi_desktop.errors import InputError
from flowfi_desktop.paths import SETTINGS_FILE, atomic_write

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Setting:
    key: str
    type: type
    default: Any
    description: str
    choices: tuple[Any, ...] = ()


SCHEMA: tuple[Setting, ...] = (
    Setting("network", str, "local", "the network commands use when --network is not given"),
    Setting(
        "fee_warning_stroops",
        int,
        5_000_000,
        "warn in a review when the total fee is above this many stroops (0.5 XLM)",
    ),
    Setting(
        "keystore_kdf",
        str,
        "moderate",
        "Argon2id strength for new keystore writes (moderate: 256 MiB; interactive: 64 MiB)",
        ("interactive", "moderate", "sensitive"),
    ),
    Setting(
        "remember_unlock",
        bool,
        False,
        "keep the keystore unlocked for a while in the OS keyring (when there is one)",
    ),
    Setting("remember_unlock_minutes", int, 15, "how long the keyring remembers the unlock"),
    Setting("rpc_timeout_seconds", float, 15.0, "deadline of one RPC request"),
    Setting("rpc_attempts", int, 4, "attempts for a read RPC call that fails transiently"),
    Setting("public_rpc_rate_limit", float, 5.0, "requests a second at most to public RPC servers"),
)
_BY_KEY = {s.key: s for s in SCHEMA}


class SettingsCorrupt(InputError):
    """The settings file cannot be read; it is left untouched."""


def check_value(key: str, value: Any) -> Any:
    setting = _BY_KEY.get(key)
    if setting is None:
        raise InputError(f"unknown setting {key!r}; known: {', '.join(_BY_KEY)}")
    expected = setting.type
    ok = (isinstance(value, expected) and not (expected is int and isinstance(value, bool))) or (
        expected is float and isinstance(value, int) and not isinstance(value, bool)
    )
    if not ok:
        raise InputError(f"setting {key!r} must be a {expected.__name__}, got {value!r}")
    if setting.choices and value not in setting.choices:
        raise InputError(f"setting {key!r} must be one of {', '.join(map(str, setting.choices))}")
    if expected in (int, float) and value < 0:
        raise InputError(f"setting {key!r} must not be negative")
    return float(value) if expected is float else value


def parse_value(key: str, text: str) -> Any:
    """A setting's value from its text form (the CLI's `settings set KEY VALUE`)."""
    setting = _BY_KEY.get(key)
    if setting is None:
        raise InputError(f"unknown setting {key!r}; known: {', '.join(_BY_KEY)}")
    raw = text.strip()
    value: Any
    if setting.type is bool:
        lowered = raw.lower()
        if lowered in ("true", "yes", "on", "1"):
            value = True
        elif lowered in ("false", "no", "off", "0"):
            value = False
        else:
            raise InputError(f"setting {key!r} takes true or false, got {raw!r}")
    elif setting.type in (int, float):
        try:
            value = setting.type(raw)
        except ValueError:
            raise InputError(
                f"setting {key!r} takes a {setting.type.__name__}, got {raw!r}"
            ) from None
    else:
        value = raw
    return check_value(key, value)


class SettingsFile:
    """Reads and writes `settings.json`: `{"version", "settings": {...}, "networks": {...}}`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SETTINGS_FILE
        self._raw = self._load()

    def _load(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": FORMAT_VERSION, "settings": {}, "networks": {}}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SettingsCorrupt(
                f"settings file {self.path} cannot be read ({type(exc).__name__}); fix or move "
                "it away (it was not changed)"
            ) from None
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("settings", {}), dict)
            or not isinstance(raw.get("networks", {}), dict)
        ):
            raise SettingsCorrupt(
                f"settings file {self.path} has an unexpected layout; fix or move it away "
                "(it was not changed)"
            )
        version = raw.get("version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise SettingsCorrupt(
                f"settings file {self.path} is format {version!r}, newer than this app reads "
                f"({FORMAT_VERSION}); update FlowFi Desktop"
            )
        raw.setdefault("settings", {})
        raw.setdefault("networks", {})
        raw["version"] = FORMAT_VERSION
        return raw

    def get(self, key: str) -> Any:
        setting = _BY_KEY.get(key)
        if setting is None:
            raise InputError(f"unknown setting {key!r}")
        value = self._raw["settings"].get(key, setting.default)
        try:
            return check_value(key, value)
        except InputError:
            return setting.default

    def set(self, key: str, value: Any) -> None:
        self._raw["settings"][key] = check_value(key, value)
        self.save()

    @property
    def networks(self) -> dict[str, Any]:
        networks: dict[str, Any] = self._raw["networks"]
        return networks

    def save(self) -> None:
        text = json.dumps(self._raw, indent=2, sort_keys=True) + "\n"
        atomic_write(self.path, text.encode("utf-8"))
