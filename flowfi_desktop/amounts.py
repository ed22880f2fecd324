"""Token amounts: integers of base units (i128) everywhere; decimals only at the edges.

`parse_amount("1.5", 7) == 15_000_000`; `format_amount(15_000_000, 7) == "1.5"`.
No floats anywhere: the text is split at the decimal point and read as integers.
"""

from __future__ import annotations

import re

from flowfi_desktop.errors import InputError

I128_MAX = 2**127 - 1
I128_MIN = -(2**127)
#: SEP-41 `decimals()` is a u32, but beyond this nothing real exists and 10**d gets silly.
MAX_DECIMALS = 38

_NUMBER = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?")


def _check_decimals(decimals: int) -> None:
    if not 0 <= decimals <= MAX_DECIMALS:
        raise InputError(f"token decimals {decimals} are out of range (0 to {MAX_DECIMALS})")


def _split(text: str, what: str) -> tuple[str, str]:
    """(whole digits, fraction digits without trailing zeros) of a non-negative number."""
    raw = text.strip().replace("_", "")
    if not raw:
        raise InputError(f"{what} is empty; write it in token units, e.g. 100 or 0.5")
    if raw.startswith("-"):
        raise InputError(f"{what} {text.strip()!r} is negative; amounts must be positive")
    if raw.startswith("+"):
        raw = raw[1:]
    match = _NUMBER.fullmatch(raw)
    if match is None or not (match["int"] or match["frac"]):
        raise InputError(
            f"{what} {text.strip()!r} is not a number; write it in token units with a "
            "decimal point if needed, e.g. 100 or 0.0000001 (no exponents or thousands separators)"
        )
    return match["int"] or "0", (match["frac"] or "").rstrip("0")


def check_amount_form(text: str, *, what: str = "amount") -> None:
    """The checks that need no decimals: a positive number (before the token is known)."""
    whole, frac = _split(text, what)
    if int(whole) == 0 and not frac:
        raise InputError(f"{what} is zero; it must be more than 0")


def parse_amount(
    text: str, decimals: int, *, allow_zero: bool = False, what: str = "amount"
) -> int:
    """Base units of a positive amount written in token units; InputError if not acceptable."""
    _check_decimals(decimals)
    whole, frac = _split(text, what)
    if len(frac) > decimals:
        raise InputError(
            f"{what} {text.strip()!r} has {len(frac)} decimal places but this token has "
            f"{decimals}; the smallest unit is {format_amount(1, decimals)}"
        )
    scale: int = 10**decimals
    units = int(whole) * scale + (int(frac.ljust(decimals, "0")) if frac else 0)
    if units == 0 and not allow_zero:
        raise InputError(f"{what} is zero; it must be more than 0")
    if units > I128_MAX:
        raise InputError(
            f"{what} {text.strip()!r} is too large: at most {format_amount(I128_MAX, decimals)} "
            "(the i128 limit in base units)"
        )
    return units


def format_amount(units: int, decimals: int) -> str:
    """Token units as text, without trailing zeros: `format_amount(15_000_000, 7) == "1.5"`."""
    _check_decimals(decimals)
    sign = "-" if units < 0 else ""
    scale: int = 10**decimals
    whole, frac = divmod(abs(units), scale)
    if decimals == 0 or frac == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{str(frac).rjust(decimals, '0').rstrip('0')}"


def check_i128(value: int, what: str = "amount") -> int:
    if not I128_MIN <= value <= I128_MAX:
        raise InputError(f"{what} {value} does not fit in an i128")
    return value
