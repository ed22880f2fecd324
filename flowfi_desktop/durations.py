"""Durations as the CLI takes them: seconds, or a whole number with `s`, `m`, `h`, `d` or `w`."""

from __future__ import annotations

import re

from flowfi_desktop.errors import InputError

U64_MAX = 2**64 - 1
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"(?P<n>[0-9]+)\s*(?P<unit>[smhdw]?)")


def parse_duration(text: str, *, what: str = "duration") -> int:
    """Seconds (1 to u64 max); InputError otherwise."""
    raw = text.strip().lower().replace("_", "")
    match = _DURATION.fullmatch(raw)
    if match is None:
        hint = "e.g. 3600, 90m, 12h, 30d or 2w"
        if raw.startswith("-"):
            raise InputError(f"{what} {text.strip()!r} is negative; {hint}")
        if re.fullmatch(r"[0-9]*\.[0-9]+\s*[smhdw]?", raw):
            raise InputError(f"{what} {text.strip()!r} is not whole; use a smaller unit ({hint})")
        raise InputError(
            f"{what} {text.strip()!r} is not a duration: seconds, or a whole number with "
            f"s, m, h, d or w ({hint})"
        )
    seconds = int(match["n"]) * UNITS[match["unit"] or "s"]
    if seconds == 0:
        raise InputError(f"{what} is zero; a stream must last at least one second")
    if seconds > U64_MAX:
        raise InputError(f"{what} {text.strip()!r} is too long (more than 2^64-1 seconds)")
    return seconds


def format_duration(seconds: int) -> str:
    """`90061` -> `1d 1h 1m 1s`."""
    if seconds == 0:
        return "0s"
    parts = []
    rest = seconds
    for unit, size in (("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)):
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)
