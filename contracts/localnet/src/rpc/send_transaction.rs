//! sendTransaction: validate like core, queue for the next ledger (closed at once in instant
//! mode), answer PENDING / DUPLICATE / ERROR.

use serde_json::json;
use soroban_env_host::xdr::{TransactionEnvelope, TransactionResult, TransactionResultExt};

use super::{invalid_params, maybe_close, Params, RpcResult, Server};
use crate::apply::validate;
use crate::ledger::{Node, PendingTx};
use crate::util::untrusted_limits;

/// Outcome of submitting an envelope: status, hash, and the error result for ERROR.
pub enum Submitted {
    Pending([u8; 32]),
    Duplicate([u8; 32]),
    Error([u8; 32], TransactionResult),
}

pub fn submit(node: &mut Node, env: TransactionEnvelope, size: u32) -> Submitted {
    let hash = env.hash(node.network_id).unwrap_or([0; 32]);
    if node.txs.contains_key(&hash) || node.pending.iter().any(|p| p.hash == hash) {
        return Submitted::Duplicate(hash);
    }
    match validate(node, &env, &hash, size) {
        Ok(source) => {
            node.pending.push(PendingTx {
                hash,
                envelope: env,
                source,
                size,
            });
            Submitted::Pending(hash)
        }
        Err(rej) => Submitted::Error(
            hash,
            TransactionResult {
                fee_charged: rej.fee,
                result: rej.result,
                ext: TransactionResultExt::V0,
            },
        ),
    }
}

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out_fmt = params.format()?;
    let b64 = params
        .str("transaction")?
        .ok_or_else(|| invalid_params("transaction is required"))?;
    let raw = crate::util::unb64(b64).ok_or_else(|| invalid_params("invalid_xdr"))?;
    let size = raw.len() as u32;
    let env =
        <TransactionEnvelope as soroban_env_host::xdr::ReadXdr>::from_xdr(raw, untrusted_limits())
            .map_err(|_| invalid_params("invalid_xdr"))?;
    let mut node = server.node();
    let latest = node.latest().seq;
    let latest_time = node.latest().close_time.to_string();
    let out = submit(&mut node, env, size);
    let resp = match out {
        Submitted::Pending(h) => json!({
            "status": "PENDING", "hash": hex::encode(h),
            "latestLedger": latest, "latestLedgerCloseTime": latest_time,
        }),
        Submitted::Duplicate(h) => json!({
            "status": "DUPLICATE", "hash": hex::encode(h),
            "latestLedger": latest, "latestLedgerCloseTime": latest_time,
        }),
        Submitted::Error(h, r) => {
            let mut v = json!({
                "status": "ERROR", "hash": hex::encode(h),
                "latestLedger": latest, "latestLedgerCloseTime": latest_time,
            });
            out_fmt.put(&mut v, "errorResultXdr", "errorResultJson", out_fmt.val(&r));
            v
        }
    };
    maybe_close(server, &mut node)?;
    Ok(resp)
}
