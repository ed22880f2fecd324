"""BumpSequence and ManageData, and an unsupported operation failing cleanly on apply."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stellar_sdk import Keypair, SorobanServer, TransactionBuilder, xdr
from stellar_sdk.soroban_rpc import GetTransactionStatus

from .conftest import Net
from .helpers import PASSPHRASE, result

pytestmark = pytest.mark.localnet


def _submit(srv: SorobanServer, builder: TransactionBuilder, kp: Keypair) -> object:
    tx = builder.set_timeout(60).build()
    tx.sign(kp)
    return srv.poll_transaction(srv.send_transaction(tx).hash)


def test_bump_sequence_and_manage_data(net: Net, make_account: Callable[[], Keypair]) -> None:
    srv = SorobanServer(net.rpc_url)
    kp = make_account()
    seq = srv.load_account(kp.public_key).sequence
    done = _submit(
        srv,
        TransactionBuilder(srv.load_account(kp.public_key), PASSPHRASE, base_fee=100)
        .append_bump_sequence_op(seq + 100)
        .append_manage_data_op("flowfi", b"stream"),
        kp,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert srv.load_account(kp.public_key).sequence == seq + 100
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.DATA,
        data=xdr.LedgerKeyData(kp.xdr_account_id(), xdr.String64(b"flowfi")),
    )
    entries = result(net.rpc_url, "getLedgerEntries", {"keys": [key.to_xdr()]})["entries"]
    assert xdr.LedgerEntryData.from_xdr(entries[0]["xdr"]).data.data_value.data_value == b"stream"
    done = _submit(
        srv,
        TransactionBuilder(
            srv.load_account(kp.public_key), PASSPHRASE, base_fee=100
        ).append_manage_data_op("flowfi", None),
        kp,
    )
    assert done.status == GetTransactionStatus.SUCCESS  # type: ignore[attr-defined]
    assert result(net.rpc_url, "getLedgerEntries", {"keys": [key.to_xdr()]})["entries"] == []

    failed = _submit(
        srv,
        TransactionBuilder(
            srv.load_account(kp.public_key), PASSPHRASE, base_fee=100
        ).append_set_options_op(home_domain="example.com"),
        kp,
    )
    assert failed.status == GetTransactionStatus.FAILED  # type: ignore[attr-defined]
    res = xdr.TransactionResult.from_xdr(failed.result_xdr)  # type: ignore[attr-defined]
    assert res.result.results[0].code == xdr.OperationResultCode.opNOT_SUPPORTED
