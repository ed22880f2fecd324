"""The Qt-free application layer: queries over a real index file, dashboard arithmetic, derived
states, notification rules, preferences, and the session."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowfi_desktop.app import dashboard, derived
from flowfi_desktop.app.dashboard import Dashboard, TokenTotals
from flowfi_desktop.app.events import NoticeRaised, StreamsChanged
from flowfi_desktop.app.notices import NoticeRules
from flowfi_desktop.app.preferences import Preferences
from flowfi_desktop.app.queries import IndexReader, StreamQuery, StreamRow
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.app.tokenbook import TokenBook
from flowfi_desktop.errors import InputError
from flowfi_desktop.networks import LOCAL_PASSPHRASE
from flowfi_desktop.store.i128 import decode_i128
from tests.ui.data import ME, NATIVE, NOW, OTHER, TOKEN, demo_data_dir, row


def test_dashboard_totals_per_token() -> None:
    incoming = row(stream_id=1)  # 10/s since NOW-50, 1000 deposited
    withdrawn = row(stream_id=2, withdrawn_amount=300, last_update_time=NOW - 20)
    outgoing = row(stream_id=3, sender=ME, recipient=OTHER, token_address=TOKEN, rate_per_second=7)
    paused = row(stream_id=4, sender=ME, recipient=OTHER, paused=True, paused_at=NOW - 40)
    cancelled = row(stream_id=5, is_active=False, status="cancelled", withdrawn_amount=120)
    board = Dashboard.load(frozenset({ME}), [incoming, withdrawn, outgoing, paused, cancelled])
    totals = board.totals(NOW)
    xlm, tok = totals[NATIVE], totals[TOKEN]
    assert xlm.withdrawable == 500 + 200
    assert xlm.incoming_streamed == 500 + (300 + 200) + 120
    assert xlm.incoming_rate == 20  # the two accruing incoming streams
    assert xlm.outgoing_remaining == 1_000 - 100  # paused after 10 s: 100 accrued
    assert xlm.outgoing_rate == 0  # paused streams do not flow
    assert tok.outgoing_remaining == 1_000 - 350
    assert tok.outgoing_rate == 7
    assert tok.next_dry_at == NOW - 50 + 143  # ceil(1000 / 7)
    assert tok.runway_seconds(NOW) == 93
    later = board.totals(NOW + 10)
    assert later[NATIVE].withdrawable == xlm.withdrawable + 200
    assert board.totals(NOW + 10_000)[NATIVE].withdrawable == 1_000 + 700


def per_stream_totals(
    addresses: frozenset[str], streams: list[StreamRow], now: int
) -> dict[str, TokenTotals]:
    """The dashboard's totals the plain way, stream by stream (what ``Dashboard`` computes from
    sorted sums instead)."""
    out: dict[str, TokenTotals] = {}
    for s in streams:
        incoming, outgoing = s.recipient in addresses, s.sender in addresses
        if not (incoming or outgoing):
            continue
        t = out.setdefault(s.token_address, TokenTotals(s.token_address))
        flowing = dashboard.accruing(s, now)
        if incoming:
            t.incoming_streamed += dashboard.streamed(s, now)
            t.withdrawable += dashboard.claimable(s, now)
            t.active_incoming += s.is_active
            t.incoming_rate += s.rate_per_second if flowing else 0
        if outgoing and s.is_active:
            t.outgoing_remaining += dashboard.still_to_stream(s, now)
            t.active_outgoing += 1
            if flowing:
                t.outgoing_rate += s.rate_per_second
                end = dashboard.end_time(s, now)
                t.next_dry_at = end if t.next_dry_at is None else min(t.next_dry_at, end)
                t.runway_until = end if t.runway_until is None else max(t.runway_until, end)
    return out


_I128 = st.integers(-(1 << 127), (1 << 127) - 1)
_amount = st.one_of(st.integers(0, 10**12), _I128)
_stream = st.builds(
    lambda sid, side, token, rate, deposited, withdrawn, t0, active, paused, paused_at: row(
        stream_id=sid,
        sender=ME if side in ("out", "self") else OTHER,
        recipient=ME if side in ("in", "self") else OTHER,
        token_address=token,
        rate_per_second=rate,
        deposited_amount=deposited,
        withdrawn_amount=withdrawn,
        last_update_time=t0,
        is_active=active,
        status="active" if active else "cancelled",
        paused=paused,
        paused_at=paused_at,
    ),
    st.integers(1, 10**6),
    st.sampled_from(["in", "out", "self", "neither"]),
    st.sampled_from([NATIVE, TOKEN]),
    st.one_of(st.integers(-2, 1_000), st.integers(0, 1 << 126), _I128),
    _amount,
    _amount,
    st.integers(NOW - 2_000, NOW + 100),
    st.booleans(),
    st.booleans(),
    st.one_of(st.none(), st.integers(NOW - 2_000, NOW + 100)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_stream, max_size=30), st.lists(st.integers(NOW - 2_100, NOW + 2_000), max_size=8))
def test_dashboard_sums_equal_the_per_stream_arithmetic(
    streams: list[StreamRow], times: list[int]
) -> None:
    """Exact, at any ``now``, whatever the streams: paused, not yet started (a last update after
    ``now``), ended, zero or saturating rates, amounts at the ends of i128."""
    board = Dashboard.load(frozenset({ME}), streams)
    for now in [NOW, *times]:
        assert board.totals(now) == per_stream_totals(frozenset({ME}), streams, now)


def test_a_negative_rate_whose_accrual_leaves_i128_makes_everything_claimable() -> None:
    """The case the property test found in CI: ``r * elapsed`` below i128's minimum saturates
    to the whole remaining amount, from the second it first does."""
    rate = -85_070_591_730_234_615_865_843_651_857_942_053  # about -2**126: the jump is t0 + 3
    streams = [row(rate_per_second=rate, deposited_amount=1, last_update_time=NOW - 2_000)]
    board = Dashboard.load(frozenset({ME}), streams)
    for now in (NOW - 2_000, NOW - 1_998, NOW - 1_997, NOW):
        assert board.totals(now) == per_stream_totals(frozenset({ME}), streams, now)
    assert board.totals(NOW)[NATIVE].withdrawable == 1


def test_derived_states_are_honest() -> None:
    assert derived.derive(row(), NOW).key == derived.STREAMING
    dry = row(start_time=NOW - 200, last_update_time=NOW - 200)
    assert derived.derive(dry, NOW).key == derived.FULLY_STREAMED
    assert derived.derive(row(paused=True, paused_at=NOW), NOW).key == derived.PAUSED
    cancelled = row(is_active=False, status="cancelled")
    assert derived.derive(cancelled, NOW).key == derived.CANCELLED
    done = row(is_active=False, status="completed", withdrawn_amount=1_000)
    assert derived.derive(done, NOW).key == derived.COMPLETED
    # 1000 over a requested 3 s: rate 333, runs ceil(1000/333) = 4 s, 1 s later than asked.
    assert derived.rounding_delay(1_000, 333) == 1
    assert derived.rounding_delay(1_000, 10) == 0
    late = derived.derive(row(rate_per_second=333), NOW - 49)
    assert late.rounding_delay == 1
    assert "later than requested" in late.detail


def test_changes_recorded_while_the_baseline_is_read_are_kept() -> None:
    """An account switch reads the rules' baseline on a worker; a change the rules saw
    meanwhile is newer than that read and must not be notified again once it lands."""
    book = TokenBook(LOCAL_PASSPHRASE)
    rules = NoticeRules(frozenset({ME}), book.format)
    assert rules.changed([row(stream_id=1, withdrawn_amount=400)]) == []  # no baseline yet
    rules.baseline_seen([(1, (False, 0, 1_000)), (2, (False, 0, 1_000))])  # read before it
    assert rules.changed([row(stream_id=1, withdrawn_amount=400)]) == []
    assert [n.kind for n in rules.changed([row(stream_id=2, withdrawn_amount=9)])] == ["withdrawn"]


def test_an_account_switch_reads_the_baseline_off_the_loop(tmp_path: Path, run) -> None:
    demo_data_dir(tmp_path, 300)
    session = AppSession(tmp_path, clock=lambda: NOW)
    run(_open(session))
    loop_thread = threading.get_ident()
    read_on: list[int] = []
    original = IndexReader.seen_by_notices

    def recording(reader: IndexReader, *args: Any) -> Any:
        read_on.append(threading.get_ident())
        return original(reader, *args)

    async def switch() -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(IndexReader, "seen_by_notices", recording)
            session.switch_account(session.account.name if session.account else None)
            assert not session.rules._baseline  # not read on the loop's thread
            await session.rules_ready()
        assert session.rules._baseline

    run(switch())
    assert read_on
    assert loop_thread not in read_on
    run(session.close())


def test_notice_rules_baseline_then_changes() -> None:
    book = TokenBook(LOCAL_PASSPHRASE)
    rules = NoticeRules(frozenset({ME}), book.format, running_dry_seconds=600)
    rules.baseline([row(stream_id=1), row(stream_id=2, sender=ME, recipient=OTHER)])
    assert rules.changed([row(stream_id=1)]) == []
    new = rules.changed([row(stream_id=3, deposited_amount=25_000_000)])
    assert [n.kind for n in new] == ["incoming_created"]
    assert "2.5 XLM" in new[0].text
    assert rules.changed([row(stream_id=99, sender=OTHER, recipient=OTHER)]) == []
    withdrawal = rules.changed([row(stream_id=1, withdrawn_amount=400)])
    assert [n.kind for n in withdrawal] == ["withdrawn"]
    cancel = rules.changed(
        [row(stream_id=2, sender=ME, recipient=OTHER, is_active=False, status="cancelled")]
    )
    assert [n.kind for n in cancel] == ["cancelled"]
    assert cancel[0].text.startswith("You cancelled")
    ending = row(stream_id=7, sender=ME, recipient=OTHER)  # ends at NOW + 50
    assert [n.kind for n in rules.running_dry([ending], NOW)] == ["running_dry"]
    assert rules.running_dry([ending], NOW + 1) == []  # once per stream
    far = row(stream_id=8, sender=ME, recipient=OTHER, deposited_amount=10**9)
    assert rules.running_dry([far], NOW) == []


def test_first_look_raises_no_notices() -> None:
    rules = NoticeRules(frozenset({ME}), TokenBook(LOCAL_PASSPHRASE).format)
    assert rules.changed([row(stream_id=5)]) == []  # no baseline yet: nothing to compare


def test_reader_filters_searches_and_sorts_a_real_index(tmp_path: Path) -> None:
    demo = demo_data_dir(tmp_path, 400)
    reader = IndexReader(demo.path)
    ref = demo.contract_ref
    raw = sqlite3.connect(demo.path)
    everything = raw.execute(
        "SELECT stream_id, sender, recipient, status, deposited_amount FROM streams"
    ).fetchall()
    mine_in = [r for r in everything if r[2] == ME]
    mine_out = [r for r in everything if r[1] == ME]
    assert reader.count(ref, StreamQuery()) == len(everything) == demo.streams
    assert reader.count(ref, StreamQuery((ME,), "incoming")) == len(mine_in) > 0
    assert reader.count(ref, StreamQuery((ME,), "outgoing")) == len(mine_out) > 0
    cancelled = sum(1 for r in everything if r[3] == "cancelled")
    assert reader.count(ref, StreamQuery(statuses=("cancelled",))) == cancelled > 0
    by_deposit = reader.page(ref, StreamQuery(sort="deposited", descending=False), 0, 1_000)
    deposits = [s.deposited_amount for s in by_deposit]
    assert deposits == sorted(decode_i128(r[4]) for r in everything)
    page2 = reader.page(ref, StreamQuery(), 50, 50)
    assert [s.stream_id for s in page2] == sorted((r[0] for r in everything), reverse=True)[50:100]
    assert next(s.stream_id for s in reader.page(ref, StreamQuery(search="17"), 0, 50)) == 17
    part = OTHER[10:20] if any(OTHER in (r[1], r[2]) for r in everything) else ME[10:20]
    found = reader.page(ref, StreamQuery(search=part.lower()), 0, 1_000)
    assert found
    assert all(part in s.sender or part in s.recipient for s in found)
    events = reader.events(ref, 1)
    assert events[0].type in ("stream_created", "fee_collected")
    reader.close()


def test_preferences_validate_and_persist(tmp_path: Path) -> None:
    prefs = Preferences(tmp_path)
    assert prefs.get("theme") == "system"
    prefs.set("theme", "dark")
    prefs.set("auto_lock_minutes", 5)
    with pytest.raises(InputError, match="one of"):
        prefs.set("theme", "purple")
    with pytest.raises(InputError, match="at most"):
        prefs.set("auto_lock_minutes", 100_000)
    with pytest.raises(InputError, match="must be a int"):
        prefs.set("auto_lock_minutes", True)
    again = Preferences(tmp_path)
    assert again.get("theme") == "dark"
    assert again.get("auto_lock_minutes") == 5
    assert (tmp_path / "gui.json").stat().st_mode & 0o077 == 0


def test_preferences_written_behind_end_with_the_latest_values(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    """``set_soon`` (the account switch) writes in a worker thread: not before the loop turns,
    one write at a time, and the file ends with the latest values, also when a synchronous
    ``set`` lands while a write is in flight."""
    prefs = Preferences(tmp_path)
    path = tmp_path / "gui.json"

    async def scenario() -> None:
        prefs.set_soon("account", "alice")
        assert not path.exists()  # nothing on the loop's thread
        await asyncio.sleep(0)
        prefs.set_soon("account", "bob")
        prefs.set("theme", "dark")  # written at once, while the "alice" write may be in flight
        prefs.set_soon("auto_lock_minutes", 7)
        await prefs.flush()

    run(scenario())
    again = Preferences(tmp_path)
    assert (again.get("account"), again.get("theme"), again.get("auto_lock_minutes")) == (
        "bob",
        "dark",
        7,
    )
    assert path.stat().st_mode & 0o077 == 0
    with pytest.raises(InputError, match="one of"):
        prefs.set_soon("theme", "purple")
    prefs.set_soon("account", "carol")  # no loop: written at once
    assert Preferences(tmp_path).get("account") == "carol"


async def _open(session: AppSession) -> None:
    await session.open_index()


def test_session_dashboard_and_notices_from_a_real_index(tmp_path: Path, run) -> None:
    demo = demo_data_dir(tmp_path, 300)
    session = AppSession(tmp_path, clock=lambda: NOW)
    assert session.account is not None
    assert session.address == ME
    run(_open(session))
    assert session.contract_ref == demo.contract_ref
    totals = session.dashboard().totals(NOW)
    assert set(totals) <= {NATIVE, TOKEN}
    assert sum(t.active_incoming + t.active_outgoing for t in totals.values()) > 0
    seen: list[object] = []
    session.events.subscribe(seen.append)
    # A withdrawal lands in the index (as the indexer would write it): the rules notice it.
    stream = next(
        s
        for s in session.reader.involving(demo.contract_ref, (ME,), active_only=True)  # type: ignore[union-attr]
        if s.recipient == ME and not s.paused
    )
    raw = sqlite3.connect(demo.path)
    from flowfi_desktop.store.i128 import encode_i128

    raw.execute(
        "UPDATE streams SET withdrawn_amount = ? WHERE stream_id = ?",
        (encode_i128(stream.withdrawn_amount + 5), stream.stream_id),
    )
    raw.commit()
    session.streams_changed(frozenset({stream.stream_id}))
    kinds = [e.kind for e in seen if isinstance(e, NoticeRaised)]
    assert kinds == ["withdrawn"]
    assert StreamsChanged(frozenset({stream.stream_id})) in seen
    run(session.close())


def test_running_dry_reads_only_streams_ending_soon(tmp_path: Path, run) -> None:
    """The 30-second check reads the outgoing streams that end within the horizon, not every
    active one: most of a big account's may have ended without being withdrawn (a 100,000-
    stream index held the GUI thread ~0.5 s per check)."""
    demo_data_dir(tmp_path, 600)
    session = AppSession(tmp_path, clock=lambda: NOW)
    run(_open(session))
    reader, ref = session.reader, session.contract_ref
    assert reader is not None
    assert ref is not None
    horizon = NOW + 30 * 86_400
    outgoing = [
        s for s in reader.involving(ref, (ME,), active_only=True) if s.sender == ME and not s.paused
    ]
    soon = reader.ending_between(ref, ME, NOW, horizon + 1)
    expected = {s.stream_id for s in outgoing if NOW < dashboard.end_time(s, NOW) <= horizon}
    assert {s.stream_id for s in soon} == expected
    assert 0 < len(soon) < len(outgoing)
    run(session.close())


def test_session_keeps_no_tracked_object_per_stream(tmp_path: Path, run) -> None:
    """The dashboard and the notification rules of an account with thousands of streams hold
    no object per stream that the cyclic GC tracks: its full passes run on the GUI thread, and
    with 100,000 streams they used to hold it for 100-200 ms each."""
    demo_data_dir(tmp_path, 3_000)
    session = AppSession(tmp_path, clock=lambda: NOW)
    reader = IndexReader(tmp_path / "index.sqlite3")
    run(_open(session))
    assert session.contract_ref is not None
    involved = len(reader.involving(session.contract_ref, (ME,)))
    reader.close()
    assert involved > 1_000
    gc.collect()
    before = len(gc.get_objects())
    # New rules and their baseline (as after an account switch; opening the index built the
    # first ones, counted in ``before``), and a dashboard.
    session.rules = session._new_rules()
    session._baseline_rules()
    board = session.dashboard()
    gc.collect()
    grown = len(gc.get_objects()) - before
    assert grown < 100, f"{grown} more GC-tracked objects for {involved} streams"
    assert not any(isinstance(o, StreamRow) for o in gc.get_objects())
    assert board.active_streams() > 0
    assert len(session.rules._known) == involved
    run(session.close())


def test_session_without_contract_says_so(tmp_path: Path, run) -> None:
    session = AppSession(tmp_path)
    run(session.start_sync())
    assert session.sync.state == "unavailable"
    assert "no stream contract" in session.sync.message
    run(session.close())


def test_a_damaged_index_is_said_in_the_sync_status_and_kept(tmp_path: Path, run) -> None:  # type: ignore[no-untyped-def]
    """A damaged index file (here: not SQLite at all) is reported where sync problems are,
    with what to do; the window goes on, and the file is left as it was."""
    garbage = bytes(range(256)) * 20
    (tmp_path / "index.sqlite3").write_bytes(garbage)
    session = AppSession(tmp_path, clock=lambda: NOW)
    run(session.start_sync())
    assert session.sync.state == "failed"
    assert "is damaged (file is not a database)" in session.sync.message
    assert "sync again" in session.sync.message
    assert session.store is None
    assert (tmp_path / "index.sqlite3").read_bytes() == garbage
    run(session.close())
