"""Stream action dialogs: create, top up, withdraw, pause, resume, cancel.

Each has three pages: the form (validated as typed; shows rate, end, payout or refund computed
locally), the core's review of the simulated transaction (what will be signed, the fee, the
balance changes, warnings), and progress until the transaction is in a ledger. The network
work is injected as coroutines so the dialog never blocks the loop.

A dialog is built once per kind and reused (``reset()`` for the next stream or action): building
one costs ~10 ms of GUI thread (the create form most), which showed up as a stall each time an
action started. ``reset()`` leaves nothing of the previous use: fields, review, progress,
errors, outcome."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from PySide6.QtCore import QDateTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.amounts import parse_amount
from flowfi_desktop.app.dashboard import claimable, end_time, still_to_stream
from flowfi_desktop.app.derived import rounding_delay
from flowfi_desktop.app.queries import StreamRow
from flowfi_desktop.app.tokenbook import TokenBook
from flowfi_desktop.app.wallet_actions import ActionSpec, Progress, check_recipient
from flowfi_desktop.durations import format_duration, parse_duration
from flowfi_desktop.errors import FlowFiError, InputError
from flowfi_desktop.streams.calls import TokenRef
from flowfi_desktop.streams.tx import Outcome, Prepared
from flowfi_desktop.tokens import TokenInfo
from flowfi_desktop.ui.stream_model import fmt_time
from flowfi_desktop.ui.tasks import spawn
from flowfi_desktop.ui.widgets import label

Reviewer = Callable[[ActionSpec], Awaitable[Prepared]]
Executor = Callable[[Prepared, Progress], Awaitable[Outcome]]
TokenLookup = Callable[[str], Awaitable[TokenInfo]]

TITLES = {
    "create": "New stream",
    "top_up": "Top up stream",
    "withdraw": "Withdraw",
    "pause": "Pause stream",
    "resume": "Resume stream",
    "cancel": "Cancel stream",
}
CUSTOM = "__custom__"


class ActionDialog(QDialog):
    confirmed = Signal(object)  # Outcome

    def __init__(
        self,
        kind: str,
        tokens: TokenBook,
        *,
        reviewer: Reviewer,
        executor: Executor,
        lookup: TokenLookup | None = None,
        stream: StreamRow | None = None,
        can_sign: bool = True,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.kind, self.tokens, self.stream = kind, tokens, stream
        self.reviewer, self.executor, self.lookup, self.clock = reviewer, executor, lookup, clock
        self.can_sign = can_sign
        self.setMinimumWidth(640)  # a 56-character address fits in the recipient field
        self.pages = QStackedWidget(self)
        self.form_page = QWidget(self)
        self.form = QFormLayout(self.form_page)
        self.preview = label("", None, self.form_page)  # what will happen: full contrast
        self.preview.setWordWrap(True)
        self.error = label("", "error", self)
        self.error.setWordWrap(True)
        self._build_form()
        self.form.addRow(self.preview)

        self.review_page = QWidget(self)
        review_layout = QVBoxLayout(self.review_page)
        review_layout.addWidget(label("What will be signed", "subtitle", self.review_page))
        self.review_text = QPlainTextEdit(self.review_page)
        self.review_text.setReadOnly(True)
        self.review_text.setProperty("role", "mono")
        self.warnings = label("", "warning", self.review_page)
        self.warnings.setWordWrap(True)
        review_layout.addWidget(self.review_text, 1)
        review_layout.addWidget(self.warnings)

        self.progress_page = QWidget(self)
        progress_layout = QVBoxLayout(self.progress_page)
        self.progress_bar = QProgressBar(self.progress_page)
        self.progress_bar.setRange(0, 0)
        self.progress_text = label("", None, self.progress_page)
        self.progress_text.setWordWrap(True)
        progress_layout.addWidget(self.progress_text)
        progress_layout.addWidget(self.progress_bar)
        progress_layout.addStretch(1)

        for page in (self.form_page, self.review_page, self.progress_page):
            self.pages.addWidget(page)
        self.back = QPushButton("Back", self)
        self.primary = QPushButton("Review…", self)
        self.primary.setProperty("role", "primary")
        self.primary.setDefault(True)
        self.close_button = QPushButton("Cancel", self)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.primary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.back.clicked.connect(self._back)
        self.primary.clicked.connect(self._primary)
        self.close_button.clicked.connect(self.reject)
        self.prepared: Prepared | None = None
        self.outcome: Outcome | None = None
        self.task: asyncio.Task[None] | None = None
        if stream is not None or kind == "create":
            self.reset(stream=stream)

    def busy(self) -> bool:
        """Whether the dialog is in use: shown, or a review or send still running."""
        return self.isVisible() or (self.task is not None and not self.task.done())

    def reset(
        self,
        *,
        stream: StreamRow | None = None,
        tokens: TokenBook | None = None,
        reviewer: Reviewer | None = None,
        executor: Executor | None = None,
        lookup: TokenLookup | None = None,
        can_sign: bool | None = None,
    ) -> None:
        """Ready for a new action of this kind (on ``stream``): the form as new, no review,
        no progress, no error, no outcome. Arguments not given stay as they were."""
        assert not self.busy(), "reset of a dialog in use"
        if self.kind != "create" and stream is None:
            raise ValueError(f"a {self.kind} needs a stream")
        self.stream = stream
        self.tokens = tokens or self.tokens
        self.reviewer = reviewer or self.reviewer
        self.executor = executor or self.executor
        self.lookup = lookup or self.lookup
        self.can_sign = self.can_sign if can_sign is None else can_sign
        self.prepared = None
        self.outcome = None
        self.task = None
        self.setWindowTitle(TITLES[self.kind] + (f" #{stream.stream_id}" if stream else ""))
        self._reset_form()
        self.review_text.clear()
        self.warnings.setText("")
        self.progress_text.setText("")
        self.progress_bar.setRange(0, 0)
        self.close_button.setEnabled(True)
        self.primary.setEnabled(True)
        self.error.setText("")
        self.pages.setCurrentIndex(0)
        self._update_buttons()
        self.validate()

    # ------------------------------------------------------------------ the form

    def _build_form(self) -> None:
        if self.kind == "create":
            self.recipient = QLineEdit(self.form_page)
            self.recipient.setPlaceholderText("G… address of who receives the stream")
            self.token = QComboBox(self.form_page)
            self.custom = QLineEdit(self.form_page)
            self.custom.setPlaceholderText("token contract id C…")
            self.lookup_button = QPushButton("Look up", self.form_page)
            self.lookup_button.clicked.connect(self._lookup)
            custom_row = QHBoxLayout()
            custom_row.addWidget(self.custom, 1)
            custom_row.addWidget(self.lookup_button)
            self.amount = QLineEdit(self.form_page)
            self.amount.setPlaceholderText("in token units, e.g. 100 or 0.5")
            self.by_duration = QRadioButton("Duration", self.form_page)
            self.by_end = QRadioButton("End date", self.form_page)
            self.by_duration.setChecked(True)
            group = QButtonGroup(self.form_page)
            group.addButton(self.by_duration)
            group.addButton(self.by_end)
            self.duration = QLineEdit("30d", self.form_page)
            self.duration.setToolTip("Seconds, or a number with s, m, h, d, w (e.g. 2h, 30d)")
            self.end = QDateTimeEdit(QDateTime.currentDateTime().addDays(30), self.form_page)
            self.end.setCalendarPopup(True)
            self.end.setDisplayFormat("yyyy-MM-dd HH:mm")
            mode = QHBoxLayout()
            mode.addWidget(self.by_duration)
            mode.addWidget(self.duration, 1)
            mode.addWidget(self.by_end)
            mode.addWidget(self.end, 1)
            self.form.addRow("Recipient", self.recipient)
            self.form.addRow("Token", self.token)
            self.form.addRow("", custom_row)
            self.form.addRow("Amount", self.amount)
            self.form.addRow("Length", mode)
            for widget in (self.recipient, self.amount, self.duration, self.custom):
                widget.textChanged.connect(self.validate)
            self.token.currentIndexChanged.connect(self.validate)
            self.by_duration.toggled.connect(self.validate)
            self.end.dateTimeChanged.connect(self.validate)
        elif self.kind == "top_up":
            self.amount = QLineEdit(self.form_page)
            self.amount.textChanged.connect(self.validate)
            self.form.addRow("Add", self.amount)
        else:
            self.effect = label("", None, self.form_page)
            self.effect.setWordWrap(True)
            self.form.addRow(self.effect)

    def _reset_form(self) -> None:
        """The form as new, for ``self.stream`` (signals held: one validate() follows)."""
        s = self.stream
        if self.kind == "create":
            widgets: list[QWidget] = [
                self.recipient, self.amount, self.duration, self.custom, self.token,
                self.by_duration, self.end,
            ]  # fmt: skip
            for widget in widgets:
                widget.blockSignals(True)
            self.recipient.clear()
            self.amount.clear()
            self.custom.clear()
            self.duration.setText("30d")
            self.by_duration.setChecked(True)
            self.end.setDateTime(QDateTime.currentDateTime().addDays(30))
            self.token.clear()  # the book may know more tokens (or be another network's) now
            for meta in self.tokens.known():
                self.token.addItem(
                    f"{meta.label} ({meta.address[:4]}…{meta.address[-4:]})", meta.address
                )
            self.token.addItem("Custom token…", CUSTOM)
            self.token.setCurrentIndex(0)
            self.lookup_button.setEnabled(True)
            for widget in widgets:
                widget.blockSignals(False)
            self.recipient.setFocus()
        elif self.kind == "top_up":
            assert s is not None
            self.amount.blockSignals(True)
            self.amount.clear()
            self.amount.blockSignals(False)
            self.amount.setPlaceholderText(
                f"in {self.tokens.meta(s.token_address).label}, e.g. 100"
            )
            self.amount.setFocus()
        else:
            self.effect.setText(self._effect_text())

    def _effect_text(self) -> str:
        s = self.stream
        assert s is not None
        now = int(self.clock())
        fmt = self.tokens.format
        t = s.token_address
        if self.kind == "withdraw":
            return (
                f"Withdraw about {fmt(t, claimable(s, now))} (everything accrued when the "
                "transaction lands; the review shows the simulated amount)."
            )
        if self.kind == "cancel":
            payout = claimable(s, now)
            refund = still_to_stream(s, now)
            return (
                f"Cancel stream #{s.stream_id}. The recipient gets what has accrued, about "
                f"{fmt(t, payout)}; the rest, about {fmt(t, refund)}, is refunded to the "
                "sender. This cannot be undone."
            )
        if self.kind == "pause":
            return "Pause: accrual freezes now; the end moves later by as long as it stays paused."
        if self.kind == "resume":
            return (
                f"Resume: accrual continues; if resumed now it ends {fmt_time(end_time(s, now))}."
            )
        raise AssertionError(self.kind)

    def _token_ref(self) -> TokenRef:
        if self.kind == "create":
            address = self.token.currentData()
            if address == CUSTOM:
                address = self.custom.text().strip()
        else:
            assert self.stream is not None
            address = self.stream.token_address
        meta = self.tokens.meta(address)
        if meta.decimals is None:
            raise InputError("look the token up first: its decimals are not known yet")
        return TokenRef(address, meta.decimals, meta.symbol)

    def _duration(self) -> int:
        if self.by_duration.isChecked():
            return parse_duration(self.duration.text())
        seconds = int(self.end.dateTime().toSecsSinceEpoch() - self.clock())
        if seconds < 1:
            raise InputError("the end date is in the past")
        return seconds

    def spec(self) -> ActionSpec:
        """The action as typed (InputError when something is wrong)."""
        s = self.stream
        if self.kind == "create":
            if self.token.currentData() == CUSTOM:
                self.custom.setVisible(True)
            recipient = check_recipient(self.recipient.text())
            token = self._token_ref()
            amount = parse_amount(self.amount.text(), token.decimals)
            duration = self._duration()
            if amount // duration == 0:
                raise InputError(
                    "the amount is too small for that duration: the rate would round to zero "
                    "base units per second"
                )
            return ActionSpec("create", None, recipient, token, amount, duration)
        assert s is not None
        if self.kind == "top_up":
            token = self._token_ref()
            return ActionSpec(
                "top_up", s.stream_id, None, token, parse_amount(self.amount.text(), token.decimals)
            )
        return ActionSpec(self.kind, s.stream_id)

    def validate(self) -> bool:
        if self.kind == "create":
            custom = self.token.currentData() == CUSTOM
            self.custom.setVisible(custom)
            self.lookup_button.setVisible(custom)
        try:
            spec = self.spec()
        except InputError as error:
            self.error.setText(str(error) if self._touched() else "")
            self.preview.setText("")
            self.primary.setEnabled(False)
            return False
        self.error.setText("" if self.can_sign else "This account is watch-only: it cannot sign.")
        self.preview.setText(self._preview(spec))
        self.primary.setEnabled(self.can_sign)
        return True

    def _touched(self) -> bool:
        if self.kind == "create":
            return bool(self.recipient.text() or self.amount.text())
        if self.kind == "top_up":
            return bool(self.amount.text())
        return True

    def _preview(self, spec: ActionSpec) -> str:
        now = int(self.clock())
        if spec.kind == "create":
            assert spec.amount
            assert spec.duration
            assert spec.token
            t = spec.token.contract_id
            rate = spec.amount // spec.duration
            seconds = -(-spec.amount // rate)
            end = now + seconds
            text = (
                f"Rate {self.tokens.format(t, rate)} per second "
                f"({self.tokens.format(t, rate * 86_400)} per day), before any protocol fee. "
                f"Ends about {datetime.fromtimestamp(end).strftime('%Y-%m-%d %H:%M')} "
                f"(after {format_duration(seconds)})."
            )
            if seconds > spec.duration:
                text += (
                    f" That is {format_duration(seconds - spec.duration)} later than requested: "
                    "the rate is rounded down to whole base units."
                )
            elif rounding_delay(spec.amount, rate):
                text += " The rate is rounded down to whole base units."
            return text + " The network fee is shown in the review."
        if spec.kind == "top_up":
            s = self.stream
            assert s is not None
            assert spec.amount is not None
            t = s.token_address
            more = -(-spec.amount // max(s.rate_per_second, 1))
            return (
                f"Adds {self.tokens.format(t, spec.amount)} (before any protocol fee): about "
                f"{format_duration(more)} more at {self.tokens.format(t, s.rate_per_second)}/s."
            )
        return ""

    def _lookup(self) -> None:
        if self.lookup is None:
            return
        address = self.custom.text().strip()
        self.lookup_button.setEnabled(False)
        self.error.setText("Looking the token up…")

        async def go() -> None:
            assert self.lookup is not None
            try:
                info = await self.lookup(address)
            except FlowFiError as error:
                self.error.setText(str(error))
            else:
                self.tokens.learn(info.contract_id, info.symbol, info.decimals)
                self.validate()
            finally:
                self.lookup_button.setEnabled(True)

        spawn(go(), name="token-lookup")

    # ------------------------------------------------------------------ the steps

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        self.back.setVisible(page == 1)
        self.primary.setVisible(page in (0, 1))
        self.primary.setText("Review…" if page == 0 else "Sign and send")
        self.close_button.setText("Close" if page == 2 else "Cancel")

    def _back(self) -> None:
        self.pages.setCurrentIndex(0)
        self._update_buttons()
        self.validate()

    def _primary(self) -> None:
        if self.task is not None and not self.task.done():
            return
        if self.pages.currentIndex() == 0:
            self.task = spawn(self.run_review(), name="review")
        elif self.pages.currentIndex() == 1:
            self.task = spawn(self.run_send(), name="send")
        elif self.outcome is None:  # a failed send: simulate afresh
            self.task = spawn(self.run_review(), name="review")

    async def run_review(self) -> None:
        try:
            spec = self.spec()
        except InputError as error:
            self.error.setText(str(error))
            return
        self.primary.setEnabled(False)
        self.error.setText("Simulating the transaction…")
        try:
            prepared = await self.reviewer(spec)
        except FlowFiError as error:
            self.error.setText(str(error))
            self.primary.setEnabled(True)
            return
        self.prepared = prepared
        self.error.setText("")
        names: dict[str, str] = {}
        refs = {spec.token.contract_id: spec.token} if spec.token else {}
        native = self.tokens.meta(self.tokens.native)
        refs.setdefault(self.tokens.native, TokenRef(native.address, 7, "XLM"))
        self.review_text.setPlainText(prepared.review.render(refs, names))
        self.warnings.setText(
            "\n".join(f"⚠ {w}" for w in prepared.review.warnings)
            if prepared.review.warnings
            else ""
        )
        self.pages.setCurrentIndex(1)
        self.primary.setEnabled(True)
        self._update_buttons()

    async def run_send(self) -> None:
        assert self.prepared is not None
        self.pages.setCurrentIndex(2)
        self.progress_text.setText("Signing…")
        self._update_buttons()
        self.close_button.setEnabled(False)
        self.progress_bar.setRange(0, 0)
        try:
            outcome = await self.executor(self.prepared, self.progress_text.setText)
        except FlowFiError as error:
            self.progress_bar.setRange(0, 1)
            self.progress_bar.setValue(0)
            self.progress_text.setText(f"Not done: {error}")
            self.close_button.setEnabled(True)
            # Nothing was changed on chain: the user may simulate afresh and try again.
            self.primary.setText("Review again")
            self.primary.setVisible(True)
            self.primary.setEnabled(True)
            return
        self.outcome = outcome
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.progress_text.setText(
            f"Confirmed in ledger {outcome.ledger}.\nTransaction {outcome.tx_hash}\n"
            "The lists update as the index sees it."
        )
        self.close_button.setEnabled(True)
        self.confirmed.emit(outcome)
