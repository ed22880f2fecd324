"""Symbols and decimals of tokens, for formatting only (amounts stay ints of base units).

The native token's contract id follows from the network passphrase; other tokens come from the
index's ``tokens`` table or from what the app has learned (``learn``). A token whose decimals are
unknown is shown in base units, labelled as such, never guessed."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from stellar_sdk import Asset

from flowfi_desktop.amounts import format_amount
from flowfi_desktop.app.queries import token_rows
from flowfi_desktop.errors import FlowFiError
from flowfi_desktop.tokens import TokenInfo

NATIVE_DECIMALS = 7


@dataclass(frozen=True)
class TokenMeta:
    address: str
    symbol: str
    decimals: int | None

    @property
    def label(self) -> str:
        return self.symbol if self.decimals is not None else f"{self.symbol} (base units)"


def native_token(passphrase: str) -> str:
    address: str = Asset.native().contract_id(passphrase)
    return address


def short(address: str) -> str:
    return f"{address[:4]}…{address[-4:]}" if len(address) > 10 else address


class TokenBook:
    def __init__(self, passphrase: str) -> None:
        self.native = native_token(passphrase)
        self._known: dict[str, TokenMeta] = {
            self.native: TokenMeta(self.native, "XLM", NATIVE_DECIMALS)
        }

    def learn(self, address: str, symbol: str, decimals: int) -> None:
        self._known[address] = TokenMeta(address, symbol, decimals)

    def meta(self, address: str) -> TokenMeta:
        return self._known.get(address) or TokenMeta(address, short(address), None)

    def known(self) -> list[TokenMeta]:
        return sorted(self._known.values(), key=lambda m: (m.address != self.native, m.symbol))

    def number(self, address: str, units: int) -> str:
        """``units`` in token units (no symbol), grouped for reading."""
        decimals = self.meta(address).decimals
        if decimals is None:
            return f"{units:,}"
        text = format_amount(units, decimals)
        whole, _, frac = text.partition(".")
        sign = "-" if whole.startswith("-") else ""
        grouped = f"{sign}{int(whole.lstrip('-')):,}"
        return f"{grouped}.{frac}" if frac else grouped

    def format(self, address: str, units: int) -> str:
        meta = self.meta(address)
        return f"{self.number(address, units)} {meta.label}"

    def format_fixed(self, address: str, units: int, places: int = 7) -> str:
        """With a fixed number of decimal places (ticking figures must not jump in width)."""
        decimals = self.meta(address).decimals
        if decimals is None:
            return f"{units:,}"
        shown = min(places, decimals)
        scale = 10**decimals
        whole, frac = divmod(abs(units), scale)
        sign = "-" if units < 0 else ""
        if shown == 0:
            return f"{sign}{whole:,}"
        digits = str(frac).rjust(decimals, "0")[:shown]
        return f"{sign}{whole:,}.{digits}"


def learn_from_index(book: TokenBook, connection: sqlite3.Connection, network: str) -> list[str]:
    """Teaches ``book`` the tokens of ``network`` in the index's ``tokens`` table that it does
    not know yet; returns their addresses."""
    learned = []
    for address, symbol, decimals in token_rows(connection, network):
        if book.meta(address).decimals is None:
            book.learn(address, symbol or short(address), decimals)
            learned.append(address)
    return learned


class TokenLearner:
    """Fills a ``TokenBook`` with the decimals and symbols of the tokens the account's streams
    use: first from the index's ``tokens`` table (the indexer's metadata), then through
    ``lookup`` (the wallet core's ``token_info``: its ``tokens.json`` cache, else the token's
    own ``decimals()``/``symbol()`` read from the chain). A token that cannot be looked up stays
    shown in base units; it is asked about again only after ``forget_failures()``."""

    def __init__(
        self,
        book: TokenBook,
        lookup: Callable[[str], Awaitable[TokenInfo]],
        network: str,
    ) -> None:
        self.book, self.lookup, self.network = book, lookup, network
        self.failed: dict[str, str] = {}  # address -> why

    def from_index(self, connection: sqlite3.Connection) -> list[str]:
        """Learns what the index's tokens table knows (a few rows); returns what was new."""
        return learn_from_index(self.book, connection, self.network)

    async def learn(self, addresses: Iterable[str]) -> list[str]:
        """Looks up each of ``addresses`` the book does not know yet; returns those learned."""
        learned = []
        for address in sorted(set(addresses)):
            if self.book.meta(address).decimals is not None or address in self.failed:
                continue
            try:
                info = await self.lookup(address)
            except FlowFiError as error:
                self.failed[address] = str(error)
                continue
            self.book.learn(address, info.symbol, info.decimals)
            learned.append(address)
        return learned

    def forget_failures(self) -> None:
        self.failed.clear()
