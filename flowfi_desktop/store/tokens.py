"""The token metadata cache: SEP-41 ``symbol``/``name``/``decimals`` per network, filled lazily
by whoever reads them from the chain (they never change for a deployed token)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from flowfi_desktop.store.db import Store
from flowfi_desktop.store.models import Network, Token


@dataclass(frozen=True)
class TokenInfo:
    address: str  # C... strkey
    symbol: str | None
    name: str | None
    decimals: int | None


def get_token(store: Store, network: str, address: str) -> TokenInfo | None:
    with store.session() as session:
        row = session.scalar(
            select(Token)
            .join(Network, Network.id == Token.network_id)
            .where(Network.name == network, Token.address == address)
        )
        if row is None:
            return None
        return TokenInfo(row.address, row.symbol, row.name, row.decimals)


def put_token(store: Store, network: str, passphrase: str, info: TokenInfo) -> None:
    """Records (or refreshes) a token's metadata; creates the network row when missing."""
    with store.session() as session, session.begin():
        net = session.scalar(select(Network).where(Network.name == network))
        if net is None:
            net = Network(name=network, passphrase=passphrase)
            session.add(net)
            session.flush()
        elif net.passphrase != passphrase:
            raise ValueError(f"network {network!r} is recorded with another passphrase")
        row = session.scalar(
            select(Token).where(Token.network_id == net.id, Token.address == info.address)
        )
        if row is None:
            row = Token(network_id=net.id, address=info.address)
            session.add(row)
        row.symbol, row.name, row.decimals = info.symbol, info.name, info.decimals
        row.fetched_at = int(time.time())


def known_tokens(store: Store, network: str) -> dict[str, TokenInfo]:
    """Every token of ``network`` whose metadata is recorded, by address (for the GUI: the
    indexer fills it for the token of every indexed stream)."""
    with store.session() as session:
        rows = session.scalars(
            select(Token)
            .join(Network, Network.id == Token.network_id)
            .where(Network.name == network)
        ).all()
        return {r.address: TokenInfo(r.address, r.symbol, r.name, r.decimals) for r in rows}


def token_decimals(store: Store, network: str) -> dict[str, int]:
    """``{token address: decimals}`` for the tokens of ``network`` whose decimals are known.
    A token missing here is not known yet: show its amounts in base units, never guess."""
    return {
        a: t.decimals for a, t in known_tokens(store, network).items() if t.decimals is not None
    }
