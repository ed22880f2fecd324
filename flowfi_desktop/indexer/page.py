"""One getEvents answer, read from its JSON and checked before anything is written.

Three readers, fastest first (``read_events_reply`` picks):

- ``flowfi_native`` (Rust, contracts/flowfi_native) reads a whole reply of the contract's known
  events (JSON, every check below, the XDR) without holding the GIL, and declines anything else;
- msgspec decodes the answer's JSON straight into typed structs (``decode_events_reply``): JSON
  parsing and the type checks run in C, which costs a third of ``json.loads`` alone;
- a result that arrives already parsed (``RpcCaller`` implementations without
  ``call_decoded``) is converted into the same structs.

The Python readers own every error message and every unknown or invalid event: a page the
native reader declines is read by them, so a bad page reads the same with or without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeGuard

import msgspec

from flowfi_desktop.indexer.decode import DecodedEvent
from flowfi_desktop.indexer.rpc_port import RpcDataError

try:
    import flowfi_native
    from flowfi_native import NativePage as NativePage
except ImportError:  # not built (a source checkout without `make`): the Python readers do it all
    flowfi_native = None  # type: ignore[assignment]
    NativePage = None  # type: ignore[assignment,misc]


class PageDataError(RpcDataError):
    """The getEvents answer is not well-formed (the page is dropped and asked for again)."""


class RawEvent(msgspec.Struct, gc=False):
    """One event as read from the page. Not tracked by the cyclic GC (it is in no cycle): a
    page makes 10,000 of them, and the GC would scan them all at its next young collection."""

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


class WireEvent(msgspec.Struct, rename="camel", gc=False):
    """One event of a getEvents result as the RPC sends it (other keys are ignored)."""

    id: str
    ledger: int
    ledger_closed_at: str
    contract_id: str
    tx_hash: str
    topic: list[str]
    value: str
    transaction_index: int = 0
    operation_index: int = 0


class WirePage(msgspec.Struct, rename="camel", gc=False):
    """A getEvents result; ``events`` may be null or missing on an empty page."""

    cursor: str
    latest_ledger: int
    events: list[WireEvent] | None = None
    oldest_ledger: int = 0


class _Reply(msgspec.Struct, gc=False):
    result: WirePage
    id: int | str | None = None


_REPLY_DECODER = msgspec.json.Decoder(_Reply)


def decode_events_reply(body: bytes, request_id: int | None) -> WirePage | None:
    """The getEvents result of a JSON-RPC reply body, or None when the body is anything else
    (not JSON, an error object, a result of another shape...): the caller then reads it the
    generic way, which raises the matching error."""
    try:
        reply = _REPLY_DECODER.decode(body)
    except msgspec.MsgspecError:
        return None
    if request_id is not None and reply.id is not None and reply.id != request_id:
        return None
    return reply.result


def read_events_reply(
    body: bytes, request_id: int | None, contract_id: str, after: str | None
) -> NativePage | WirePage | None:
    """The native reader's page of ``body`` if it takes it, else ``decode_events_reply``'s.
    ``after``: the cursor the request started after."""
    if flowfi_native is not None:
        page = flowfi_native.read_page(body, request_id, contract_id, after)
        if page is not None:
            return page
    return decode_events_reply(body, request_id)


def to_wire_page(result: Any) -> WirePage:
    """A getEvents result already parsed from JSON, as a ``WirePage`` (or ``PageDataError``
    saying what is wrong with it)."""
    if isinstance(result, WirePage):
        return result
    if not isinstance(result, dict):
        raise PageDataError("getEvents: the answer is not an object")
    try:
        return msgspec.convert(result, WirePage)
    except msgspec.ValidationError as error:
        text = str(error)
        if "missing required field" in text and "$.events" not in text:
            raise PageDataError(
                f"getEvents: the answer has no event list or no valid cursor ({text})"
            ) from None
        raise PageDataError(f"getEvents: malformed answer ({text})") from None


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
    items, page = page_frame(to_wire_page(result))
    page.events = parse_events(items, contract_id, after or "")
    check_page(page, after)
    return page


def page_frame(wire: WirePage) -> tuple[list[WireEvent], EventsPage]:
    """The events and the page without them (``parse_events`` reads them, in slices if need
    be, then ``check_page``)."""
    if not is_event_id(wire.cursor):
        raise PageDataError("getEvents: the answer has no event list or no valid cursor")
    return wire.events or [], EventsPage([], wire.cursor, wire.latest_ledger, wire.oldest_ledger)


def parse_events(items: list[WireEvent], contract_id: str, previous: str) -> list[RawEvent]:
    """Checks events (their types are already checked) and makes them ``RawEvent``s;
    ``previous``: the id (or cursor) they must all follow."""
    events: list[RawEvent] = []
    append = events.append
    for item in items:
        event_id = item.id
        if not is_event_id(event_id) or event_id <= previous:
            raise PageDataError(f"getEvents: event ids out of order or malformed ({event_id!r})")
        if item.contract_id != contract_id:
            raise PageDataError(f"getEvents: event {event_id} of another contract")
        topic = item.topic
        if item.ledger != int(event_id[:19]) >> 32 or len(topic) > 4:
            raise PageDataError(f"getEvents: malformed event {event_id}")
        try:
            close_time = parse_close_time(item.ledger_closed_at)
        except ValueError as error:
            raise PageDataError(f"getEvents: malformed event {event_id} ({error})") from None
        append(
            RawEvent(
                event_id,
                item.ledger,
                close_time,
                item.tx_hash,
                item.transaction_index,
                item.operation_index,
                topic,
                ",".join(topic),
                item.value,
            )
        )
        previous = event_id
    return events


def check_page(page: EventsPage, after: str | None) -> None:
    """The cursor checks, once the events are read."""
    if page.events and page.cursor < page.events[-1].id:
        raise PageDataError("getEvents: the cursor is behind the events it returned")
    if after is not None and page.cursor < after:
        raise PageDataError("getEvents: the cursor went backwards")
