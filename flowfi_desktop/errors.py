"""The error families of the core, each with the CLI exit code it maps to (shared/specs/cli.md).

Messages say what failed and how to fix it; they never contain a secret (password, secret key,
mnemonic), so they are safe to print and to log.
"""

from __future__ import annotations

from typing import ClassVar


class FlowFiError(Exception):
    """Base of every error the core raises on purpose."""

    exit_code: ClassVar[int] = 1


class InputError(FlowFiError, ValueError):
    """A value the user gave is not acceptable (exit code 1)."""

    exit_code: ClassVar[int] = 1


class RefusedError(FlowFiError):
    """The wallet (or the user) refused to go on, e.g. a network passphrase mismatch (exit 1)."""

    exit_code: ClassVar[int] = 1


class NetworkError(FlowFiError):
    """The network or the RPC server failed (exit code 3)."""

    exit_code: ClassVar[int] = 3


class ChainError(FlowFiError):
    """The transaction was rejected or failed on chain (exit code 4)."""

    exit_code: ClassVar[int] = 4
