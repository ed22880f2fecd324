"""Payouts that time adds between a simulation and the ledger that applies the transaction.

A transaction's footprint (the ledger entries it may touch) and its resources come from a
simulation at one ledger time; the transaction runs in a later ledger. Two stream calls take a
different path when time has passed, and the new path pays the recipient, whose balance entry
then is not in the footprint, so the transaction fails on chain (RESOURCE_LIMIT_EXCEEDED):

- `cancel_stream` simulated in the second the stream was anchored (right after a start, withdraw
  or resume) pays the recipient 0 and skips the transfer; a second later the payout is above 0;
- `top_up_stream` of a stream that runs dry before the top-up lands settles the accrued balance
  first (a transfer to the recipient the simulation did not make).

Both are widened the same way, for any SEP-41 token: a probe simulation of the transfer the
contract would make (`token.transfer(stream contract -> recipient, 1)`) says which entries and
resources that transfer needs; its footprint joins the call's, its resources and fee are added.
The extra fee is only paid in these cases, and the declared resources are an upper bound, as the
protocol requires. The public FlowFi contract behaves the same, so the wallet, not the contract,
handles it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stellar_sdk import Account, Address, TransactionEnvelope, scval, xdr
from stellar_sdk.soroban_rpc import SimulateTransactionResponse

from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import ContractCall
from flowfi_desktop.streams.review import BalanceChange

log = logging.getLogger(__name__)

#: Calls whose recipient payout can appear between simulation and application.
TIME_SENSITIVE = ("cancel_stream", "top_up_stream")
#: Seconds beyond the transaction's time bounds allowed for clock skew between us and the chain.
CLOCK_SLACK_SECONDS = 60


@dataclass(frozen=True)
class Widening:
    """What the probe found: the entries and resources of a payout to `recipient`."""

    recipient: str
    token: str
    transaction_data: xdr.SorobanTransactionData
    resource_fee: int
    reason: str


def _address(value: Any) -> str:
    return str(value.address) if isinstance(value, Address) else str(value)


def _may_pay_later(
    function: str, stream: dict[str, Any], claimable: int, valid_for: int
) -> str | None:
    """Why time may add a recipient payout the simulation did not make (None: it cannot).

    `claimable` is read at the simulation's ledger time, so no clock of ours is involved.
    """
    if not stream.get("is_active") or stream.get("paused"):
        return None  # a paused stream accrues nothing more; an inactive one pays nothing
    remaining = int(stream["deposited_amount"]) - int(stream["withdrawn_amount"])
    rate = int(stream["rate_per_second"])
    if remaining <= 0 or rate <= 0:
        return None
    if function == "cancel_stream":
        return "the cancel may land after something has accrued, paying the recipient"
    if remaining - claimable <= rate * (valid_for + CLOCK_SLACK_SECONDS):
        return "the stream may run dry before the top-up lands, which pays the recipient first"
    return None


async def probe_payout(
    soroban: Soroban,
    call: ContractCall,
    source: str,
    changes: list[BalanceChange],
    valid_for: int,
    build: Callable[[Account, str, ContractCall, list[Any]], TransactionEnvelope],
) -> Widening | None:
    """The widening `call` needs, or None when its simulation already covers every payout."""
    if call.kind != "stream" or call.function not in TIME_SENSITIVE:
        return None
    from flowfi_desktop.streams.tx import read_call  # tx imports this module

    stream_id = int(call.facts["stream_id"])
    stream, claimable = await asyncio.gather(
        read_call(soroban, calls.get_stream(call.contract_id, stream_id)),
        read_call(soroban, calls.get_claimable_amount(call.contract_id, stream_id)),
    )
    if not isinstance(stream, dict) or not isinstance(claimable, int):
        return None  # no such stream: the simulation has already said so
    recipient = _address(stream["recipient"])
    token = _address(stream["token_address"])
    if any(c.address == recipient and c.token == token and c.amount > 0 for c in changes):
        return None
    reason = _may_pay_later(call.function, stream, claimable, valid_for)
    if reason is None:
        return None
    transfer = ContractCall(
        token,
        "transfer",
        [scval.to_address(call.contract_id), scval.to_address(recipient), scval.to_int128(1)],
        authorizer=call.contract_id,
        words="probe: the payout's ledger entries",
        kind="token",
    )
    account = Account(source, 0)
    probe = await soroban.simulate(build(account, soroban.network.passphrase, transfer, []))
    if probe.error or probe.transaction_data is None:
        # Nothing to widen with (e.g. the recipient cannot hold the token, so the payout would
        # fail anyway); the call goes out as simulated.
        log.info(
            "payout probe for %s of stream %s failed: %s", call.function, stream_id, probe.error
        )
        return None
    log.info("%s of stream %s widened for a payout: %s", call.function, stream_id, reason)
    return Widening(
        recipient,
        token,
        xdr.SorobanTransactionData.from_xdr(probe.transaction_data),
        int(probe.min_resource_fee or 0),
        reason,
    )


def _key(entry: xdr.LedgerKey) -> bytes:
    return bytes(entry.to_xdr_bytes())


def widen(
    simulation: SimulateTransactionResponse, widening: Widening
) -> SimulateTransactionResponse:
    """`simulation` with the probe's entries in its footprint and its resources and fee added."""
    assert simulation.transaction_data is not None
    data = xdr.SorobanTransactionData.from_xdr(simulation.transaction_data)
    extra = widening.transaction_data
    footprint = data.resources.footprint
    # New keys go after the simulated ones: archived-entry indices (resource ext) stay valid.
    read_write = {_key(k): k for k in footprint.read_write}
    for k in extra.resources.footprint.read_write:
        read_write.setdefault(_key(k), k)
    read_only = {_key(k): k for k in footprint.read_only if _key(k) not in read_write}
    for k in extra.resources.footprint.read_only:
        if _key(k) not in read_write:
            read_only.setdefault(_key(k), k)
    resources = data.resources
    added = extra.resources
    widened = xdr.SorobanTransactionData(
        ext=data.ext,
        resources=xdr.SorobanResources(
            footprint=xdr.LedgerFootprint(
                read_only=list(read_only.values()),
                read_write=list(read_write.values()),
            ),
            instructions=xdr.Uint32(resources.instructions.uint32 + added.instructions.uint32),
            disk_read_bytes=xdr.Uint32(
                resources.disk_read_bytes.uint32 + added.disk_read_bytes.uint32
            ),
            write_bytes=xdr.Uint32(resources.write_bytes.uint32 + added.write_bytes.uint32),
        ),
        resource_fee=xdr.Int64(data.resource_fee.int64 + widening.resource_fee),
    )
    fee = int(simulation.min_resource_fee or 0) + widening.resource_fee
    return simulation.model_copy(
        update={"transaction_data": widened.to_xdr(), "min_resource_fee": fee}
    )
