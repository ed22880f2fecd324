"""Dashboard figures per token, from indexed streams and the contract's accrual arithmetic.

Loaded once per change of the index (``Dashboard.load``), then evaluated at any ``now`` with
integer arithmetic only, so the view can tick many times a second without touching the database
or the network."""

from __future__ import annotations

from dataclasses import dataclass, field

from flowfi_desktop.app.queries import StreamRow
from flowfi_desktop.indexer import accrual


@dataclass
class TokenTotals:
    token: str
    incoming_streamed: int = 0  # withdrawn + claimable, over incoming streams
    withdrawable: int = 0  # claimable now, over incoming streams
    outgoing_remaining: int = 0  # still to stream, over active outgoing streams
    incoming_rate: int = 0  # base units per second, accruing right now
    outgoing_rate: int = 0
    active_incoming: int = 0
    active_outgoing: int = 0
    next_dry_at: int | None = None  # earliest end of an active outgoing stream
    runway_until: int | None = None  # when the last active outgoing stream ends

    def runway_seconds(self, now: int) -> int | None:
        return None if self.runway_until is None else max(self.runway_until - now, 0)


def streamed(stream: StreamRow, now: int) -> int:
    """What the recipient has received or can claim at ``now``."""
    if not stream.is_active:
        return stream.withdrawn_amount
    return stream.withdrawn_amount + accrual.claimable_at(stream, now)


def claimable(stream: StreamRow, now: int) -> int:
    return accrual.claimable_at(stream, now) if stream.is_active else 0


def still_to_stream(stream: StreamRow, now: int) -> int:
    if not stream.is_active:
        return 0
    return accrual.remaining(stream) - accrual.claimable_at(stream, now)


def end_time(stream: StreamRow, now: int) -> int:
    return accrual.end_time(stream, now) if stream.is_active else stream.last_update_time


def accruing(stream: StreamRow, now: int) -> bool:
    return stream.is_active and not stream.paused and end_time(stream, now) > now


@dataclass
class Dashboard:
    addresses: frozenset[str]
    streams: list[StreamRow] = field(default_factory=list)

    @classmethod
    def load(cls, addresses: frozenset[str], streams: list[StreamRow]) -> Dashboard:
        return cls(addresses, streams)

    def totals(self, now: int) -> dict[str, TokenTotals]:
        out: dict[str, TokenTotals] = {}
        for s in self.streams:
            incoming = s.recipient in self.addresses
            outgoing = s.sender in self.addresses
            if not (incoming or outgoing):
                continue
            t = out.get(s.token_address)
            if t is None:
                t = out[s.token_address] = TokenTotals(s.token_address)
            flowing = accruing(s, now)
            if incoming:
                t.incoming_streamed += streamed(s, now)
                t.withdrawable += claimable(s, now)
                if s.is_active:
                    t.active_incoming += 1
                if flowing:
                    t.incoming_rate += s.rate_per_second
            if outgoing and s.is_active:
                t.outgoing_remaining += still_to_stream(s, now)
                t.active_outgoing += 1
                if flowing:
                    t.outgoing_rate += s.rate_per_second
                    end = end_time(s, now)
                    t.next_dry_at = end if t.next_dry_at is None else min(t.next_dry_at, end)
                    t.runway_until = end if t.runway_until is None else max(t.runway_until, end)
        return out
