"""Symbols and decimals of tokens, for formatting only (amounts stay ints of base units).

The native token's contract id follows from the network passphrase; other tokens come from the
index's ``tokens`` table or from what the app has learned (``learn``). A token whose decimals are
unknown is shown in base units, labelled as such, never guessed."""

from __future__ import annotations

from dataclasses import dataclass

from stellar_sdk import Asset

from flowfi_desktop.amounts import format_amount

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
