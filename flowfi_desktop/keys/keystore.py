"""The keystore file: account names and addresses in clear, secret keys encrypted.

Format (JSON, version 1):

    {"format": "flowfi-keystore", "version": 1, "id": "<hex>",
     "accounts": [{"name", "address", "kind": "secret"|"mnemonic"|"watch", "index"}],
     "vault": null | {"kdf": {"name": "argon2id", "opslimit", "memlimit", "salt"},
                      "cipher": {"name": "xchacha20poly1305-ietf", "nonce"},
                      "check", "ciphertext"}}

The key is Argon2id(password, salt, opslimit, memlimit); the limits live in the file so they can
be raised later (`Vault.needs_rehash`). The AEAD's associated data binds the format, version,
id and KDF parameters, so editing any of them fails decryption. `check` is a short BLAKE2b tag
of the key that tells a wrong password apart from a modified file. Watch-only accounts need no
password and live only in the clear part.

Writes are atomic and owner-only; the previous good file is kept as `<name>.bak`. A file that
cannot be read is never overwritten: loading it raises `KeystoreCorrupt` after copying it aside.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import nacl.exceptions
import nacl.hash
import nacl.pwhash.argon2id as argon2id
import nacl.secret
from nacl.encoding import RawEncoder

from flowfi_desktop.errors import InputError
from flowfi_desktop.paths import atomic_write

FORMAT = "flowfi-keystore"
VERSION = 1
KDF_NAME = "argon2id"
CIPHER_NAME = "xchacha20poly1305-ietf"
Kind = Literal["secret", "mnemonic", "watch"]
KINDS: tuple[Kind, ...] = ("secret", "mnemonic", "watch")


class KeystoreError(InputError):
    """The keystore cannot be used as asked (exit code 1)."""


class KeystoreCorrupt(KeystoreError):
    """The file cannot be read; it was left untouched and a copy was kept."""


class KeystoreTampered(KeystoreError):
    """The password is right but the contents were modified."""


class WrongPassword(KeystoreError):
    """The password does not unlock the keystore."""


class KeystoreTooNew(KeystoreError):
    """Written by a newer version of the app."""


@dataclass(frozen=True)
class KdfParams:
    opslimit: int
    memlimit: int

    @classmethod
    def named(cls, strength: str) -> KdfParams:
        table = {
            "interactive": (argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
            "moderate": (argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
            "sensitive": (argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
        }
        if strength not in table:
            raise InputError(f"unknown KDF strength {strength!r}; use {', '.join(table)}")
        return cls(*table[strength])

    def weaker_than(self, other: KdfParams) -> bool:
        return self.opslimit < other.opslimit or self.memlimit < other.memlimit

    def check(self) -> None:
        if not (argon2id.OPSLIMIT_MIN <= self.opslimit <= argon2id.OPSLIMIT_MAX) or not (
            argon2id.MEMLIMIT_MIN <= self.memlimit <= argon2id.MEMLIMIT_MAX
        ):
            raise ValueError("Argon2id limits out of range")


@dataclass(frozen=True)
class AccountEntry:
    name: str
    address: str
    kind: Kind
    index: int | None = None

    @property
    def watch_only(self) -> bool:
        return self.kind == "watch"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "address": self.address, "kind": self.kind, "index": self.index}


@dataclass
class Vault:
    """The encrypted part: KDF parameters, salt, nonce, key check and ciphertext."""

    kdf: KdfParams
    salt: bytes
    nonce: bytes
    check: bytes
    ciphertext: bytes
    #: The format version bound into the AEAD when it was sealed (kept across upgrades of the
    #: clear part, so a migrated file still opens; the next seal uses the current version).
    sealed_version: int = VERSION

    def needs_rehash(self, target: KdfParams) -> bool:
        return self.kdf.weaker_than(target)


def derive_key(password: str, salt: bytes, kdf: KdfParams) -> bytes:
    key: bytes = argon2id.kdf(
        nacl.secret.Aead.KEY_SIZE,
        password.encode("utf-8"),
        salt,
        opslimit=kdf.opslimit,
        memlimit=kdf.memlimit,
    )
    return key


def key_check(key: bytes) -> bytes:
    tag: bytes = nacl.hash.blake2b(
        b"flowfi-keystore-check", key=key, digest_size=16, encoder=RawEncoder
    )
    return tag


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("expected base64 text")
    return base64.b64decode(text, validate=True)


@dataclass
class KeystoreFile:
    """The decoded file (without any secret in clear)."""

    id: str
    accounts: list[AccountEntry] = field(default_factory=list)
    vault: Vault | None = None
    version: int = VERSION

    # ------------------------------------------------------------ encoding

    def associated_data(self, kdf: KdfParams, version: int) -> bytes:
        header = {
            "format": FORMAT,
            "version": version,
            "id": self.id,
            "kdf": {"name": KDF_NAME, "opslimit": kdf.opslimit, "memlimit": kdf.memlimit},
            "cipher": CIPHER_NAME,
        }
        return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()

    def to_bytes(self) -> bytes:
        vault: dict[str, Any] | None = None
        if self.vault is not None:
            v = self.vault
            vault = {
                "kdf": {
                    "name": KDF_NAME,
                    "opslimit": v.kdf.opslimit,
                    "memlimit": v.kdf.memlimit,
                    "salt": _b64(v.salt),
                },
                "cipher": {"name": CIPHER_NAME, "nonce": _b64(v.nonce)},
                "check": _b64(v.check),
                "ciphertext": _b64(v.ciphertext),
                "sealed_version": v.sealed_version,
            }
        doc = {
            "format": FORMAT,
            "version": self.version,
            "id": self.id,
            "accounts": [a.to_json() for a in self.accounts],
            "vault": vault,
        }
        return (json.dumps(doc, indent=2) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> KeystoreFile:
        """Decodes; ValueError (with a reason, never file contents) when malformed."""
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ValueError("not JSON") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError("not a FlowFi keystore")
        version = doc.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise ValueError("bad format version")
        if version > VERSION:
            raise KeystoreTooNew(
                f"the keystore is format version {version}; this FlowFi Desktop reads up to "
                f"{VERSION}: update the app (the file was not changed)"
            )
        original_version = version
        doc = upgrade(doc)
        ident = doc.get("id")
        if not isinstance(ident, str) or not ident:
            raise ValueError("missing id")
        raw_accounts = doc.get("accounts")
        if not isinstance(raw_accounts, list):
            raise ValueError("missing account list")
        accounts = []
        for raw in raw_accounts:
            if not isinstance(raw, dict):
                raise ValueError("bad account entry")
            name, address, kind, index = (raw.get(k) for k in ("name", "address", "kind", "index"))
            if not isinstance(name, str) or not isinstance(address, str) or kind not in KINDS:
                raise ValueError("bad account entry")
            if index is not None and (not isinstance(index, int) or isinstance(index, bool)):
                raise ValueError("bad account index")
            accounts.append(AccountEntry(name, address, kind, index))
        if len({a.name for a in accounts}) != len(accounts):
            raise ValueError("duplicate account names")
        raw_vault = doc.get("vault")
        vault = None
        if raw_vault is not None:
            try:
                kdf_doc, cipher_doc = raw_vault["kdf"], raw_vault["cipher"]
                if kdf_doc["name"] != KDF_NAME or cipher_doc["name"] != CIPHER_NAME:
                    raise ValueError("unknown KDF or cipher")
                kdf = KdfParams(int(kdf_doc["opslimit"]), int(kdf_doc["memlimit"]))
                kdf.check()
                vault = Vault(
                    kdf=kdf,
                    salt=_unb64(kdf_doc["salt"]),
                    nonce=_unb64(cipher_doc["nonce"]),
                    check=_unb64(raw_vault["check"]),
                    ciphertext=_unb64(raw_vault["ciphertext"]),
                    sealed_version=int(raw_vault.get("sealed_version", original_version)),
                )
            except (KeyError, TypeError, binascii.Error) as exc:
                raise ValueError(f"bad vault ({type(exc).__name__})") from None
            if len(vault.salt) != argon2id.SALTBYTES or len(vault.nonce) != (
                nacl.secret.Aead.NONCE_SIZE
            ):
                raise ValueError("bad salt or nonce length")
        if vault is None and any(not a.watch_only for a in accounts):
            raise ValueError("accounts with keys but no encrypted vault")
        return cls(id=ident, accounts=accounts, vault=vault, version=VERSION)

    # ------------------------------------------------------------ crypto

    def open_vault(self, key: bytes) -> dict[str, dict[str, Any]]:
        """The secrets by account name; WrongPassword / KeystoreTampered."""
        assert self.vault is not None
        v = self.vault
        if not hmac.compare_digest(key_check(key), v.check):
            raise WrongPassword("wrong password: the keystore did not unlock")
        try:
            plain = nacl.secret.Aead(key).decrypt(
                v.nonce + v.ciphertext, self.associated_data(v.kdf, v.sealed_version)
            )
        except nacl.exceptions.CryptoError:
            raise KeystoreTampered(
                "the keystore was modified: the password is right but the encrypted part or "
                "its header does not authenticate; restore it from a backup (.bak)"
            ) from None
        try:
            payload = json.loads(plain.decode("utf-8"))
            found: dict[str, dict[str, Any]] = payload["secrets"]
            if not isinstance(found, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            raise KeystoreTampered("the keystore's decrypted contents are malformed") from None
        return found

    def seal_vault(self, key: bytes, kdf: KdfParams, salt: bytes, found: dict[str, Any]) -> None:
        nonce = secrets.token_bytes(nacl.secret.Aead.NONCE_SIZE)
        plain = json.dumps({"secrets": found}, sort_keys=True).encode("utf-8")
        sealed = nacl.secret.Aead(key).encrypt(plain, self.associated_data(kdf, VERSION), nonce)
        self.vault = Vault(
            kdf=kdf,
            salt=salt,
            nonce=nonce,
            check=key_check(key),
            ciphertext=bytes(sealed.ciphertext),
            sealed_version=VERSION,
        )


# ---------------------------------------------------------------- upgrades

#: version -> function that turns a document of that version into one of version + 1.
MIGRATIONS: dict[int, Any] = {}


def upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """Brings an older document to the current version, one step at a time."""
    version = doc["version"]
    while version < VERSION:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ValueError(f"no upgrade from format version {version}")
        doc = step(doc)
        version = doc["version"]
    return doc


# ---------------------------------------------------------------- on disk


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def read_keystore(path: Path) -> KeystoreFile | None:
    """The file's contents, None when absent; KeystoreCorrupt (copy kept) when unreadable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise KeystoreCorrupt(f"cannot read the keystore {path} ({exc.strerror})") from None
    try:
        return KeystoreFile.from_bytes(data)
    except KeystoreTooNew:
        raise
    except ValueError as exc:
        # Named by content: reading the same damaged file twice keeps one copy.
        digest = hashlib.sha256(data).hexdigest()[:12]
        copy = path.with_name(f"{path.name}.corrupt-{digest}")
        if not copy.exists():
            atomic_write(copy, data)
        previous = backup_path(path)
        hint = (
            f"; the previous good version is {previous}: move it to {path} to restore it"
            if previous.exists()
            else ""
        )
        raise KeystoreCorrupt(
            f"the keystore {path} is damaged ({exc}); it was left as it is and a copy was "
            f"saved as {copy}{hint}"
        ) from None


def write_keystore(path: Path, keystore: KeystoreFile) -> None:
    """Writes atomically; the file it replaces (if readable) becomes `<name>.bak`."""
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if current is not None:
        try:
            KeystoreFile.from_bytes(current)
        except ValueError:
            raise KeystoreCorrupt(
                f"the keystore {path} changed on disk and is now damaged; not overwriting it"
            ) from None
        atomic_write(backup_path(path), current)
    atomic_write(path, keystore.to_bytes())


def new_keystore() -> KeystoreFile:
    return KeystoreFile(id=secrets.token_hex(16))
