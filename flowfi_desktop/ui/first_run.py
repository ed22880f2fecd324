"""The first-run flow: pick a network, create or import an account (or watch one), fund it on
a test network, and deploy the bundled stream contract or enter an existing one. Each step's
work is a coroutine of the main window; this dialog only sequences them and says what happened."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.addresses import parse_contract
from flowfi_desktop.errors import FlowFiError, InputError
from flowfi_desktop.networks import Network
from flowfi_desktop.ui.tasks import spawn
from flowfi_desktop.ui.widgets import label


@dataclass
class FirstRunSteps:
    """What the dialog can ask the window to do."""

    networks: Callable[[], list[Network]]
    current_network: Callable[[], Network]
    switch_network: Callable[[str], Awaitable[None]]
    add_account: Callable[[str], Awaitable[str | None]]  # mode -> account name (None: cancelled)
    fund: Callable[[], Awaitable[None]]
    deploy: Callable[[], Awaitable[str]]  # -> contract id
    set_contract: Callable[[str], Awaitable[None]]


class FirstRunDialog(QDialog):
    PAGES = ("network", "account", "fund", "contract", "done")

    def __init__(self, steps: FirstRunSteps, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps = steps
        self.setWindowTitle("Welcome to FlowFi Desktop")
        self.setMinimumWidth(560)
        self.pages = QStackedWidget(self)
        self.status = label("", "muted", self)
        self.status.setWordWrap(True)
        self.account_name: str | None = None
        self.contract_id: str | None = None

        # network
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(label("Stream tokens on Stellar", "title", page))
        lay.addWidget(
            label(
                "Pick the network to use. Test networks (testnet, futurenet, local) use "
                "tokens with no value and can fund new accounts for free.",
                None,
                page,
            )
        )
        self.network = QComboBox(page)
        for n in steps.networks():
            self.network.addItem(f"{n.name} — {n.rpc_url}", n.name)
        self.network.setCurrentIndex(max(self.network.findData(steps.current_network().name), 0))
        lay.addWidget(self.network)
        lay.addStretch(1)
        self.pages.addWidget(page)

        # account
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(label("Your account", "title", page))
        lay.addWidget(
            label("Create a new account, import one you have, or watch an address.", None, page)
        )
        row = QHBoxLayout()
        self.create_button = QPushButton("Create new…", page)
        self.import_button = QPushButton("Import…", page)
        self.watch_button = QPushButton("Watch an address…", page)
        for button, mode in (
            (self.create_button, "create"),
            (self.import_button, "import_mnemonic"),
            (self.watch_button, "watch"),
        ):
            button.clicked.connect(lambda _c=False, m=mode: self._run(self._account(m)))
            row.addWidget(button)
        lay.addLayout(row)
        lay.addStretch(1)
        self.pages.addWidget(page)

        # fund
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(label("Fund it", "title", page))
        self.fund_text = label("", None, page)
        self.fund_text.setWordWrap(True)
        self.fund_button = QPushButton("Get test XLM", page)
        self.fund_button.clicked.connect(lambda: self._run(self._fund()))
        lay.addWidget(self.fund_text)
        lay.addWidget(self.fund_button)
        lay.addStretch(1)
        self.pages.addWidget(page)

        # contract
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(label("Stream contract", "title", page))
        self.contract_text = label("", None, page)
        self.contract_text.setWordWrap(True)
        self.deploy_button = QPushButton("Deploy the bundled contract", page)
        self.deploy_button.clicked.connect(lambda: self._run(self._deploy()))
        self.contract_edit = QLineEdit(page)
        self.contract_edit.setPlaceholderText("or enter a contract id C…")
        self.use_button = QPushButton("Use this contract", page)
        self.use_button.clicked.connect(lambda: self._run(self._use_contract()))
        row = QHBoxLayout()
        row.addWidget(self.contract_edit, 1)
        row.addWidget(self.use_button)
        lay.addWidget(self.contract_text)
        lay.addWidget(self.deploy_button)
        lay.addLayout(row)
        lay.addStretch(1)
        self.pages.addWidget(page)

        # done
        page = QWidget(self)
        lay = QVBoxLayout(page)
        lay.addWidget(label("All set", "title", page))
        self.done_text = label("", None, page)
        self.done_text.setWordWrap(True)
        lay.addWidget(self.done_text)
        lay.addStretch(1)
        self.pages.addWidget(page)

        self.back = QPushButton("Back", self)
        self.next = QPushButton("Next", self)
        self.next.setProperty("role", "primary")
        self.next.setDefault(True)
        self.skip = QPushButton("Skip setup", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip)
        buttons.addStretch(1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.next)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.back.clicked.connect(self._back)
        self.next.clicked.connect(self._next)
        self.skip.clicked.connect(self.reject)
        self.busy = False
        self._show("network")

    # ------------------------------------------------------------------ navigation

    def page(self) -> str:
        return self.PAGES[self.pages.currentIndex()]

    def _show(self, name: str) -> None:
        self.pages.setCurrentIndex(self.PAGES.index(name))
        self.status.setText("")
        network = self.steps.current_network()
        if name == "fund":
            if network.friendbot_url:
                self.fund_text.setText(
                    f"{network.name} has a friendbot: it gives a new account test XLM to pay "
                    "fees and try streams."
                )
                self.fund_button.setVisible(True)
            else:
                self.fund_text.setText(
                    f"{network.name} has no friendbot: send XLM to your address from an "
                    "exchange or another wallet before creating streams."
                )
                self.fund_button.setVisible(False)
        if name == "contract":
            if network.contract_id:
                self.contract_text.setText(f"Using the stream contract {network.contract_id}.")
            else:
                self.contract_text.setText(
                    f"No stream contract is set for {network.name}. Deploy the one that ships "
                    "with the app (your account pays the fees), or enter one that exists."
                )
        if name == "done":
            self.done_text.setText(
                f"Network {network.name}, account {self.account_name or '—'}, contract "
                f"{network.contract_id or 'not set (add it in Settings)'}."
            )
        self._update_buttons()

    def _update_buttons(self) -> None:
        name = self.page()
        self.back.setEnabled(name != "network" and not self.busy)
        self.next.setText("Finish" if name == "done" else "Next")
        can_go = not self.busy and (name != "account" or self.account_name is not None)
        self.next.setEnabled(can_go)
        for b in (
            self.create_button,
            self.import_button,
            self.watch_button,
            self.fund_button,
            self.deploy_button,
            self.use_button,
        ):
            b.setEnabled(not self.busy)

    def _back(self) -> None:
        index = self.pages.currentIndex()
        if index > 0:
            self._show(self.PAGES[index - 1])

    def _next(self) -> None:
        name = self.page()
        if name == "network":
            chosen = str(self.network.currentData())
            if chosen != self.steps.current_network().name:
                self._run(self._switch(chosen))
                return
            self._show("account")
        elif name == "done":
            self.accept()
        else:
            self._show(self.PAGES[self.pages.currentIndex() + 1])

    # ------------------------------------------------------------------ steps

    def _run(self, coro: Awaitable[None]) -> None:
        async def wrapped() -> None:
            self.busy = True
            self._update_buttons()
            try:
                await coro
            except FlowFiError as error:
                self.status.setText(str(error))
            finally:
                self.busy = False
                self._update_buttons()

        spawn(wrapped(), name="first-run")

    async def _switch(self, name: str) -> None:
        self.status.setText(f"Switching to {name}…")
        await self.steps.switch_network(name)
        self._show("account")

    async def _account(self, mode: str) -> None:
        name = await self.steps.add_account(mode)
        if name is not None:
            self.account_name = name
            self.status.setText(f"Account {name} is ready.")

    async def _fund(self) -> None:
        self.status.setText("Asking the friendbot…")
        await self.steps.fund()
        self.status.setText("Funded.")

    async def _deploy(self) -> None:
        self.status.setText("Deploying the stream contract (upload, then create)…")
        self.contract_id = await self.steps.deploy()
        self.contract_text.setText(f"Deployed: {self.contract_id}")
        self.status.setText("Deployed.")

    async def _use_contract(self) -> None:
        try:
            contract = parse_contract(self.contract_edit.text(), what="stream contract id")
        except InputError as error:
            self.status.setText(str(error))
            return
        await self.steps.set_contract(contract)
        self.contract_id = contract
        self.contract_text.setText(f"Using the stream contract {contract}.")
