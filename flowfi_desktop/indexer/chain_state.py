"""Stream state read from the contract's on-chain storage (``getLedgerEntries``).

Used when history is missing (a gap: the RPC no longer has the events) to rebuild the streams,
and to verify the index. Not on the hot path, so it uses stellar-sdk's XDR classes. Keys are
``DataKey::Stream(id)`` persistent contract data; the number of streams is ``StreamCounter`` in
the contract instance's storage. The RPC answers at most 200 keys per call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stellar_sdk import Address, scval, xdr

from flowfi_desktop.indexer.rpc_port import RpcCaller, RpcDataError
from flowfi_desktop.indexer.state import StreamState

MAX_KEYS_PER_CALL = 200


def _contract_address(contract_id: str) -> xdr.SCAddress:
    return Address(contract_id).to_xdr_sc_address()


def stream_ledger_key(contract_id: str, stream_id: int) -> str:
    key = scval.to_vec([scval.to_symbol("Stream"), scval.to_uint64(stream_id)])
    return str(
        xdr.LedgerKey(
            type=xdr.LedgerEntryType.CONTRACT_DATA,
            contract_data=xdr.LedgerKeyContractData(
                contract=_contract_address(contract_id),
                key=key,
                durability=xdr.ContractDataDurability.PERSISTENT,
            ),
        ).to_xdr()
    )


def instance_ledger_key(contract_id: str) -> str:
    return str(
        xdr.LedgerKey(
            type=xdr.LedgerEntryType.CONTRACT_DATA,
            contract_data=xdr.LedgerKeyContractData(
                contract=_contract_address(contract_id),
                key=xdr.SCVal(type=xdr.SCValType.SCV_LEDGER_KEY_CONTRACT_INSTANCE),
                durability=xdr.ContractDataDurability.PERSISTENT,
            ),
        ).to_xdr()
    )


def _native(value: Any) -> Any:
    if isinstance(value, Address):
        return value.address
    return value


def stream_from_scval(stream_id: int, val: xdr.SCVal) -> StreamState:
    """The contract's ``Stream`` struct (an ScMap) as a ``StreamState``."""
    raw = scval.to_native(val)
    if not isinstance(raw, dict):
        raise ValueError("a stream entry is not a map")
    f = {k: _native(v) for k, v in raw.items()}
    status_raw = f["status"]
    status = (status_raw[0] if isinstance(status_raw, list) else str(status_raw)).lower()
    state = StreamState(
        stream_id=stream_id,
        sender=f["sender"],
        recipient=f["recipient"],
        token_address=f["token_address"],
        rate_per_second=int(f["rate_per_second"]),
        deposited_amount=int(f["deposited_amount"]),
        withdrawn_amount=int(f["withdrawn_amount"]),
        start_time=int(f["start_time"]),
        last_update_time=int(f["last_update_time"]),
        is_active=bool(f["is_active"]),
        paused=bool(f["paused"]),
        paused_at=None if f["paused_at"] is None else int(f["paused_at"]),
        status=status,
    )
    if status == "cancelled":
        state.refunded_amount = max(state.deposited_amount - state.withdrawn_amount, 0)
    return state


def contract_data_value(entry_xdr: str) -> xdr.SCVal:
    """The value of a ContractData ``LedgerEntryData`` (what getLedgerEntries returns)."""
    data = xdr.LedgerEntryData.from_xdr(entry_xdr)
    if data.contract_data is None:
        raise ValueError("not a contract data entry")
    return data.contract_data.val


@dataclass
class ChainStreams:
    streams: dict[int, StreamState]
    latest_ledger: int  # the ledger the RPC answered at
    missing: list[int]  # ids with no live entry (archived, or never created)


class ChainStateReader:
    def __init__(self, rpc: RpcCaller, contract_id: str) -> None:
        self.rpc = rpc
        self.contract_id = contract_id

    async def _entries(self, keys: list[str]) -> tuple[dict[str, str], int]:
        result = await self.rpc.call("getLedgerEntries", {"keys": keys})
        if not isinstance(result, dict):
            raise RpcDataError("getLedgerEntries: the answer is not an object")
        found = {e["key"]: e["xdr"] for e in (result.get("entries") or [])}
        return found, int(result.get("latestLedger", 0))

    async def stream_count(self) -> int | None:
        """``StreamCounter`` from the contract instance, None if it cannot be read."""
        key = instance_ledger_key(self.contract_id)
        found, _ = await self._entries([key])
        if key not in found:
            return None
        instance = contract_data_value(found[key]).instance
        if instance is None or instance.storage is None:
            return 0
        for entry in instance.storage.sc_map:
            native = scval.to_native(entry.key)
            if native == ["StreamCounter"]:
                counter = scval.to_native(entry.val)
                return counter if isinstance(counter, int) else None
        return 0

    async def read_streams(self, ids: list[int]) -> ChainStreams:
        streams: dict[int, StreamState] = {}
        missing: list[int] = []
        latest = 0
        for start in range(0, len(ids), MAX_KEYS_PER_CALL):
            chunk = ids[start : start + MAX_KEYS_PER_CALL]
            keys = {stream_ledger_key(self.contract_id, sid): sid for sid in chunk}
            found, at = await self._entries(list(keys))
            latest = max(latest, at)
            for key, sid in keys.items():
                if key in found:
                    streams[sid] = stream_from_scval(sid, contract_data_value(found[key]))
                else:
                    missing.append(sid)
        return ChainStreams(streams, latest, missing)

    async def read_all(self) -> ChainStreams:
        """Every stream of the contract (ids 1..StreamCounter; probing when it is unreadable)."""
        count = await self.stream_count()
        if count is not None:
            return await self.read_streams(list(range(1, count + 1)))
        result = ChainStreams({}, 0, [])
        start = 1
        while True:
            batch = await self.read_streams(list(range(start, start + MAX_KEYS_PER_CALL)))
            result.streams.update(batch.streams)
            result.latest_ledger = max(result.latest_ledger, batch.latest_ledger)
            if not batch.streams:
                return result
            start += MAX_KEYS_PER_CALL
