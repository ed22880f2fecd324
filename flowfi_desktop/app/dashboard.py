"""Dashboard figures per token, from indexed streams and the contract's accrual arithmetic.

Loaded once per change of the index (``Dashboard.load``, ``Dashboard.from_index``), then evaluated
at any ``now`` with integer arithmetic only, so the view can tick many times a second without
touching the database or the network.

The dashboard keeps no object per stream: an account may have 100,000 streams, and as many
long-lived objects would both make every tick a pass over all of them and give the cyclic
garbage collector's full passes (which hold the GUI thread) that many objects to walk. What it
keeps per token and side is a few sums, plus the unpaused active streams as sorted tuples of
plain ints (``Flowing``), which answer "what can they claim at ``now``" exactly with two binary
searches."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import accumulate
from operator import mul

from flowfi_desktop.app.queries import IndexReader, StreamRow
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


@dataclass(slots=True)
class _Terms:
    """One stream's accrual fields (``accrual.Accruing``), for the arithmetic at load time."""

    rate_per_second: int
    deposited_amount: int
    withdrawn_amount: int
    last_update_time: int
    paused: bool
    paused_at: int | None


class Flowing:
    """Unpaused active streams, as sorted tuples of ints with prefix sums (tuples of ints only,
    which the cyclic GC stops tracking: its passes need not read them).

    For one stream with rate ``r > 0``, last update ``t0``, remaining ``R`` and end
    ``e = accrual.end_time`` (``t0 + ceil(R / r)``, saturating), ``accrual.claimable_at`` is
    ``0`` before ``t0``, exactly ``r * (now - t0)`` for ``t0 <= now < e`` (less than ``R`` there,
    so neither the ``min`` nor the i128 saturation applies) and ``R`` from ``e`` on. A stream with
    ``r == 0`` never has anything claimable; one with ``r < 0`` (not a rate the contract takes,
    but the index may hold anything) has ``0`` until ``r * (now - t0)`` leaves the i128 range,
    at the jump ``j = t0 + 2**127 // -r + 1``, and ``R`` from then on (the saturation returns
    everything). A stream flows (``dashboard.accruing``) while ``now < e``; ``e >= t0`` always.
    So at ``now``, with the streams sorted by end, by ``t0`` and by jump:

        claimable = sum(R | e <= now, r > 0) + sum(r*(now - t0) | e > now, r > 0)
                    - sum(r*(now - t0) | t0 > now, r > 0) + sum(R | j <= now, r < 0)
        rate      = sum(rate | e > now)

    (every stream with ``t0 > now`` also has ``e > now``)."""

    __slots__ = (
        "_ends",
        "_jumped",
        "_jumps",
        "_r",
        "_rate",
        "_remaining",
        "_rt0",
        "_s_r",
        "_s_rt0",
        "_starts",
    )

    def __init__(self, streams: Iterable[tuple[int, int, int, int]]) -> None:
        """``streams``: ``(end, rate, t0, remaining)`` of each stream."""
        by_end = sorted(streams)
        columns = zip(*by_end, strict=True) if by_end else ((), (), (), ())
        ends, rates, starts, remaining = columns
        accrues = tuple(r if r > 0 else 0 for r in rates)  # how fast claimable amounts grow
        self._ends = ends
        self._rate = _prefix(rates)
        self._r = _prefix(accrues)
        self._rt0 = _prefix(map(mul, accrues, starts))
        self._remaining = _prefix(
            rem if r else 0 for r, rem in zip(accrues, remaining, strict=True)
        )
        by_start = sorted(zip(starts, accrues, strict=True))
        self._starts = tuple(t0 for t0, _ in by_start)
        self._s_r = _prefix(r for _, r in by_start)
        self._s_rt0 = _prefix(r * t0 for t0, r in by_start)
        by_jump = sorted(
            (t0 + (1 << 127) // -r + 1, rem)
            for r, t0, rem in zip(rates, starts, remaining, strict=True)
            if r < 0
        )
        self._jumps = tuple(j for j, _ in by_jump)
        self._jumped = _prefix(rem for _, rem in by_jump)

    def __len__(self) -> int:
        return len(self._ends)

    def at(self, now: int) -> tuple[int, int, int | None, int | None]:
        """(claimable, rate of the streams still flowing, earliest and latest end of those)."""
        n = len(self._ends)
        k = bisect_right(self._ends, now)  # [0, k) have ended, [k, n) still flow
        m = bisect_right(self._starts, now)  # [m, n) of the by-start order have not started
        flowing = now * (self._r[n] - self._r[k]) - (self._rt0[n] - self._rt0[k])
        waiting = now * (self._s_r[n] - self._s_r[m]) - (self._s_rt0[n] - self._s_rt0[m])
        jumped = self._jumped[bisect_right(self._jumps, now)]
        claimable = self._remaining[k] + flowing - waiting + jumped
        rate = self._rate[n] - self._rate[k]
        if k == n:
            return claimable, rate, None, None
        return claimable, rate, self._ends[k], self._ends[-1]


def _prefix(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(accumulate(values, initial=0))


@dataclass
class _Side:
    """One token's streams on one side (incoming or outgoing) of the account."""

    withdrawn: int = 0  # over every stream, active or not (incoming side only)
    remaining: int = 0  # accrual.remaining over active streams
    paused_claimable: int = 0  # over paused active streams (constant while paused)
    active: int = 0
    flowing: list[tuple[int, int, int, int]] = field(default_factory=list)  # while loading
    flow: Flowing = field(default_factory=lambda: Flowing(()))


class Dashboard:
    """Per-token sums over the streams of ``addresses``; ``totals(now)`` for any ``now``."""

    def __init__(self, addresses: frozenset[str]) -> None:
        self.addresses = addresses
        self._sides: dict[str, tuple[_Side, _Side]] = {}  # token -> (incoming, outgoing)
        self._open = True

    @classmethod
    def load(cls, addresses: frozenset[str], streams: Iterable[StreamRow]) -> Dashboard:
        board = cls(addresses)
        for s in streams:
            board._add(
                s.token_address,
                s.recipient in addresses,
                s.sender in addresses,
                s.is_active,
                _Terms(
                    s.rate_per_second,
                    s.deposited_amount,
                    s.withdrawn_amount,
                    s.last_update_time,
                    s.paused,
                    s.paused_at,
                ),
            )
        return board.done()

    @classmethod
    def from_index(
        cls, reader: IndexReader, contract_ref: int, addresses: tuple[str, ...]
    ) -> Dashboard:
        """The few columns the totals need, read row by row (no ``StreamRow`` per stream)."""
        board = cls(frozenset(addresses))
        terms = _Terms(0, 0, 0, 0, False, None)  # one, refilled per row
        add = board._add
        for row in reader.dashboard_terms(contract_ref, addresses):
            token, incoming, outgoing, is_active = row[:4]
            (
                terms.rate_per_second,
                terms.deposited_amount,
                terms.withdrawn_amount,
                terms.last_update_time,
                terms.paused,
                terms.paused_at,
            ) = row[4:]
            add(token, incoming, outgoing, is_active, terms)
        return board.done()

    def _add(
        self, token: str, incoming: bool, outgoing: bool, is_active: bool, terms: _Terms
    ) -> None:
        """Folds one stream in (``terms`` is read here, not kept)."""
        assert self._open, "_add() after done()"
        if not (incoming or outgoing):
            return
        sides = self._sides.get(token)
        if sides is None:
            sides = self._sides[token] = (_Side(), _Side())
        if incoming:
            sides[0].withdrawn += terms.withdrawn_amount
        if not is_active:
            return
        remaining = accrual.remaining(terms)
        claimable = 0
        flowing = None
        if terms.paused:
            claimable = accrual.claimable_at(terms, terms.last_update_time)
        else:
            end = accrual.end_time(terms, terms.last_update_time)
            flowing = (end, terms.rate_per_second, terms.last_update_time, remaining)
        for side, mine in ((sides[0], incoming), (sides[1], outgoing)):
            if mine:
                side.active += 1
                side.remaining += remaining
                side.paused_claimable += claimable
                if flowing is not None:
                    side.flowing.append(flowing)

    def done(self) -> Dashboard:
        for sides in self._sides.values():
            for side in sides:
                side.flow = Flowing(side.flowing)
                side.flowing = []
        self._open = False
        return self

    def tokens(self) -> set[str]:
        """Every token of the account's streams (ended ones too)."""
        return set(self._sides)

    def active_streams(self) -> int:
        """How many active streams the totals cover (a stream to oneself counts once per side)."""
        return sum(i.active + o.active for i, o in self._sides.values())

    def totals(self, now: int) -> dict[str, TokenTotals]:
        out: dict[str, TokenTotals] = {}
        for token, (incoming, outgoing) in self._sides.items():
            t = out[token] = TokenTotals(token)
            claim_in, t.incoming_rate, _, _ = incoming.flow.at(now)
            t.withdrawable = incoming.paused_claimable + claim_in
            t.incoming_streamed = incoming.withdrawn + t.withdrawable
            t.active_incoming = incoming.active
            claim_out, t.outgoing_rate, t.next_dry_at, t.runway_until = outgoing.flow.at(now)
            t.outgoing_remaining = outgoing.remaining - outgoing.paused_claimable - claim_out
            t.active_outgoing = outgoing.active
        return out
