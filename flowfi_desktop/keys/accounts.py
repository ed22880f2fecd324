"""The wallet's accounts: create (SEP-5), import (secret or mnemonic), watch, list, unlock.

Passwords come from a `PasswordSource` (a prompt, a file, an environment variable): asked only
when needed, never stored except as the derived key in the OS keyring when the user opted in.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowfi_desktop.addresses import parse_account
from flowfi_desktop.errors import InputError
from flowfi_desktop.keys.keystore import (
    AccountEntry,
    KdfParams,
    KeystoreError,
    KeystoreFile,
    KeystoreTampered,
    Kind,
    WrongPassword,
    derive_key,
    new_keystore,
    read_keystore,
    write_keystore,
)
from flowfi_desktop.logs import register_secret

if TYPE_CHECKING:
    from stellar_sdk import Keypair

# Listing and reading accounts needs only the keystore file. stellar_sdk (keys; ~0.3 s to
# import), the BIP-39 word list (keys.mnemonic) and keyring (keys.session) are imported where a
# key is made, checked or remembered, so `account list` and the index commands start quickly.

MIN_PASSWORD_LENGTH = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")

#: Called with `new=True` when a password is being chosen (confirm it), False to unlock.
PasswordSource = Callable[[bool], str]


class UnknownAccount(InputError):
    pass


class WatchOnlyAccount(InputError):
    pass


def check_account_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"account name {name!r} is not valid: 1-32 letters, digits, '.', '-' or '_', "
            "starting with a letter or digit"
        )
    return name


@dataclass
class Unlocked:
    """An unlocked keystore: the key and the secrets, for signing and adding accounts."""

    file: KeystoreFile
    key: bytes
    found: dict[str, dict[str, Any]]

    def keypair(self, name: str) -> Keypair:
        entry = self.found.get(name)
        if entry is None:
            raise UnknownAccount(f"account {name!r} has no key in the keystore")
        from stellar_sdk import Keypair

        return Keypair.from_secret(entry["secret"])


class Wallet:
    """Accounts of one keystore file."""

    def __init__(
        self,
        path: Path,
        *,
        kdf: KdfParams | None = None,
        remember_minutes: int | None = None,
    ) -> None:
        self.path = path
        self.kdf = kdf or KdfParams.named("moderate")
        #: None: do not use the keyring; else minutes the unlock is remembered.
        self.remember_minutes = remember_minutes

    # ------------------------------------------------------------ reading

    def _file(self) -> KeystoreFile:
        return read_keystore(self.path) or new_keystore()

    def accounts(self) -> list[AccountEntry]:
        return list(self._file().accounts)

    def get(self, name: str) -> AccountEntry:
        accounts = self.accounts()
        for entry in accounts:
            if entry.name == name:
                return entry
        known = ", ".join(a.name for a in accounts) or "none yet"
        raise UnknownAccount(
            f"unknown account {name!r} (accounts: {known}); create, import or watch one first"
        )

    # ------------------------------------------------------------ unlocking

    def unlock(self, password: PasswordSource) -> Unlocked:
        """Unlocks with the remembered key when there is one, else with the password."""
        from flowfi_desktop.keys import session

        file = self._file()
        if file.vault is None:
            raise KeystoreError("the keystore holds no keys yet")
        vault = file.vault
        if self.remember_minutes is not None:
            remembered = session.recall(file.id)
            if remembered is not None:
                try:
                    found = file.open_vault(remembered)
                except WrongPassword:
                    session.forget(file.id)
                else:
                    return Unlocked(file, remembered, found)
        text = password(False)
        register_secret(text)
        key = derive_key(text, vault.salt, vault.kdf)
        found = file.open_vault(key)
        self._verify_addresses(file, found)
        unlocked = Unlocked(file, key, found)
        if vault.needs_rehash(self.kdf):
            # Upgrade path: raise the KDF cost to today's setting with a fresh salt.
            salt = secrets.token_bytes(16)
            unlocked.key = derive_key(text, salt, self.kdf)
            file.seal_vault(unlocked.key, self.kdf, salt, found)
            write_keystore(self.path, file)
        if self.remember_minutes is not None:
            session.remember(file.id, unlocked.key, self.remember_minutes)
        return unlocked

    @staticmethod
    def _verify_addresses(file: KeystoreFile, found: dict[str, dict[str, Any]]) -> None:
        from stellar_sdk import Keypair

        listed = {a.name: a.address for a in file.accounts if not a.watch_only}
        if set(listed) != set(found):
            raise KeystoreTampered("the keystore's account list does not match its keys")
        for name, address in listed.items():
            if Keypair.from_secret(found[name]["secret"]).public_key != address:
                raise KeystoreTampered(
                    f"the keystore lists account {name!r} under an address its key does not have"
                )

    def forget_unlock(self) -> None:
        from flowfi_desktop.keys import session

        file = read_keystore(self.path)
        if file is not None:
            session.forget(file.id)

    # ------------------------------------------------------------ adding

    def _check_new(self, file: KeystoreFile, name: str, address: str) -> None:
        check_account_name(name)
        for entry in file.accounts:
            if entry.name == name:
                raise InputError(f"an account named {name!r} exists already")
            if entry.address == address:
                raise InputError(
                    f"address {address[:6]}...{address[-6:]} is in the wallet already as "
                    f"{entry.name!r}"
                )

    def _add_key(
        self, name: str, keypair: Keypair, kind: Kind, index: int | None, password: PasswordSource
    ) -> AccountEntry:
        file = self._file()
        self._check_new(file, name, keypair.public_key)
        entry = AccountEntry(name, keypair.public_key, kind, index)
        if file.vault is None:
            text = password(True)
            if len(text) < MIN_PASSWORD_LENGTH:
                raise InputError(
                    f"the password is too short: use at least {MIN_PASSWORD_LENGTH} characters"
                )
            register_secret(text)
            salt = secrets.token_bytes(16)
            key = derive_key(text, salt, self.kdf)
            found: dict[str, dict[str, Any]] = {}
            kdf, vault_salt = self.kdf, salt
        else:
            unlocked = self.unlock(password)
            file, key, found = unlocked.file, unlocked.key, unlocked.found
            assert file.vault is not None
            kdf, vault_salt = file.vault.kdf, file.vault.salt
        found[name] = {"secret": keypair.secret}
        file.accounts.append(entry)
        file.seal_vault(key, kdf, vault_salt, found)
        write_keystore(self.path, file)
        if self.remember_minutes is not None:
            from flowfi_desktop.keys import session

            session.remember(file.id, key, self.remember_minutes)
        return entry

    def create(self, name: str, password: PasswordSource) -> tuple[AccountEntry, str]:
        """A new SEP-5 account (index 0 of a fresh 24-word mnemonic): (entry, mnemonic)."""
        from flowfi_desktop.keys.mnemonic import generate_mnemonic, keypair_from_mnemonic

        check_account_name(name)
        phrase = generate_mnemonic()
        register_secret(phrase)
        keypair = keypair_from_mnemonic(phrase, 0)
        return self._add_key(name, keypair, "mnemonic", 0, password), phrase

    def import_secret(self, name: str, secret: str, password: PasswordSource) -> AccountEntry:
        from flowfi_desktop.keys.mnemonic import keypair_from_secret

        check_account_name(name)
        register_secret(secret.strip())
        keypair = keypair_from_secret(secret)
        return self._add_key(name, keypair, "secret", None, password)

    def import_mnemonic(
        self, name: str, phrase: str, index: int, password: PasswordSource
    ) -> AccountEntry:
        from flowfi_desktop.keys.mnemonic import check_index, keypair_from_mnemonic

        check_account_name(name)
        register_secret(" ".join(phrase.split()))
        keypair = keypair_from_mnemonic(phrase, check_index(index))
        return self._add_key(name, keypair, "mnemonic", index, password)

    def watch(self, name: str, address: str) -> AccountEntry:
        address = parse_account(address)
        file = self._file()
        self._check_new(file, name, address)
        entry = AccountEntry(name, address, "watch")
        file.accounts.append(entry)
        write_keystore(self.path, file)
        return entry

    def signer(self, name: str, password: PasswordSource) -> Keypair:
        entry = self.get(name)
        if entry.watch_only:
            raise WatchOnlyAccount(
                f"account {name!r} is watch-only: it has no key to sign with; import its "
                "secret or mnemonic to use it for this"
            )
        return self.unlock(password).keypair(name)
