"""Stream state rebuilt from the contract's events, applied strictly in event-id order.

Each handler mirrors what the contract did to its stored ``Stream`` when it emitted the event
(contracts/stream_contract/src/lib.rs); ``now`` is the ledger close time, which is the
contract's ``env.ledger().timestamp()``. Notable cases:

- ``fee_collected`` precedes ``stream_created`` in a create: the fee waits in ``pending_fees``
  until the stream exists.
- A top-up of a stream that had run dry emits ``tokens_withdrawn`` (the accrued balance, paid out
  and re-anchored at the accrual time) *before* ``stream_topped_up``; so ``tokens_withdrawn``
  never decides completion on its own: only ``stream_completed`` does.
- ``stream_resumed`` shifts the anchor by the pause; ``stream_cancelled`` carries the total
  withdrawn (final payout included) and re-anchors at the accrual time.

A stream whose state was read from chain storage (after a gap) carries ``as_of_ledger``: events at
or below it are already reflected and are recorded but not applied again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from flowfi_desktop.indexer import accrual

ACTIVE, PAUSED, CANCELLED, COMPLETED = "active", "paused", "cancelled", "completed"
STATUSES = (ACTIVE, PAUSED, CANCELLED, COMPLETED)


class StreamState(msgspec.Struct, gc=False):
    """One stream as the index keeps it. Not tracked by the cyclic GC (``gc=False``: its
    fields are numbers and strings, it can be in no cycle): the indexer caches up to
    ``plan.CACHE_MAX`` of them, and a full collection over tracked ones held the loop for
    50-150 ms during a large catch-up."""

    stream_id: int
    sender: str
    recipient: str
    token_address: str
    rate_per_second: int
    deposited_amount: int
    withdrawn_amount: int
    start_time: int
    last_update_time: int
    is_active: bool = True
    paused: bool = False
    paused_at: int | None = None
    status: str = ACTIVE
    # derived
    fees_paid: int = 0
    refunded_amount: int = 0
    created_ledger: int | None = None
    last_event_id: str | None = None
    updated_ledger: int = 0
    source: str = "events"
    as_of_ledger: int = 0

    def end_time(self, now: int) -> int:
        """When accrual ends (for an ended stream: when it ended)."""
        if not self.is_active:
            return self.last_update_time
        return accrual.end_time(self, now)

    def claimable(self, now: int) -> int:
        """What ``withdraw`` would pay at ``now`` (``get_claimable_amount``)."""
        return accrual.claimable_at(self, now) if self.is_active else 0

    def chain_fields(self) -> dict[str, Any]:
        """The fields of the contract's ``Stream`` struct (for comparisons with chain state)."""
        return {
            "sender": self.sender,
            "recipient": self.recipient,
            "token_address": self.token_address,
            "rate_per_second": self.rate_per_second,
            "deposited_amount": self.deposited_amount,
            "withdrawn_amount": self.withdrawn_amount,
            "start_time": self.start_time,
            "last_update_time": self.last_update_time,
            "is_active": self.is_active,
            "paused": self.paused,
            "paused_at": self.paused_at,
            "status": self.status,
        }


@dataclass
class ApplyResult:
    changed: set[int] = field(default_factory=set)
    orphans: int = 0  # events for streams the index does not know (history before a gap)
    anomalies: list[str] = field(default_factory=list)


class StreamApplier:
    """Applies decoded events to a dict of stream states (loaded by the caller)."""

    def __init__(self, streams: dict[int, StreamState], pending_fees: dict[int, int]) -> None:
        self.streams = streams
        self.pending_fees = pending_fees
        self.result = ApplyResult()

    def apply(
        self, event_id: str, ledger: int, now: int, name: str, fields: dict[str, Any]
    ) -> None:
        stream_id = fields.get("stream_id")
        if stream_id is None:  # protocol events change no stream
            return
        stream = self.streams.get(stream_id)
        if stream is not None and ledger <= stream.as_of_ledger:
            return  # already reflected in state read from the chain
        if name == "stream_created":
            if stream is not None:
                self.result.anomalies.append(f"{event_id}: stream {stream_id} created twice")
                return
            stream = StreamState(
                stream_id=stream_id,
                sender=fields["sender"],
                recipient=fields["recipient"],
                token_address=fields["token_address"],
                rate_per_second=fields["rate_per_second"],
                deposited_amount=fields["deposited_amount"],
                withdrawn_amount=0,
                start_time=fields["start_time"],
                last_update_time=fields["start_time"],
                fees_paid=self.pending_fees.pop(stream_id, 0),
                created_ledger=ledger,
            )
            self.streams[stream_id] = stream
        elif stream is None:
            if name == "fee_collected":
                self.pending_fees[stream_id] = (
                    self.pending_fees.get(stream_id, 0) + fields["fee_amount"]
                )
                return
            self.result.orphans += 1
            return
        elif name == "tokens_withdrawn":
            stream.withdrawn_amount += fields["amount"]
            stream.last_update_time = accrual.accrual_time(stream, fields["timestamp"])
        elif name == "stream_topped_up":
            if stream.deposited_amount + fields["amount"] != fields["new_deposited_amount"]:
                self.result.anomalies.append(
                    f"{event_id}: stream {stream_id} top-up does not add up"
                )
            stream.deposited_amount = fields["new_deposited_amount"]
        elif name == "stream_completed":
            stream.withdrawn_amount = fields["total_withdrawn"]
            stream.is_active = False
            stream.status = COMPLETED
        elif name == "stream_paused":
            stream.paused = True
            stream.paused_at = fields["paused_at"]
            stream.status = PAUSED
        elif name == "stream_resumed":
            paused_at = stream.paused_at if stream.paused_at is not None else now
            stream.last_update_time = min(
                stream.last_update_time + max(now - paused_at, 0), accrual.U64_MAX
            )
            stream.paused = False
            stream.paused_at = None
            stream.status = ACTIVE
        elif name == "stream_cancelled":
            stream.last_update_time = accrual.accrual_time(stream, now)
            stream.withdrawn_amount = fields["amount_withdrawn"]
            stream.refunded_amount = fields["refunded_amount"]
            stream.is_active = False
            stream.paused = False
            stream.paused_at = None
            stream.status = CANCELLED
        elif name == "fee_collected":
            stream.fees_paid += fields["fee_amount"]
        else:  # pragma: no cover - decode only yields known names
            raise AssertionError(name)
        stream.last_event_id = event_id
        stream.updated_ledger = ledger
        self.result.changed.add(stream_id)
