"""The stream contract's errors (`StreamError`, contract-abi.md) by name and in plain words."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowfi_desktop.errors import ChainError

#: code -> (name, what it means for the user and what to do)
CONTRACT_ERRORS: dict[int, tuple[str, str]] = {
    1: ("InvalidAmount", "the amount is not acceptable (zero, negative, or nothing to withdraw)"),
    2: ("StreamNotFound", "there is no stream with that id on this contract"),
    3: ("Unauthorized", "this account may not do that to the stream (wrong sender or recipient)"),
    4: ("StreamInactive", "the stream is cancelled or completed; nothing more can be done"),
    5: ("AlreadyInitialized", "the contract's fees were set up already"),
    6: ("NotAdmin", "only the contract's admin may change its fee settings"),
    7: ("InvalidFeeRate", "the fee rate must be between 0 and 1000 basis points"),
    8: ("NotInitialized", "the contract's fees have not been set up yet"),
    9: ("InvalidDuration", "the duration must be more than zero seconds"),
    10: ("InvalidTokenAddress", "the token contract does not answer decimals(): not a token"),
    11: (
        "InvalidRate",
        "the amount is too small for the duration: the rate per second rounds to zero; "
        "stream more or for less time",
    ),
    12: ("StreamPaused", "the stream is paused; resume it first"),
    13: ("StreamNotPaused", "the stream is not paused"),
    14: ("StreamAlreadyPaused", "the stream is paused already"),
}

_CONTRACT_ERROR = re.compile(r"Error\(\s*Contract\s*,\s*#(\d+)\s*\)")


@dataclass(frozen=True)
class ContractErrorInfo:
    code: int
    name: str
    words: str

    def __str__(self) -> str:
        return f"{self.name} ({self.code}): {self.words}"


def describe(code: int) -> ContractErrorInfo:
    name, words = CONTRACT_ERRORS.get(code, (f"ContractError{code}", "an unknown contract error"))
    return ContractErrorInfo(code, name, words)


def find_contract_error(text: str) -> ContractErrorInfo | None:
    """The contract error named in a host error text such as `Error(Contract, #12)`."""
    match = _CONTRACT_ERROR.search(text)
    return describe(int(match.group(1))) if match else None


class TransactionFailed(ChainError):
    """The transaction was (or would be) rejected; exit code 4."""

    def __init__(
        self,
        message: str,
        *,
        contract_error: ContractErrorInfo | None = None,
        tx_hash: str | None = None,
    ) -> None:
        super().__init__(message)
        self.contract_error = contract_error
        self.tx_hash = tx_hash


def failure_from_text(what: str, text: str, *, tx_hash: str | None = None) -> TransactionFailed:
    info = find_contract_error(text)
    if info is not None:
        return TransactionFailed(f"{what} failed: {info}", contract_error=info, tx_hash=tx_hash)
    first = text.strip().splitlines()[0] if text.strip() else "no details"
    return TransactionFailed(f"{what} failed: {first[:300]}", tx_hash=tx_hash)
