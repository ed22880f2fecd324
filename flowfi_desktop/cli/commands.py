"""The handlers of the commands that talk to a network: `account fund|balance`, `contract` and
the `stream` writes. (`network`, `settings` and the other `account` commands, which need no
network, are in `offline_commands.py`; the index's commands in `index_commands.py`.)"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from flowfi_desktop.addresses import parse_account, parse_address
from flowfi_desktop.amounts import check_amount_form, format_amount, parse_amount
from flowfi_desktop.bundled import BundledFileMissing, contract_wasm_path
from flowfi_desktop.chain.rpc import HttpCaller, RetryPolicy, RpcProtocolError
from flowfi_desktop.cli.context import Context
from flowfi_desktop.cli.offline_commands import parse_int
from flowfi_desktop.cli.write import check_network, run_write, signing_account
from flowfi_desktop.durations import parse_duration
from flowfi_desktop.errors import InputError, RefusedError
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import TokenRef
from flowfi_desktop.streams.deploy import deploy, upload_fee
from flowfi_desktop.streams.errors import describe
from flowfi_desktop.streams.tx import read_call
from flowfi_desktop.tokens import (
    NATIVE_DECIMALS,
    TokenCache,
    balance,
    native_contract_id,
    resolve_token_id,
    token_info,
)

# ---------------------------------------------------------------- account


def account_fund(ctx: Context, args: argparse.Namespace) -> int:
    entry = ctx.wallet.get(args.name)
    network = ctx.network
    if not network.friendbot_url:
        raise InputError(
            f"network {network.name!r} has no friendbot: send it funds from another account"
        )

    ctx.ensure_local(network)

    async def go() -> None:
        caller = HttpCaller(
            timeout=float(ctx.settings.get("rpc_timeout_seconds")) * 2,
            retry=RetryPolicy(attempts=int(ctx.settings.get("rpc_attempts"))),
        )
        try:
            reply = await caller.request(
                "GET",
                network.friendbot_url or "",
                what="friendbot",
                params={"addr": entry.address},
            )
        finally:
            await caller.close()
        already = "already exist" in reply.text.lower() or "AlreadyExist" in reply.text
        if reply.status >= 400 and not already:
            raise RpcProtocolError(
                f"friendbot at {network.friendbot_url} refused to fund {entry.address} "
                f"(HTTP {reply.status})"
            )

    async def verify() -> None:
        # Trust the ledger, not the friendbot's answer: the account must exist now.
        async with ctx.soroban(network) as soroban:
            await soroban.load_account(entry.address)

    asyncio.run(go())
    asyncio.run(verify())
    ctx.console.result(
        {"name": entry.name, "address": entry.address, "funded": True},
        f"funded {entry.name} ({entry.address}) on {network.name}",
    )
    return 0


def account_balance(ctx: Context, args: argparse.Namespace) -> int:
    entry = ctx.wallet.get(args.name)
    network = ctx.network
    token_id = resolve_token_id(args.token, network.passphrase)

    async def go() -> tuple[int, int, str]:
        async with ctx.soroban(network) as soroban:
            info = await token_info(soroban, token_id, TokenCache(ctx.data_dir))
            return await balance(soroban, token_id, entry.address), info.decimals, info.symbol

    units, decimals, symbol = asyncio.run(go())
    ctx.console.result(
        {
            "address": entry.address,
            "token": token_id,
            "balance": str(units),
            "decimals": decimals,
        },
        f"{entry.name}: {format_amount(units, decimals)} {symbol}",
    )
    return 0


# ---------------------------------------------------------------- contract


def contract_deploy(ctx: Context, args: argparse.Namespace) -> int:
    source = signing_account(ctx, args.account)
    network = ctx.network
    fee_bps = None if args.fee_bps is None else parse_int(args.fee_bps, "--fee-bps", 0, 1000)
    if args.treasury is not None and fee_bps is None:
        raise InputError("--treasury goes with --fee-bps")
    treasury = parse_address(args.treasury, what="treasury") if args.treasury else None
    try:
        wasm = contract_wasm_path().read_bytes()
    except BundledFileMissing as exc:
        raise InputError(str(exc)) from None

    async def go() -> Any:
        async with ctx.soroban(network) as soroban:
            await check_network(soroban, network)
            what = f"deploy the FlowFi stream contract ({len(wasm)} bytes) on {network.name}"
            if fee_bps is not None:
                what += f" and set a {fee_bps} bps fee to {treasury or source.address}"
            fee = await upload_fee(soroban, source.address, wasm)
            ctx.console.say(
                f"You are about to {what}, paid by {source.name} ({source.address}).\n"
                f"  fee of the upload: {format_amount(fee, 7)} XLM (simulated); creating the "
                "contract and setting its fee are further transactions with smaller fees"
            )
            if not args.yes and not ctx.console.confirm("Sign and send?"):
                raise RefusedError("refused: nothing was signed or sent")
            keypair = ctx.wallet.unlock(ctx.passwords).keypair(source.name)
            return await deploy(soroban, keypair, wasm, fee_bps=fee_bps, treasury=treasury)

    deployment = asyncio.run(go())
    ctx.networks.set_contract(network.name, deployment.contract_id)
    ctx.console.result(
        {"contract_id": deployment.contract_id, "tx_hash": deployment.tx_hash},
        f"deployed {deployment.contract_id} on {network.name} (tx {deployment.tx_hash}); "
        "recorded as the network's stream contract",
    )
    return 0


def contract_set_fees(ctx: Context, args: argparse.Namespace) -> int:
    admin = signing_account(ctx, args.account)
    source = signing_account(ctx, args.source or args.account)
    fee_bps = parse_int(args.fee_bps, "--fee-bps", 0, 1000)
    treasury = parse_address(args.treasury, what="treasury")
    network = ctx.network
    contract_id = ctx.contract_id(network)

    async def go() -> Any:
        async with ctx.soroban(network) as soroban:
            await check_network(soroban, network)
            config = await read_call(soroban, calls.get_fee_config(contract_id))
            make = calls.initialize if config is None else calls.update_fee_config
            call = make(contract_id, admin.address, treasury, fee_bps)
            return await run_write(ctx, soroban, call, source, yes=args.yes)

    outcome = asyncio.run(go())
    ctx.console.result(
        {"tx_hash": outcome.tx_hash, "fee_bps": fee_bps, "treasury": treasury},
        f"fees set to {fee_bps} bps to {treasury} (tx {outcome.tx_hash})",
    )
    return 0


def contract_transfer_admin(ctx: Context, args: argparse.Namespace) -> int:
    admin = signing_account(ctx, args.account)
    source = signing_account(ctx, args.source or args.account)
    new_admin = parse_address(args.new_admin, what="new admin")
    network = ctx.network
    call = calls.transfer_admin(ctx.contract_id(network), admin.address, new_admin)

    async def go() -> Any:
        async with ctx.soroban(network) as soroban:
            await check_network(soroban, network)
            return await run_write(ctx, soroban, call, source, yes=args.yes)

    outcome = asyncio.run(go())
    ctx.console.result(
        {"tx_hash": outcome.tx_hash, "admin": new_admin},
        f"{new_admin} is now the contract's admin (tx {outcome.tx_hash})",
    )
    return 0


# ---------------------------------------------------------------- stream


def _stream_id(text: str) -> int:
    return parse_int(text, "stream id", 1, 2**64 - 1)


async def _stream_token(ctx: Context, soroban: Any, contract_id: str, stream_id: int) -> TokenRef:
    stream = await read_call(soroban, calls.get_stream(contract_id, stream_id))
    if stream is None:
        raise InputError(f"stream {stream_id}: {describe(2)}")
    token_id = stream["token_address"].address
    info = await token_info(soroban, token_id, TokenCache(ctx.data_dir))
    return info.ref()


def stream_create(ctx: Context, args: argparse.Namespace) -> int:
    source = signing_account(ctx, args.source or args.account)
    sender = ctx.wallet.get(args.account)
    network = ctx.network
    contract_id = ctx.contract_id(network)
    recipient = parse_address(args.recipient, what="recipient")
    token_id = resolve_token_id(args.token, network.passphrase)
    duration = parse_duration(args.duration)
    # Check the amount before any network access: fully for XLM (7 decimals, known), and its
    # form (not zero, not negative, a number) for other tokens until their decimals are read.
    if token_id == native_contract_id(network.passphrase):
        parse_amount(args.amount, NATIVE_DECIMALS)
    else:
        check_amount_form(args.amount)

    async def go() -> Any:
        async with ctx.soroban(network) as soroban:
            await check_network(soroban, network)
            token = (await token_info(soroban, token_id, TokenCache(ctx.data_dir))).ref()
            amount = parse_amount(args.amount, token.decimals)
            call = calls.create_stream(
                contract_id, sender.address, recipient, token, amount, duration
            )
            return await run_write(
                ctx, soroban, call, source, yes=args.yes, tokens={token.contract_id: token}
            )

    outcome = asyncio.run(go())
    ctx.console.result(
        {"stream_id": str(outcome.return_value), "tx_hash": outcome.tx_hash},
        f"created stream {outcome.return_value} (tx {outcome.tx_hash})",
    )
    return 0


def stream_top_up(ctx: Context, args: argparse.Namespace) -> int:
    stream_id = _stream_id(args.id)
    source = signing_account(ctx, args.source or args.account)
    sender = ctx.wallet.get(args.account)
    network = ctx.network
    contract_id = ctx.contract_id(network)
    check_amount_form(args.amount)  # its form, before the token's decimals are known

    async def go() -> Any:
        async with ctx.soroban(network) as soroban:
            await check_network(soroban, network)
            token = await _stream_token(ctx, soroban, contract_id, stream_id)
            amount = parse_amount(args.amount, token.decimals)
            call = calls.top_up_stream(contract_id, sender.address, stream_id, amount, token)
            return await run_write(
                ctx, soroban, call, source, yes=args.yes, tokens={token.contract_id: token}
            )

    outcome = asyncio.run(go())
    ctx.console.result(
        {"tx_hash": outcome.tx_hash, "stream_id": str(stream_id)},
        f"topped up stream {stream_id} (tx {outcome.tx_hash})",
    )
    return 0


def _simple(function: str) -> Any:
    makers = {
        "withdraw": calls.withdraw,
        "cancel": calls.cancel_stream,
        "pause": calls.pause_stream,
        "resume": calls.resume_stream,
    }

    def handler(ctx: Context, args: argparse.Namespace) -> int:
        stream_id = _stream_id(args.id)
        source = signing_account(ctx, args.source or args.account)
        party = ctx.wallet.get(args.account)
        network = ctx.network
        contract_id = ctx.contract_id(network)
        call = makers[function](contract_id, party.address, stream_id)

        async def go() -> Any:
            async with ctx.soroban(network) as soroban:
                await check_network(soroban, network)
                tokens: dict[str, TokenRef] = {}
                stream = await read_call(soroban, calls.get_stream(contract_id, stream_id))
                if stream is None:
                    raise InputError(f"stream {stream_id}: {describe(2)}")
                token = (
                    await token_info(
                        soroban, stream["token_address"].address, TokenCache(ctx.data_dir)
                    )
                ).ref()
                tokens[token.contract_id] = token
                return await run_write(ctx, soroban, call, source, yes=args.yes, tokens=tokens)

        outcome = asyncio.run(go())
        data: dict[str, Any] = {"tx_hash": outcome.tx_hash, "stream_id": str(stream_id)}
        text = f"{function} of stream {stream_id} done (tx {outcome.tx_hash})"
        if function == "withdraw":
            data["amount"] = str(outcome.return_value)
            text = f"withdrew {outcome.return_value} base units from stream {stream_id} " + (
                f"(tx {outcome.tx_hash})"
            )
        if function == "resume" and isinstance(outcome.return_value, int):
            data["new_end_time"] = outcome.return_value
        ctx.console.result(data, text)
        return 0

    return handler


stream_withdraw = _simple("withdraw")
stream_cancel = _simple("cancel")
stream_pause = _simple("pause")
stream_resume = _simple("resume")


def check_watch_address(text: str) -> str:
    return parse_account(text)
