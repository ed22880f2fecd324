"""Keystore file: round trips, wrong password, tampering, corruption, upgrades, atomic writes."""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowfi_desktop.keys.accounts import Wallet, WatchOnlyAccount
from flowfi_desktop.keys.keystore import (
    KdfParams,
    KeystoreCorrupt,
    KeystoreTampered,
    KeystoreTooNew,
    WrongPassword,
    backup_path,
    read_keystore,
)
from tests.core.conftest import FAST_KDF
from tests.core.test_mnemonic import TEST_3, VECTORS

PASSWORD = "correct horse battery"
SECRET = VECTORS[0][3]
ADDRESS = VECTORS[0][2]


def pw(text: str = PASSWORD) -> object:
    return lambda new: text


@pytest.fixture
def wallet(tmp_path: Path) -> Wallet:
    return Wallet(tmp_path / "keystore.json", kdf=FAST_KDF)


def test_import_then_sign_round_trip(wallet: Wallet) -> None:
    entry = wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    assert entry.address == ADDRESS
    again = Wallet(wallet.path, kdf=FAST_KDF)
    assert again.signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]
    assert [a.name for a in again.accounts()] == ["alice"]


def test_file_is_owner_only_and_has_no_secret_in_clear(wallet: Wallet) -> None:
    wallet.import_mnemonic("m", TEST_3, 2, pw())  # type: ignore[arg-type]
    mode = stat.S_IMODE(wallet.path.stat().st_mode)
    assert mode == 0o600
    text = wallet.path.read_text()
    assert VECTORS[3][3] not in text
    assert "bench" not in text
    assert PASSWORD not in text
    doc = json.loads(text)
    assert doc["version"] == 1
    assert doc["vault"]["kdf"] == {
        "name": "argon2id",
        "opslimit": 1,
        "memlimit": 8192,
        "salt": doc["vault"]["kdf"]["salt"],
    }
    assert len(base64.b64decode(doc["vault"]["kdf"]["salt"])) == 16
    assert doc["accounts"] == [
        {"name": "m", "address": VECTORS[3][2], "kind": "mnemonic", "index": 2}
    ]


def test_create_gives_a_24_word_mnemonic_that_derives_the_address(wallet: Wallet) -> None:
    from flowfi_desktop.keys.mnemonic import keypair_from_mnemonic

    entry, phrase = wallet.create("new", pw())  # type: ignore[arg-type]
    assert len(phrase.split()) == 24
    assert keypair_from_mnemonic(phrase, 0).public_key == entry.address
    assert phrase.split()[0] not in wallet.path.read_text() or True  # words may collide
    assert phrase not in wallet.path.read_text()


def test_wrong_password_is_a_clear_error(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    with pytest.raises(WrongPassword, match="wrong password"):
        wallet.signer("alice", pw("zz-not-it-42"))  # type: ignore[arg-type]


def test_second_account_needs_the_same_password(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    before = wallet.path.read_bytes()
    with pytest.raises(WrongPassword):
        wallet.import_mnemonic("bob", TEST_3, 0, pw("nope nope nope"))  # type: ignore[arg-type]
    assert wallet.path.read_bytes() == before
    wallet.import_mnemonic("bob", TEST_3, 0, pw())  # type: ignore[arg-type]
    assert wallet.signer("bob", pw()).public_key == VECTORS[1][2]  # type: ignore[arg-type]
    assert wallet.signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]


def test_short_password_refused_for_a_new_keystore(wallet: Wallet) -> None:
    with pytest.raises(Exception, match="too short"):
        wallet.import_secret("alice", SECRET, pw("short"))  # type: ignore[arg-type]
    assert not wallet.path.exists()


def test_duplicates_refused(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    with pytest.raises(Exception, match="exists already"):
        wallet.watch("alice", VECTORS[1][2])
    with pytest.raises(Exception, match="already as 'alice'"):
        wallet.watch("other", ADDRESS)


def test_watch_only_needs_no_password_and_cannot_sign(wallet: Wallet) -> None:
    wallet.watch("w", ADDRESS)
    entry = wallet.get("w")
    assert entry.watch_only
    with pytest.raises(WatchOnlyAccount, match="watch-only"):
        wallet.signer("w", pw())  # type: ignore[arg-type]


def test_unknown_account_lists_the_known(wallet: Wallet) -> None:
    wallet.watch("w", ADDRESS)
    with pytest.raises(Exception, match=r"unknown account 'x' \(accounts: w\)"):
        wallet.get("x")


# ---------------------------------------------------------------- tampering


def _edit(path: Path, change: object) -> None:
    doc = json.loads(path.read_text())
    change(doc)  # type: ignore[operator]
    path.write_text(json.dumps(doc))


def _flip_ciphertext(doc: dict) -> None:  # type: ignore[type-arg]
    raw = bytearray(base64.b64decode(doc["vault"]["ciphertext"]))
    raw[5] ^= 1
    doc["vault"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()


def test_ciphertext_tamper_is_detected_as_tamper(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    _edit(wallet.path, _flip_ciphertext)
    with pytest.raises(KeystoreTampered, match="modified"):
        wallet.signer("alice", pw())  # type: ignore[arg-type]


def test_header_tamper_is_detected(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]

    def change_id(doc: dict) -> None:  # type: ignore[type-arg]
        doc["id"] = "0" * 32

    _edit(wallet.path, change_id)
    with pytest.raises(KeystoreTampered):
        wallet.signer("alice", pw())  # type: ignore[arg-type]


def test_kdf_parameter_tamper_is_detected(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]

    def change(doc: dict) -> None:  # type: ignore[type-arg]
        doc["vault"]["kdf"]["opslimit"] = 2

    _edit(wallet.path, change)
    with pytest.raises((WrongPassword, KeystoreTampered)):
        wallet.signer("alice", pw())  # type: ignore[arg-type]


def test_swapped_address_in_clear_list_is_detected(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]

    def change(doc: dict) -> None:  # type: ignore[type-arg]
        doc["accounts"][0]["address"] = VECTORS[1][2]

    _edit(wallet.path, change)
    with pytest.raises(KeystoreTampered, match="address"):
        wallet.signer("alice", pw())  # type: ignore[arg-type]


# ---------------------------------------------------------------- corruption


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b"",
        lambda b: b"\x00\xff" * 40,
        lambda b: b.replace(b'"vault"', b'"vaulx"'),
        lambda b: b.replace(b'"format": "flowfi-keystore"', b'"format": "other"'),
    ],
    ids=["truncated", "empty", "binary", "vault-missing", "format"],
)
def test_corrupt_file_is_detected_kept_and_never_overwritten(
    wallet: Wallet, damage: object
) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    wallet.watch("w", VECTORS[1][2])  # makes a .bak of the previous version
    good = wallet.path.read_bytes()
    broken = damage(good)  # type: ignore[operator]
    wallet.path.write_bytes(broken)
    with pytest.raises(KeystoreCorrupt, match="damaged") as info:
        wallet.accounts()
    assert ".bak" in str(info.value)
    with pytest.raises(KeystoreCorrupt):
        wallet.import_mnemonic("bob", TEST_3, 0, pw())  # type: ignore[arg-type]
    with pytest.raises(KeystoreCorrupt):
        wallet.watch("x", VECTORS[2][2])
    assert wallet.path.read_bytes() == broken
    copies = list(wallet.path.parent.glob("keystore.json.corrupt-*"))
    assert len(copies) == 1
    assert copies[0].read_bytes() == broken
    # The backup holds the last good version before the final write: restoring it works.
    os.replace(backup_path(wallet.path), wallet.path)
    assert Wallet(wallet.path, kdf=FAST_KDF).signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]


def test_newer_format_is_refused_untouched(wallet: Wallet) -> None:
    wallet.watch("w", ADDRESS)

    def bump(doc: dict) -> None:  # type: ignore[type-arg]
        doc["version"] = 2

    _edit(wallet.path, bump)
    before = wallet.path.read_bytes()
    with pytest.raises(KeystoreTooNew, match="update the app"):
        wallet.accounts()
    assert wallet.path.read_bytes() == before


# ---------------------------------------------------------------- upgrade path


def test_weak_kdf_is_raised_on_unlock(tmp_path: Path) -> None:
    path = tmp_path / "keystore.json"
    Wallet(path, kdf=FAST_KDF).import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    stronger = KdfParams(opslimit=2, memlimit=16384)
    upgraded = Wallet(path, kdf=stronger)
    assert upgraded.signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]
    vault = read_keystore(path).vault  # type: ignore[union-attr]
    assert (vault.kdf.opslimit, vault.kdf.memlimit) == (2, 16384)  # type: ignore[union-attr]
    assert upgraded.signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]


# ---------------------------------------------------------------- interrupted writes


def test_failure_before_rename_leaves_the_old_file(
    wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    before = wallet.path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full (injected)")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="injected"):
        wallet.import_mnemonic("bob", TEST_3, 0, pw())  # type: ignore[arg-type]
    monkeypatch.undo()
    assert wallet.path.read_bytes() == before
    assert not list(wallet.path.parent.glob(".keystore.json.*.tmp"))
    assert [a.name for a in wallet.accounts()] == ["alice"]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from flowfi_desktop.keys.accounts import Wallet
    from flowfi_desktop.keys.keystore import KdfParams
    from stellar_sdk import Keypair
    w = Wallet(Path(sys.argv[1]), kdf=KdfParams(1, 8192))
    print("ready", flush=True)
    i = 0
    while True:
        w.watch(f"w{i}", Keypair.random().public_key)
        i += 1
    """
)


def test_killed_writer_leaves_a_readable_keystore(wallet: Wallet) -> None:
    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    written = []
    for delay in (0.05, 0.13, 0.29, 0.41):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(wallet.path)],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        file = read_keystore(wallet.path)  # raises if broken
        assert file is not None
        assert file.accounts[0].name == "alice"
        written.append(len(file.accounts))
        assert Wallet(wallet.path, kdf=FAST_KDF).signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]
        # Start the next round from one account, so names do not clash.
        doc = json.loads(wallet.path.read_text())
        doc["accounts"] = doc["accounts"][:1]
        wallet.path.write_text(json.dumps(doc))
    assert max(written) > 1  # the writer was killed while it was writing


def test_an_older_format_is_migrated_step_by_step(
    wallet: Wallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upgrade mechanism: a (hypothetical) version-0 file is brought to version 1."""
    from flowfi_desktop.keys import keystore

    wallet.import_secret("alice", SECRET, pw())  # type: ignore[arg-type]
    doc = json.loads(wallet.path.read_text())
    doc["version"] = 0
    doc["wallets"] = doc.pop("accounts")  # what version 0 might have called it
    del doc["vault"]["sealed_version"]  # version 0 did not record it: the file's version then
    wallet.path.write_text(json.dumps(doc))

    def zero_to_one(old: dict) -> dict:  # type: ignore[type-arg]
        new = dict(old)
        new["accounts"] = new.pop("wallets")
        new["version"] = 1
        return new

    monkeypatch.setitem(keystore.MIGRATIONS, 0, zero_to_one)
    assert [a.name for a in wallet.accounts()] == ["alice"]
    # The AEAD bound version 1 when this file was really sealed, so opening it as a version-0
    # seal is detected as a modification; with the seal's version recorded it opens.
    with pytest.raises(KeystoreTampered):
        wallet.signer("alice", pw())  # type: ignore[arg-type]
    doc["vault"]["sealed_version"] = 1
    wallet.path.write_text(json.dumps(doc))
    assert wallet.signer("alice", pw()).secret == SECRET  # type: ignore[arg-type]
    wallet.watch("w", VECTORS[1][2])  # the next write stores the current version
    assert json.loads(wallet.path.read_text())["version"] == 1
    wallet.import_mnemonic("m", TEST_3, 3, pw())  # type: ignore[arg-type]
    assert json.loads(wallet.path.read_text())["vault"]["sealed_version"] == 1
    monkeypatch.delitem(keystore.MIGRATIONS, 0)
    assert [a.name for a in wallet.accounts()] == ["alice", "w", "m"]


def test_an_older_format_without_a_migration_is_reported(wallet: Wallet) -> None:
    wallet.watch("w", ADDRESS)
    doc = json.loads(wallet.path.read_text())
    doc["version"] = 0
    wallet.path.write_text(json.dumps(doc))
    with pytest.raises(KeystoreCorrupt, match="no upgrade from format version 0"):
        wallet.accounts()
