"""Entry point of `flowfi-desktop`: parses the command line and dispatches to a command.

Exit codes (shared/specs/cli.md): 0 success, 1 bad input or refused, 2 usage error,
3 network or RPC failure, 4 the transaction failed on chain.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from flowfi_desktop import APP_NAME, __version__
from flowfi_desktop.errors import FlowFiError

log = logging.getLogger(__name__)

Handler = Callable[..., int]


def _json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _write(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", required=True, metavar="NAME", help="the acting account")
    parser.add_argument(
        "--source",
        metavar="NAME",
        help="account that pays and signs the transaction when not --account (the acting "
        "account then signs an authorization entry)",
    )
    parser.add_argument("--yes", action="store_true", help="sign and send without asking")
    _json(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="flowfi-desktop",
        description=f"{APP_NAME}: stream tokens on Stellar from your own machine.",
        epilog="Run without a command to open the app window.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="where settings, keystore and the index live (env FLOWFI_DATA_DIR)",
    )
    parser.add_argument(
        "--network", metavar="NAME", help="mainnet, testnet, futurenet, local or a custom one"
    )
    parser.add_argument(
        "--password-file",
        metavar="FILE",
        help="read the keystore password from FILE (or set FLOWFI_PASSWORD)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = commands.add_parser("gui", help="open the app window (the default)")
    gui.add_argument("--screenshot", metavar="FILE.png", help="save the main window to FILE")
    gui.add_argument(
        "--quit-after",
        metavar="SECONDS",
        type=float,
        help="close the app after SECONDS (with --screenshot: once it is saved)",
    )

    localnet = commands.add_parser("localnet", help="run the bundled local Soroban network")
    localnet.add_argument("--port", type=int, default=8000)
    localnet.add_argument("--ledger-interval-ms", type=int, default=None, metavar="N")
    localnet.add_argument("--state-dir", metavar="DIR", default=None)
    localnet.add_argument(
        "--max-entry-ttl",
        type=int,
        metavar="LEDGERS",
        help="a new chain whose contract state archives after LEDGERS ledgers (min 16), to try "
        "state archival and restoration",
    )

    # network
    network = commands.add_parser("network", help="list, show and add networks")
    net = network.add_subparsers(dest="action", metavar="ACTION", required=True)
    _json(net.add_parser("list", help="the known networks"))
    show = net.add_parser("show", help="one network")
    show.add_argument("name")
    _json(show)
    add = net.add_parser("add", help="add a custom network")
    add.add_argument("name")
    add.add_argument("--rpc-url", required=True)
    add.add_argument("--passphrase", required=True)
    add.add_argument("--friendbot-url")
    _json(add)
    setc = net.add_parser("set-contract", help="record the stream contract of a network")
    setc.add_argument("name")
    setc.add_argument("contract_id", metavar="CONTRACT_ID")
    _json(setc)

    # account
    account = commands.add_parser("account", help="create, import, watch and use accounts")
    acc = account.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = acc.add_parser("create", help="a new account from a fresh 24-word mnemonic")
    create.add_argument("name")
    _json(create)
    imp = acc.add_parser("import", help="import a secret key or a mnemonic from stdin")
    imp.add_argument("name")
    which = imp.add_mutually_exclusive_group(required=True)
    which.add_argument("--secret-stdin", action="store_true")
    which.add_argument("--mnemonic-stdin", action="store_true")
    imp.add_argument("--index", metavar="N", help="SEP-5 account index (default 0)")
    _json(imp)
    watch = acc.add_parser("watch", help="follow an address without its key")
    watch.add_argument("name")
    watch.add_argument("address")
    _json(watch)
    _json(acc.add_parser("list", help="the wallet's accounts"))
    fund = acc.add_parser("fund", help="fund an account from the network's friendbot")
    fund.add_argument("name")
    _json(fund)
    bal = acc.add_parser("balance", help="an account's token balance")
    bal.add_argument("name")
    bal.add_argument("--token", default="native", metavar="TOKEN")
    _json(bal)

    # contract
    contract = commands.add_parser("contract", help="deploy the stream contract")
    con = contract.add_subparsers(dest="action", metavar="ACTION", required=True)
    dep = con.add_parser("deploy", help="upload, create, optionally initialize, record")
    dep.add_argument("--account", required=True, metavar="NAME")
    dep.add_argument("--fee-bps", metavar="N")
    dep.add_argument("--treasury", metavar="ADDRESS")
    dep.add_argument("--yes", action="store_true")
    _json(dep)

    fees = con.add_parser("set-fees", help="set the contract's fee (initialize or update)")
    fees.add_argument("--account", required=True, metavar="NAME", help="the admin account")
    fees.add_argument("--fee-bps", required=True, metavar="N")
    fees.add_argument("--treasury", required=True, metavar="ADDRESS")
    fees.add_argument("--source", metavar="NAME", help="account that pays, when not --account")
    fees.add_argument("--yes", action="store_true")
    _json(fees)
    admin = con.add_parser("transfer-admin", help="hand the admin role to another address")
    admin.add_argument("--account", required=True, metavar="NAME", help="the current admin")
    admin.add_argument("--new-admin", required=True, metavar="ADDRESS")
    admin.add_argument("--source", metavar="NAME", help="account that pays, when not --account")
    admin.add_argument("--yes", action="store_true")
    _json(admin)

    # settings
    settings = commands.add_parser("settings", help="show and change settings")
    sset = settings.add_subparsers(dest="action", metavar="ACTION", required=True)
    _json(sset.add_parser("list", help="every setting with its value and meaning"))
    change = sset.add_parser("set", help="change one setting")
    change.add_argument("key", metavar="KEY")
    change.add_argument("value", metavar="VALUE")
    _json(change)

    # stream
    stream = commands.add_parser("stream", help="create and manage payment streams")
    st = stream.add_subparsers(dest="action", metavar="ACTION", required=True)
    sc = st.add_parser("create", help="start a stream")
    sc.add_argument("--recipient", required=True, metavar="ADDRESS")
    sc.add_argument("--token", required=True, metavar="TOKEN")
    sc.add_argument("--amount", required=True, metavar="X")
    sc.add_argument("--duration", required=True, metavar="D")
    _write(sc)
    top = st.add_parser("top-up", help="add funds to a stream")
    top.add_argument("id", metavar="ID")
    top.add_argument("--amount", required=True, metavar="X")
    _write(top)
    for name, text in (
        ("withdraw", "withdraw what has accrued (recipient)"),
        ("cancel", "cancel a stream (sender)"),
        ("pause", "pause a stream (sender)"),
        ("resume", "resume a paused stream (sender)"),
    ):
        sub = st.add_parser(name, help=text)
        sub.add_argument("id", metavar="ID")
        _write(sub)
    sl = st.add_parser("list", help="streams of the wallet's accounts, from the local index")
    who = sl.add_mutually_exclusive_group()
    who.add_argument("--account", metavar="NAME", help="only this account's streams")
    who.add_argument("--all", action="store_true", help="every stream of the contract")
    sl.add_argument("--role", choices=("incoming", "outgoing"))
    _json(sl)
    ss = st.add_parser("show", help="one stream, from the local index")
    ss.add_argument("id", metavar="ID")
    _json(ss)

    # the local index
    sync = commands.add_parser("sync", help="index the network's stream contract locally")
    sync.add_argument("--follow", action="store_true", help="keep following, as the app does")
    _json(sync)
    verify = commands.add_parser(
        "verify", help="compare every indexed stream with its on-chain state"
    )
    _json(verify)
    export = commands.add_parser("export", help="export the index")
    exp = export.add_subparsers(dest="action", metavar="FORMAT", required=True)
    csv = exp.add_parser("csv", help="stream events as CSV (amounts in base units)")
    csv.add_argument("--out", required=True, metavar="FILE")
    csv.add_argument("--account", metavar="NAME", help="only this account's streams")
    _json(csv)

    demo = commands.add_parser(
        "demo", help="open the app on a demo wallet with live streams on the local network"
    )
    demo.add_argument("--screenshot", metavar="FILE.png", help="save the main window to FILE")
    demo.add_argument("--quit-after", metavar="SECONDS", type=float)
    return parser


#: Each command's handler as "module.function" in flowfi_desktop.cli: only the module of the
#: command that runs is imported, so `account list` never loads what `stream create` needs
#: (stellar_sdk, the RPC client: ~0.4 s) nor the index's modules.
HANDLERS: dict[tuple[str, str | None], str] = {
    ("network", "list"): "offline_commands.network_list",
    ("network", "show"): "offline_commands.network_show",
    ("network", "add"): "offline_commands.network_add",
    ("network", "set-contract"): "offline_commands.network_set_contract",
    ("account", "create"): "offline_commands.account_create",
    ("account", "import"): "offline_commands.account_import",
    ("account", "watch"): "offline_commands.account_watch",
    ("account", "list"): "offline_commands.account_list",
    ("account", "fund"): "commands.account_fund",
    ("account", "balance"): "commands.account_balance",
    ("contract", "deploy"): "commands.contract_deploy",
    ("contract", "set-fees"): "commands.contract_set_fees",
    ("contract", "transfer-admin"): "commands.contract_transfer_admin",
    ("settings", "list"): "offline_commands.settings_list",
    ("settings", "set"): "offline_commands.settings_set",
    ("stream", "create"): "commands.stream_create",
    ("stream", "top-up"): "commands.stream_top_up",
    ("stream", "withdraw"): "commands.stream_withdraw",
    ("stream", "cancel"): "commands.stream_cancel",
    ("stream", "pause"): "commands.stream_pause",
    ("stream", "resume"): "commands.stream_resume",
    ("stream", "list"): "index_commands.stream_list",
    ("stream", "show"): "index_commands.stream_show",
    ("sync", None): "index_commands.sync",
    ("verify", None): "index_commands.verify",
    ("export", "csv"): "index_commands.export_csv",
}


def _handler(args: argparse.Namespace) -> Handler:
    module, name = HANDLERS[(args.command, getattr(args, "action", None))].split(".")
    handler: Handler = getattr(importlib.import_module(f"flowfi_desktop.cli.{module}"), name)
    return handler


def _run_localnet(args: argparse.Namespace) -> int:
    from flowfi_desktop import localnet

    interval = 1000 if args.ledger_interval_ms is None else args.ledger_interval_ms
    if not 0 <= args.port <= 65535 or interval < 0:
        print("error: --port must be 0-65535 and --ledger-interval-ms >= 0", file=sys.stderr)
        return 1
    if args.max_entry_ttl is not None and args.max_entry_ttl < 16:
        print("error: --max-entry-ttl must be at least 16 ledgers", file=sys.stderr)
        return 1
    return localnet.run_foreground(args.port, interval, args.state_dir, args.max_entry_ttl)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command or "gui"
    if command == "gui":
        # Imported here: the core and every other command stay importable without Qt.
        from flowfi_desktop.ui.app import run_gui

        return run_gui(
            screenshot=getattr(args, "screenshot", None),
            quit_after=getattr(args, "quit_after", None),
            data_dir=Path(args.data_dir) if args.data_dir else None,
        )
    if command == "localnet":
        return _run_localnet(args)
    if command == "demo":
        from flowfi_desktop import demo
        from flowfi_desktop.paths import data_dir

        # The demo never shares a data dir with a real wallet unless told to.
        folder = Path(args.data_dir) if args.data_dir else data_dir(None) / "demo"
        argv = ["--data-dir", str(folder)]
        if args.screenshot:
            argv += ["--screenshot", args.screenshot]
        if args.quit_after is not None:
            argv += ["--quit-after", str(args.quit_after)]
        return demo.main(argv)

    from flowfi_desktop.cli.context import Console, Context
    from flowfi_desktop.logs import redact, setup_logging

    console = Console(json_mode=bool(getattr(args, "json", False)))
    ctx = Context.from_args(args, console)
    # The same rotating, redacted log as the app's: what a command did stays on record.
    # Only the command's name is logged; arguments go through `redact` in every message.
    setup_logging(ctx.data_dir / "logs")
    what = " ".join(filter(None, [command, getattr(args, "action", None)]))
    log.info("command %s (%s %s)", what, APP_NAME, __version__)
    try:
        code = _handler(args)(ctx, args)
        sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
        log.info("command %s finished, exit %d", what, code)
        return code
    except FlowFiError as exc:
        log.warning("command %s failed, exit %d: %s", what, exc.exit_code, exc)
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        log.warning("command %s interrupted", what)
        print("interrupted: nothing more was done", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (`stream list | head`): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # what a shell reports for a command killed by SIGPIPE
    except Exception as exc:  # a bug: say so plainly, without a traceback full of state
        log.exception("unexpected failure")
        print(
            f"error: unexpected failure ({type(exc).__name__}: {redact(str(exc))[:300]}); "
            "this is a bug in FlowFi Desktop, please report it",
            file=sys.stderr,
        )
        return 1
    finally:
        ctx.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
