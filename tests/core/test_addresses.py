from __future__ import annotations

import pytest

from flowfi_desktop.addresses import parse_account, parse_address, parse_contract
from flowfi_desktop.errors import InputError
from tests.core.strkeys import ACCOUNT, CONTRACT, MUXED, break_checksum


def test_valid_addresses_pass_through_trimmed() -> None:
    assert parse_account(f"  {ACCOUNT}\n") == ACCOUNT
    assert parse_contract(CONTRACT) == CONTRACT
    assert parse_address(ACCOUNT) == ACCOUNT
    assert parse_address(CONTRACT) == CONTRACT


@pytest.mark.parametrize("parse", [parse_account, parse_contract, parse_address])
def test_checksum_broken_addresses_say_checksum(parse: object) -> None:
    for good in (ACCOUNT, CONTRACT):
        broken = break_checksum(good)
        if (parse is parse_account and good is CONTRACT) or (
            parse is parse_contract and good is ACCOUNT
        ):
            continue
        with pytest.raises(InputError, match="bad checksum"):
            parse(broken)  # type: ignore[operator]


def test_muxed_is_refused_with_the_reason() -> None:
    with pytest.raises(InputError, match=r"muxed account \(M\.\.\.\).*G\.\.\. address"):
        parse_account(MUXED)
    with pytest.raises(InputError, match="muxed"):
        parse_address(MUXED)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        (ACCOUNT[:-1], "55 characters"),
        (ACCOUNT + "A", "57 characters"),
        (ACCOUNT.lower(), "upper case"),
        ("G" + "1" * 55, "alphabet"),
        ("hello", "not an account address"),
        ("XBAD", "expected an account address"),
    ],
)
def test_malformed_account_addresses(text: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        parse_account(text)


def test_contract_where_account_expected_and_back() -> None:
    with pytest.raises(InputError, match=r"is a contract id \(C\.\.\.\), expected an account"):
        parse_account(CONTRACT)
    with pytest.raises(InputError, match=r"is an account address \(G\.\.\.\), expected a contract"):
        parse_contract(ACCOUNT)


def test_secret_keys_are_refused_without_being_echoed() -> None:
    secret = "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN"
    for parse in (parse_account, parse_contract, parse_address):
        with pytest.raises(InputError) as info:
            parse(secret)
        assert "secret key" in str(info.value)
        assert secret[6:-6] not in str(info.value)
