"""A token other than XLM: a Stellar Asset Contract for a classic asset, read by simulation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from stellar_sdk import Asset, Keypair

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import LOCAL_PASSPHRASE
from flowfi_desktop.streams.deploy import _run_op
from tests.core.cli_helpers import Cli, fast_settings
from tests.wallet.conftest import Localnet, fund

pytestmark = pytest.mark.localnet


@pytest.fixture
def usdf(localnet: Localnet) -> tuple[Keypair, str]:
    issuer = Keypair.random()
    fund(localnet.friendbot_url, issuer.public_key)
    asset = Asset("USDF", issuer.public_key)

    async def go() -> None:
        async with Soroban(localnet.network()) as soroban:
            await _run_op(
                soroban,
                issuer,
                "asset contract",
                lambda b: b.append_create_stellar_asset_contract_from_asset_op(asset),
            )

    asyncio.run(go())
    return issuer, asset.contract_id(LOCAL_PASSPHRASE)


def test_stream_of_a_custom_token(
    tmp_path: Path,
    localnet: Localnet,
    usdf: tuple[Keypair, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    issuer, token = usdf
    data = tmp_path / "data"
    fast_settings(data, network="ln", rpc_attempts=2, rpc_timeout_seconds=10.0)
    cli = Cli(data, monkeypatch, capsys)
    assert cli(
        "network", "add", "ln", "--rpc-url", localnet.rpc_url, "--passphrase", LOCAL_PASSPHRASE
    ).code == 0  # fmt: skip
    assert cli("network", "set-contract", "ln", localnet.contract_id).code == 0
    assert cli("account", "import", "issuer", "--secret-stdin", stdin=issuer.secret).code == 0
    bob = Keypair.random().public_key
    fund(localnet.friendbot_url, bob)
    assert cli("account", "watch", "bob", bob).code == 0

    balance: Any = cli("account", "balance", "bob", "--token", token, "--json").json()
    assert balance == {"address": bob, "token": token, "balance": "0", "decimals": 7}

    too_fine = cli(
        "stream", "create", "--account", "issuer", "--recipient", bob, "--token", token,
        "--amount", "0.00000001", "--duration", "1h", "--yes",
    )  # fmt: skip
    assert too_fine.code == 1
    assert "8 decimal places but this token has 7" in too_fine.err

    made = cli(
        "stream", "create", "--account", "issuer", "--recipient", bob, "--token", token,
        "--amount", "5", "--duration", "1h", "--yes", "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    assert "create a stream of 5 USDF" in made.err
    # Paid by the issuer: the asset contract reports it as a mint to the stream contract.
    assert f"{localnet.contract_id}: +5 USDF" in made.err
    cache = json.loads((data / "tokens.json").read_text())
    assert cache[LOCAL_PASSPHRASE][token]["symbol"] == "USDF"
    assert cache[LOCAL_PASSPHRASE][token]["decimals"] == 7
