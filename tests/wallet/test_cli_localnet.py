"""Every wallet command end to end against a real flowfi-localnet."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from stellar_sdk import Keypair, StrKey, xdr

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.networks import LOCAL_PASSPHRASE, TESTNET_PASSPHRASE
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.tx import read_call
from tests.core.cli_helpers import Cli, fast_settings
from tests.wallet.conftest import Localnet, advance_time, fund

pytestmark = pytest.mark.localnet
XLM = 10_000_000
FRIENDBOT_XLM = 10_000 * XLM


@pytest.fixture
def cli(
    tmp_path: Path,
    localnet: Localnet,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    data = tmp_path / "data"
    fast_settings(data, network="ln", rpc_attempts=2, rpc_timeout_seconds=10.0)
    run = Cli(data, monkeypatch, capsys)
    added = run(
        "network", "add", "ln", "--rpc-url", localnet.rpc_url, "--passphrase", LOCAL_PASSPHRASE,
        "--friendbot-url", localnet.friendbot_url,
    )  # fmt: skip
    assert added.code == 0, added.err
    assert run("network", "set-contract", "ln", localnet.contract_id).code == 0
    for name in ("alice", "bob"):
        created = run("account", "create", name)
        assert created.code == 0, created.err
        funded = run("account", "fund", name)
        assert funded.code == 0, funded.err
    return run


def address(cli: Cli, name: str) -> str:
    accounts: Any = cli("account", "list", "--json").json()
    return str(next(a["address"] for a in accounts if a["name"] == name))


def xlm_balance(cli: Cli, name: str) -> int:
    run = cli("account", "balance", name, "--json")
    assert run.code == 0, run.err
    data: Any = run.json()
    assert data["decimals"] == 7
    return int(data["balance"])


def stream_state(localnet: Localnet, stream_id: int) -> dict[str, Any]:
    async def go() -> Any:
        async with Soroban(localnet.network()) as soroban:
            return await read_call(soroban, calls.get_stream(localnet.contract_id, stream_id))

    result: dict[str, Any] = asyncio.run(go())
    return result


def create(cli: Cli, *extra: str, amount: str = "100", duration: str = "1d") -> Any:
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", amount, "--duration", duration, "--yes", "--json",
        *extra,
    )  # fmt: skip
    assert run.code == 0, run.err
    return run.json()


def test_fund_and_balance(cli: Cli) -> None:
    data: Any = cli("account", "balance", "alice", "--json").json()
    assert data == {
        "address": address(cli, "alice"),
        "token": StrKey.encode_contract(StrKey.decode_contract(data["token"])),
        "balance": str(FRIENDBOT_XLM),
        "decimals": 7,
    }
    again = cli("account", "fund", "alice")  # already funded: not an error
    assert again.code == 0, again.err


def test_watch_only_balance(cli: Cli) -> None:
    assert cli("account", "watch", "carol", address(cli, "bob")).code == 1  # same address
    other = Keypair.random().public_key
    assert cli("account", "watch", "carol", other).code == 0
    assert cli("account", "fund", "carol").code == 0
    assert xlm_balance(cli, "carol") == FRIENDBOT_XLM


def test_create_shows_review_and_refusal_signs_nothing(cli: Cli, localnet: Localnet) -> None:
    before = xlm_balance(cli, "alice")
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "1", "--duration", "1h",
        stdin="n\n",
    )  # fmt: skip
    assert run.code == 1
    assert "You are about to create a stream of 1 XLM" in run.out
    assert "fee:" in run.out
    assert "balance changes (from the simulation):" in run.out
    assert f"alice ({address(cli, 'alice')}): -1 XLM" in run.out
    assert "rounds down" in run.out  # 10^7 / 3600 is not whole
    assert "refused: nothing was signed or sent" in run.err
    assert xlm_balance(cli, "alice") == before


def test_stream_lifecycle(cli: Cli, localnet: Localnet) -> None:
    made = create(cli, amount="100", duration="1d")
    stream_id = int(made["stream_id"])
    assert len(made["tx_hash"]) == 64
    state = stream_state(localnet, stream_id)
    assert state["deposited_amount"] == 100 * XLM
    assert state["sender"].address == address(cli, "alice")

    topped = cli("stream", "top-up", str(stream_id), "--account", "alice", "--amount", "0.5",
                 "--yes", "--json")  # fmt: skip
    assert topped.code == 0, topped.err
    assert stream_state(localnet, stream_id)["deposited_amount"] == 100 * XLM + 5_000_000

    nothing_yet = cli("stream", "withdraw", str(stream_id), "--account", "bob", "--yes")
    if nothing_yet.code != 0:  # the same second as the creation: nothing has accrued
        assert nothing_yet.code == 4
        assert "InvalidAmount (1)" in nothing_yet.err
    advance_time(localnet, 3600)
    rate = stream_state(localnet, stream_id)["rate_per_second"]
    bob_before = xlm_balance(cli, "bob")
    withdrawn = cli("stream", "withdraw", str(stream_id), "--account", "bob", "--yes", "--json")
    assert withdrawn.code == 0, withdrawn.err
    amount = int(withdrawn.json()["amount"])  # type: ignore[index]
    assert amount >= rate * 3600
    assert stream_state(localnet, stream_id)["withdrawn_amount"] >= amount
    assert xlm_balance(cli, "bob") < bob_before + amount  # minus the fee bob paid
    assert xlm_balance(cli, "bob") > bob_before + amount - XLM

    not_sender = cli("stream", "top-up", str(stream_id), "--account", "bob", "--amount", "1",
                     "--yes")  # fmt: skip
    assert not_sender.code == 4
    assert "Unauthorized (3)" in not_sender.err

    assert cli("stream", "pause", str(stream_id), "--account", "alice", "--yes").code == 0
    paused = cli("stream", "withdraw", str(stream_id), "--account", "bob", "--yes")
    assert paused.code == 4
    assert "StreamPaused (12): the stream is paused; resume it first" in paused.err
    again = cli("stream", "pause", str(stream_id), "--account", "alice", "--yes")
    assert again.code == 4
    assert "StreamAlreadyPaused (14)" in again.err
    wrong_party = cli("stream", "pause", str(stream_id), "--account", "bob", "--yes")
    assert wrong_party.code == 4
    assert "Unauthorized (3)" in wrong_party.err or "StreamAlreadyPaused" in wrong_party.err

    resumed = cli("stream", "resume", str(stream_id), "--account", "alice", "--yes", "--json")
    assert resumed.code == 0, resumed.err
    assert int(resumed.json()["new_end_time"]) > 0  # type: ignore[index]

    # Let something accrue, so the recipient's payout is in the simulation as on chain.
    advance_time(localnet, 60)
    cancelled = cli("stream", "cancel", str(stream_id), "--account", "alice", "--yes", "--json")
    assert cancelled.code == 0, cancelled.err
    assert f"bob ({address(cli, 'bob')}): +" in cancelled.err
    assert stream_state(localnet, stream_id)["status"] is not None
    twice = cli("stream", "cancel", str(stream_id), "--account", "alice", "--yes")
    assert twice.code == 4
    assert "StreamInactive (4)" in twice.err


def test_sender_not_the_transaction_source(cli: Cli, localnet: Localnet) -> None:
    """bob streams (signs an authorization entry), alice pays for the transaction."""
    alice_before, bob_before = xlm_balance(cli, "alice"), xlm_balance(cli, "bob")
    run = cli(
        "stream", "create", "--account", "bob", "--source", "alice",
        "--recipient", address(cli, "alice"), "--token", "native", "--amount", "10",
        "--duration", "1h", "--yes", "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert f"also authorized by: bob ({address(cli, 'bob')})" in run.err
    stream_id = int(run.json()["stream_id"])  # type: ignore[index]
    state = stream_state(localnet, stream_id)
    assert state["sender"].address == address(cli, "bob")
    assert xlm_balance(cli, "bob") == bob_before - 10 * XLM  # bob paid no fee
    alice_after = xlm_balance(cli, "alice")
    assert alice_before - XLM < alice_after < alice_before  # alice paid only the fee


def test_deploy_with_fees_records_the_contract(cli: Cli, localnet: Localnet) -> None:
    treasury = Keypair.random().public_key
    run = cli("contract", "deploy", "--account", "alice", "--fee-bps", "100",
              "--treasury", treasury, "--yes", "--json")  # fmt: skip
    assert run.code == 0, run.err
    assert "fee of the upload:" in run.err
    deployed: Any = run.json()
    assert deployed["contract_id"].startswith("C")
    shown: Any = cli("network", "show", "ln", "--json").json()
    assert shown["contract_id"] == deployed["contract_id"]

    async def fee_config() -> Any:
        async with Soroban(localnet.network()) as soroban:
            return await read_call(soroban, calls.get_fee_config(deployed["contract_id"]))

    config = asyncio.run(fee_config())
    assert config["fee_rate_bps"] == 100
    assert config["treasury"].address == treasury
    # The treasury does not exist yet: the native token refuses the fee transfer, and the
    # error is attributed to the token, not read as a stream contract error.
    refused = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "10", "--duration", "1h", "--yes",
    )  # fmt: skip
    assert refused.code == 4
    assert "the token contract" in refused.err
    assert "InsufficientAccountReserve (14)" in refused.err
    assert "StreamAlreadyPaused" not in refused.err
    fund(localnet.friendbot_url, treasury)
    # A stream on the new contract pays 1 % to the treasury: the review shows it.
    made = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "10", "--duration", "1h", "--yes",
    )  # fmt: skip
    assert made.code == 0, made.err
    assert f"{treasury}: +0.1 XLM" in made.out


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["stream", "pause", "424242", "--account", "alice", "--yes"], 1, "StreamNotFound (2)"),
        (["stream", "top-up", "424242", "--account", "alice", "--amount", "1", "--yes"], 1,
         "StreamNotFound (2)"),
    ],
)  # fmt: skip
def test_unknown_stream(cli: Cli, args: list[str], code: int, words: str) -> None:
    run = cli(*args)
    assert run.code == code, run.err
    assert words in run.err


def test_unknown_token(cli: Cli) -> None:
    token = StrKey.encode_contract(bytes(range(32)))
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", token, "--amount", "1", "--duration", "1h", "--yes",
    )  # fmt: skip
    assert run.code == 1, run.err
    assert "does not exist there or is not a SEP-41 token" in run.err


def test_too_small_for_the_duration_is_invalid_rate(cli: Cli) -> None:
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "0.0000001", "--duration", "1w", "--yes",
    )  # fmt: skip
    assert run.code == 4
    assert "InvalidRate (11)" in run.err


def test_wrong_password_at_signing_signs_nothing(cli: Cli) -> None:
    before = xlm_balance(cli, "alice")
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "1", "--duration", "1h", "--yes",
        password="zz-not-it-42",
    )  # fmt: skip
    assert run.code == 1
    assert "wrong password" in run.err
    assert xlm_balance(cli, "alice") == before


def test_profile_with_another_passphrase_refuses(cli: Cli, localnet: Localnet) -> None:
    assert cli("network", "add", "liar", "--rpc-url", localnet.rpc_url,
               "--passphrase", TESTNET_PASSPHRASE).code == 0  # fmt: skip
    assert cli("network", "set-contract", "liar", localnet.contract_id).code == 0
    before = xlm_balance(cli, "alice")
    run = cli("--network", "liar", "stream", "pause", "1", "--account", "alice", "--yes")
    assert run.code == 1
    assert "refusing to sign" in run.err
    assert LOCAL_PASSPHRASE in run.err
    assert TESTNET_PASSPHRASE in run.err
    assert xlm_balance(cli, "alice") == before


def test_json_amounts_are_strings(cli: Cli) -> None:
    data: Any = cli("account", "balance", "bob", "--json").json()
    assert isinstance(data["balance"], str)
    made = create(cli, amount="1", duration="1h")
    assert isinstance(made["stream_id"], str)
    json.dumps(made)


def test_local_network_is_started_on_demand_and_keeps_its_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from flowfi_desktop import localnet as ln
    from tests.wallet.conftest import skip_without_localnet

    skip_without_localnet()
    port = ln.free_port()
    data = tmp_path / "data"
    fast_settings(data, network="local", rpc_attempts=2, rpc_timeout_seconds=10.0)
    settings = json.loads((data / "settings.json").read_text())
    settings["networks"] = {
        "local": {
            "rpc_url": f"http://127.0.0.1:{port}/rpc",
            "friendbot_url": f"http://127.0.0.1:{port}/friendbot",
        }
    }
    (data / "settings.json").write_text(json.dumps(settings))
    cli = Cli(data, monkeypatch, capsys)
    assert cli("account", "create", "dora").code == 0
    funded = cli("account", "fund", "dora")
    assert funded.code == 0, funded.err
    assert "started the local network" in funded.err
    # A second command starts it again from the saved state: the account is still funded.
    run = cli("account", "balance", "dora", "--json")
    assert run.code == 0, run.err
    assert run.json()["balance"] == str(FRIENDBOT_XLM)  # type: ignore[index]
    assert (data / "localnet").is_dir()


def test_fee_settings_and_admin_handover(cli: Cli, localnet: Localnet) -> None:
    """initialize, update_fee_config and transfer_admin through `contract set-fees` and
    `contract transfer-admin`, on a contract of this test's own."""
    deployed = cli("contract", "deploy", "--account", "alice", "--yes", "--json")
    assert deployed.code == 0, deployed.err
    contract_id = deployed.json()["contract_id"]  # type: ignore[index]
    bob = address(cli, "bob")

    async def config() -> Any:
        async with Soroban(localnet.network()) as soroban:
            return await read_call(soroban, calls.get_fee_config(contract_id))

    assert asyncio.run(config()) is None
    first = cli("contract", "set-fees", "--account", "alice", "--fee-bps", "10",
                "--treasury", bob, "--yes")  # fmt: skip
    assert first.code == 0, first.err
    assert "set up the contract's fees: 10 bps" in first.out  # initialize
    second = cli("contract", "set-fees", "--account", "alice", "--fee-bps", "20",
                 "--treasury", bob, "--yes")  # fmt: skip
    assert second.code == 0, second.err
    assert "change the fees to 20 bps" in second.out  # update_fee_config
    assert asyncio.run(config())["fee_rate_bps"] == 20
    maximum = cli("contract", "set-fees", "--account", "alice", "--fee-bps", "1000",
                   "--treasury", bob, "--yes")  # fmt: skip
    assert maximum.code == 0, maximum.err  # 1000 bps is the maximum, still allowed

    not_admin = cli("contract", "set-fees", "--account", "bob", "--fee-bps", "1",
                    "--treasury", bob, "--yes")  # fmt: skip
    assert not_admin.code == 4
    assert "NotAdmin (6)" in not_admin.err

    handed = cli("contract", "transfer-admin", "--account", "alice", "--new-admin", bob,
                 "--yes", "--json")  # fmt: skip
    assert handed.code == 0, handed.err
    assert asyncio.run(config())["admin"].address == bob
    now_bob = cli("contract", "set-fees", "--account", "bob", "--fee-bps", "5",
                  "--treasury", bob, "--yes")  # fmt: skip
    assert now_bob.code == 0, now_bob.err
    old_admin = cli("contract", "set-fees", "--account", "alice", "--fee-bps", "5",
                    "--treasury", bob, "--yes")  # fmt: skip
    assert old_admin.code == 4
    assert "NotAdmin (6)" in old_admin.err


def test_read_functions(cli: Cli, localnet: Localnet) -> None:
    made = create(cli, amount="1", duration="10s")
    stream_id = int(made["stream_id"])
    advance_time(localnet, 20)

    async def reads() -> tuple[Any, Any, Any]:
        async with Soroban(localnet.network()) as soroban:
            claimable = await read_call(
                soroban, calls.get_claimable_amount(localnet.contract_id, stream_id)
            )
            done = await read_call(
                soroban, calls.is_stream_completed(localnet.contract_id, stream_id)
            )
            missing = await read_call(soroban, calls.get_stream(localnet.contract_id, 10**9))
        return claimable, done, missing

    claimable, done, missing = asyncio.run(reads())
    assert claimable == XLM  # the whole deposit has accrued
    assert done is False  # completed only by the withdraw that empties it
    assert missing is None
    run = cli("stream", "withdraw", str(stream_id), "--account", "bob", "--yes", "--json")
    assert run.code == 0, run.err
    assert run.json()["amount"] == str(XLM)  # type: ignore[index]
    _, done, _ = asyncio.run(reads())
    assert done is True


def test_deploy_refused_signs_nothing(cli: Cli) -> None:
    before = xlm_balance(cli, "alice")
    run = cli("contract", "deploy", "--account", "alice", stdin="no\n")
    assert run.code == 1
    assert "You are about to deploy the FlowFi stream contract" in run.out
    assert "refused: nothing was signed or sent" in run.err
    assert xlm_balance(cli, "alice") == before


def test_balance_of_an_account_not_created_yet_is_zero(cli: Cli) -> None:
    assert cli("account", "create", "fresh").code == 0
    data: Any = cli("account", "balance", "fresh", "--json").json()
    assert data["balance"] == "0"
    run = cli(
        "stream", "create", "--account", "fresh", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "1", "--duration", "1h", "--yes",
    )  # fmt: skip
    assert run.code == 1
    assert "does not exist on ln yet: fund it first" in run.err


def _fee_charged(localnet: Localnet, tx_hash: str) -> int:
    async def go() -> Any:
        async with Soroban(localnet.network()) as soroban:
            return await soroban.get_transaction(tx_hash)

    got = asyncio.run(go())
    return int(xdr.TransactionResult.from_xdr(got.result_xdr).fee_charged.int64)


def test_the_review_matches_what_happens(cli: Cli, localnet: Localnet) -> None:
    before = xlm_balance(cli, "alice")
    run = cli(
        "stream", "create", "--account", "alice", "--recipient", address(cli, "bob"),
        "--token", "native", "--amount", "12.5", "--duration", "1d", "--yes", "--json",
    )  # fmt: skip
    assert run.code == 0, run.err
    review = run.err
    assert f"alice ({address(cli, 'alice')}): -12.5 XLM" in review
    assert f"{localnet.contract_id}: +12.5 XLM" in review
    fee_line = re.search(r"inclusion (\d+) \+ resources (\d+) stroops", review)
    assert fee_line is not None
    reviewed_fee = int(fee_line[1]) + int(fee_line[2])
    charged = _fee_charged(localnet, run.json()["tx_hash"])  # type: ignore[index]
    assert 0 < charged <= reviewed_fee  # the unused part of the resource fee is refunded
    assert before - xlm_balance(cli, "alice") == 125_000_000 + charged
