"""The contract's stream arithmetic, mirrored exactly (contracts/stream_contract/src/accrual.rs).

``claimable(now) = min(rate * (t - last_update_time), deposited - withdrawn)`` with ``t`` =
``paused_at`` while paused, else ``now``; a product beyond i128 saturates to the remaining
balance.
"""

from __future__ import annotations

from typing import Protocol

U64_MAX = (1 << 64) - 1
I128_MIN = -(1 << 127)
I128_MAX = (1 << 127) - 1


class Accruing(Protocol):
    rate_per_second: int
    deposited_amount: int
    withdrawn_amount: int
    last_update_time: int
    paused: bool
    paused_at: int | None


def remaining(stream: Accruing) -> int:
    """Net tokens still held for the stream (accrued or not)."""
    left = stream.deposited_amount - stream.withdrawn_amount
    if not I128_MIN <= left <= I128_MAX:  # checked_sub(...).unwrap_or(0)
        return 0
    return max(left, 0)


def accrual_time(stream: Accruing, now: int) -> int:
    if stream.paused:
        return stream.paused_at if stream.paused_at is not None else stream.last_update_time
    return now


def claimable_at(stream: Accruing, now: int) -> int:
    left = remaining(stream)
    elapsed = max(accrual_time(stream, now) - stream.last_update_time, 0)
    streamed = elapsed * stream.rate_per_second
    if not I128_MIN <= streamed <= I128_MAX:
        return left
    return min(max(streamed, 0), left)


def seconds_to_stream(amount: int, rate: int) -> int:
    """``ceil(amount / rate)`` whole seconds, saturating at u64::MAX."""
    if amount <= 0 or rate <= 0:
        return 0
    whole, rest = divmod(amount, rate)
    return min(whole + (1 if rest else 0), U64_MAX)


def end_time(stream: Accruing, now: int) -> int:
    """When everything deposited will have accrued; for a paused stream, as if resumed now."""
    if stream.paused and stream.paused_at is not None:
        anchor = min(stream.last_update_time + max(now - stream.paused_at, 0), U64_MAX)
    else:
        anchor = stream.last_update_time
    return min(anchor + seconds_to_stream(remaining(stream), stream.rate_per_second), U64_MAX)


def fee_for(amount: int, fee_rate_bps: int) -> int:
    """``floor(amount * bps / 10_000)`` as the contract computes it (Rust division truncates)."""

    def tdiv(a: int, b: int) -> int:
        q = abs(a) // abs(b)
        return q if (a >= 0) == (b >= 0) else -q

    def trem(a: int, b: int) -> int:
        return a - b * tdiv(a, b)

    return tdiv(amount, 10_000) * fee_rate_bps + tdiv(trem(amount, 10_000) * fee_rate_bps, 10_000)
