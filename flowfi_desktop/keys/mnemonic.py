"""SEP-5 key derivation: BIP-39 mnemonics, path m/44'/148'/index'.

Error messages never repeat words of a mnemonic or characters of a secret key.
"""

from __future__ import annotations

from mnemonic import Mnemonic
from stellar_sdk import Keypair

from flowfi_desktop.errors import InputError

WORD_COUNTS = (12, 15, 18, 21, 24)
MAX_INDEX = 2**31 - 1
_ENGLISH = Mnemonic("english")


def generate_mnemonic() -> str:
    """A fresh 24-word English mnemonic (256 bits of entropy)."""
    phrase: str = Keypair.generate_mnemonic_phrase(strength=256)
    return phrase


def normalize_mnemonic(phrase: str) -> str:
    """The phrase as single-spaced lower-case words, checked; InputError says what is wrong."""
    words = phrase.lower().split()
    if len(words) not in WORD_COUNTS:
        raise InputError(f"a mnemonic has 12, 15, 18, 21 or 24 words; this one has {len(words)}")
    wordlist = set(_ENGLISH.wordlist)
    unknown = [i + 1 for i, word in enumerate(words) if word not in wordlist]
    if unknown:
        where = ", ".join(map(str, unknown))
        raise InputError(
            f"mnemonic word(s) at position {where} are not in the BIP-39 English word list "
            "(a typo?)"
        )
    normalized = " ".join(words)
    if not _ENGLISH.check(normalized):
        raise InputError(
            "the mnemonic's checksum does not match: a word is wrong or the order is off"
        )
    return normalized


def check_index(index: int) -> int:
    if not 0 <= index <= MAX_INDEX:
        raise InputError(f"account index {index} is out of range (0 to {MAX_INDEX})")
    return index


def keypair_from_mnemonic(phrase: str, index: int = 0) -> Keypair:
    """The SEP-5 account `index` of `phrase` (no BIP-39 passphrase)."""
    normalized = normalize_mnemonic(phrase)
    return Keypair.from_mnemonic_phrase(normalized, index=check_index(index))


def keypair_from_secret(secret: str) -> Keypair:
    """A keypair from an `S...` secret; the message never echoes the input."""
    text = secret.strip()
    if not text.startswith("S") or len(text) != 56:
        raise InputError(
            "that is not a Stellar secret key: it should be 56 characters starting with S"
        )
    try:
        return Keypair.from_secret(text)
    except Exception:  # the SDK's messages may contain the input: do not chain them
        raise InputError(
            "that secret key is not valid (bad checksum or characters); copy it again"
        ) from None
