"""The whole life of a native-XLM stream between two funded accounts, balances to the stroop."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Asset, Keypair, SorobanServer, scval, xdr

from .conftest import Net
from .helpers import (
    PASSPHRASE,
    close_time,
    fee_charged,
    invoke,
    read,
    result,
    tx_info,
    xlm_balance,
)

pytestmark = pytest.mark.localnet

XLM = 10_000_000


def test_stream_life_in_native_xlm(
    net: Net, stream_contract: str, make_account: Callable[[], Keypair]
) -> None:
    url = net.rpc_url
    sender, recipient = make_account(), make_account()
    native = Asset.native().contract_id(PASSPHRASE)
    a0, b0 = xlm_balance(url, sender.public_key), xlm_balance(url, recipient.public_key)
    fees = {sender.public_key: 0, recipient.public_key: 0}
    srv = SorobanServer(url)

    def held() -> int:
        entry = srv.get_sac_balance(stream_contract, Asset.native(), PASSPHRASE).balance_entry
        return 0 if entry is None else int(entry.amount)

    held0 = held()

    def call(fn: str, args: list[xdr.SCVal], who: Keypair) -> tuple[object, str]:
        value, tx_hash = invoke(url, stream_contract, fn, args, who)
        fees[who.public_key] += fee_charged(url, tx_hash)
        return value, tx_hash

    deposit, duration = 1_000 * XLM, 1_000
    rate = deposit // duration
    stream_id, h_create = call(
        "create_stream",
        [
            scval.to_address(sender.public_key),
            scval.to_address(recipient.public_key),
            scval.to_address(native),
            scval.to_int128(deposit),
            scval.to_uint64(duration),
        ],
        sender,
    )
    assert isinstance(stream_id, int)
    t_create = close_time(url, h_create)
    assert xlm_balance(url, sender.public_key) == a0 - deposit - fees[sender.public_key]

    result(url, "localnet_advanceTime", {"seconds": 100})
    withdrawn, h_withdraw = call(
        "withdraw", [scval.to_address(recipient.public_key), scval.to_uint64(stream_id)], recipient
    )
    t_withdraw = close_time(url, h_withdraw)
    assert t_withdraw - t_create >= 100
    assert withdrawn == rate * (t_withdraw - t_create)
    assert xlm_balance(url, recipient.public_key) == b0 + withdrawn - fees[recipient.public_key]

    # The return value and the contract events are in the transaction meta, as the SDK reads them.
    meta = xdr.TransactionMeta.from_xdr(tx_info(url, h_withdraw)["resultMetaXdr"])
    assert meta.v == 4
    assert scval.to_native(meta.v4.soroban_meta.return_value) == withdrawn
    assert any(op.events for op in meta.v4.operations)

    top_up = 100 * XLM
    call(
        "top_up_stream",
        [scval.to_address(sender.public_key), scval.to_uint64(stream_id), scval.to_int128(top_up)],
        sender,
    )
    _, h_pause = call(
        "pause_stream", [scval.to_address(sender.public_key), scval.to_uint64(stream_id)], sender
    )
    t_pause = close_time(url, h_pause)
    result(url, "localnet_advanceTime", {"seconds": 50})
    claim_paused = read(
        url, stream_contract, "get_claimable_amount", [scval.to_uint64(stream_id)], sender
    )
    assert claim_paused == rate * (t_pause - t_withdraw)
    _, h_resume = call(
        "resume_stream", [scval.to_address(sender.public_key), scval.to_uint64(stream_id)], sender
    )
    t_resume = close_time(url, h_resume)
    assert t_resume - t_pause >= 50
    result(url, "localnet_advanceTime", {"seconds": 10})
    _, h_cancel = call(
        "cancel_stream", [scval.to_address(sender.public_key), scval.to_uint64(stream_id)], sender
    )
    t_cancel = close_time(url, h_cancel)

    remaining = deposit + top_up - withdrawn
    payout = min(rate * ((t_pause - t_withdraw) + (t_cancel - t_resume)), remaining)
    refund = remaining - payout
    assert xlm_balance(url, recipient.public_key) == (
        b0 + withdrawn + payout - fees[recipient.public_key]
    )
    assert xlm_balance(url, sender.public_key) == (
        a0 - deposit - top_up + refund - fees[sender.public_key]
    )
    # Every fee is a real Soroban fee (inclusion 100 + resources, less the refund).
    assert all(f > 100 for f in fees.values())
    # The contract holds nothing more for this stream.
    assert held() == held0
    stream = read(url, stream_contract, "get_stream", [scval.to_uint64(stream_id)], sender)
    assert isinstance(stream, dict)
    assert stream["withdrawn_amount"] == withdrawn + payout
    assert stream["is_active"] is False
