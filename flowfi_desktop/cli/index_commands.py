"""CLI commands over the local index: `sync`, `stream list|show`, `export csv`, `verify`.

The work is in flowfi_desktop.indexer.commands; these handlers turn the command line into an
`IndexTarget`, print results (JSON per shared/specs/cli.md with --json) and keep `sync` to the
four RPC methods it needs.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path

from flowfi_desktop.amounts import format_amount
from flowfi_desktop.cli.context import Context
from flowfi_desktop.errors import InputError
from flowfi_desktop.indexer import commands as index
from flowfi_desktop.indexer.notify import Notification, SyncProgress, SyncStatus
from flowfi_desktop.networks import Network


def _target(ctx: Context) -> tuple[Network, index.IndexTarget]:
    network = ctx.network
    contract_id = ctx.contract_id(network)
    ctx.ensure_local(network)
    target = index.IndexTarget(
        index.index_path(ctx.data_dir),
        network.name,
        network.passphrase,
        network.rpc_url,
        contract_id,
    )
    return network, target


def sync(ctx: Context, args: argparse.Namespace) -> int:
    network, target = _target(ctx)
    last_status: list[str] = []

    def on_notification(note: Notification) -> None:
        if isinstance(note, SyncStatus) and note.message and note.message not in last_status[-1:]:
            last_status.append(note.message)
            ctx.console.say(f"sync: {note.message}")
        elif isinstance(note, SyncProgress) and args.follow:
            ctx.console.say(
                f"sync: ledger {note.ledger} of {note.latest_ledger}, "
                f"{note.events_indexed} events this run"
            )

    index.freeze_startup_objects()
    if args.follow:
        ctx.console.say(f"following {network.name} (Ctrl-C stops)")
        try:
            asyncio.run(index.sync(target, follow=True, on_notification=on_notification))
        except KeyboardInterrupt:
            ctx.console.say("stopped; the index is consistent up to the last page")
        return 0
    report = asyncio.run(index.sync(target, on_notification=on_notification))
    assert report is not None
    data = {
        "network": network.name,
        "contract_id": target.contract_id,
        "ledger": report.ledger,
        "latest_ledger": report.latest_ledger,
        "events": report.events,
        "unknown_events": report.unknown,
        "changed_streams": sorted(report.changed_streams),
        "gaps": [list(gap) for gap in report.gaps],
    }
    gaps = "".join(f"\n  history missing: ledgers {a}-{b}" for a, b in report.gaps)
    ctx.console.result(
        data,
        f"indexed {report.events} new events up to ledger {report.ledger} "
        f"({len(report.changed_streams)} streams changed){gaps}",
    )
    return 0


def _accounts(ctx: Context, args: argparse.Namespace) -> list[str] | None:
    if getattr(args, "all", False):
        return None
    if getattr(args, "account", None):
        return [ctx.wallet.get(args.account).address]
    return [entry.address for entry in ctx.wallet.accounts()]


def stream_list(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.network
    contract_id = ctx.contract_id(network)
    accounts = _accounts(ctx, args)
    if args.role and accounts is None:
        raise InputError("--role goes with the wallet's accounts (or --account), not --all")
    rows = index.stream_list(
        index.index_path(ctx.data_dir), network.name, contract_id, accounts=accounts,
        role=args.role,
    )  # fmt: skip
    names = ctx.address_names()
    tokens = index.token_labels(index.index_path(ctx.data_dir), network.name)
    lines = [
        f"{row['id']:>6}  {row['status']:<9}  {_who(row['sender'], names)} -> "
        f"{_who(row['recipient'], names)}  "
        f"deposited {_amount(row['deposited'], row['token'], tokens, names)}  "
        f"claimable {_amount(row['claimable'], row['token'], tokens, names)}"
        for row in rows
    ]
    ctx.console.result(rows, "\n".join(lines) or _no_streams(accounts, args.role))
    return 0


def _no_streams(accounts: list[str] | None, role: str | None) -> str:
    if accounts is None:
        return "no streams in the index (run `sync` first)"
    if not accounts:
        return "the wallet has no accounts; `stream list --all` lists every indexed stream"
    whose = "this account" if len(accounts) == 1 else f"the wallet's {len(accounts)} accounts"
    does = {"incoming": "receives", "outgoing": "sends"}.get(role or "", "sends or receives")
    return (
        f"no indexed stream that {whose} {does} (run `sync` to index new ones; "
        "`stream list --all` lists every stream)"
    )


def _who(address: str, names: dict[str, str]) -> str:
    return names.get(address, f"{address[:5]}…{address[-4:]}")


def _amount(
    units: str, token: str, tokens: dict[str, tuple[str | None, int]], names: dict[str, str]
) -> str:
    """An amount in token units with the token's symbol, or in base units when the index does
    not know the token's decimals (yet)."""
    known = tokens.get(token)
    if known is None:
        return f"{units} base units of {_who(token, names)}"
    symbol, decimals = known
    return f"{format_amount(int(units), decimals)} {symbol or _who(token, names)}"


def stream_show(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.network
    contract_id = ctx.contract_id(network)
    try:
        stream_id = int(args.id)
    except ValueError:
        raise InputError(f"stream id must be a whole number, not {args.id!r}") from None
    path = index.index_path(ctx.data_dir)
    row = index.stream_show(path, network.name, contract_id, stream_id)
    tokens, names = index.token_labels(path, network.name), ctx.address_names()
    shown = dict(row)
    for key in ("rate_per_second", "deposited", "withdrawn", "claimable"):
        shown[key] = _amount(row[key], row["token"], tokens, names)
    shown["rate_per_second"] += " a second"
    for key in ("start_time", "last_update_time", "end_time"):
        shown[key] = f"{row[key]} ({_utc(row[key])})"
    text = "\n".join(f"{key:<17} {value}" for key, value in shown.items())
    ctx.console.result(row, text)
    return 0


def _utc(seconds: int) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):
        return "never"  # an end time that saturates u64: a stream that never runs dry


def export_csv(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.network
    contract_id = ctx.contract_id(network)
    accounts = [ctx.wallet.get(args.account).address] if args.account else None
    out = Path(args.out)
    count = index.export_csv(
        index.index_path(ctx.data_dir), network.name, contract_id, out, accounts=accounts
    )
    ctx.console.result({"out": str(out), "rows": count}, f"wrote {count} events to {out}")
    return 0


def verify(ctx: Context, args: argparse.Namespace) -> int:
    _network, target = _target(ctx)
    index.freeze_startup_objects()
    report = asyncio.run(index.verify(target))
    data = {
        "ok": report.ok,
        "checked": report.checked,
        "differences": [str(diff) for diff in report.differences],
        "missing_in_index": report.missing_in_index,
        "missing_on_chain": report.missing_on_chain,
    }
    ctx.console.result(data, report.summary())
    return 0 if report.ok else 1
