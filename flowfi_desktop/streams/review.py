"""What a careful user needs to see before signing: the call in words, the total fee, every
balance change the simulation shows, and warnings.

Balance changes come from the token events in the simulation (`transfer`, `mint`, `burn`,
`clawback`, CAP-67 / SEP-41 shapes), not from our own arithmetic, so they show what the
contract and the token would really do.
"""

from __future__ import annotations

import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from stellar_sdk import Address, StrKey, scval, xdr

from flowfi_desktop.amounts import format_amount
from flowfi_desktop.durations import format_duration
from flowfi_desktop.streams.calls import ContractCall, TokenRef

STROOPS_PER_XLM = 10_000_000


@dataclass(frozen=True)
class ContractEventInfo:
    contract_id: str
    topics: list[Any]
    data: Any

    @property
    def name(self) -> str:
        return str(self.topics[0]) if self.topics else ""


def _native(value: xdr.SCVal) -> Any:
    native = scval.to_native(value)
    if isinstance(native, Address):
        return native.address
    if isinstance(native, bytes):
        return native
    if isinstance(native, dict):
        return {
            (k.address if isinstance(k, Address) else k): (
                v.address if isinstance(v, Address) else v
            )
            for k, v in native.items()
        }
    return native


def decode_contract_event(event: xdr.ContractEvent) -> ContractEventInfo | None:
    if event.type != xdr.ContractEventType.CONTRACT or event.contract_id is None:
        return None
    body = event.body.v0
    if body is None:
        return None
    contract = StrKey.encode_contract(event.contract_id.contract_id.hash)
    try:
        topics = [_native(t) for t in body.topics]
        data = _native(body.data)
    except (ValueError, TypeError, NotImplementedError):
        return None
    return ContractEventInfo(contract, topics, data)


def decode_diagnostic_events(encoded: Iterable[str]) -> list[ContractEventInfo]:
    """Contract events from base64 `DiagnosticEvent`s (skips host diagnostics, failed calls)."""
    found = []
    for item in encoded:
        try:
            diagnostic = xdr.DiagnosticEvent.from_xdr(item)
        except (ValueError, IndexError, TypeError, binascii.Error):
            continue
        if not diagnostic.in_successful_contract_call:
            continue
        info = decode_contract_event(diagnostic.event)
        if info is not None:
            found.append(info)
    return found


@dataclass(frozen=True)
class BalanceChange:
    address: str
    token: str
    amount: int  # signed base units: negative leaves the address

    def to_json(self) -> dict[str, str]:
        return {"address": self.address, "token": self.token, "amount": str(self.amount)}


def _amount_of(data: Any) -> int | None:
    if isinstance(data, int) and not isinstance(data, bool):
        return data
    if isinstance(data, dict) and isinstance(data.get("amount"), int):
        return int(data["amount"])
    return None


def balance_changes(events: Iterable[ContractEventInfo]) -> list[BalanceChange]:
    """Net change per (address, token), in order of first appearance, zeros dropped."""
    totals: dict[tuple[str, str], int] = {}
    for event in events:
        amount = _amount_of(event.data)
        if amount is None or not event.topics:
            continue
        moves: list[tuple[str, int]] = []
        name, topics = event.name, event.topics
        if name == "transfer" and len(topics) >= 3:
            moves = [(str(topics[1]), -amount), (str(topics[2]), amount)]
        elif name == "mint" and len(topics) >= 2:
            # CAP-67: ["mint", to, asset]; older SAC: ["mint", admin, to, asset].
            to = topics[2] if len(topics) == 4 else topics[1]
            moves = [(str(to), amount)]
        elif name in ("burn", "clawback") and len(topics) >= 2:
            source = topics[2] if name == "clawback" and len(topics) == 4 else topics[1]
            moves = [(str(source), -amount)]
        for address, delta in moves:
            key = (address, event.contract_id)
            totals[key] = totals.get(key, 0) + delta
    return [BalanceChange(a, t, v) for (a, t), v in totals.items() if v != 0]


@dataclass
class Review:
    call: ContractCall
    source: str
    inclusion_fee: int
    resource_fee: int
    changes: list[BalanceChange]
    events: list[ContractEventInfo]
    warnings: list[str] = field(default_factory=list)
    #: Addresses other than the source that must sign an authorization entry.
    other_signers: list[str] = field(default_factory=list)
    #: Facts worth knowing that need no decision (unlike warnings).
    notes: list[str] = field(default_factory=list)

    @property
    def total_fee(self) -> int:
        return self.inclusion_fee + self.resource_fee

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.call.function,
            "contract_id": self.call.contract_id,
            "words": self.call.words,
            "source": self.source,
            "fee": {
                "inclusion": str(self.inclusion_fee),
                "resource": str(self.resource_fee),
                "total": str(self.total_fee),
            },
            "balance_changes": [c.to_json() for c in self.changes],
            "warnings": list(self.warnings),
            "other_signers": list(self.other_signers),
            "notes": list(self.notes),
        }

    def render(self, tokens: Mapping[str, TokenRef], names: Mapping[str, str]) -> str:
        def who(address: str) -> str:
            name = names.get(address)
            return f"{name} ({address})" if name else address

        lines = [
            f"You are about to {self.call.words}.",
            f"  contract:  {self.call.contract_id} -> {self.call.function}",
            f"  signed by: {who(self.source)}",
        ]
        lines += [f"  also authorized by: {who(a)}" for a in self.other_signers]
        lines.append(
            f"  fee:       {format_amount(self.total_fee, 7)} XLM "
            f"(inclusion {self.inclusion_fee} + resources {self.resource_fee} stroops)"
        )
        if self.changes:
            lines.append("  balance changes (from the simulation):")
            for change in self.changes:
                token = tokens.get(change.token)
                sign = "+" if change.amount > 0 else ""
                if token:
                    shown = f"{sign}{format_amount(change.amount, token.decimals)} {token.symbol}"
                else:
                    shown = f"{change.amount:+d} base units of {change.token}"
                lines.append(f"    {who(change.address)}: {shown}")
        else:
            lines.append("  balance changes: none")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for warning in self.warnings:
            lines.append(f"  WARNING: {warning}")
        return "\n".join(lines)


def stream_warnings(
    call: ContractCall,
    events: list[ContractEventInfo],
    token: TokenRef | None,
) -> list[str]:
    """Warnings specific to creating and topping up streams."""
    warnings: list[str] = []
    facts = call.facts
    if call.function == "create_stream":
        if facts["sender"] == facts["recipient"]:
            warnings.append("the recipient is the sender: the stream pays back to yourself")
        created = next((e for e in events if e.name == "stream_created"), None)
        if created is not None and isinstance(created.data, dict):
            rate = int(created.data.get("rate_per_second", 0))
            deposited = int(created.data.get("deposited_amount", 0))
            warnings += rate_warnings(rate, deposited, int(facts["duration"]), token)
    return warnings


def rate_warnings(rate: int, deposited: int, duration: int, token: TokenRef | None) -> list[str]:
    """A rate that does not divide the deposit exactly: the end moves, part streams later."""
    if rate <= 0:
        return []
    streamed_in_duration = min(rate * duration, deposited)
    rest = deposited - streamed_in_duration
    if rest <= 0:
        return []
    seconds = -(-deposited // rate)  # ceil
    shown = token.amount(rest) if token else f"{rest} base units"
    return [
        f"the rate rounds down to {rate} base units a second: {shown} of the deposit is not "
        f"streamed within the requested {format_duration(duration)}",
        f"the stream's computed end differs from the requested duration: it runs "
        f"{format_duration(seconds)} instead of {format_duration(duration)}",
    ]


def fee_warnings(total_fee: int, threshold: int) -> list[str]:
    if threshold and total_fee > threshold:
        return [
            f"the fee {format_amount(total_fee, 7)} XLM is above your warning threshold "
            f"{format_amount(threshold, 7)} XLM"
        ]
    return []
