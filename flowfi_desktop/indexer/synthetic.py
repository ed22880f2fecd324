"""A deterministic synthetic history of the stream contract, for tests, benchmarks and demos.

``ContractModel`` is a direct port of the contract's entry points
(contracts/stream_contract/src/lib.rs): it keeps the ``Stream`` storage and emits the events, in
the contract's order, with the contract's real XDR shapes. ``generate_history`` drives it with
random (seeded) calls over a run of ledgers and assigns RPC event ids (TOID + event index), so a
local JSON-RPC server can serve it exactly like a real RPC would. It is written independently of
the indexer's event applier (``state.py``), so comparing the two is a real check.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from stellar_sdk import Keypair, StrKey

from flowfi_desktop.indexer import accrual
from flowfi_desktop.indexer.encode import event_xdr
from flowfi_desktop.indexer.state import ACTIVE, CANCELLED, COMPLETED, PAUSED, StreamState

LEDGER_SECONDS = 5
GENESIS_TIME = 1_780_000_000  # 2026-05-28


def toid(ledger: int, tx: int, op: int) -> int:
    return (ledger << 32) | (tx << 12) | op


def event_id(ledger: int, tx: int, op: int, index: int) -> str:
    return f"{toid(ledger, tx, op):019d}-{index:010d}"


def close_time(ledger: int) -> int:
    return GENESIS_TIME + ledger * LEDGER_SECONDS


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_address(rng: random.Random, contract: bool = False) -> str:
    raw = rng.randbytes(32)
    if contract:
        return str(StrKey.encode_contract(raw))
    return str(Keypair.from_raw_ed25519_seed(raw).public_key)


class ContractError(Exception):
    pass


@dataclass
class ContractModel:
    """The contract's state and behaviour; each call returns the events it emits."""

    treasury: str | None = None
    fee_rate_bps: int = 0
    admin: str | None = None
    streams: dict[int, StreamState] = field(default_factory=dict)
    counter: int = 0

    def initialize(
        self, admin: str, treasury: str, fee_rate_bps: int
    ) -> list[tuple[str, dict[str, Any]]]:
        if self.admin is not None:
            raise ContractError("AlreadyInitialized")
        self.admin, self.treasury, self.fee_rate_bps = admin, treasury, fee_rate_bps
        return [
            ("initialized", {"admin": admin, "treasury": treasury, "fee_rate_bps": fee_rate_bps})
        ]

    def update_fee_config(
        self, treasury: str, fee_rate_bps: int
    ) -> list[tuple[str, dict[str, Any]]]:
        assert self.admin is not None
        assert self.treasury is not None
        event = {
            "admin": self.admin,
            "old_treasury": self.treasury,
            "new_treasury": treasury,
            "old_fee_rate_bps": self.fee_rate_bps,
            "new_fee_rate_bps": fee_rate_bps,
        }
        self.treasury, self.fee_rate_bps = treasury, fee_rate_bps
        return [("fee_config_updated", event)]

    def _fee(self, amount: int) -> int:
        if self.treasury is None or self.fee_rate_bps == 0:
            return 0
        return accrual.fee_for(amount, self.fee_rate_bps)

    def _fee_event(self, stream_id: int, fee: int, token: str) -> list[tuple[str, dict[str, Any]]]:
        if fee <= 0 or self.treasury is None:
            return []
        return [
            (
                "fee_collected",
                {
                    "stream_id": stream_id,
                    "treasury": self.treasury,
                    "fee_amount": fee,
                    "token": token,
                },
            )
        ]

    def create_stream(
        self, now: int, sender: str, recipient: str, token: str, amount: int, duration: int
    ) -> list[tuple[str, dict[str, Any]]]:
        if amount <= 0:
            raise ContractError("InvalidAmount")
        if duration == 0:
            raise ContractError("InvalidDuration")
        fee = self._fee(amount)
        net = amount - fee
        rate = net // duration
        if rate == 0:
            raise ContractError("InvalidRate")
        self.counter += 1
        sid = self.counter
        self.streams[sid] = StreamState(
            stream_id=sid,
            sender=sender,
            recipient=recipient,
            token_address=token,
            rate_per_second=rate,
            deposited_amount=net,
            withdrawn_amount=0,
            start_time=now,
            last_update_time=now,
            fees_paid=fee,
        )
        created = {
            "stream_id": sid,
            "sender": sender,
            "recipient": recipient,
            "rate_per_second": rate,
            "token_address": token,
            "deposited_amount": net,
            "start_time": now,
        }
        return [*self._fee_event(sid, fee, token), ("stream_created", created)]

    def top_up_stream(self, now: int, sid: int, amount: int) -> list[tuple[str, dict[str, Any]]]:
        s = self.streams[sid]
        if amount <= 0:
            raise ContractError("InvalidAmount")
        if not s.is_active:
            raise ContractError("StreamInactive")
        fee = self._fee(amount)
        net = amount - fee
        owed = accrual.remaining(s)
        dry_payout = 0
        if owed > 0 and accrual.claimable_at(s, now) == owed:
            s.withdrawn_amount += owed
            s.last_update_time = accrual.accrual_time(s, now)
            dry_payout = owed
        s.deposited_amount += net
        s.fees_paid += fee
        new_end = accrual.end_time(s, now)
        events = self._fee_event(sid, fee, s.token_address)
        if dry_payout > 0:
            events.append(
                (
                    "tokens_withdrawn",
                    {
                        "stream_id": sid,
                        "recipient": s.recipient,
                        "amount": dry_payout,
                        "timestamp": now,
                    },
                )
            )
        events.append(
            (
                "stream_topped_up",
                {
                    "stream_id": sid,
                    "sender": s.sender,
                    "amount": net,
                    "new_deposited_amount": s.deposited_amount,
                    "new_end_time": new_end,
                },
            )
        )
        return events

    def withdraw(self, now: int, sid: int) -> list[tuple[str, dict[str, Any]]]:
        s = self.streams[sid]
        if not s.is_active:
            raise ContractError("StreamInactive")
        if s.paused:
            raise ContractError("StreamPaused")
        amount = accrual.claimable_at(s, now)
        if amount <= 0:
            raise ContractError("InvalidAmount")
        s.withdrawn_amount += amount
        s.last_update_time = now
        events: list[tuple[str, dict[str, Any]]] = [
            (
                "tokens_withdrawn",
                {"stream_id": sid, "recipient": s.recipient, "amount": amount, "timestamp": now},
            )
        ]
        if s.withdrawn_amount >= s.deposited_amount:
            s.is_active = False
            s.status = COMPLETED
            events.append(
                (
                    "stream_completed",
                    {
                        "stream_id": sid,
                        "recipient": s.recipient,
                        "total_withdrawn": s.withdrawn_amount,
                    },
                )
            )
        return events

    def cancel_stream(self, now: int, sid: int) -> list[tuple[str, dict[str, Any]]]:
        s = self.streams[sid]
        if not s.is_active:
            raise ContractError("StreamInactive")
        payout = accrual.claimable_at(s, now)
        refund = accrual.remaining(s) - payout
        s.withdrawn_amount += payout
        s.last_update_time = accrual.accrual_time(s, now)
        s.is_active = False
        s.paused = False
        s.paused_at = None
        s.status = CANCELLED
        s.refunded_amount = refund
        return [
            (
                "stream_cancelled",
                {
                    "stream_id": sid,
                    "sender": s.sender,
                    "recipient": s.recipient,
                    "amount_withdrawn": s.withdrawn_amount,
                    "refunded_amount": refund,
                },
            )
        ]

    def pause_stream(self, now: int, sid: int) -> list[tuple[str, dict[str, Any]]]:
        s = self.streams[sid]
        if not s.is_active:
            raise ContractError("StreamInactive")
        if s.paused:
            raise ContractError("StreamAlreadyPaused")
        s.paused, s.paused_at, s.status = True, now, PAUSED
        return [("stream_paused", {"stream_id": sid, "sender": s.sender, "paused_at": now})]

    def resume_stream(self, now: int, sid: int) -> list[tuple[str, dict[str, Any]]]:
        s = self.streams[sid]
        if not s.is_active:
            raise ContractError("StreamInactive")
        if not s.paused:
            raise ContractError("StreamNotPaused")
        paused_for = max(now - (s.paused_at if s.paused_at is not None else now), 0)
        s.last_update_time = min(s.last_update_time + paused_for, accrual.U64_MAX)
        s.paused, s.paused_at, s.status = False, None, ACTIVE
        new_end = accrual.end_time(s, now)
        return [("stream_resumed", {"stream_id": sid, "sender": s.sender, "new_end_time": new_end})]


@dataclass
class SyntheticHistory:
    contract_id: str
    first_ledger: int
    last_ledger: int
    events: list[dict[str, Any]]  # getEvents JSON objects, in id order
    model: ContractModel
    # The model's stream state after each ledger would be costly; we keep the final one and,
    # for gap tests, snapshots at chosen ledgers.
    snapshots: dict[int, dict[int, StreamState]] = field(default_factory=dict)


def _event_json(
    contract_id: str,
    ledger: int,
    tx: int,
    index: int,
    tx_hash: str,
    name: str,
    fields: dict[str, Any],
) -> dict[str, Any]:
    topic, value = event_xdr(name, fields)
    return {
        "type": "contract",
        "ledger": ledger,
        "ledgerClosedAt": rfc3339(close_time(ledger)),
        "contractId": contract_id,
        "id": event_id(ledger, tx, 0, index),
        "operationIndex": 0,
        "transactionIndex": tx,
        "txHash": tx_hash,
        "inSuccessfulContractCall": True,
        "topic": topic,
        "value": value,
    }


def generate_history(
    n_events: int,
    seed: int = 1,
    first_ledger: int = 100,
    txs_per_ledger: int = 8,
    fee_rate_bps: int = 25,
    snapshot_ledgers: tuple[int, ...] = (),
) -> SyntheticHistory:
    """About ``n_events`` events (stops at the first ledger boundary past it)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    contract_id = make_address(rng, contract=True)
    accounts = [make_address(rng) for _ in range(60)]
    tokens = [make_address(rng, contract=True) for _ in range(3)]
    model = ContractModel()
    events: list[dict[str, Any]] = []
    history = SyntheticHistory(contract_id, first_ledger, first_ledger, events, model)
    ledger = first_ledger
    active: list[int] = []
    while True:
        for target in snapshot_ledgers:  # the state as it was at the end of ``target``
            if target < ledger and target not in history.snapshots:
                history.snapshots[target] = _copy_streams(model.streams)
        now = close_time(ledger)
        tx = 0
        for _ in range(rng.randint(0, txs_per_ledger)):
            try:
                emitted = _random_call(rng, model, now, accounts, tokens, active, fee_rate_bps)
            except ContractError:
                continue
            tx += 1
            tx_hash = rng.randbytes(32).hex()
            for index, (name, fields) in enumerate(emitted):
                events.append(_event_json(contract_id, ledger, tx, index, tx_hash, name, fields))
        if len(events) >= n_events:
            break
        # Sometimes a stretch of empty ledgers (longer than the RPC's 10,000-ledger scan window
        # now and then), so clients must page through empty answers.
        roll = rng.random()
        ledger += 1 if roll < 0.97 else rng.randint(2, 300) if roll < 0.999 else 12_000
    history.last_ledger = ledger
    for target in snapshot_ledgers:
        history.snapshots.setdefault(target, _copy_streams(model.streams))
    return history


def _copy_streams(streams: dict[int, StreamState]) -> dict[int, StreamState]:
    return {sid: msgspec.structs.replace(s) for sid, s in streams.items()}


def _random_call(
    rng: random.Random,
    model: ContractModel,
    now: int,
    accounts: list[str],
    tokens: list[str],
    active: list[int],
    fee_rate_bps: int,
) -> list[tuple[str, dict[str, Any]]]:
    if model.admin is None:
        return model.initialize(accounts[0], accounts[1], fee_rate_bps)
    while active and not model.streams[active[-1]].is_active:
        active.pop()
    roll = rng.random()
    if roll < 0.30 or not active:
        sender, recipient = rng.sample(accounts, 2)
        amount = rng.choice([10**7, 10**9, 10**12, 10**20, 10**30]) * rng.randint(1, 999)
        duration = rng.choice([60, 600, 3_600, 86_400])
        events = model.create_stream(now, sender, recipient, rng.choice(tokens), amount, duration)
        active.append(model.counter)
        return events
    if roll < 0.3005:
        return model.update_fee_config(rng.choice(accounts), rng.randint(0, 1000))
    position = rng.randrange(len(active))
    sid = active[position]
    s = model.streams[sid]
    if not s.is_active:  # ended since it was listed: drop it (swap with the last) and pass
        active[position] = active[-1]
        active.pop()
        raise ContractError("StreamInactive")
    if roll < 0.45:
        return model.top_up_stream(
            now, sid, s.rate_per_second * rng.randint(1, 400) + rng.randint(1, 99)
        )
    if roll < 0.70:
        return model.withdraw(now, sid)
    if roll < 0.76:
        return model.cancel_stream(now, sid)
    if s.paused:
        return model.resume_stream(now, sid)
    return model.pause_stream(now, sid)


def events_as_json_lines(events: list[dict[str, Any]]) -> list[str]:
    """Each event pre-serialized (a server answering many pages need not re-encode them)."""
    return [json.dumps(e, separators=(",", ":")) for e in events]
