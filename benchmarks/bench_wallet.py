"""Local cost of the wallet's hot paths (no network): building and signing a stream
transaction, and unlocking the keystore (Argon2id at the default and the interactive limits)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stellar_sdk import Account, Keypair, StrKey, TransactionBuilder

from flowfi_desktop.keys.accounts import Wallet
from flowfi_desktop.keys.keystore import KdfParams
from flowfi_desktop.networks import LOCAL_PASSPHRASE
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import TokenRef
from flowfi_desktop.tokens import native_contract_id


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build_and_sign() -> str:
    sender = Keypair.from_raw_ed25519_seed(bytes(range(32)))
    recipient = Keypair.from_raw_ed25519_seed(bytes(range(1, 33))).public_key
    contract = StrKey.encode_contract(bytes(32))
    token = TokenRef(native_contract_id(LOCAL_PASSPHRASE), 7, "XLM")
    call = calls.create_stream(contract, sender.public_key, recipient, token, 10**9, 86_400)
    builder = TransactionBuilder(Account(sender.public_key, 1234), LOCAL_PASSPHRASE, base_fee=100)
    builder.append_invoke_contract_function_op(call.contract_id, call.function, call.args)
    envelope = builder.set_timeout(300).build()
    envelope.sign(sender)
    xdr: str = envelope.to_xdr()
    return xdr


def unlock_cost(kdf: KdfParams, repeats: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        wallet = Wallet(Path(folder) / "keystore.json", kdf=kdf)
        secret = Keypair.from_raw_ed25519_seed(bytes(range(32))).secret
        wallet.import_secret("bench", secret, lambda new: "benchmark password")
        return median_seconds(lambda: wallet.unlock(lambda new: "benchmark password"), repeats)


def main() -> None:
    build_and_sign()  # warm-up: imports, XDR classes
    per_tx = median_seconds(build_and_sign, 200)
    print(f"   build+sign of a create_stream transaction: {per_tx * 1e3:.2f} ms (median of 200)")
    moderate = unlock_cost(KdfParams.named("moderate"), 5)
    print(
        f"   keystore unlock, Argon2id moderate (256 MiB, default): {moderate:.3f} s (median of 5)"
    )
    interactive = unlock_cost(KdfParams.named("interactive"), 5)
    print(f"   keystore unlock, Argon2id interactive (64 MiB): {interactive:.3f} s (median of 5)")


if __name__ == "__main__":
    main()
