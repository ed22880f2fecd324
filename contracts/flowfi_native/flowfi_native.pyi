"""The indexer's native getEvents page reader (contracts/flowfi_native)."""

from collections.abc import Callable
from typing import Any

class NativePage:
    cursor: str
    latest_ledger: int
    oldest_ledger: int
    def __len__(self) -> int: ...
    def take(
        self, start: int, stop: int, raw_event: Callable[..., Any], decoded_event: Callable[..., Any]
    ) -> tuple[list[Any], list[Any]]: ...

def read_page(
    body: bytes, request_id: int | None, contract_id: str, after: str | None
) -> NativePage | None: ...
def declined_reason(
    body: bytes, request_id: int | None, contract_id: str, after: str | None
) -> str | None: ...
