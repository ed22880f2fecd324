"""The main window: account switcher, navigation (dashboard, incoming, outgoing, all streams,
receive), stream detail, the network and sync status always in the status bar, menus with
shortcuts, tray icon, auto-lock, and the actions' dialogs."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Never

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from flowfi_desktop import APP_NAME
from flowfi_desktop.app import export, wallet_actions
from flowfi_desktop.app.dashboard import Dashboard
from flowfi_desktop.app.events import (
    AccountSwitched,
    NetworkSwitched,
    NoticeRaised,
    SyncStatusChanged,
)
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.app.tokenbook import TokenLearner
from flowfi_desktop.app.wallet_actions import ActionSpec, WalletActions
from flowfi_desktop.chain.rpc import tls_context
from flowfi_desktop.errors import FlowFiError, RefusedError
from flowfi_desktop.keys.accounts import Unlocked
from flowfi_desktop.keys.keystore import WrongPassword
from flowfi_desktop.streams.tx import Outcome, Prepared
from flowfi_desktop.tokens import TokenCache, TokenInfo
from flowfi_desktop.ui import theme
from flowfi_desktop.ui.about import AboutDialog
from flowfi_desktop.ui.accounts import AccountDialog, BackupDialog, PasswordDialog
from flowfi_desktop.ui.actions import TITLES, ActionDialog
from flowfi_desktop.ui.bridge import Bridge
from flowfi_desktop.ui.dashboard_view import DashboardView
from flowfi_desktop.ui.dialogs import run_dialog
from flowfi_desktop.ui.first_run import FirstRunDialog, FirstRunSteps
from flowfi_desktop.ui.idle import IdleWatcher
from flowfi_desktop.ui.receive import ReceiveView
from flowfi_desktop.ui.settings_dialog import SettingsDialog
from flowfi_desktop.ui.stream_detail import StreamDetail
from flowfi_desktop.ui.streams_view import StreamsView
from flowfi_desktop.ui.sync_status import SyncStatusBar
from flowfi_desktop.ui.tasks import spawn
from flowfi_desktop.ui.tray import Tray

log = logging.getLogger(__name__)

NAV = (
    ("dashboard", "Dashboard", "Ctrl+1"),
    ("incoming", "Incoming", "Ctrl+2"),
    ("outgoing", "Outgoing", "Ctrl+3"),
    ("all", "All streams", "Ctrl+4"),
    ("receive", "Receive", "Ctrl+5"),
)
ADD_ACCOUNT = "__add__"


# How long the dialogs' pre-building waits while the index is catching up.
PREBUILD_RETRY_MS = 500


class MainWindow(QMainWindow):
    # The app ends when the window closes: run_gui then shuts the core down on a still-running
    # loop (quitting Qt first would stop the loop under the shutdown's awaits).
    closed = Signal()

    def __init__(
        self,
        session: AppSession,
        bridge: Bridge,
        *,
        log_path: Path | None = None,
        clock: Callable[[], float] = time.time,
        tray: bool = True,
        first_run: bool = True,
    ) -> None:
        super().__init__()
        self.offer_first_run = first_run
        self.session, self.bridge, self.log_path, self.clock = session, bridge, log_path, clock
        self.setWindowTitle(APP_NAME)
        self.setWindowIcon(theme.app_icon())
        # Wide enough for the stream table up to "Claimable now" (streams_view.SAMPLES) and
        # still narrower than a 1366-pixel laptop screen.
        self.resize(1280, 760)
        self.unlocked: Unlocked | None = None
        self.wallet_ops = self._new_actions()
        self.dialogs: list[QWidget] = []  # open non-modal dialogs (kept alive)
        # Built once and reused (see actions.py): one action dialog per kind, and the
        # password dialog of unlocking.
        self.action_dialogs: dict[str, ActionDialog] = {}
        self.unlock_dialog: PasswordDialog | None = None
        self.token_learner: TokenLearner | None = None
        self.shut_down = False
        self._dashboard_load: asyncio.Task[None] | None = None
        self._dashboard_again = False  # the index changed during the running load

        # --- toolbar
        bar = QToolBar("Main", self)
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(bar)
        bar.addWidget(QLabel(" Account ", self))
        self.account_box = QComboBox(self)
        self.account_box.setMinimumWidth(260)
        self.account_box.setToolTip("Switch account")
        bar.addWidget(self.account_box)
        self.new_stream = QAction("New stream…", self)
        self.new_stream.setShortcut(QKeySequence.StandardKey.New)
        self.new_stream.setToolTip("Create a stream from this account (Ctrl+N)")
        self.new_stream.triggered.connect(lambda: self.open_action("create", None))
        bar.addAction(self.new_stream)
        spacer = QWidget(self)
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.lock_action = QAction("Unlock…", self)
        self.lock_action.setShortcut("Ctrl+L")
        self.lock_action.triggered.connect(self.toggle_lock)
        bar.addAction(self.lock_action)

        # --- pages
        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(180)
        for key, text, shortcut in NAV:
            item = QListWidgetItem(text, self.nav)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setToolTip(f"{text} ({shortcut})")
            action = QAction(self)
            action.setShortcut(shortcut)
            action.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            self.addAction(action)
        self.stack = QStackedWidget(self)
        self.dashboard = DashboardView(self, clock=clock)
        self.streams = StreamsView(self)
        self.detail = StreamDetail(self, clock=clock)
        self.receive = ReceiveView(self)
        for page in (self.dashboard, self.streams, self.detail, self.receive):
            self.stack.addWidget(page)
        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.nav)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        # --- status bar
        self.sync_bar = SyncStatusBar(self)
        self.statusBar().addPermanentWidget(self.sync_bar, 1)
        self.lock_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.lock_label)

        self._build_menus()
        self.tray: Tray | None = Tray(self) if tray else None
        if self.tray is not None:
            self.tray.show_requested.connect(self._raise)
            self.tray.quit_requested.connect(self.close)
            self.tray.lock_requested.connect(self.lock)
            self.tray.show()
        # Watches the input of the top-level windows (this one once shown, dialogs as they
        # get focus), not the whole application: see idle.py.
        self.idle = IdleWatcher(
            lambda: int(session.prefs.get("auto_lock_minutes")), self.lock, self
        )

        # --- wiring
        self.nav.currentRowChanged.connect(lambda row: self.show_page(NAV[row][0]))
        self.account_box.activated.connect(self._account_chosen)
        self.streams.stream_activated.connect(self.open_stream)
        self.dashboard.stream_activated.connect(self.open_stream)
        self.detail.back_requested.connect(self.go_back)
        self.detail.action_requested.connect(self.open_action)
        self.sync_bar.retry_requested.connect(lambda: spawn(self.session.retry_sync()))
        bridge.streams_changed.connect(self.on_streams_changed)
        bridge.sync_progressed.connect(self.sync_bar.on_progress)
        bridge.sync_status_changed.connect(self.sync_bar.on_status)
        bridge.notice_raised.connect(self.on_notice)
        bridge.account_switched.connect(self.on_account_switched)
        bridge.network_switched.connect(self.on_network_switched)
        bridge.lock_changed.connect(self._show_lock)
        self.dry_timer = QTimer(self)
        self.dry_timer.setInterval(30_000)
        self.dry_timer.timeout.connect(
            lambda: spawn(session.check_running_dry(), name="running-dry check")
        )
        self.dry_timer.start()
        self._previous_page = "dashboard"
        self._page = "dashboard"
        self.nav.setCurrentRow(0)
        self._fill_accounts()
        self.sync_bar.set_network(session.network.name, session.network.rpc_url)
        self._show_lock(True)
        self.reload()

    # ------------------------------------------------------------------ building

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        file.addAction("Export streams as CSV…", self.export_streams)
        file.addAction("Export events as CSV…", self.export_events)
        file.addSeparator()
        settings = file.addAction("Settings…", self.open_settings)
        settings.setShortcut("Ctrl+,")  # StandardKey.Preferences is empty on some desktops
        file.addSeparator()
        quit_action = file.addAction("Quit", self.close)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        accounts = menus.addMenu("&Accounts")
        add = accounts.addAction("Add account…", lambda: spawn(self.add_account()))
        add.setShortcut("Ctrl+Shift+N")
        accounts.addAction("Watch an address…", lambda: spawn(self.add_account("watch")))
        accounts.addAction("Back up secret key…", lambda: spawn(self.backup_account()))
        accounts.addAction("Remove account…", lambda: spawn(self.remove_account()))
        accounts.addSeparator()
        accounts.addAction(self.lock_action)
        streams = menus.addMenu("&Streams")
        streams.addAction(self.new_stream)
        find = streams.addAction("Find…", self.focus_search)
        find.setShortcut(QKeySequence.StandardKey.Find)
        streams.addAction("Refresh now", lambda: self.session.nudge())
        view = menus.addMenu("&View")
        for mode in theme.THEMES:
            view.addAction(f"{mode.capitalize()} theme", self._theme_setter(mode))
        help_menu = menus.addMenu("&Help")
        help_menu.addAction(f"About {APP_NAME}", self.open_about)

    def _new_actions(self) -> WalletActions:
        s = self.session.settings
        return WalletActions(
            self.session.network,
            self.session.wallet,
            timeout=float(s.get("rpc_timeout_seconds")),
            attempts=int(s.get("rpc_attempts")),
            fee_warning_stroops=int(s.get("fee_warning_stroops")),
            token_cache=TokenCache(self.session.data_dir),
        )

    # ------------------------------------------------------------------ start and stop

    async def start(self) -> None:
        """Opens the index and starts syncing (called once the loop runs)."""
        # The TLS settings every HTTP client shares read the CA bundle (~25 ms): here, not on
        # the GUI thread at the first client a user action makes.
        await asyncio.to_thread(tls_context)
        try:
            await self.session.start_sync()
        except FlowFiError as error:
            self.sync_bar.on_status(SyncStatusChanged("failed", str(error)))
        self.reload()
        self.prebuild_dialogs()
        if (
            self.offer_first_run
            and not self.session.prefs.get("first_run_done")
            and not self.session.accounts()
        ):
            self.open_first_run()

    # ------------------------------------------------------------------ first run

    def open_first_run(self) -> FirstRunDialog:
        s = self.session

        async def switch(name: str) -> None:
            await s.switch_network(name)
            self.reload()

        async def add(mode: str) -> str | None:
            return await self.add_account(mode)

        async def set_contract(contract_id: str) -> None:
            s.networks.set_contract(s.network.name, contract_id)
            await switch(s.network.name)

        steps = FirstRunSteps(
            networks=s.networks.all,
            current_network=lambda: s.network,
            switch_network=switch,
            add_account=add,
            fund=self.fund_account,
            deploy=self.deploy_contract,
            set_contract=set_contract,
        )
        dialog = FirstRunDialog(steps, self)
        dialog.finished.connect(lambda _r: s.prefs.set("first_run_done", True))
        dialog.open()
        self.first_run_dialog = dialog
        return dialog

    async def fund_account(self) -> None:
        if self.session.address is None:
            raise RefusedError("add an account first")
        await self.wallet_ops.fund(self.session.address)

    async def deploy_contract(self) -> str:
        s = self.session
        if s.account is None or s.account.watch_only:
            raise RefusedError("deploying needs an account with a key")
        unlocked = await self.ensure_unlocked()
        if unlocked is None:
            raise RefusedError("the wallet stayed locked; nothing was deployed")
        deployment = await self.wallet_ops.deploy_contract(unlocked.keypair(s.account.name))
        s.networks.set_contract(s.network.name, deployment.contract_id)
        await s.switch_network(s.network.name)
        self.reload()
        return deployment.contract_id

    async def shutdown(self) -> None:
        """Stops background work: spawned refreshes, the indexer, RPC clients, the index."""
        from flowfi_desktop.ui import tasks

        # Changes the bridge still delivers (rate-limited, posted) must not start refreshes on
        # a loop that is about to stop.
        self.shut_down = True
        current = asyncio.current_task()
        for task in tasks.running():
            if task is not current:
                task.cancel()
        await asyncio.gather(
            *(t for t in tasks.running() if t is not current), return_exceptions=True
        )
        await self.wallet_ops.close()
        await self.session.close()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.idle.watch(self.windowHandle())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.tray is not None:
            self.tray.hide()
        self.detail.stop()
        super().closeEvent(event)
        self.closed.emit()

    def _raise(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # ------------------------------------------------------------------ pages

    def show_page(self, key: str) -> None:
        if key != "detail":
            self.detail.stop()
            self._previous_page = key
        self._page = key
        if key == "dashboard":
            self.stack.setCurrentWidget(self.dashboard)
        elif key in ("incoming", "outgoing", "all"):
            self.streams.set_role(key)
            self.stack.setCurrentWidget(self.streams)
        elif key == "receive":
            self.stack.setCurrentWidget(self.receive)
        elif key == "detail":
            self.stack.setCurrentWidget(self.detail)
        keys = [k for k, _t, _s in NAV]
        if key in keys and self.nav.currentRow() != keys.index(key):
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(keys.index(key))
            self.nav.blockSignals(False)

    def go_back(self) -> None:
        self.show_page(self._previous_page)

    def focus_search(self) -> None:
        if self._page not in ("incoming", "outgoing", "all"):
            self.show_page("all")
        self.streams.search.setFocus()
        self.streams.search.selectAll()

    def open_stream(self, stream_id: int) -> None:
        s = self.session
        stream = s.stream(stream_id)
        if stream is None or s.reader is None or s.contract_ref is None:
            return
        events = s.reader.events(s.contract_ref, stream_id)
        self.detail.show_stream(
            stream, events, s.tokens, s.addresses, cannot_sign=self.cannot_sign()
        )
        self.show_page("detail")

    # ------------------------------------------------------------------ data

    def reload(self) -> None:
        """Everything from the index again (account, network or contract changed)."""
        s = self.session
        self.streams.model.set_source(s.reader, s.contract_ref, s.tokens)
        self.streams.set_addresses(s.addresses)
        self.dashboard.glance_model.set_source(s.reader, s.contract_ref, s.tokens)
        from dataclasses import replace

        self.dashboard.glance_model.set_query(
            replace(
                self.dashboard.glance_model.query,
                addresses=s.addresses,
                statuses=("active", "paused"),
            )
        )
        # Nothing of the previous account or network stays on screen while the new sums load.
        reading = "Reading the index…" if s.contract_ref is not None else ""
        self.dashboard.set_data(
            Dashboard(frozenset(s.addresses)), s.tokens, self._empty_message() or reading
        )
        self.refresh_dashboard()
        self.receive.set_address(s.address)
        if s.reader is not None:
            spawn(self.learn_tokens(), name="learn-tokens")
        why = self.cannot_sign()
        self.new_stream.setEnabled(why is None and s.contract_ref is not None)
        self.new_stream.setToolTip(
            "Create a stream from this account (Ctrl+N)"
            if why is None
            else f"Creating a stream is not possible: {why}"
        )

    def cannot_sign(self) -> str | None:
        """Why the current account cannot sign transactions, or None when it can."""
        account = self.session.account
        if account is None:
            return "there is no account yet (Accounts → Add account…)"
        if account.watch_only:
            return (
                f"{account.name} is watch-only (no secret key in this wallet); import its key "
                "from Accounts → Add account… to act"
            )
        return None

    def _empty_message(self) -> str:
        s = self.session
        if s.account is None:
            return "No account yet: add one from the Accounts menu (Ctrl+Shift+N)."
        if not s.network.contract_id:
            return (
                f"No stream contract is set for {s.network.name}: enter or deploy one in "
                "Settings (Ctrl+,)."
            )
        if s.contract_ref is None:
            return "The index is opening…"
        return ""

    def on_streams_changed(self, changed: frozenset[int]) -> None:
        if self.shut_down:
            return
        # A list no view shows (another page, or the window hidden) refreshes when shown.
        for page, model, name in (
            (self.streams, self.streams.model, "refresh-streams"),
            (self.dashboard, self.dashboard.glance_model, "refresh-glance"),
        ):
            if page.isVisible():
                spawn(model.refresh_async(changed), name=name)
            else:
                model.defer(changed)
        self.refresh_dashboard()
        current = self.detail.stream
        if self._page == "detail" and current is not None and current.stream_id in changed:
            self.open_stream(current.stream_id)

    def refresh_dashboard(self) -> None:
        """Reads the dashboard's sums again, on a worker thread, and shows them when they
        arrive. One read at a time: a request during a read starts one more after it."""
        s = self.session
        if s.reader is None or s.contract_ref is None:  # nothing to read (nor maybe a loop yet)
            self.dashboard.set_data(
                Dashboard(frozenset(s.addresses)), s.tokens, self._empty_message()
            )
            return
        if self._dashboard_load is not None and not self._dashboard_load.done():
            self._dashboard_again = True
            return
        self._dashboard_again = False
        self._dashboard_load = spawn(self._load_dashboard(), name="load-dashboard")

    async def _load_dashboard(self) -> None:
        s = self.session
        source = (s.reader, s.contract_ref, s.addresses)
        board = await s.load_dashboard()
        if self.shut_down:
            return
        current = source == (s.reader, s.contract_ref, s.addresses)
        if current:  # else the account, network or index changed meanwhile: read again
            self.dashboard.set_data(board, s.tokens, self._empty_message())
            if self._unknown_tokens():
                spawn(self.learn_tokens(), name="learn-tokens")
        if self._dashboard_again or not current:
            self._dashboard_again = False
            self._dashboard_load = spawn(self._load_dashboard(), name="load-dashboard")

    async def dashboard_loaded(self) -> None:
        """Returns once no dashboard read is in flight (the newest one is shown)."""
        while self._dashboard_load is not None and not self._dashboard_load.done():
            await asyncio.wait({self._dashboard_load})

    # ------------------------------------------------------------------ token metadata

    def _unknown_tokens(self) -> set[str]:
        """Tokens of the account's streams whose decimals the book does not know yet."""
        book = self.session.tokens
        tokens = self.dashboard.dashboard.tokens()
        return {t for t in tokens if book.meta(t).decimals is None}

    async def learn_tokens(self) -> list[str]:
        """Learns the decimals and symbols of the account's tokens (the index's tokens table,
        then the wallet's token cache or the chain) and shows amounts with them."""
        s = self.session
        if self.token_learner is None or self.token_learner.book is not s.tokens:
            self.token_learner = TokenLearner(s.tokens, self.wallet_ops.token, s.network.name)
        learner = self.token_learner
        learned = learner.from_index(s.reader.connection) if s.reader is not None else []
        learned += await learner.learn(self._unknown_tokens())
        if learned and learner.book is s.tokens:
            for address in learned:
                log.info("token %s: %s", address, s.tokens.meta(address).label)
            # The same sums, shown with the learned decimals.
            self.dashboard.set_data(self.dashboard.dashboard, s.tokens, self._empty_message())
            self.streams.model.formats_changed()
            self.dashboard.glance_model.formats_changed()
            current = self.detail.stream
            if self._page == "detail" and current is not None:
                self.open_stream(current.stream_id)
        return learned

    def on_notice(self, notice: NoticeRaised) -> None:
        if self.tray is not None:
            self.tray.notify(notice)

    def on_account_switched(self, _event: AccountSwitched) -> None:
        self._fill_accounts()
        self.reload()
        current = self.detail.stream
        if self._page == "detail" and current is not None:
            self.open_stream(current.stream_id)  # what this account may do with it

    def on_network_switched(self, event: NetworkSwitched) -> None:
        self.sync_bar.set_network(event.name, self.session.network.rpc_url)
        spawn(self.wallet_ops.close())
        self.wallet_ops = self._new_actions()
        self.reload()

    def _fill_accounts(self) -> None:
        box = self.account_box
        box.blockSignals(True)
        box.clear()
        for entry in self.session.accounts():
            kind = " (watch-only)" if entry.watch_only else ""
            box.addItem(
                f"{entry.name}{kind} · {entry.address[:6]}…{entry.address[-4:]}", entry.name
            )
            box.setItemData(box.count() - 1, entry.address, Qt.ItemDataRole.ToolTipRole)
        box.addItem("Add account…", ADD_ACCOUNT)
        current = self.session.account
        if current is not None:
            box.setCurrentIndex(box.findData(current.name))
        box.blockSignals(False)

    def _account_chosen(self, index: int) -> None:
        name = self.account_box.itemData(index)
        if name == ADD_ACCOUNT:
            self._fill_accounts()
            spawn(self.add_account())
        elif self.session.account is None or name != self.session.account.name:
            self.session.switch_account(name)

    # ------------------------------------------------------------------ lock

    def _show_lock(self, locked: bool) -> None:
        self.lock_action.setText("Unlock…" if locked else "Lock")
        self.lock_label.setText("Locked" if locked else "Unlocked")
        self.lock_label.setToolTip(
            "Signing needs the password" if locked else "Signing is possible until you lock"
        )

    def toggle_lock(self) -> None:
        if self.unlocked is None:
            spawn(self.ensure_unlocked())
        else:
            self.lock()

    def lock(self) -> None:
        if self.unlocked is not None:
            self.unlocked = None
            # Off the GUI thread: the OS keyring is D-Bus IPC, and its first use loads every
            # backend (on Linux the macOS one runs `find_library`: 100+ ms).
            spawn(asyncio.to_thread(self.session.wallet.forget_unlock), name="forget unlock")
        self.session.set_lock(True)

    async def ensure_unlocked(self) -> Unlocked | None:
        if self.unlocked is not None:
            return self.unlocked
        dialog = self._password_dialog()
        self.last_password_dialog = dialog
        while True:
            if await run_dialog(dialog) != PasswordDialog.DialogCode.Accepted:
                dialog.password.clear()
                return None
            password = dialog.password.text()
            dialog.password.clear()  # the dialog is kept: it keeps no password
            try:
                self.unlocked = await wallet_actions.unlock(self.session.wallet, password)
            except WrongPassword:
                dialog.show_error("That password is not right.")
                continue
            except FlowFiError as error:
                dialog.show_error(str(error))
                continue
            break
        self.session.set_lock(False)
        return self.unlocked

    def _password_dialog(self) -> PasswordDialog:
        """The unlock dialog, reset (kept and reused); a new one while it is in use."""
        dialog = self.unlock_dialog
        if dialog is None or dialog.isVisible():
            dialog = PasswordDialog(self)
            if self.unlock_dialog is None:
                self.unlock_dialog = dialog
        dialog.reset()
        return dialog

    # ------------------------------------------------------------------ accounts

    async def add_account(self, mode: str = "create") -> str | None:
        wallet = self.session.wallet
        accounts = wallet.accounts()
        dialog = AccountDialog(
            self,
            keystore_exists=any(not a.watch_only for a in accounts),
            taken_names={a.name for a in accounts},
            mode=mode,
        )
        self.last_account_dialog = dialog
        if await run_dialog(dialog) != AccountDialog.DialogCode.Accepted:
            return None
        v = dialog.values()
        name, password = str(v["name"]), str(v["password"])

        def source(_new: bool) -> str:
            return password

        phrase: str | None = None
        try:
            if v["mode"] == "create":
                _entry, phrase = await asyncio.to_thread(wallet.create, name, source)
            elif v["mode"] == "import_secret":
                await asyncio.to_thread(wallet.import_secret, name, str(v["secret"]), source)
            elif v["mode"] == "import_mnemonic":
                await asyncio.to_thread(
                    wallet.import_mnemonic, name, str(v["mnemonic"]), int(str(v["index"])), source
                )
            else:
                wallet.watch(name, str(v["address"]))
        except FlowFiError as error:
            await self._tell(QMessageBox.Icon.Warning, "Account not added", str(error))
            return None
        if phrase is not None:
            backup = BackupDialog(phrase, self)
            self.last_backup_dialog = backup
            phrase = None
            await run_dialog(backup)
            if not backup.confirmed:
                await self._tell(
                    QMessageBox.Icon.Warning,
                    "Backup not confirmed",
                    "The recovery phrase was not confirmed. You can still back up the "
                    "account's secret key from Accounts → Back up secret key.",
                )
        if self.unlocked is not None and v["mode"] != "watch":
            # The unlocked keystore is a snapshot: take one that includes the new key.
            self.unlocked = await wallet_actions.unlock(wallet, password)
        self.session.switch_account(name)
        return name

    async def _tell(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        """A message awaited without ``exec()`` (no nested event loop inside a coroutine)."""
        box = QMessageBox(icon, title, text, parent=self)
        self.last_message = box
        await run_dialog(box)

    async def backup_account(self) -> None:
        entry = self.session.account
        if entry is None or entry.watch_only:
            await self._tell(
                QMessageBox.Icon.Information, "Back up", "This account has no key to back up."
            )
            return
        unlocked = await self.ensure_unlocked()
        if unlocked is None:
            return
        secret = wallet_actions.secret_of(unlocked, self.session.wallet, entry.name)
        box = QMessageBox(QMessageBox.Icon.Warning, "Secret key", "", parent=self)
        box.setText(
            f"The secret key of {entry.name}. Anyone who has it controls the account. Write it "
            "down and keep it offline."
        )
        box.setInformativeText(secret)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        await run_dialog(box)

    async def remove_account(self) -> None:
        entry = self.session.account
        if entry is None:
            return
        if entry.watch_only:
            sure = QMessageBox(
                QMessageBox.Icon.Question,
                "Remove account",
                f"Stop watching {entry.name}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                self,
            )
            if await run_dialog(sure) != QMessageBox.StandardButton.Yes:
                return
            password = None
        else:
            dialog = PasswordDialog(
                self, prompt=f"Remove {entry.name} and its key (back it up first)"
            )
            if await run_dialog(dialog) != PasswordDialog.DialogCode.Accepted:
                return
            password = dialog.password.text()
        try:
            await asyncio.to_thread(
                wallet_actions.remove_account, self.session.wallet, entry.name, password
            )
        except FlowFiError as error:
            await self._tell(QMessageBox.Icon.Warning, "Not removed", str(error))
            return
        self.unlocked = None
        self.session.set_lock(True)
        self.session.refresh_account()

    # ------------------------------------------------------------------ stream actions

    def open_action(self, kind: str, stream_id: int | None) -> None:
        s = self.session
        why = self.cannot_sign()
        if why is not None or s.account is None:
            text = why or "there is no account"
            box = QMessageBox(
                QMessageBox.Icon.Information,
                "Not possible",
                text[:1].upper() + text[1:] + ".",
                parent=self,
            )
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            self.last_refusal = box
            return
        stream = s.stream(stream_id) if stream_id is not None else None
        account = s.account

        async def reviewer(spec: ActionSpec) -> Prepared:
            return await self.wallet_ops.review(account.address, spec)

        async def executor(prepared: Prepared, progress: Callable[[str], None]) -> Outcome:
            unlocked = await self.ensure_unlocked()
            if unlocked is None:
                raise RefusedError("the wallet stayed locked; nothing was signed")
            outcome = await self.wallet_ops.sign_and_submit(
                prepared, unlocked, account.name, progress
            )
            s.nudge(outcome.ledger)
            return outcome

        async def lookup(address: str) -> TokenInfo:
            return await self.wallet_ops.token(address)

        reused = self.action_dialogs.get(kind)
        if reused is not None and not reused.busy():
            dialog = reused
            dialog.reset(
                stream=stream,
                tokens=s.tokens,
                reviewer=reviewer,
                executor=executor,
                lookup=lookup,
                can_sign=not account.watch_only,
            )
        else:  # the first of its kind, or the kept one is still in use: a new one
            dialog = ActionDialog(
                kind,
                s.tokens,
                reviewer=reviewer,
                executor=executor,
                lookup=lookup,
                stream=stream,
                can_sign=not account.watch_only,
                parent=self,
                clock=self.clock,
            )
            if reused is None:
                self.action_dialogs[kind] = dialog
            else:
                dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                self.dialogs.append(dialog)
                dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        dialog.open()
        self.last_action_dialog = dialog

    def prebuild_dialogs(self) -> None:
        """Builds the action dialogs and the password dialog ahead of use, one per turn of
        the loop (each ~5-10 ms), so that starting an action does not (see actions.py). Not
        while the index catches up: a build landing next to a page's work lengthened the
        longest stall of bench_gui's catch-up by 10-15 ms (to 39-50 ms)."""
        todo: list[Callable[[], object]] = [self._password_dialog]
        for kind in TITLES:
            if kind not in self.action_dialogs:
                todo.append(functools.partial(self._prebuild_action, kind))

        def next_one() -> None:
            if not todo or self.shut_down:
                return
            if self.session.sync.state == "syncing":
                QTimer.singleShot(PREBUILD_RETRY_MS, next_one)
                return
            todo.pop(0)()
            QTimer.singleShot(0, next_one)

        QTimer.singleShot(0, next_one)

    def _prebuild_action(self, kind: str) -> None:
        if kind not in self.action_dialogs:

            async def refuse(*_args: object) -> Never:
                raise RefusedError("this dialog was not set up for an action")

            self.action_dialogs[kind] = ActionDialog(
                kind,
                self.session.tokens,
                reviewer=refuse,
                executor=refuse,
                parent=self,
                clock=self.clock,
            )

    # ------------------------------------------------------------------ misc

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.session, self)

        async def go() -> None:
            if await run_dialog(dialog) != SettingsDialog.DialogCode.Accepted:
                return
            app = QApplication.instance()
            if isinstance(app, QApplication):
                theme.apply_theme(app, str(self.session.prefs.get("theme")))
            if dialog.network_changed:
                await self.session.switch_network(dialog.selected_network)

        spawn(go(), name="settings")
        self.last_settings_dialog = dialog

    def _theme_setter(self, mode: str) -> Callable[[], None]:
        return lambda: self.set_theme(mode)

    def set_theme(self, mode: str) -> None:
        self.session.prefs.set("theme", mode)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply_theme(app, mode)

    def open_about(self) -> None:
        dialog = AboutDialog(self.session.data_dir, self.log_path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def export_streams(self) -> None:
        s = self.session
        if s.contract_ref is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export streams", "streams.csv", "CSV (*.csv)")
        if path:
            spawn(self._export(Path(path), "streams"))

    def export_events(self) -> None:
        s = self.session
        if s.contract_ref is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export events", "events.csv", "CSV (*.csv)")
        if path:
            spawn(self._export(Path(path), "events"))

    async def _export(self, path: Path, what: str) -> int:
        s = self.session
        assert s.contract_ref is not None
        self.statusBar().showMessage(f"Exporting {what}…")
        if what == "streams":
            n = await asyncio.to_thread(
                export.export_streams,
                s.index_path,
                s.contract_ref,
                self.streams.model.query,
                s.tokens,
                path,
                int(self.clock()),
            )
        else:
            n = await asyncio.to_thread(
                export.export_events, s.index_path, s.contract_ref, s.addresses, path
            )
        self.statusBar().showMessage(f"Exported {n:,} {what} to {path}", 10_000)
        return n
