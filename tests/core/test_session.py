"""The opt-in keyring unlock, over an in-memory keyring and over keyring's `fail` backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowfi_desktop.keys import session
from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.keys.keystore import WrongPassword
from tests.core.conftest import FAST_KDF
from tests.core.memory_keyring import MemoryKeyring
from tests.core.test_mnemonic import VECTORS

SECRET = VECTORS[0][3]


class Prompt:
    def __init__(self, text: str) -> None:
        self.text = text
        self.asked = 0

    def __call__(self, new: bool) -> str:
        self.asked += 1
        return self.text


def test_remembered_unlock_skips_the_password(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = tmp_path / "keystore.json"
    Wallet(path, kdf=FAST_KDF).import_secret("a", SECRET, Prompt("password1"))
    wallet = Wallet(path, kdf=FAST_KDF, remember_minutes=10)
    first = Prompt("password1")
    assert wallet.signer("a", first).secret == SECRET
    assert first.asked == 1
    stored = next(iter(memory_keyring.store.values()))
    assert "password1" not in stored  # the derived key is kept, not the password
    second = Prompt("incorrect-pw-9")
    assert wallet.signer("a", second).secret == SECRET
    assert second.asked == 0


def test_not_opted_in_never_touches_the_keyring(
    tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    path = tmp_path / "keystore.json"
    wallet = Wallet(path, kdf=FAST_KDF)
    wallet.import_secret("a", SECRET, Prompt("password1"))
    wallet.signer("a", Prompt("password1"))
    assert memory_keyring.store == {}


def test_expired_unlock_asks_again(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "keystore.json"
    Wallet(path, kdf=FAST_KDF).import_secret("a", SECRET, Prompt("password1"))
    wallet = Wallet(path, kdf=FAST_KDF, remember_minutes=0)
    wallet.signer("a", Prompt("password1"))
    with pytest.raises(WrongPassword):
        wallet.signer("a", Prompt("incorrect-pw-9"))
    assert memory_keyring.store == {}  # the expired entry was removed


def test_forget(tmp_path: Path, memory_keyring: MemoryKeyring) -> None:
    path = tmp_path / "keystore.json"
    Wallet(path, kdf=FAST_KDF).import_secret("a", SECRET, Prompt("password1"))
    wallet = Wallet(path, kdf=FAST_KDF, remember_minutes=10)
    wallet.signer("a", Prompt("password1"))
    wallet.forget_unlock()
    assert memory_keyring.store == {}


def test_garbage_in_the_keyring_is_ignored(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.store[(session.SERVICE, "keystore-x")] = "not json"
    assert session.recall("x") is None
    assert memory_keyring.store == {}


def test_machine_without_keyring_works_the_same(tmp_path: Path, no_keyring: None) -> None:
    path = tmp_path / "keystore.json"
    wallet = Wallet(path, kdf=FAST_KDF, remember_minutes=10)
    wallet.import_secret("a", SECRET, Prompt("password1"))
    prompt = Prompt("password1")
    assert wallet.signer("a", prompt).secret == SECRET
    assert wallet.signer("a", prompt).secret == SECRET
    assert prompt.asked == 2
    assert session.remember("id", b"k" * 32, 5) is False
    assert session.recall("id") is None
    session.forget("id")
