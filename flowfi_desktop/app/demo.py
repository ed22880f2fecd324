"""Demo and benchmark data: an index with many streams, written with the contract model of the
indexer's synthetic history (so every stream's state and events are ones the contract could
produce), straight into a real index file. Used by the GUI benchmark, GUI tests and screenshots;
never by a wallet with real data (it writes only a file you name)."""

from __future__ import annotations

import json
import random
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowfi_desktop.indexer.synthetic import ContractError, ContractModel, event_id, make_address
from flowfi_desktop.indexer.writer import STREAM_COLUMNS, stream_to_row
from flowfi_desktop.networks import LOCAL_PASSPHRASE
from flowfi_desktop.store.db import apply_pragmas, open_store

LEDGER_SECONDS = 5
_I128_FIELDS = {
    "rate_per_second",
    "deposited_amount",
    "amount",
    "new_deposited_amount",
    "amount_withdrawn",
    "refunded_amount",
    "total_withdrawn",
    "fee_amount",
}


@dataclass
class DemoIndex:
    path: Path
    network: str
    contract_id: str
    contract_ref: int
    streams: int
    events: int


def _ledger(t: int, t0: int) -> int:
    return 1_000 + (t - t0) // LEDGER_SECONDS


def populate(
    path: Path,
    *,
    n_streams: int,
    mine: list[str],
    tokens: list[str],
    now: int,
    network: str = "local",
    passphrase: str = LOCAL_PASSPHRASE,
    contract_id: str | None = None,
    seed: int = 7,
    mine_share: float = 0.5,
    span: int = 30 * 86_400,
    token_meta: dict[str, tuple[str, int]] | None = None,
) -> DemoIndex:
    """Writes ``n_streams`` streams created over the ``span`` seconds before ``now`` (about
    ``mine_share`` of them with one of ``mine`` as sender or recipient), with their events."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    open_store(path).close()  # schema via the real migrations
    contract_id = contract_id or make_address(rng, contract=True)
    others = [make_address(rng) for _ in range(200)]
    model = ContractModel()
    t0 = now - span
    calls: list[tuple[int, str, dict[str, Any]]] = []  # (time, name, fields)
    plan: list[tuple[int, int]] = []  # (time, kind) of later actions
    for i in range(n_streams):
        t = t0 + (span * i) // max(n_streams, 1)
        a = rng.choice(mine) if mine and rng.random() < mine_share else rng.choice(others)
        b = rng.choice(others)
        sender, recipient = (a, b) if rng.random() < 0.5 else (b, a)
        token = rng.choice(tokens)
        duration = rng.choice([3_600, 86_400, 7 * 86_400, 30 * 86_400, 90 * 86_400])
        amount = rng.choice([10**9, 10**10, 10**11, 5 * 10**11]) + rng.randint(0, 10**7)
        try:
            for name, fields in model.create_stream(t, sender, recipient, token, amount, duration):
                calls.append((t, name, fields))
        except ContractError:
            continue
        sid = model.counter
        roll = rng.random()
        later = t + rng.randint(60, max(61, min(duration, now - t)))
        if later < now:
            kind = 0 if roll < 0.35 else 1 if roll < 0.5 else 2 if roll < 0.6 else 3
            plan.append((later, sid * 4 + kind))
    for t, code in sorted(plan):
        sid, kind = divmod(code, 4)
        try:
            if kind == 0:
                emitted = model.withdraw(t, sid)
            elif kind == 1:
                emitted = model.pause_stream(t, sid)
            elif kind == 2:
                emitted = model.cancel_stream(t, sid)
            else:
                emitted = model.top_up_stream(t, sid, model.streams[sid].rate_per_second * 3_600)
        except ContractError:
            continue
        calls += [(t, name, fields) for name, fields in emitted]
    calls.sort(key=lambda c: c[0])

    connection = sqlite3.connect(path, isolation_level=None)
    apply_pragmas(connection)
    connection.execute("BEGIN IMMEDIATE")
    row = connection.execute("SELECT id FROM networks WHERE name = ?", (network,)).fetchone()
    network_id = (
        row[0]
        if row
        else connection.execute(
            "INSERT INTO networks (name, passphrase) VALUES (?, ?)", (network, passphrase)
        ).lastrowid
    )
    assert network_id is not None
    for address, (symbol, decimals) in (token_meta or {}).items():
        connection.execute(
            "INSERT OR IGNORE INTO tokens (network_id, address, symbol, name, decimals, "
            "fetched_at) VALUES (?, ?, ?, ?, ?, ?)",
            (network_id, address, symbol, symbol, decimals, now),
        )
    ref = connection.execute(
        "INSERT INTO contracts (network_id, contract_id, start_ledger) VALUES (?, ?, ?)",
        (network_id, contract_id, _ledger(t0, t0)),
    ).lastrowid
    assert ref is not None
    last_ledger = _ledger(now, t0)
    connection.execute(
        "INSERT INTO indexer_state (contract_ref, last_ledger, latest_ledger_seen, event_count, "
        "updated_at) VALUES (?, ?, ?, ?, ?)",
        (ref, last_ledger, last_ledger, len(calls), now),
    )
    per_ledger: dict[int, int] = {}
    event_rows = []
    last_event: dict[int, tuple[str | None, int]] = {}
    for t, name, fields in calls:
        ledger = _ledger(t, t0)
        n = per_ledger.get(ledger, 0)
        per_ledger[ledger] = n + 1
        eid = event_id(ledger, 1 + n // 4, 0, n % 4)
        of_stream = fields.get("stream_id")
        if isinstance(of_stream, int):
            last_event[of_stream] = (eid, ledger)
        data = {k: (str(v) if k in _I128_FIELDS else v) for k, v in fields.items()}
        tx_hash = f"{rng.getrandbits(256):064x}"
        event_rows.append(
            (ref, eid, ledger, t, tx_hash, 1, 0, name, of_stream, json.dumps(data), "", "")
        )
    connection.executemany(
        "INSERT INTO stream_events (contract_ref, id, ledger, close_time, tx_hash, tx_index, "
        "op_index, type, stream_id, fields, topic_xdr, value_xdr) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    stream_rows = []
    for sid, s in model.streams.items():
        s.last_event_id, s.updated_ledger = last_event.get(sid, (None, 0))
        s.created_ledger = _ledger(s.start_time, t0)
        stream_rows.append(stream_to_row(ref, s, now))
    # The indexer's own row layout, so this demo index is one the app could have written.
    connection.executemany(
        f"INSERT INTO streams (contract_ref, {', '.join(STREAM_COLUMNS)}) "  # noqa: S608
        f"VALUES (?, {', '.join('?' for _ in STREAM_COLUMNS)})",
        stream_rows,
    )
    connection.execute("COMMIT")
    connection.close()
    return DemoIndex(path, network, contract_id, int(ref), len(stream_rows), len(event_rows))
