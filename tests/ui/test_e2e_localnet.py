"""End to end: the real window against a real flowfi-localnet. Through the window's own
dialogs: the first-run flow creates and funds an account and deploys the bundled contract; a
second account is created and funded; a stream goes from the first to the second, appears in
both lists within two polls, its chart advances; the recipient withdraws, the sender cancels;
every balance is checked against the chain."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from flowfi_desktop import localnet as ln
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.app.tokenbook import native_token
from flowfi_desktop.bundled import BundledFileMissing, contract_wasm_path
from flowfi_desktop.networks import LOCAL_PASSPHRASE, Networks
from flowfi_desktop.settings import SettingsFile
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.main_window import MainWindow
from flowfi_desktop.ui.tasks import spawn
from tests.localnet.helpers import fee_charged, xlm_balance
from tests.ui.helpers import until

pytestmark = [pytest.mark.localnet, pytest.mark.slow]
PASSWORD = "correct horse battery"  # a test keystore
POLL = 5.0  # the indexer's follow interval (SyncConfig.poll_interval)


@pytest.fixture
def net():  # type: ignore[no-untyped-def]
    try:
        ln.find_binary()
        contract_wasm_path()
    except (ln.LocalnetError, BundledFileMissing) as error:
        pytest.skip(str(error))
    # Instant mode: a ledger closes per transaction. (With ledgers closing every second, a
    # cancel simulated in one ledger and applied in the next can exceed its simulated
    # resources: INVOKE_HOST_FUNCTION_RESOURCE_LIMIT_EXCEEDED; reported to the wallet core.)
    process = ln.start(ledger_interval_ms=0)
    yield process
    process.stop()


async def _fill_account_dialog(window: MainWindow, name: str, first: bool) -> None:  # type: ignore[no-untyped-def]
    await until(
        lambda: (
            getattr(window, "last_account_dialog", None) is not None
            and window.last_account_dialog.isVisible()
        ),
        timeout=5.0,
    )
    dialog = window.last_account_dialog
    dialog.name.setText(name)
    dialog.password.setText(PASSWORD)
    if first:
        dialog.confirm.setText(PASSWORD)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok.isEnabled(), dialog.error.text()
    ok.click()
    await until(
        lambda: (
            getattr(window, "last_backup_dialog", None) is not None
            and window.last_backup_dialog.isVisible()
        ),
        timeout=30.0,
    )
    backup = window.last_backup_dialog
    shown = [
        label.text().split(". ", 1)[1]
        for label in backup.findChildren(QLabel)
        if label.property("role") == "mono" and ". " in label.text()
    ]
    assert len(shown) == 24
    backup.written.setChecked(True)
    backup.next.click()
    for field, position in zip(backup.answers, backup.positions, strict=True):
        field.setText(shown[position])
    assert backup.done_button.isEnabled()
    backup.done_button.click()
    window.last_account_dialog = None  # type: ignore[assignment]
    window.last_backup_dialog = None  # type: ignore[assignment]


async def _answer_password(window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    await until(
        lambda: (
            getattr(window, "last_password_dialog", None) is not None
            and window.last_password_dialog.isVisible()
        ),
        timeout=10.0,
    )
    window.last_password_dialog.password.setText(PASSWORD)
    window.last_password_dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


async def _act(window: MainWindow, kind: str, stream_id: int | None, **fields: str):  # type: ignore[no-untyped-def]
    window.open_action(kind, stream_id)
    dialog = window.last_action_dialog
    for name, value in fields.items():
        getattr(dialog, name).setText(value)
    assert dialog.primary.isEnabled(), dialog.error.text()
    dialog.primary.click()  # review (simulation)
    await until(lambda: dialog.pages.currentIndex() == 1, timeout=30.0)
    assert "You are about to" in dialog.review_text.toPlainText()
    assert "fee:" in dialog.review_text.toPlainText()
    dialog.primary.click()  # sign and send
    await until(
        lambda: dialog.outcome is not None or "Not done" in dialog.progress_text.text(),
        timeout=60.0,
    )
    # No second review: the wallet's simulation covers what time changes before the ledger
    # (streams/edges.py), so a failure here is a real one.
    assert dialog.outcome is not None, dialog.progress_text.text()
    dialog.close_button.click()
    return dialog.outcome


def test_window_end_to_end_on_localnet(net, tmp_path: Path, qtbot, run) -> None:  # type: ignore[no-untyped-def]
    window_box: list[MainWindow] = []
    try:
        run(_scenario(net, tmp_path, qtbot, window_box), timeout=300)
    finally:
        if window_box:
            run(window_box[0].shutdown())


async def _scenario(net, tmp_path: Path, qtbot, window_box: list[MainWindow]) -> None:  # type: ignore[no-untyped-def]
    settings = SettingsFile(tmp_path)
    settings.set("keystore_kdf", "interactive")
    Networks(settings).edit("local", rpc_url=net.rpc_url, friendbot_url=net.friendbot_url)
    session = AppSession(tmp_path)
    bridge = Bridge()
    bridge.attach(session.events.subscribe)
    window = MainWindow(session, bridge, tray=False, first_run=False)
    qtbot.addWidget(window)
    window_box.append(window)
    window.show()
    await window.start()
    assert session.sync.state == "unavailable"  # no contract yet

    # --- first run: network, a new account (backup confirmed), test XLM, deploy the contract
    wizard = window.open_first_run()
    assert wizard.page() == "network"
    wizard.next.click()
    assert wizard.page() == "account"
    wizard.create_button.click()
    await _fill_account_dialog(window, "alice", first=True)
    await until(lambda: wizard.account_name == "alice", timeout=10.0)
    wizard.next.click()
    assert wizard.page() == "fund"
    wizard.fund_button.click()
    await until(lambda: wizard.status.text() == "Funded.", timeout=30.0)
    wizard.next.click()
    assert wizard.page() == "contract"
    wizard.deploy_button.click()
    await _answer_password(window)
    await until(
        lambda: wizard.contract_id is not None,
        timeout=40.0,
        why=lambda: f"{wizard.status.text()} / sync {session.sync}",
    )
    contract = wizard.contract_id
    wizard.next.click()
    wizard.next.click()  # Finish
    assert session.prefs.get("first_run_done")
    assert session.network.contract_id == contract
    alice = session.address
    assert alice is not None

    # --- a second account, funded
    spawn(window.add_account("create"))
    await _fill_account_dialog(window, "bob", first=False)
    await until(
        lambda: session.account is not None and session.account.name == "bob",
        why=lambda: f"{session.account} modal={QApplication.activeModalWidget()}",
    )
    bob = session.address
    assert bob is not None
    await window.fund_account()
    session.switch_account("alice")

    url = net.rpc_url
    alice_before, bob_before = xlm_balance(url, alice), xlm_balance(url, bob)

    # --- alice streams 100 XLM to bob over an hour
    created = await _act(window, "create", None, recipient=bob, amount="100", duration="1h")
    stream_id = created.return_value
    assert isinstance(stream_id, int)
    window.show_page("outgoing")
    started = time.monotonic()
    await until(
        lambda: window.streams.model.rowCount() == 1,
        timeout=2 * POLL + 2,
        why=lambda: (
            f"sync {session.sync} ref {session.contract_ref} q {window.streams.model.query}"
        ),
    )
    assert time.monotonic() - started <= 2 * POLL + 2
    assert window.streams.model.stream_at(0).stream_id == stream_id  # type: ignore[union-attr]
    session.switch_account("bob")
    await until(lambda: window.streams.model.query.addresses == (bob,), timeout=5.0)
    window.show_page("incoming")
    await window.streams.model.settled()
    assert window.streams.model.rowCount() == 1

    # --- the chart advances from local arithmetic
    window.open_stream(stream_id)
    chart = window.detail.chart
    await asyncio.sleep(0.3)  # laid out: the curves clip to the visible range
    _x0, y0 = chart.accrued.getData()
    await asyncio.sleep(1.5)
    x1, y1 = chart.accrued.getData()
    assert x1[-1] > _x0[-1]
    assert y1[-1] > y0[-1]

    # --- bob withdraws, alice cancels
    withdrawn = await _act(window, "withdraw", stream_id)
    assert isinstance(withdrawn.return_value, int)
    assert withdrawn.return_value > 0
    session.switch_account("alice")
    # The cancel follows the withdrawal at once, as a user's would: when it is simulated in the
    # withdrawal's second it pays nothing there, and the wallet widens its footprint for the
    # payout it will make a second later (streams/edges.py).
    cancelled = await _act(window, "cancel", stream_id)
    await until(
        lambda: (s := session.stream(stream_id)) is not None and s.status == "cancelled",
        timeout=2 * POLL + 5,
    )
    final = session.stream(stream_id)
    assert final is not None

    # --- every balance
    deposit = 100 * 10**7
    assert final.deposited_amount == deposit  # no protocol fee: the contract was not initialized
    assert final.withdrawn_amount + final.refunded_amount == deposit
    assert final.withdrawn_amount >= withdrawn.return_value
    fee_alice = fee_charged(url, created.tx_hash) + fee_charged(url, cancelled.tx_hash)
    fee_bob = fee_charged(url, withdrawn.tx_hash)
    assert xlm_balance(url, alice) == alice_before - deposit + final.refunded_amount - fee_alice
    assert xlm_balance(url, bob) == bob_before + final.withdrawn_amount - fee_bob
    contract_balance = await window.wallet_ops.balance(native_token(LOCAL_PASSPHRASE), contract)
    assert contract_balance == 0
    # and the window says so
    window.open_stream(stream_id)
    assert window.detail.badge.text() == "Cancelled"
