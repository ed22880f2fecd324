"""The series a stream's chart draws, from its events and current state: accrued (what the
recipient has earned: withdrawn + claimable) and withdrawn over time, from the start to the
projected end, with markers for top-ups, withdrawals, pauses, resumes and the end.

The history is rebuilt from the indexed events with the contract's rules (a top-up of a stream
that had run dry does not make the dry period claimable; a resume shifts the anchor; a cancel
freezes what had accrued). ``accrued_at(now)`` for the live end of the curve uses the current
indexed state and the contract's own arithmetic, so the chart and the figures agree."""

from __future__ import annotations

from dataclasses import dataclass, field

from flowfi_desktop.app.dashboard import end_time, streamed
from flowfi_desktop.app.queries import EventRow, StreamRow

MARKER_KINDS = {
    "stream_topped_up": "top-up",
    "tokens_withdrawn": "withdrawal",
    "stream_paused": "pause",
    "stream_resumed": "resume",
    "stream_cancelled": "cancel",
    "stream_completed": "completed",
}


@dataclass
class Marker:
    time: int
    amount: int  # accrued at that time (base units), where the marker sits
    kind: str
    event_id: str


@dataclass
class ChartSeries:
    """Times in Unix seconds, amounts in base units (ints): the view scales them."""

    start: int
    end: int  # projected end (or when it ended)
    accrued: list[tuple[int, int]] = field(default_factory=list)  # history up to ``as_of``
    projection: list[tuple[int, int]] = field(default_factory=list)  # from ``as_of`` to end
    withdrawn: list[tuple[int, int]] = field(default_factory=list)  # steps
    markers: list[Marker] = field(default_factory=list)
    as_of: int = 0


class _Replay:
    def __init__(self, start: int) -> None:
        self.rate = 0
        self.deposited = 0
        self.base = 0  # accrued at ``anchor``
        self.anchor = start
        self.paused = False
        self.frozen = False

    def accrued(self, t: int) -> int:
        if self.paused or self.frozen:
            return self.base
        return min(self.base + self.rate * max(t - self.anchor, 0), self.deposited)

    def dry_at(self) -> int | None:
        """When accrual reaches the deposit (None: paused, frozen or already there)."""
        if self.paused or self.frozen or self.rate <= 0 or self.base >= self.deposited:
            return None
        return self.anchor + -(-(self.deposited - self.base) // self.rate)

    def rebase(self, t: int) -> None:
        self.base = self.accrued(t)
        self.anchor = t


def _int(fields: dict[str, object], key: str) -> int:
    value = fields.get(key, 0)
    return int(value) if isinstance(value, int | str) else 0


def build_series(stream: StreamRow, events: list[EventRow], now: int) -> ChartSeries:
    replay = _Replay(stream.start_time)
    points: list[tuple[int, int]] = [(stream.start_time, 0)]
    withdrawn = 0
    steps: list[tuple[int, int]] = [(stream.start_time, 0)]
    markers: list[Marker] = []

    def advance_to(t: int) -> None:
        dry = replay.dry_at()
        if dry is not None and points[-1][0] < dry < t:
            points.append((dry, replay.deposited))

    for e in events:
        t = e.close_time
        if e.type == "stream_created":
            replay.rate = _int(e.fields, "rate_per_second")
            replay.deposited = _int(e.fields, "deposited_amount")
            replay.anchor = _int(e.fields, "start_time") or t
            continue
        if e.type not in MARKER_KINDS:
            continue
        advance_to(t)
        value = replay.accrued(t)
        if e.type == "stream_topped_up":
            replay.rebase(t)  # a dry stream restarts from here; the dry period is not paid
            replay.deposited = _int(e.fields, "new_deposited_amount")
        elif e.type == "tokens_withdrawn":
            withdrawn += _int(e.fields, "amount")
            steps += [(t, steps[-1][1]), (t, withdrawn)]
        elif e.type == "stream_paused":
            replay.rebase(t)
            replay.paused = True
        elif e.type == "stream_resumed":
            replay.paused = False
            replay.anchor = t
        elif e.type == "stream_cancelled":
            value = _int(e.fields, "amount_withdrawn")
            replay.base, replay.frozen = value, True
            if withdrawn != value:
                withdrawn = value
                steps += [(t, steps[-1][1]), (t, withdrawn)]
        elif e.type == "stream_completed":
            replay.rebase(t)
            replay.frozen = True
        points.append((t, value))
        markers.append(Marker(t, value, MARKER_KINDS[e.type], e.id))

    end = end_time(stream, now)
    if stream.is_active:
        as_of = max(now, points[-1][0])
        current = streamed(stream, as_of)  # the contract's arithmetic on the indexed state
        if not stream.paused:
            dry = replay.dry_at()
            if dry is not None and points[-1][0] < dry < as_of:
                points.append((dry, min(replay.accrued(dry), current)))
        points.append((as_of, current))
        projection = [(as_of, current)]
        if not stream.paused and end > as_of:
            projection.append((end, stream.deposited_amount))
    else:
        as_of = max(stream.last_update_time, points[-1][0])
        if points[-1][0] < as_of:
            points.append((as_of, points[-1][1]))
        projection = []
        end = as_of
    steps.append((max(as_of, steps[-1][0]), withdrawn))
    return ChartSeries(stream.start_time, end, points, projection, steps, markers, as_of)


def accrued_now(stream: StreamRow, now: int) -> int:
    return streamed(stream, now)
