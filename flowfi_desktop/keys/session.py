"""Remembering an unlocked keystore in the OS keyring for a while, when the user opts in.

What is stored is the keystore's derived key (not the password), with an expiry time. A machine
without a keyring backend (keyring's `fail` backend, no D-Bus) works the same minus this: every
function here then does nothing and says so by its return value.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import time

import keyring
import keyring.errors

log = logging.getLogger(__name__)
SERVICE = "flowfi-desktop"


def _user(keystore_id: str) -> str:
    return f"keystore-{keystore_id}"


def remember(keystore_id: str, key: bytes, minutes: int, *, now: float | None = None) -> bool:
    """Stores the unlock for `minutes`; False when there is no usable keyring."""
    expires = (time.time() if now is None else now) + minutes * 60
    value = json.dumps({"key": base64.b64encode(key).decode(), "expires": expires})
    try:
        keyring.set_password(SERVICE, _user(keystore_id), value)
    except keyring.errors.KeyringError as exc:
        log.info("no keyring to remember the unlock (%s)", type(exc).__name__)
        return False
    return True


def recall(keystore_id: str, *, now: float | None = None) -> bytes | None:
    """The remembered key, or None (none stored, expired, unreadable, or no keyring)."""
    try:
        value = keyring.get_password(SERVICE, _user(keystore_id))
    except keyring.errors.KeyringError:
        return None
    if not value:
        return None
    try:
        data = json.loads(value)
        expires = float(data["expires"])
        key = base64.b64decode(data["key"], validate=True)
    except (ValueError, KeyError, TypeError):
        forget(keystore_id)
        return None
    if (time.time() if now is None else now) >= expires:
        forget(keystore_id)
        return None
    return key


def forget(keystore_id: str) -> None:
    with contextlib.suppress(keyring.errors.KeyringError):
        keyring.delete_password(SERVICE, _user(keystore_id))
