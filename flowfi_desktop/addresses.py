"""Stellar addresses (strkeys) as the user types them: accounts `G...`, contracts `C...`.

Muxed accounts (`M...`) are refused wherever a contract takes an `Address`: the contract would
see only the underlying `G` account (or reject it), so accepting one silently would mislead.
Messages name what was expected and what is wrong (length, letters, checksum) without guessing.
"""

from __future__ import annotations

import base64
import binascii

from flowfi_desktop.errors import InputError

_KINDS = {
    "G": "an account address (G...)",
    "C": "a contract id (C...)",
    "M": "a muxed account address (M...)",
    "S": "a secret key (S...)",
}
_LENGTHS = {"G": 56, "C": 56, "M": 69, "S": 56}


def _describe(text: str) -> str:
    return _KINDS.get(text[:1], "")


def _check_shape(text: str, what: str, prefix: str) -> None:
    if not text:
        raise InputError(f"{what} is empty; expected {_KINDS[prefix]}")
    if text[0] == "S":
        # Never echo something that looks like a secret key.
        raise InputError(f"{what} looks like a secret key (S...), not {_KINDS[prefix]}")
    if text.upper() == text and text[0] != prefix:
        kind = _describe(text)
        got = f"{kind}" if kind else f"something starting with {text[0]!r}"
        raise InputError(f"{what} {_short(text)} is {got}, expected {_KINDS[prefix]}")
    if text[0] != prefix:
        raise InputError(
            f"{what} {_short(text)} is not {_KINDS[prefix]}; Stellar addresses are upper case"
        )
    if len(text) != _LENGTHS[prefix]:
        raise InputError(
            f"{what} {_short(text)} has {len(text)} characters; {_KINDS[prefix]} has "
            f"{_LENGTHS[prefix]} (a character missing or extra?)"
        )
    try:
        padded = text + "=" * ((8 - len(text) % 8) % 8)
        base64.b32decode(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(
            f"{what} {_short(text)} contains characters that are not in Stellar's alphabet "
            "(A-Z and 2-7)"
        ) from None


def _short(text: str) -> str:
    shown = text if len(text) <= 16 else f"{text[:6]}...{text[-6:]}"
    return repr(shown)


def _crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _decode(text: str, what: str, prefix: str) -> None:
    raw = base64.b32decode(text + "=" * ((8 - len(text) % 8) % 8))
    payload, checksum = raw[:-2], raw[-2:]
    if _crc16_xmodem(payload).to_bytes(2, "little") != checksum:
        raise InputError(
            f"{what} {_short(text)} has a bad checksum: a character is mistyped; "
            "copy the address again"
        )
    from stellar_sdk import StrKey  # here: importing stellar_sdk takes ~0.3 s

    validators = {
        "G": StrKey.is_valid_ed25519_public_key,
        "C": StrKey.is_valid_contract,
        "M": StrKey.is_valid_med25519_public_key,
    }
    if not validators[prefix](text):
        raise InputError(f"{what} {_short(text)} is not a valid {_KINDS[prefix]}")


def parse_account(text: str, *, what: str = "address") -> str:
    """A `G...` account address, or InputError (muxed `M...` is refused with a reason)."""
    text = text.strip()
    if text.startswith("M") and text.upper() == text:
        raise InputError(
            f"{what} {_short(text)} is a muxed account (M...); stream contracts take plain "
            "account addresses: use the G... address it is based on"
        )
    _check_shape(text, what, "G")
    _decode(text, what, "G")
    return text


def parse_contract(text: str, *, what: str = "contract id") -> str:
    """A `C...` contract id, or InputError."""
    text = text.strip()
    _check_shape(text, what, "C")
    _decode(text, what, "C")
    return text


def parse_address(text: str, *, what: str = "address") -> str:
    """A `G...` account or `C...` contract address (what a Soroban `Address` can hold)."""
    text = text.strip()
    if text.startswith("C"):
        return parse_contract(text, what=what)
    return parse_account(text, what=what)


def is_account(text: str) -> bool:
    from stellar_sdk import StrKey

    return bool(StrKey.is_valid_ed25519_public_key(text))


def is_contract(text: str) -> bool:
    from stellar_sdk import StrKey

    return bool(StrKey.is_valid_contract(text))
