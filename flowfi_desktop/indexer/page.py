"""One getEvents answer, read from its JSON and checked before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

from flowfi_desktop.indexer.decode import DecodedEvent
from flowfi_desktop.indexer.rpc_port import RpcDataError


class PageDataError(RpcDataError):
    """The getEvents answer is not well-formed (the page is dropped and asked for again)."""


@dataclass(slots=True)
class RawEvent:
    id: str
    ledger: int
    close_time: int
    tx_hash: str
    tx_index: int
    op_index: int
    topic: list[str]
    topic_xdr: str  # the topics joined by "," (as stored)
    value: str


@dataclass(slots=True)
class EventsPage:
    events: list[RawEvent]
    cursor: str
    latest_ledger: int
    oldest_ledger: int
    # ``decode_event`` of each event, when decoded ahead of the commit (off the writer thread).
    decoded: list[DecodedEvent] | None = None


_CLOSE_TIMES: dict[str, int] = {}


def parse_close_time(text: str) -> int:
    seconds = _CLOSE_TIMES.get(text)
    if seconds is None:
        if len(_CLOSE_TIMES) > 100_000:
            _CLOSE_TIMES.clear()
        seconds = _CLOSE_TIMES[text] = int(datetime.fromisoformat(text).timestamp())
    return seconds


def is_event_id(text: object) -> TypeGuard[str]:
    return (
        isinstance(text, str)
        and len(text) == 30
        and text[19] == "-"
        and text[:19].isdigit()
        and text[20:].isdigit()
    )


def cursor_ledger(cursor: str) -> int:
    """The ledger of an event id or paging cursor (``"%019d-%010d"`` of TOID and index)."""
    return int(cursor[:19]) >> 32


def max_cursor(ledger: int) -> str:
    """The cursor just after every event of ``ledger`` (stellar-rpc's ``MaxCursor``)."""
    return f"{(ledger << 32) | 0xFFFFFFFF:019d}-{0xFFFFFFFF:010d}"


def parse_page(result: Any, contract_id: str, after: str | None) -> EventsPage:
    """Reads a getEvents result. ``after`` is the cursor the request started after (if any)."""
    items, page = page_frame(result)
    page.events = parse_events(items, contract_id, after or "")
    check_page(page, after)
    return page


def page_frame(result: Any) -> tuple[list[Any], EventsPage]:
    """The raw event list and the page without its events (``parse_events`` reads them, in
    slices if need be, then ``check_page``)."""
    if not isinstance(result, dict):
        raise PageDataError("getEvents: the answer is not an object")
    raw_events = result.get("events")
    if raw_events is None:
        raw_events = []
    cursor = result.get("cursor")
    latest = result.get("latestLedger")
    oldest = result.get("oldestLedger", 0)
    if not isinstance(raw_events, list) or not is_event_id(cursor):
        raise PageDataError("getEvents: the answer has no event list or no valid cursor")
    if not isinstance(latest, int) or not isinstance(oldest, int):
        raise PageDataError("getEvents: latestLedger/oldestLedger missing")
    return raw_events, EventsPage([], cursor, latest, oldest)


def parse_events(items: list[Any], contract_id: str, previous: str) -> list[RawEvent]:
    """Reads and checks raw events; ``previous``: the id (or cursor) they must all follow."""
    events: list[RawEvent] = []
    try:
        for item in items:
            event_id = item["id"]
            if not is_event_id(event_id) or event_id <= previous:
                raise PageDataError(
                    f"getEvents: event ids out of order or malformed ({event_id!r})"
                )
            if item["contractId"] != contract_id:
                raise PageDataError(f"getEvents: event {event_id} of another contract")
            ledger = item["ledger"]
            topic = item["topic"]
            value = item["value"]
            tx_hash = item["txHash"]
            if (
                type(ledger) is not int
                or ledger != int(event_id[:19]) >> 32
                or type(topic) is not list
                or len(topic) > 4
                or type(value) is not str
                or type(tx_hash) is not str
            ):
                raise PageDataError(f"getEvents: malformed event {event_id}")
            events.append(
                RawEvent(
                    event_id,
                    ledger,
                    parse_close_time(item["ledgerClosedAt"]),
                    tx_hash,
                    int(item.get("transactionIndex", 0)),
                    int(item.get("operationIndex", 0)),
                    topic,
                    ",".join(topic),  # TypeError (caught below) unless all are strings
                    value,
                )
            )
            previous = event_id
    except (KeyError, TypeError, ValueError) as error:
        raise PageDataError(f"getEvents: malformed event ({error!r})") from error
    return events


def check_page(page: EventsPage, after: str | None) -> None:
    """The cursor checks, once the events are read."""
    if page.events and page.cursor < page.events[-1].id:
        raise PageDataError("getEvents: the cursor is behind the events it returned")
    if after is not None and page.cursor < after:
        raise PageDataError("getEvents: the cursor went backwards")
