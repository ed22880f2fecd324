"""Notification rules: compare what the index says now with what it said before, and say what
the user should hear about. The first look is a baseline (no flood of notices on first sync)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flowfi_desktop.app.dashboard import end_time
from flowfi_desktop.app.events import NoticeRaised
from flowfi_desktop.app.queries import StreamRow

Formatter = Callable[[str, int], str]  # (token address, base units) -> "12.5 XLM"
# What the rules remember of a stream: (cancelled, withdrawn, deposited). A tuple of a bool and
# ints, which the cyclic GC stops tracking: the rules may remember 100,000 streams, and as many
# tracked objects would make every full collection (on the GUI thread) walk them all.
Seen = tuple[bool, int, int]


def seen(stream: StreamRow) -> Seen:
    return (stream.status == "cancelled", stream.withdrawn_amount, stream.deposited_amount)


@dataclass
class NoticeRules:
    addresses: frozenset[str]
    fmt: Formatter
    running_dry_seconds: int = 3600
    _known: dict[int, Seen] = field(default_factory=dict)
    _baseline: bool = False
    _warned_dry: set[int] = field(default_factory=set)

    def baseline(self, streams: Iterable[StreamRow]) -> None:
        self.baseline_seen((s.stream_id, seen(s)) for s in streams)

    def baseline_seen(self, known: Iterable[tuple[int, Seen]]) -> None:
        """The first look, as (stream id, ``seen()``) pairs (``IndexReader.seen_by_notices``).
        What ``changed`` recorded before it (read on a worker meanwhile) is as new or newer, so
        it stays."""
        recorded = self._known
        self._known = dict(known)
        self._known.update(recorded)
        self._baseline = True

    def changed(self, streams: Iterable[StreamRow]) -> list[NoticeRaised]:
        """``streams``: the current rows of streams that changed (any, mine or not)."""
        out: list[NoticeRaised] = []
        for s in streams:
            mine_in = s.recipient in self.addresses
            mine_out = s.sender in self.addresses
            if not (mine_in or mine_out):
                continue
            old = self._known.get(s.stream_id)
            self._known[s.stream_id] = seen(s)
            if not self._baseline:
                continue
            if old is None:
                if mine_in:
                    out.append(
                        NoticeRaised(
                            "incoming_created",
                            "New incoming stream",
                            f"Stream #{s.stream_id}: "
                            f"{self.fmt(s.token_address, s.deposited_amount)} "
                            f"from {_short(s.sender)}",
                            s.stream_id,
                        )
                    )
                continue
            was_cancelled, old_withdrawn, old_deposited = old
            if s.status == "cancelled" and not was_cancelled:
                who = "You cancelled" if mine_out else f"{_short(s.sender)} cancelled"
                out.append(
                    NoticeRaised(
                        "cancelled",
                        "Stream cancelled",
                        f"{who} stream #{s.stream_id}; paid out "
                        f"{self.fmt(s.token_address, s.withdrawn_amount)}, refunded "
                        f"{self.fmt(s.token_address, s.refunded_amount)}",
                        s.stream_id,
                    )
                )
            elif s.withdrawn_amount > old_withdrawn:
                amount = s.withdrawn_amount - old_withdrawn
                out.append(
                    NoticeRaised(
                        "withdrawn",
                        "Withdrawal",
                        f"{self.fmt(s.token_address, amount)} withdrawn from stream #{s.stream_id}",
                        s.stream_id,
                    )
                )
            if s.deposited_amount > old_deposited:
                self._warned_dry.discard(s.stream_id)  # topped up: may warn again later
        return out

    def running_dry(self, candidates: Iterable[StreamRow], now: int) -> list[NoticeRaised]:
        """Outgoing active streams ending within ``running_dry_seconds`` (once per stream)."""
        out: list[NoticeRaised] = []
        for s in candidates:
            if s.sender not in self.addresses or not s.is_active or s.paused:
                continue
            end = end_time(s, now)
            if now < end <= now + self.running_dry_seconds and s.stream_id not in self._warned_dry:
                self._warned_dry.add(s.stream_id)
                minutes = max((end - now) // 60, 1)
                out.append(
                    NoticeRaised(
                        "running_dry",
                        "Outgoing stream about to run dry",
                        f"Stream #{s.stream_id} to {_short(s.recipient)} ends in about "
                        f"{minutes} min; top it up to keep it flowing",
                        s.stream_id,
                    )
                )
        return out


def _short(address: str) -> str:
    return f"{address[:5]}…{address[-4:]}" if len(address) > 12 else address
