from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flowfi_desktop.amounts import I128_MAX, check_amount_form, format_amount, parse_amount
from flowfi_desktop.errors import InputError


@pytest.mark.parametrize(
    ("text", "decimals", "units"),
    [
        ("100", 7, 1_000_000_000),
        ("0.0000001", 7, 1),
        ("1.5", 7, 15_000_000),
        ("1.50000000000", 7, 15_000_000),  # trailing zeros beyond the decimals are harmless
        (".5", 1, 5),
        ("5.", 2, 500),
        ("1_000", 0, 1000),
        (" 42 ", 0, 42),
        ("+3", 0, 3),
    ],
)
def test_parse(text: str, decimals: int, units: int) -> None:
    assert parse_amount(text, decimals) == units


@pytest.mark.parametrize(
    ("text", "decimals", "words"),
    [
        ("0.00000001", 7, "8 decimal places but this token has 7"),
        ("0.5", 0, "1 decimal places but this token has 0"),
        ("0", 7, "zero"),
        ("0.0000000", 7, "zero"),
        ("-1", 7, "negative"),
        ("-0.5", 7, "negative"),
        ("1e5", 7, "not a number"),
        ("1,000", 7, "not a number"),
        ("abc", 7, "not a number"),
        (".", 7, "not a number"),
        ("", 7, "empty"),
        ("NaN", 7, "not a number"),
        (str(I128_MAX + 1), 0, "too large"),
        ("17014118346046923173168730371.5884105728", 10, "too large"),
    ],
)
def test_parse_rejects(text: str, decimals: int, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_amount(text, decimals)


def test_i128_max_itself_is_accepted() -> None:
    assert parse_amount(str(I128_MAX), 0) == I128_MAX
    assert parse_amount(format_amount(I128_MAX, 7), 7) == I128_MAX


def test_format() -> None:
    assert format_amount(15_000_000, 7) == "1.5"
    assert format_amount(1, 7) == "0.0000001"
    assert format_amount(10_000_000, 7) == "1"
    assert format_amount(0, 7) == "0"
    assert format_amount(-1, 7) == "-0.0000001"
    assert format_amount(123, 0) == "123"


def test_decimals_out_of_range() -> None:
    with pytest.raises(InputError, match="decimals"):
        parse_amount("1", 39)
    with pytest.raises(InputError, match="decimals"):
        format_amount(1, -1)


@given(units=st.integers(min_value=1, max_value=I128_MAX), decimals=st.integers(0, 38))
def test_round_trip_format_then_parse(units: int, decimals: int) -> None:
    assert parse_amount(format_amount(units, decimals), decimals) == units


@given(
    whole=st.integers(min_value=0, max_value=10**20),
    frac=st.text(alphabet="0123456789", max_size=7),
    decimals=st.integers(7, 18),
)
def test_round_trip_parse_then_format(whole: int, frac: str, decimals: int) -> None:
    text = f"{whole}.{frac}" if frac else str(whole)
    try:
        units = parse_amount(text, decimals)
    except InputError:
        assert whole == 0
        assert frac.strip("0") == ""
        return
    again = format_amount(units, decimals)
    assert parse_amount(again, decimals) == units
    assert "." not in again or not again.endswith("0")


@given(units=st.integers(min_value=1, max_value=10**30), decimals=st.integers(0, 20))
def test_one_more_decimal_than_allowed_is_refused(units: int, decimals: int) -> None:
    text = format_amount(units, decimals + 1)
    if units % 10 != 0:
        with pytest.raises(InputError, match="decimal places"):
            parse_amount(text, decimals)


@pytest.mark.parametrize(("text", "words"), [("0", "zero"), ("-1", "negative"), ("x", "number")])
def test_amount_form_without_decimals(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_amount_form(text)


def test_amount_form_accepts_large_and_fine_amounts() -> None:
    check_amount_form("2")  # would overflow i128 only at 38 decimals: not judged here
    check_amount_form("0.000000000000000000000000001")
