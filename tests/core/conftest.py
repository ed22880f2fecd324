from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends.fail import Keyring as FailKeyring

from flowfi_desktop.keys.keystore import KdfParams
from tests.core.memory_keyring import MemoryKeyring

# The cheapest Argon2id limits libsodium allows: tests check our logic, not the KDF's cost.
FAST_KDF = KdfParams(opslimit=1, memlimit=8192)


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(FailKeyring())
    yield
    keyring.set_keyring(previous)
