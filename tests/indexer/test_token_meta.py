"""Token metadata of indexed streams into the index's tokens table."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from flowfi_desktop.errors import NetworkError
from flowfi_desktop.indexer import sync as sync_module
from flowfi_desktop.indexer.rpc_server import LocalRpc
from flowfi_desktop.indexer.synthetic import generate_history
from flowfi_desktop.indexer.token_meta import TokenMeta, native_meta
from flowfi_desktop.store.tokens import TokenInfo, known_tokens, token_decimals
from tests.indexer.helpers import make_rig


def test_every_stream_token_gets_its_metadata_and_failures_are_retried_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = generate_history(1_500, seed=3)
    tokens = sorted({s.token_address for s in history.model.streams.values()})
    assert len(tokens) >= 2
    broken = tokens[0]
    asked: list[str] = []
    fail = {broken}

    async def reader(address: str) -> TokenMeta:
        # Stands in for simulating decimals()/symbol()/name() (the synthetic RPC cannot).
        asked.append(address)
        if address in fail:
            raise NetworkError("simulation failed")
        return TokenMeta(6, f"T{tokens.index(address)}", f"Token {address[:4]}")

    with LocalRpc(history) as server:
        rig = make_rig(tmp_path, server)
        rig.indexer.token_reader = reader

        async def run() -> None:
            report = await rig.indexer.sync_once()
            assert report.events == len(history.events)
            assert sorted(asked) == tokens
            decimals = token_decimals(rig.store, "local")
            assert decimals == {t: 6 for t in tokens if t != broken}  # indexing went on
            # Not asked again right away ...
            await rig.indexer.sync_once()
            assert sorted(asked) == tokens
            # ... but after the retry time.
            monkeypatch.setattr(sync_module, "TOKEN_RETRY", 0.0)
            fail.clear()
            await rig.indexer.sync_once()
            assert asked.count(broken) == 2
            await rig.close()

        asyncio.run(run())
    store_tokens = known_tokens(rig.store, "local")
    assert set(store_tokens) == set(tokens)
    assert store_tokens[broken] == TokenInfo(broken, "T0", f"Token {broken[:4]}", 6)
    assert token_decimals(rig.store, "other network") == {}


def test_the_native_token_needs_no_call() -> None:
    address, meta = native_meta("Standalone Network ; February 2017")
    assert address.startswith("C")
    assert (meta.decimals, meta.symbol) == (7, "XLM")
