"""Known-good strkeys for tests, and a helper that breaks a checksum."""

from __future__ import annotations

from stellar_sdk import Keypair, StrKey

ACCOUNT = Keypair.from_raw_ed25519_seed(bytes(range(32))).public_key
OTHER_ACCOUNT = Keypair.from_raw_ed25519_seed(bytes(range(1, 33))).public_key
CONTRACT = StrKey.encode_contract(bytes(range(32)))
MUXED = StrKey.encode_med25519_public_key(bytes(range(32)) + bytes(8))


def break_checksum(strkey: str) -> str:
    """The same strkey with one payload character changed (so only the checksum fails)."""
    i = 10
    replacement = "A" if strkey[i] != "A" else "B"
    return strkey[:i] + replacement + strkey[i + 1 :]
