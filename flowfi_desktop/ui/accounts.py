"""Account dialogs: create, import (secret or mnemonic), watch-only, back up the new mnemonic
(shown once, then confirmed by typing words back), unlock with the password, remove.

The dialogs only collect and check input; the keystore work (Argon2id, about a second) runs off
the GUI thread in the main window's coroutines. Secrets never reach logs or error messages."""

from __future__ import annotations

import secrets as _secrets

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop.addresses import parse_account
from flowfi_desktop.errors import InputError
from flowfi_desktop.keys.accounts import MIN_PASSWORD_LENGTH, check_account_name
from flowfi_desktop.keys.mnemonic import keypair_from_secret, normalize_mnemonic
from flowfi_desktop.ui.widgets import label

MODES = (
    ("create", "Create a new account"),
    ("import_mnemonic", "Import from a recovery phrase"),
    ("import_secret", "Import a secret key (S…)"),
    ("watch", "Watch an address (no key)"),
)


class AccountDialog(QDialog):
    """Collects what a new account needs; ``values()`` after accept."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        keystore_exists: bool,
        taken_names: set[str],
        mode: str = "create",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add an account")
        self.keystore_exists = keystore_exists
        self.taken = taken_names
        self.mode = QComboBox(self)
        for key, text in MODES:
            self.mode.addItem(text, key)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText("e.g. payroll")
        self.secret = QLineEdit(self)
        self.secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret.setPlaceholderText("S…")
        self.mnemonic = QPlainTextEdit(self)
        self.mnemonic.setPlaceholderText("12 to 24 words")
        self.mnemonic.setFixedHeight(70)
        self.index = QSpinBox(self)
        self.index.setRange(0, 2**31 - 1)
        self.index.setToolTip("SEP-5 account index (0 for the first account of the phrase)")
        self.address = QLineEdit(self)
        self.address.setPlaceholderText("G…")
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(self)
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.form = QFormLayout()
        self.form.addRow("What", self.mode)
        self.form.addRow("Name", self.name)
        self.form.addRow("Secret key", self.secret)
        self.form.addRow("Recovery phrase", self.mnemonic)
        self.form.addRow("Index", self.index)
        self.form.addRow("Address", self.address)
        self.form.addRow("Password", self.password)
        self.form.addRow("Repeat password", self.confirm)
        self.error = label("", "error", self)
        self.error.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        for widget in (self.name, self.secret, self.address, self.password, self.confirm):
            widget.textChanged.connect(self.validate)
        self.mnemonic.textChanged.connect(self.validate)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.mode.setCurrentIndex(max(self.mode.findData(mode), 0))
        self._mode_changed()

    def current_mode(self) -> str:
        return str(self.mode.currentData())

    def _mode_changed(self) -> None:
        mode = self.current_mode()
        shown = {
            self.secret: mode == "import_secret",
            self.mnemonic: mode == "import_mnemonic",
            self.index: mode == "import_mnemonic",
            self.address: mode == "watch",
            self.password: mode != "watch",
            self.confirm: mode != "watch" and not self.keystore_exists,
        }
        for widget, visible in shown.items():
            self.form.setRowVisible(widget, visible)
        self.password.setPlaceholderText(
            "the wallet's password"
            if self.keystore_exists
            else f"new, {MIN_PASSWORD_LENGTH}+ characters"
        )
        self.validate()

    def problem(self) -> str | None:
        """What is wrong with the input, in words; None when it is acceptable."""
        mode = self.current_mode()
        name = self.name.text().strip()
        if not name:
            return "Give the account a name."
        try:
            check_account_name(name)
        except InputError as error:
            return str(error)
        if name in self.taken:
            return f"An account named {name!r} exists already."
        try:
            if mode == "import_secret":
                keypair_from_secret(self.secret.text().strip())
            elif mode == "import_mnemonic":
                normalize_mnemonic(self.mnemonic.toPlainText())
            elif mode == "watch":
                parse_account(self.address.text().strip())
        except InputError as error:
            return str(error)
        except Exception:
            return "That secret key is not valid."  # never echo a secret back
        if mode != "watch":
            password = self.password.text()
            if not self.keystore_exists:
                if len(password) < MIN_PASSWORD_LENGTH:
                    return f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters."
                if password != self.confirm.text():
                    return "The passwords differ."
            elif not password:
                return "Enter the wallet's password."
        return None

    def validate(self) -> bool:
        problem = self.problem()
        self.error.setText(problem or "")
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(problem is None)
        return problem is None

    def accept(self) -> None:
        if self.validate():
            super().accept()

    def values(self) -> dict[str, object]:
        return {
            "mode": self.current_mode(),
            "name": self.name.text().strip(),
            "secret": self.secret.text().strip(),
            "mnemonic": self.mnemonic.toPlainText(),
            "index": self.index.value(),
            "address": self.address.text().strip(),
            "password": self.password.text(),
        }


class BackupDialog(QDialog):
    """Shows a new recovery phrase once, then asks for three of its words back. It cannot be
    completed without them; closing it early is allowed but says the backup is unconfirmed."""

    def __init__(self, phrase: str, parent: QWidget | None = None, *, picks: int = 3) -> None:
        super().__init__(parent)
        self.setWindowTitle("Back up your recovery phrase")
        self._words = phrase.split()
        self.positions = sorted(_secrets.SystemRandom().sample(range(len(self._words)), picks))
        self.pages = QStackedWidget(self)

        show = QWidget(self)
        show_layout = QVBoxLayout(show)
        show_layout.addWidget(
            label(
                "Write these words down, in order, and keep them offline. They are the only "
                "way to restore this account. They are shown once.",
                None,
                show,
            )
        )
        grid = QGridLayout()
        for i, word in enumerate(self._words):
            cell = QLabel(f"{i + 1:>2}. {word}", show)
            cell.setProperty("role", "mono")
            cell.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
            grid.addWidget(cell, i // 4, i % 4)
        show_layout.addLayout(grid)
        self.written = QCheckBox("I have written the words down", show)
        show_layout.addWidget(self.written)

        check = QWidget(self)
        check_layout = QFormLayout(check)
        check_layout.addRow(label("Type these words from your copy:", None, check))
        self.answers: list[QLineEdit] = []
        for position in self.positions:
            field = QLineEdit(check)
            field.textChanged.connect(self._check)
            check_layout.addRow(f"Word {position + 1}", field)
            self.answers.append(field)
        self.error = label("", "error", check)
        check_layout.addRow(self.error)

        self.pages.addWidget(show)
        self.pages.addWidget(check)
        self.buttons = QDialogButtonBox(self)
        self.next = self.buttons.addButton("Next", QDialogButtonBox.ButtonRole.ActionRole)
        self.done_button = self.buttons.addButton("Done", QDialogButtonBox.ButtonRole.AcceptRole)
        self.next.setEnabled(False)
        self.done_button.setVisible(False)
        self.written.toggled.connect(self.next.setEnabled)
        self.next.clicked.connect(self._to_check)
        self.done_button.clicked.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addWidget(self.buttons)
        self.confirmed = False

    def _to_check(self) -> None:
        self.pages.setCurrentIndex(1)
        self.next.setVisible(False)
        self.done_button.setVisible(True)
        self.done_button.setEnabled(False)
        self.answers[0].setFocus()

    def _check(self) -> None:
        ok = all(
            field.text().strip().lower() == self._words[p]
            for field, p in zip(self.answers, self.positions, strict=True)
        )
        self.done_button.setEnabled(ok)
        filled = all(field.text().strip() for field in self.answers)
        self.error.setText("" if ok or not filled else "These words do not match.")

    def accept(self) -> None:
        if self.done_button.isEnabled() and self.pages.currentIndex() == 1:
            self.confirmed = True
            self._words = []  # drop our copy
            super().accept()


class PasswordDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, *, prompt: str = "Unlock the wallet") -> None:
        super().__init__(parent)
        self.setWindowTitle(prompt)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = label("", "error", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QFormLayout(self)
        layout.addRow(label(prompt + ":", None, self))
        layout.addRow("Password", self.password)
        layout.addRow(self.error)
        layout.addRow(self.buttons)

    def show_error(self, text: str) -> None:
        self.error.setText(text)

    def reset(self) -> None:
        """Ready for another use (the dialog is kept): no password, no error."""
        self.password.clear()
        self.error.setText("")
        self.password.setFocus()
