"""Tokens: native XLM through its Stellar Asset Contract, any SEP-41 token by contract id.

Metadata (`decimals`, `symbol`, `name`) is read by simulating the token's read functions and
cached per network in `tokens.json` in the data dir. The native token's metadata is fixed
(7 decimals) and needs no call.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from stellar_sdk import Asset, scval

from flowfi_desktop.addresses import parse_account, parse_contract
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.errors import InputError
from flowfi_desktop.paths import atomic_write
from flowfi_desktop.streams.calls import ContractCall, TokenRef
from flowfi_desktop.streams.errors import TransactionFailed
from flowfi_desktop.streams.tx import read_call

NATIVE_DECIMALS = 7
CACHE_FILE = "tokens.json"


class UnknownToken(InputError):
    pass


def native_contract_id(passphrase: str) -> str:
    contract_id: str = Asset.native().contract_id(passphrase)
    return contract_id


def resolve_token_id(text: str, passphrase: str) -> str:
    """`native` (or `xlm`) -> the native asset contract id; else a checked `C...` id."""
    if text.strip().lower() in ("native", "xlm"):
        return native_contract_id(passphrase)
    try:
        return parse_contract(text, what="token")
    except InputError as exc:
        raise UnknownToken(f"{exc}; TOKEN is `native` or a token contract id C...") from None


@dataclass(frozen=True)
class TokenInfo:
    contract_id: str
    decimals: int
    symbol: str
    name: str

    def ref(self) -> TokenRef:
        return TokenRef(self.contract_id, self.decimals, self.symbol)


class TokenCache:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / CACHE_FILE

    def _load(self) -> dict[str, Any]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # a cache: lost or damaged means re-read it
        return raw if isinstance(raw, dict) else {}

    def get(self, passphrase: str, contract_id: str) -> TokenInfo | None:
        entry = self._load().get(passphrase, {}).get(contract_id)
        if not isinstance(entry, dict):
            return None
        try:
            return TokenInfo(**entry)
        except TypeError:
            return None

    def put(self, passphrase: str, info: TokenInfo) -> None:
        raw = self._load()
        raw.setdefault(passphrase, {})[info.contract_id] = asdict(info)
        atomic_write(self.path, (json.dumps(raw, indent=1, sort_keys=True) + "\n").encode())


def _read(contract_id: str, function: str, args: list[Any] | None = None) -> ContractCall:
    return ContractCall(
        contract_id, function, args or [], None, function, read_only=True, kind="token"
    )


async def token_info(soroban: Soroban, contract_id: str, cache: TokenCache | None) -> TokenInfo:
    passphrase = soroban.network.passphrase
    if contract_id == native_contract_id(passphrase):
        return TokenInfo(contract_id, NATIVE_DECIMALS, "XLM", "native")
    if cache is not None:
        cached = cache.get(passphrase, contract_id)
        if cached is not None:
            return cached
    try:
        decimals = await read_call(soroban, _read(contract_id, "decimals"))
        symbol = await read_call(soroban, _read(contract_id, "symbol"))
        name = await read_call(soroban, _read(contract_id, "name"))
    except TransactionFailed:
        raise UnknownToken(
            f"token {contract_id} does not answer decimals()/symbol()/name() on "
            f"{soroban.network.name}: it does not exist there or is not a SEP-41 token"
        ) from None
    if not isinstance(decimals, int) or not 0 <= decimals <= 38:
        raise UnknownToken(f"token {contract_id} reports unusable decimals {decimals!r}")
    info = TokenInfo(contract_id, decimals, str(symbol), str(name))
    if cache is not None:
        cache.put(passphrase, info)
    return info


async def balance(soroban: Soroban, token_id: str, address: str) -> int:
    """The token balance of `address` (a G account or C contract) in base units."""
    if address.startswith("G"):
        parse_account(address)
    try:
        value = await read_call(soroban, _read(token_id, "balance", [scval.to_address(address)]))
    except TransactionFailed as exc:
        holds_none = ("TrustlineMissingError", "AccountMissingError")
        if exc.contract_error is not None and exc.contract_error.name in holds_none:
            return 0  # an account not created yet, or without a trustline, holds none
        raise
    if not isinstance(value, int):
        raise UnknownToken(f"token {token_id} answered balance() with {type(value).__name__}")
    return value
