"""Small helpers for the localnet integration tests: raw JSON-RPC, balances, fees."""

from __future__ import annotations

from typing import Any

import httpx
from stellar_sdk import Keypair, SorobanServer, scval, xdr
from stellar_sdk.contract import ContractClient

PASSPHRASE = "Standalone Network ; February 2017"


def rpc(url: str, method: str, params: Any = None) -> dict[str, Any]:
    """One JSON-RPC call; returns the whole response object (result or error)."""
    body: dict[str, Any] = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        body["params"] = params
    reply = httpx.post(url, json=body, timeout=30)
    assert reply.status_code == 200, reply.text
    out: dict[str, Any] = reply.json()
    return out


def result(url: str, method: str, params: Any = None) -> Any:
    out = rpc(url, method, params)
    assert "error" not in out, out
    return out["result"]


def fund(friendbot_url: str, kp: Keypair) -> None:
    reply = httpx.get(friendbot_url, params={"addr": kp.public_key}, timeout=30)
    assert reply.status_code == 200, reply.text


def account_key_b64(address: str) -> str:
    key = xdr.LedgerKey(
        xdr.LedgerEntryType.ACCOUNT,
        account=xdr.LedgerKeyAccount(Keypair.from_public_key(address).xdr_account_id()),
    )
    return key.to_xdr()


def xlm_balance(url: str, address: str) -> int:
    """The account's native balance in stroops, read from its AccountEntry."""
    res = result(url, "getLedgerEntries", {"keys": [account_key_b64(address)]})
    assert len(res["entries"]) == 1, res
    data = xdr.LedgerEntryData.from_xdr(res["entries"][0]["xdr"])
    return int(data.account.balance.int64)


def tx_info(url: str, tx_hash: str) -> dict[str, Any]:
    info: dict[str, Any] = result(url, "getTransaction", {"hash": tx_hash})
    assert info["status"] in ("SUCCESS", "FAILED"), info
    return info


def fee_charged(url: str, tx_hash: str) -> int:
    res = xdr.TransactionResult.from_xdr(tx_info(url, tx_hash)["resultXdr"])
    return int(res.fee_charged.int64)


def close_time(url: str, tx_hash: str) -> int:
    return int(tx_info(url, tx_hash)["createdAt"])


def invoke(
    url: str,
    contract_id: str,
    fn: str,
    args: list[xdr.SCVal],
    signer: Keypair,
) -> tuple[Any, str]:
    """Simulate, sign, send and wait; returns (native return value, tx hash)."""
    client = ContractClient(contract_id, url, PASSPHRASE)
    tx = client.invoke(
        fn, args, source=signer.public_key, signer=signer, parse_result_xdr_fn=scval.to_native
    )
    value = tx.sign_and_submit()
    assert tx.send_transaction_response is not None
    return value, tx.send_transaction_response.hash


def server(url: str) -> SorobanServer:
    return SorobanServer(url)


def read(url: str, contract_id: str, fn: str, args: list[xdr.SCVal], source: Keypair) -> Any:
    """A read-only call: simulation only, nothing is submitted."""
    client = ContractClient(contract_id, url, PASSPHRASE)
    return client.invoke(
        fn, args, source=source.public_key, parse_result_xdr_fn=scval.to_native
    ).result()
