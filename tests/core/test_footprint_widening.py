"""Joining a payout probe's footprint and resources to a simulated call (streams/edges.py)."""

from __future__ import annotations

from stellar_sdk import Keypair, xdr
from stellar_sdk.soroban_rpc import SimulateTransactionResponse

from flowfi_desktop.streams.edges import Widening, widen


def _account_key() -> xdr.LedgerKey:
    account_id = Keypair.random().xdr_account_id()
    return xdr.LedgerKey(xdr.LedgerEntryType.ACCOUNT, account=xdr.LedgerKeyAccount(account_id))


def _data(
    read_only: list[xdr.LedgerKey], read_write: list[xdr.LedgerKey], n: int, fee: int
) -> xdr.SorobanTransactionData:
    return xdr.SorobanTransactionData(
        ext=xdr.SorobanTransactionDataExt(0),
        resources=xdr.SorobanResources(
            footprint=xdr.LedgerFootprint(read_only=read_only, read_write=read_write),
            instructions=xdr.Uint32(n),
            disk_read_bytes=xdr.Uint32(n // 10),
            write_bytes=xdr.Uint32(n // 100),
        ),
        resource_fee=xdr.Int64(fee),
    )


def test_widen_joins_footprints_and_adds_resources() -> None:
    code, shared, source, contract_balance, recipient = (_account_key() for _ in range(5))
    call = _data([code, shared], [source, contract_balance], 1_000_000, 50_000)
    probe = _data([code, shared, source], [contract_balance, recipient], 300_000, 20_000)
    simulation = SimulateTransactionResponse(
        transactionData=call.to_xdr(), minResourceFee=50_000, latestLedger=7
    )
    widened = widen(simulation, Widening("G...", "C...", probe, 20_000, "why"))

    assert widened.min_resource_fee == 70_000
    assert simulation.min_resource_fee == 50_000  # the original is left as it was
    assert widened.transaction_data is not None
    data = xdr.SorobanTransactionData.from_xdr(widened.transaction_data)
    footprint = data.resources.footprint
    # Simulated keys keep their places (archived-entry indices point into read_write) and the
    # new one follows; a key read-only in one and written in the other is written, once.
    assert footprint.read_write == [source, contract_balance, recipient]
    assert footprint.read_only == [code, shared]
    assert data.resources.instructions.uint32 == 1_300_000
    assert data.resources.disk_read_bytes.uint32 == 130_000
    assert data.resources.write_bytes.uint32 == 13_000
    assert data.resource_fee.int64 == 70_000
