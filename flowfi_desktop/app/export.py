"""CSV export of streams and events (amounts as integer base units plus a formatted column, so
a spreadsheet can both sum exactly and read easily). Runs in a worker thread with its own
read-only connection; rows stream out page by page."""

from __future__ import annotations

import csv
from pathlib import Path

from flowfi_desktop.app.dashboard import claimable, end_time
from flowfi_desktop.app.queries import IndexReader, StreamQuery
from flowfi_desktop.app.tokenbook import TokenBook

STREAM_HEADER = [
    "id",
    "status",
    "sender",
    "recipient",
    "token",
    "token_symbol",
    "rate_per_second",
    "deposited",
    "withdrawn",
    "claimable_now",
    "refunded",
    "fees_paid",
    "start_time",
    "end_time",
    "deposited_formatted",
]
EVENT_HEADER = ["event_id", "ledger", "time", "tx_hash", "type", "stream_id", "fields"]


def export_streams(
    index: Path,
    contract_ref: int,
    query: StreamQuery,
    tokens: TokenBook,
    out: Path,
    now: int,
    page: int = 2_000,
) -> int:
    reader = IndexReader(index)
    n = 0
    try:
        with out.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(STREAM_HEADER)
            offset = 0
            while True:
                rows = reader.page(contract_ref, query, offset, page)
                if not rows:
                    break
                for s in rows:
                    writer.writerow(
                        [
                            s.stream_id,
                            s.status,
                            s.sender,
                            s.recipient,
                            s.token_address,
                            tokens.meta(s.token_address).symbol,
                            s.rate_per_second,
                            s.deposited_amount,
                            s.withdrawn_amount,
                            claimable(s, now),
                            s.refunded_amount,
                            s.fees_paid,
                            s.start_time,
                            end_time(s, now),
                            tokens.format(s.token_address, s.deposited_amount),
                        ]
                    )
                n += len(rows)
                offset += page
    finally:
        reader.close()
    return n


def export_events(index: Path, contract_ref: int, addresses: tuple[str, ...], out: Path) -> int:
    import json

    reader = IndexReader(index)
    try:
        events = reader.events_for(contract_ref, addresses)
    finally:
        reader.close()
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(EVENT_HEADER)
        for e in events:
            writer.writerow(
                [
                    e.id,
                    e.ledger,
                    e.close_time,
                    e.tx_hash,
                    e.type,
                    e.stream_id,
                    json.dumps(e.fields, sort_keys=True),
                ]
            )
    return len(events)
