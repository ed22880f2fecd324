"""Settings, generated from the two schemas: the wallet core's (``settings.SCHEMA``, shared with
the CLI) and the GUI's own (``app.preferences.SCHEMA``); plus the current network's RPC URL and
contract id. Nothing is written until every value checks out."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from flowfi_desktop import settings as core_settings
from flowfi_desktop.app import preferences
from flowfi_desktop.app.session import AppSession
from flowfi_desktop.errors import InputError
from flowfi_desktop.networks import check_url

# Core settings the dialog shows in their own group (the others are for the CLI or are handled
# by the network group).
_CORE_HIDDEN = {"network"}
_PREF_HIDDEN = {"account", "first_run_done"}


def editor_for(
    kind: type,
    value: Any,
    choices: tuple[Any, ...],
    lo: int | None,
    hi: int | None,
    parent: QWidget,
) -> QWidget:
    if choices:
        combo = QComboBox(parent)
        for choice in choices:
            combo.addItem(str(choice), choice)
        combo.setCurrentIndex(max(combo.findData(value), 0))
        return combo
    if kind is bool:
        box = QCheckBox(parent)
        box.setChecked(bool(value))
        return box
    if kind is int:
        spin = QSpinBox(parent)
        spin.setRange(lo if lo is not None else 0, hi if hi is not None else 2_000_000_000)
        spin.setValue(int(value))
        return spin
    if kind is float:
        dspin = QDoubleSpinBox(parent)
        dspin.setRange(0, 1_000_000)
        dspin.setDecimals(2)
        dspin.setValue(float(value))
        return dspin
    line = QLineEdit(str(value), parent)
    return line


def value_of(widget: QWidget) -> Any:
    if isinstance(widget, QComboBox):
        return widget.currentData()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox):
        return widget.value()
    if isinstance(widget, QDoubleSpinBox):
        return widget.value()
    assert isinstance(widget, QLineEdit)
    return widget.text()


class SettingsDialog(QDialog):
    def __init__(self, session: AppSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.session = session
        self.network_changed = False

        net = QGroupBox("Network", self)
        form = QFormLayout(net)
        self.network = QComboBox(net)
        for name in session.networks.names():
            self.network.addItem(name, name)
        self.network.setCurrentIndex(max(self.network.findData(session.network.name), 0))
        self.rpc_url = QLineEdit(net)
        self.contract_id = QLineEdit(net)
        self.contract_id.setPlaceholderText("C… (deploy one from the first-run flow, or paste)")
        form.addRow("Network", self.network)
        form.addRow("RPC URL", self.rpc_url)
        form.addRow("Stream contract", self.contract_id)
        self.network.currentIndexChanged.connect(lambda _i: self._load_network())
        self._load_network()

        app_box = QGroupBox("Application", self)
        app_form = QFormLayout(app_box)
        self.pref_editors: dict[str, QWidget] = {}
        for p in preferences.SCHEMA:
            if p.key in _PREF_HIDDEN:
                continue
            editor = editor_for(
                p.type, session.prefs.get(p.key), p.choices, p.minimum, p.maximum, app_box
            )
            editor.setToolTip(p.description)
            app_form.addRow(p.label, editor)
            self.pref_editors[p.key] = editor

        core_box = QGroupBox("Wallet and RPC (shared with the command line)", self)
        core_form = QFormLayout(core_box)
        self.core_editors: dict[str, QWidget] = {}
        for s in core_settings.SCHEMA:
            if s.key in _CORE_HIDDEN:
                continue
            editor = editor_for(
                s.type, session.settings.get(s.key), s.choices, None, None, core_box
            )
            editor.setToolTip(s.description)
            core_form.addRow(s.key.replace("_", " ").capitalize(), editor)
            self.core_editors[s.key] = editor

        self.error = QLabel(self)
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout = QVBoxLayout(self)
        layout.addWidget(net)
        layout.addWidget(app_box)
        layout.addWidget(core_box)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _load_network(self) -> None:
        network = self.session.networks.get(self.network.currentData())
        self.rpc_url.setText(network.rpc_url)
        self.contract_id.setText(network.contract_id or "")

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)

    def save(self) -> None:
        """Checks everything first; writes only when all is valid."""
        try:
            name = self.network.currentData()
            rpc_url = check_url(self.rpc_url.text())
            contract = self.contract_id.text().strip()
            if contract:
                from flowfi_desktop.addresses import parse_contract

                contract = parse_contract(contract, what="stream contract id")
            prefs = {k: value_of(w) for k, w in self.pref_editors.items()}
            for key, value in prefs.items():
                preferences.check_preference(key, value)
            core = {k: value_of(w) for k, w in self.core_editors.items()}
            for key, value in core.items():
                core_settings.check_value(key, value)
        except InputError as error:
            self.show_error(str(error))
            return
        before = self.session.network
        changes: dict[str, str | None] = {}
        network = self.session.networks.get(name)
        if rpc_url != network.rpc_url:
            changes["rpc_url"] = rpc_url
        if (contract or None) != network.contract_id:
            changes["contract_id"] = contract or None
        if changes:
            self.session.networks.edit(name, **changes)
        for key, value in prefs.items():
            if value != self.session.prefs.get(key):
                self.session.prefs.set(key, value)
        for key, value in core.items():
            if value != self.session.settings.get(key):
                self.session.settings.set(key, value)
        self.network_changed = name != before.name or bool(changes and name == before.name)
        self.selected_network = name
        self.accept()
