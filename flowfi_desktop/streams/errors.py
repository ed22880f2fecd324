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

#: Errors of the Stellar Asset Contract (soroban-env-host builtin_contracts/contract_error.rs),
#: which is what the native XLM token and classic-asset tokens are.
TOKEN_ERRORS: dict[int, tuple[str, str]] = {
    2: ("OperationNotSupportedError", "the token does not support this operation"),
    3: ("AlreadyInitializedError", "the token was initialized already"),
    4: ("UnauthorizedError", "the account is not authorized for this token"),
    5: ("AuthenticationError", "an authorization for the token transfer is missing"),
    6: ("AccountMissingError", "an account involved does not exist on this network"),
    7: ("AccountIsNotClassic", "the account cannot hold this asset"),
    8: ("NegativeAmountError", "the amount is negative"),
    9: ("AllowanceError", "the allowance is too small"),
    10: ("BalanceError", "the balance is too low for this transfer"),
    11: ("BalanceDeauthorizedError", "the balance is frozen by the asset issuer"),
    12: ("OverflowError", "the balance would overflow"),
    13: ("TrustlineMissingError", "the account has no trustline for this asset"),
    14: (
        "InsufficientAccountReserve",
        "the receiving account does not exist or would drop below its XLM reserve (a new "
        "account must be created with at least 1 XLM first)",
    ),
    15: ("TooManyAccountSubentries", "the account has too many subentries"),
}

_CONTRACT_ERROR = re.compile(r"Error\(\s*Contract\s*,\s*#(\d+)\s*\)")


@dataclass(frozen=True)
class ContractErrorInfo:
    code: int
    name: str
    words: str
    #: The contract that raised it when known, and whether it is the stream contract.
    contract_id: str | None = None
    from_token: bool = False

    def __str__(self) -> str:
        text = f"{self.name} ({self.code}): {self.words}"
        if self.from_token:
            text = f"the token contract {self.contract_id or ''} refused: {text}".replace("  ", " ")
        return text


def describe_from(code: int, origin: str | None, stream_contract: str | None) -> ContractErrorInfo:
    """The error `code` raised by contract `origin`; stream names only for the stream contract.

    `stream_contract` is None when the call went to a token, not to a stream contract.
    """
    if stream_contract is not None and origin in (None, stream_contract):
        info = describe(code)
        return ContractErrorInfo(info.code, info.name, info.words, stream_contract)
    name, words = TOKEN_ERRORS.get(
        code, (f"ContractError{code}", "an error of that contract (see its documentation)")
    )
    return ContractErrorInfo(code, name, words, origin, from_token=True)


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
