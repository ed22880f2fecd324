"""The token metadata cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowfi_desktop.store import open_store
from flowfi_desktop.store.tokens import TokenInfo, get_token, put_token

XLM_SAC = "CDMLFMKMMD7MWZP3FKUBZPVHTUEDLSX4BYGYKH4GCESXYHS3IHQ4EIG4"


def test_tokens_are_cached_per_network(tmp_path: Path) -> None:
    store = open_store(tmp_path / "index.sqlite3")
    assert get_token(store, "local", XLM_SAC) is None
    put_token(store, "local", "Standalone", TokenInfo(XLM_SAC, "XLM", "native", 7))
    put_token(store, "testnet", "Test SDF", TokenInfo(XLM_SAC, "XLM", "native", 7))
    assert get_token(store, "local", XLM_SAC) == TokenInfo(XLM_SAC, "XLM", "native", 7)
    put_token(store, "local", "Standalone", TokenInfo(XLM_SAC, "XLM", "Lumens", 7))
    assert get_token(store, "local", XLM_SAC) == TokenInfo(XLM_SAC, "XLM", "Lumens", 7)
    assert get_token(store, "testnet", XLM_SAC) == TokenInfo(XLM_SAC, "XLM", "native", 7)
    with pytest.raises(ValueError, match="another passphrase"):
        put_token(store, "local", "Other", TokenInfo(XLM_SAC, "X", "x", 1))
    store.close()
