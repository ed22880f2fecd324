"""Every function of the stream contract as a typed call: its arguments as SCVals, who must
authorize it, and what it does in words (contract-abi.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stellar_sdk import scval, xdr

from flowfi_desktop.addresses import parse_account, parse_address, parse_contract
from flowfi_desktop.amounts import I128_MAX, format_amount
from flowfi_desktop.durations import U64_MAX, format_duration
from flowfi_desktop.errors import InputError

MAX_FEE_BPS = 1_000
U32_MAX = 2**32 - 1


@dataclass(frozen=True)
class TokenRef:
    """What the words of a call need to know of a token."""

    contract_id: str
    decimals: int
    symbol: str

    def amount(self, units: int) -> str:
        return f"{format_amount(units, self.decimals)} {self.symbol}"


@dataclass(frozen=True)
class ContractCall:
    contract_id: str
    function: str
    args: list[xdr.SCVal]
    #: The address whose authorization the call needs (None for read-only calls).
    authorizer: str | None
    words: str
    #: Structured facts for the review (amounts in base units, ids, durations).
    facts: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    #: "stream" for the stream contract's functions, "token" for calls to a token contract.
    kind: str = "stream"

    @property
    def stream_contract(self) -> str | None:
        return self.contract_id if self.kind == "stream" else None


def check_stream_id(value: int) -> int:
    if not 1 <= value <= U64_MAX:
        raise InputError(f"stream id {value} is out of range: ids start at 1")
    return value


def check_positive_i128(value: int, what: str = "amount") -> int:
    if not 0 < value <= I128_MAX:
        raise InputError(f"{what} must be more than 0 and at most the i128 limit")
    return value


def _short(address: str) -> str:
    return f"{address[:5]}...{address[-4:]}"


# ---------------------------------------------------------------- streams


def create_stream(
    contract_id: str,
    sender: str,
    recipient: str,
    token: TokenRef,
    amount: int,
    duration: int,
) -> ContractCall:
    sender = parse_account(sender, what="sender")
    recipient = parse_address(recipient, what="recipient")
    token_id = parse_contract(token.contract_id, what="token")
    check_positive_i128(amount)
    if not 1 <= duration <= U64_MAX:
        raise InputError("duration must be at least one second")
    return ContractCall(
        contract_id,
        "create_stream",
        [
            scval.to_address(sender),
            scval.to_address(recipient),
            scval.to_address(token_id),
            scval.to_int128(amount),
            scval.to_uint64(duration),
        ],
        authorizer=sender,
        words=(
            f"create a stream of {token.amount(amount)} from {_short(sender)} to "
            f"{_short(recipient)} over {format_duration(duration)}"
        ),
        facts={
            "sender": sender,
            "recipient": recipient,
            "token": token_id,
            "amount": amount,
            "duration": duration,
        },
    )


def top_up_stream(
    contract_id: str, sender: str, stream_id: int, amount: int, token: TokenRef
) -> ContractCall:
    sender = parse_account(sender, what="sender")
    check_stream_id(stream_id)
    check_positive_i128(amount)
    return ContractCall(
        contract_id,
        "top_up_stream",
        [scval.to_address(sender), scval.to_uint64(stream_id), scval.to_int128(amount)],
        authorizer=sender,
        words=f"add {token.amount(amount)} to stream {stream_id} (sender {_short(sender)})",
        facts={
            "sender": sender,
            "stream_id": stream_id,
            "amount": amount,
            "token": token.contract_id,
        },
    )


def withdraw(contract_id: str, recipient: str, stream_id: int) -> ContractCall:
    recipient = parse_account(recipient, what="recipient")
    check_stream_id(stream_id)
    return ContractCall(
        contract_id,
        "withdraw",
        [scval.to_address(recipient), scval.to_uint64(stream_id)],
        authorizer=recipient,
        words=(f"withdraw everything claimable from stream {stream_id} to {_short(recipient)}"),
        facts={"recipient": recipient, "stream_id": stream_id},
    )


def _sender_call(
    function: str, contract_id: str, sender: str, stream_id: int, words: str
) -> ContractCall:
    sender = parse_account(sender, what="sender")
    check_stream_id(stream_id)
    return ContractCall(
        contract_id,
        function,
        [scval.to_address(sender), scval.to_uint64(stream_id)],
        authorizer=sender,
        words=words.format(id=stream_id, who=_short(sender)),
        facts={"sender": sender, "stream_id": stream_id},
    )


def cancel_stream(contract_id: str, sender: str, stream_id: int) -> ContractCall:
    return _sender_call(
        "cancel_stream",
        contract_id,
        sender,
        stream_id,
        "cancel stream {id}: pay the recipient what has accrued and refund the rest to {who}",
    )


def pause_stream(contract_id: str, sender: str, stream_id: int) -> ContractCall:
    return _sender_call(
        "pause_stream", contract_id, sender, stream_id, "pause stream {id} (sender {who})"
    )


def resume_stream(contract_id: str, sender: str, stream_id: int) -> ContractCall:
    return _sender_call(
        "resume_stream", contract_id, sender, stream_id, "resume stream {id} (sender {who})"
    )


# ---------------------------------------------------------------- protocol


def _fee_args(admin: str, treasury: str, fee_bps: int) -> list[xdr.SCVal]:
    if not 0 <= fee_bps <= MAX_FEE_BPS:
        raise InputError(f"fee rate {fee_bps} bps is out of range (0 to {MAX_FEE_BPS})")
    return [
        scval.to_address(parse_account(admin, what="admin")),
        scval.to_address(parse_address(treasury, what="treasury")),
        scval.to_uint32(fee_bps),
    ]


def initialize(contract_id: str, admin: str, treasury: str, fee_bps: int) -> ContractCall:
    return ContractCall(
        contract_id,
        "initialize",
        _fee_args(admin, treasury, fee_bps),
        authorizer=admin,
        words=(
            f"set up the contract's fees: {fee_bps} bps to treasury {_short(treasury)}, "
            f"admin {_short(admin)}"
        ),
        facts={"admin": admin, "treasury": treasury, "fee_bps": fee_bps},
    )


def update_fee_config(contract_id: str, admin: str, treasury: str, fee_bps: int) -> ContractCall:
    return ContractCall(
        contract_id,
        "update_fee_config",
        _fee_args(admin, treasury, fee_bps),
        authorizer=admin,
        words=f"change the fees to {fee_bps} bps, treasury {_short(treasury)}",
        facts={"admin": admin, "treasury": treasury, "fee_bps": fee_bps},
    )


def transfer_admin(contract_id: str, current_admin: str, new_admin: str) -> ContractCall:
    current = parse_account(current_admin, what="current admin")
    new = parse_address(new_admin, what="new admin")
    return ContractCall(
        contract_id,
        "transfer_admin",
        [scval.to_address(current), scval.to_address(new)],
        authorizer=current,
        words=f"hand the contract's admin role from {_short(current)} to {_short(new)}",
        facts={"current_admin": current, "new_admin": new},
    )


# ---------------------------------------------------------------- reads


def _read(contract_id: str, function: str, args: list[xdr.SCVal], words: str) -> ContractCall:
    return ContractCall(contract_id, function, args, None, words, read_only=True)


def get_stream(contract_id: str, stream_id: int) -> ContractCall:
    check_stream_id(stream_id)
    return _read(
        contract_id, "get_stream", [scval.to_uint64(stream_id)], f"read stream {stream_id}"
    )


def get_claimable_amount(contract_id: str, stream_id: int) -> ContractCall:
    check_stream_id(stream_id)
    return _read(
        contract_id,
        "get_claimable_amount",
        [scval.to_uint64(stream_id)],
        f"read what stream {stream_id} can pay out now",
    )


def is_stream_completed(contract_id: str, stream_id: int) -> ContractCall:
    check_stream_id(stream_id)
    return _read(
        contract_id,
        "is_stream_completed",
        [scval.to_uint64(stream_id)],
        f"ask whether stream {stream_id} is completed",
    )


def get_fee_config(contract_id: str) -> ContractCall:
    return _read(contract_id, "get_fee_config", [], "read the fee settings")
