"""Wallet actions for the GUI, Qt-free: build a stream call, review it (simulation: what will be
signed, fee, balance changes, warnings), sign with the unlocked keystore, submit and wait until
it is in a ledger; plus account funding and contract deployment for the first-run flow, and
account removal and secret backup.

Every step is a coroutine on the one loop; the slow CPU parts (Argon2id in unlock) run in a
thread. The result reaches the screen through the indexer like everyone else's events; after a
submit the session nudges the indexer to poll quickly."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stellar_sdk import Keypair

from flowfi_desktop.addresses import parse_account
from flowfi_desktop.bundled import contract_wasm_path
from flowfi_desktop.chain.rpc import HttpCaller, RetryPolicy, RpcProtocolError
from flowfi_desktop.chain.soroban import Soroban
from flowfi_desktop.errors import InputError
from flowfi_desktop.keys.accounts import Unlocked, Wallet, WatchOnlyAccount
from flowfi_desktop.keys.keystore import read_keystore, write_keystore
from flowfi_desktop.networks import Network
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import ContractCall, TokenRef
from flowfi_desktop.streams.deploy import Deployment, deploy
from flowfi_desktop.streams.tx import Outcome, Prepared, prepare, sign, submit
from flowfi_desktop.tokens import TokenCache, TokenInfo, balance, token_info

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ActionSpec:
    """What the user asked for, before any network call."""

    kind: str  # create | top_up | withdraw | pause | resume | cancel
    stream_id: int | None = None
    recipient: str | None = None
    token: TokenRef | None = None
    amount: int | None = None
    duration: int | None = None


def build_call(contract_id: str, account: str, spec: ActionSpec) -> ContractCall:
    """The contract call for ``spec`` (InputError on anything invalid)."""
    if spec.kind == "create":
        if not (spec.recipient and spec.token and spec.amount and spec.duration):
            raise InputError("a new stream needs a recipient, a token, an amount and a duration")
        return calls.create_stream(
            contract_id, account, spec.recipient, spec.token, spec.amount, spec.duration
        )
    assert spec.stream_id is not None
    if spec.kind == "top_up":
        if not (spec.token and spec.amount):
            raise InputError("a top-up needs the token and an amount")
        return calls.top_up_stream(contract_id, account, spec.stream_id, spec.amount, spec.token)
    if spec.kind == "withdraw":
        return calls.withdraw(contract_id, account, spec.stream_id)
    if spec.kind == "pause":
        return calls.pause_stream(contract_id, account, spec.stream_id)
    if spec.kind == "resume":
        return calls.resume_stream(contract_id, account, spec.stream_id)
    if spec.kind == "cancel":
        return calls.cancel_stream(contract_id, account, spec.stream_id)
    raise InputError(f"unknown action {spec.kind!r}")


class WalletActions:
    """Network-facing actions of one session (one ``Soroban`` client per network)."""

    def __init__(
        self,
        network: Network,
        wallet: Wallet,
        *,
        timeout: float = 15.0,
        attempts: int = 4,
        fee_warning_stroops: int = 0,
        token_cache: TokenCache | None = None,
    ) -> None:
        self.network = network
        self.wallet = wallet
        self.timeout = timeout
        self.attempts = attempts
        self.fee_warning_stroops = fee_warning_stroops
        self.token_cache = token_cache
        self._soroban: Soroban | None = None

    @property
    def soroban(self) -> Soroban:
        if self._soroban is None:
            self._soroban = Soroban(self.network, timeout=self.timeout, attempts=self.attempts)
        return self._soroban

    async def close(self) -> None:
        if self._soroban is not None:
            await self._soroban.close()
            self._soroban = None

    # ------------------------------------------------------------------ streams

    async def review(self, account: str, spec: ActionSpec) -> Prepared:
        contract = self.network.contract_id
        if not contract:
            raise InputError(f"no stream contract is set for {self.network.name}")
        call = build_call(contract, account, spec)
        tokens = {spec.token.contract_id: spec.token} if spec.token else {}
        return await prepare(
            self.soroban,
            call,
            account,
            tokens=tokens,
            fee_warning_stroops=self.fee_warning_stroops,
        )

    async def sign_and_submit(
        self, prepared: Prepared, unlocked: Unlocked, name: str, progress: Progress
    ) -> Outcome:
        progress("Signing…")
        keypair = unlocked.keypair(name)
        envelope = await sign(self.soroban, prepared, {keypair.public_key: keypair})
        progress("Sending to the network…")
        outcome = await submit(self.soroban, envelope, what=prepared.call.function)
        progress(f"Confirmed in ledger {outcome.ledger}")
        return outcome

    async def token(self, contract_id: str) -> TokenInfo:
        return await token_info(self.soroban, contract_id, self.token_cache)

    async def balance(self, token_id: str, address: str) -> int:
        return await balance(self.soroban, token_id, address)

    # ------------------------------------------------------------------ first run

    async def fund(self, address: str) -> None:
        """Asks the network's friendbot for test funds (test networks only)."""
        url = self.network.friendbot_url
        if not url:
            raise InputError(f"{self.network.name} has no friendbot: send funds from elsewhere")
        caller = HttpCaller(timeout=self.timeout * 2, retry=RetryPolicy(attempts=self.attempts))
        try:
            reply = await caller.request("GET", url, what="friendbot", params={"addr": address})
        finally:
            await caller.close()
        if reply.status >= 400 and "createAccountAlreadyExist" not in reply.text:
            raise RpcProtocolError(f"friendbot refused to fund {address} (HTTP {reply.status})")

    async def deploy_contract(self, keypair: Keypair) -> Deployment:
        wasm = await asyncio.to_thread(contract_wasm_path().read_bytes)
        return await deploy(self.soroban, keypair, wasm)


# ---------------------------------------------------------------------- accounts


async def unlock(wallet: Wallet, password: str) -> Unlocked:
    """Argon2id takes about a second: off the GUI thread."""
    return await asyncio.to_thread(wallet.unlock, lambda _new: password)


def remove_account(wallet: Wallet, name: str, password: str | None) -> None:
    """Removes ``name`` from the keystore (its key too, after checking the password)."""
    entry = wallet.get(name)
    file = read_keystore(wallet.path)
    assert file is not None
    if entry.watch_only:
        file.accounts = [a for a in file.accounts if a.name != name]
        write_keystore(wallet.path, file)
        return
    if password is None:
        raise InputError("removing an account with a key needs the password")
    unlocked = wallet.unlock(lambda _new: password)
    file, found = unlocked.file, dict(unlocked.found)
    assert file.vault is not None
    found.pop(name, None)
    file.accounts = [a for a in file.accounts if a.name != name]
    file.seal_vault(unlocked.key, file.vault.kdf, file.vault.salt, found)
    write_keystore(wallet.path, file)


def secret_of(unlocked: Unlocked, wallet: Wallet, name: str) -> str:
    entry = wallet.get(name)
    if entry.watch_only:
        raise WatchOnlyAccount(f"account {name!r} is watch-only: it has no secret to back up")
    secret: str = unlocked.keypair(name).secret
    return secret


def check_recipient(text: str) -> str:
    """A recipient as typed: a G... account (C... contracts may receive too)."""
    text = text.strip()
    if text.startswith("C"):
        from flowfi_desktop.addresses import parse_contract

        return parse_contract(text, what="recipient")
    return parse_account(text, what="recipient")


def facts(prepared: Prepared) -> dict[str, Any]:
    return dict(prepared.call.facts)
