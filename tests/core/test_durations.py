from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowfi_desktop.durations import U64_MAX, UNITS, format_duration, parse_duration
from flowfi_desktop.errors import InputError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3600", 3600),
        ("1", 1),
        ("30s", 30),
        ("90m", 5400),
        ("12h", 43_200),
        ("30d", 2_592_000),
        ("2w", 1_209_600),
        (" 2 W ", 1_209_600),
        (str(U64_MAX), U64_MAX),
    ],
)
def test_parse(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("0", "zero"),
        ("0d", "zero"),
        ("-5m", "negative"),
        ("1.5h", "not whole"),
        ("5y", "not a duration"),
        ("h", "not a duration"),
        ("", "not a duration"),
        ("1h30m", "not a duration"),
        (str(U64_MAX + 1), "too long"),
        (f"{U64_MAX // 604_800 + 1}w", "too long"),
    ],
)
def test_parse_rejects(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_duration(text)


@given(n=st.integers(1, 10**6), unit=st.sampled_from(sorted(UNITS)))
def test_units_multiply(n: int, unit: str) -> None:
    assert parse_duration(f"{n}{unit}") == n * UNITS[unit]


def test_format_duration() -> None:
    assert format_duration(90061) == "1d 1h 1m 1s"
    assert format_duration(604_800) == "1w"
    assert format_duration(0) == "0s"
