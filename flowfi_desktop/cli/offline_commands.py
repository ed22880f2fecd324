"""The handlers of the commands that need no network: `network`, `settings`, and creating,
importing, watching and listing `account`s.

Kept apart from the handlers that talk to a network (`commands.py`), whose imports (stellar_sdk,
the RPC client, the transaction builder: ~0.4 s) these commands never pay for: listing accounts
or networks starts in a fraction of the time.
"""

from __future__ import annotations

import argparse
import getpass

from flowfi_desktop.cli.context import Context
from flowfi_desktop.errors import InputError
from flowfi_desktop.settings import SCHEMA, parse_value


def parse_int(text: str, what: str, low: int, high: int) -> int:
    try:
        value = int(text.strip(), 10)
    except ValueError:
        raise InputError(f"{what} {text!r} is not a whole number") from None
    if not low <= value <= high:
        raise InputError(f"{what} {value} is out of range ({low} to {high})")
    return value


# ---------------------------------------------------------------- network


def network_list(ctx: Context, args: argparse.Namespace) -> int:
    networks = ctx.networks.all()
    current = ctx.network_name or ctx.settings.get("network")
    lines = [
        f"{'*' if n.name == current else ' '} {n.name:<10} {n.rpc_url}  "
        f"contract: {n.contract_id or '-'}"
        for n in networks
    ]
    ctx.console.result([n.to_json() for n in networks], "\n".join(lines))
    return 0


def network_show(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.networks.get(args.name)
    data = network.to_json()
    text = "\n".join(f"{k}: {v if v is not None else '-'}" for k, v in data.items())
    if network.friendbot_url:
        text += f"\nfriendbot_url: {network.friendbot_url}"
    ctx.console.result(data, text)
    return 0


def network_add(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.networks.add(args.name, args.rpc_url, args.passphrase, args.friendbot_url)
    ctx.console.result(network.to_json(), f"added network {network.name}")
    return 0


def network_set_contract(ctx: Context, args: argparse.Namespace) -> int:
    network = ctx.networks.set_contract(args.name, args.contract_id)
    ctx.console.result(
        network.to_json(), f"network {network.name} now uses contract {network.contract_id}"
    )
    return 0


# ---------------------------------------------------------------- settings


def settings_list(ctx: Context, args: argparse.Namespace) -> int:
    data = {s.key: ctx.settings.get(s.key) for s in SCHEMA}
    text = "\n".join(f"{s.key} = {data[s.key]!r}\n    {s.description}" for s in SCHEMA)
    ctx.console.result(data, text)
    return 0


def settings_set(ctx: Context, args: argparse.Namespace) -> int:
    value = parse_value(args.key, args.value)
    ctx.settings.set(args.key, value)
    if args.key == "remember_unlock" and not value:
        ctx.wallet.forget_unlock()
    ctx.console.result({args.key: value}, f"{args.key} = {value!r}")
    return 0


# ---------------------------------------------------------------- account


def account_create(ctx: Context, args: argparse.Namespace) -> int:
    entry, phrase = ctx.wallet.create(args.name, ctx.passwords)
    words = phrase.split()
    grid = "\n".join(
        "  " + "  ".join(f"{i + 1:>2}. {w:<10}" for i, w in list(enumerate(words))[row : row + 6])
        for row in range(0, 24, 6)
    )
    ctx.console.say(
        f"Account {entry.name}: {entry.address}\n\n"
        "Write these 24 words down, in order, and keep them offline. They are shown only now;\n"
        "with them anyone can take the account's funds, and without them a lost keystore\n"
        "cannot be recovered.\n\n" + grid
    )
    if ctx.console.json_mode:
        ctx.console.result({"name": entry.name, "address": entry.address}, "")
    return 0


def account_import(ctx: Context, args: argparse.Namespace) -> int:
    if ctx.console.stdin.isatty():
        # Typed by hand: do not echo it on the screen.
        what = "Secret key (S...): " if args.secret_stdin else "Mnemonic words: "
        text = getpass.getpass(what)
    else:
        text = ctx.console.stdin.read()
    if args.secret_stdin:
        if args.index is not None:
            raise InputError("--index goes with --mnemonic-stdin only")
        entry = ctx.wallet.import_secret(args.name, text.strip(), ctx.passwords)
    else:
        from flowfi_desktop.keys.mnemonic import MAX_INDEX

        index = 0 if args.index is None else parse_int(args.index, "--index", 0, MAX_INDEX)
        entry = ctx.wallet.import_mnemonic(args.name, text, index, ctx.passwords)
    ctx.console.result(
        {"name": entry.name, "address": entry.address, "watch_only": False},
        f"imported {entry.name}: {entry.address}",
    )
    return 0


def account_watch(ctx: Context, args: argparse.Namespace) -> int:
    entry = ctx.wallet.watch(args.name, args.address)
    ctx.console.result(
        {"name": entry.name, "address": entry.address, "watch_only": True},
        f"watching {entry.name}: {entry.address}",
    )
    return 0


def account_list(ctx: Context, args: argparse.Namespace) -> int:
    accounts = ctx.wallet.accounts()
    data = [{"name": a.name, "address": a.address, "watch_only": a.watch_only} for a in accounts]
    text = "\n".join(
        f"{a.name:<16} {a.address}{'  (watch-only)' if a.watch_only else ''}" for a in accounts
    )
    ctx.console.result(data, text or "no accounts yet")
    return 0
