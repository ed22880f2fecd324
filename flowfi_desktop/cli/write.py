"""The path every write command takes: check the network, simulate, review, confirm, unlock,
sign, send, wait for the result.
"""

from __future__ import annotations

from collections.abc import Mapping

from stellar_sdk import Keypair

from flowfi_desktop.chain.checks import check_passphrase
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.cli.context import Context, refuse_unless_confirmed
from flowfi_desktop.errors import InputError
from flowfi_desktop.keys.accounts import WatchOnlyAccount
from flowfi_desktop.keys.keystore import AccountEntry
from flowfi_desktop.networks import Network
from flowfi_desktop.streams.calls import ContractCall, TokenRef
from flowfi_desktop.streams.tx import Outcome, prepare, sign, submit


def signing_account(ctx: Context, name: str) -> AccountEntry:
    entry = ctx.wallet.get(name)
    if entry.watch_only:
        raise WatchOnlyAccount(
            f"account {name!r} is watch-only: it cannot sign; import its secret or mnemonic"
        )
    return entry


async def check_network(soroban: Soroban, network: Network) -> None:
    check_passphrase(network, await soroban.network_passphrase())


async def run_write(
    ctx: Context,
    soroban: Soroban,
    call: ContractCall,
    source: AccountEntry,
    *,
    yes: bool,
    tokens: Mapping[str, TokenRef] | None = None,
) -> Outcome:
    network = soroban.network
    await check_network(soroban, network)
    prepared = await prepare(
        soroban,
        call,
        source.address,
        tokens=tokens,
        fee_warning_stroops=int(ctx.settings.get("fee_warning_stroops")),
    )
    names = ctx.address_names()
    refuse_unless_confirmed(ctx, yes, prepared.review.render(tokens or {}, names))
    needed = {source.address, *prepared.review.other_signers}
    by_address = {a.address: a for a in ctx.wallet.accounts()}
    for address in needed:
        entry = by_address.get(address)
        if entry is None or entry.watch_only:
            raise InputError(
                f"the transaction needs a signature by {address}, which has no key in this "
                "wallet; nothing was signed"
            )
    unlocked = ctx.wallet.unlock(ctx.passwords)
    keypairs: dict[str, Keypair] = {a: unlocked.keypair(by_address[a].name) for a in needed}
    envelope = await sign(soroban, prepared, keypairs)
    return await submit(soroban, envelope, what=call.function, contract_id=call.stream_contract)
