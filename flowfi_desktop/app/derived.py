"""Honest words for a stream's state at a given time: what the contract's fields mean for the
user, including the states a bare ``status`` hides."""

from __future__ import annotations

from dataclasses import dataclass

from flowfi_desktop.app.dashboard import claimable, end_time
from flowfi_desktop.app.queries import StreamRow

STREAMING = "streaming"
FULLY_STREAMED = "fully_streamed"  # everything accrued, something not yet withdrawn
PAUSED = "paused"
CANCELLED = "cancelled"
COMPLETED = "completed"
NOT_STARTED = "not_started"

LABELS = {
    STREAMING: "Streaming",
    FULLY_STREAMED: "Fully streamed, not withdrawn",
    PAUSED: "Paused",
    CANCELLED: "Cancelled",
    COMPLETED: "Completed",
    NOT_STARTED: "Not started",
}


@dataclass(frozen=True)
class DerivedState:
    key: str
    label: str
    detail: str
    # Seconds by which the end can lie past ``start + requested duration`` because the rate was
    # rounded down (amount / duration); 0 when it cannot.
    rounding_delay: int = 0


def rounding_delay(deposited: int, rate: int) -> int:
    """At most how many seconds past the requested duration a stream of ``deposited`` at
    ``rate`` ends: the contract sets ``rate = deposited // duration`` and streams until
    ``ceil(deposited / rate)``; every duration ``d`` with ``deposited // d == rate`` is at least
    ``deposited // (rate + 1) + 1``."""
    if rate <= 0 or deposited <= 0:
        return 0
    actual = -(-deposited // rate)
    shortest_request = deposited // (rate + 1) + 1
    return max(actual - shortest_request, 0) if deposited % rate else 0


def derive(stream: StreamRow, now: int, created_deposit: int | None = None) -> DerivedState:
    """``created_deposit``: the net deposit at creation (from the ``stream_created`` event)."""
    delay = rounding_delay(
        created_deposit if created_deposit is not None else stream.deposited_amount,
        stream.rate_per_second,
    )
    if stream.status == "cancelled":
        return DerivedState(
            CANCELLED,
            LABELS[CANCELLED],
            "cancelled: the recipient kept what had accrued, the rest went back to the sender",
            delay,
        )
    if stream.status == "completed" or (
        not stream.is_active and stream.withdrawn_amount >= stream.deposited_amount
    ):
        return DerivedState(COMPLETED, LABELS[COMPLETED], "everything was withdrawn", delay)
    if stream.paused:
        return DerivedState(PAUSED, LABELS[PAUSED], "accrual is frozen until resumed", delay)
    end = end_time(stream, now)
    if now < stream.start_time:
        return DerivedState(NOT_STARTED, LABELS[NOT_STARTED], "starts later", delay)
    if now >= end and claimable(stream, now) > 0:
        return DerivedState(
            FULLY_STREAMED,
            LABELS[FULLY_STREAMED],
            "everything has accrued; the recipient has not withdrawn it all yet",
            delay,
        )
    detail = "tokens accrue every second"
    if delay:
        detail += f"; ends up to {delay} s later than requested because the rate was rounded down"
    return DerivedState(STREAMING, LABELS[STREAMING], detail, delay)
