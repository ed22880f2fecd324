//! getTransaction.

use serde_json::{json, Value};

use super::{invalid_params, range_fields, Params, RpcResult, Server};
use crate::ledger::TxRecord;
use crate::util::b64;

/// The transaction fields getTransaction and getTransactions share.
pub fn tx_fields(rec: &TxRecord) -> Value {
    let mut v = json!({
        "status": if rec.successful { "SUCCESS" } else { "FAILED" },
        "txHash": hex::encode(rec.hash),
        "applicationOrder": rec.application_order,
        "feeBump": rec.fee_bump,
        "envelopeXdr": b64(&rec.envelope_xdr),
        "resultXdr": b64(&rec.result_xdr),
        "resultMetaXdr": b64(&rec.meta_xdr),
        "ledger": rec.ledger,
        "events": {
            "transactionEventsXdr": rec.tx_events.iter().map(|e| b64(e)).collect::<Vec<_>>(),
            "contractEventsXdr": rec.op_events.iter()
                .map(|op| op.iter().map(|e| b64(e)).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        },
    });
    if !rec.diagnostic_events.is_empty() {
        v["diagnosticEventsXdr"] = json!(rec
            .diagnostic_events
            .iter()
            .map(|e| b64(e))
            .collect::<Vec<_>>());
    }
    v
}

pub fn parse_hash(s: &str) -> Option<[u8; 32]> {
    let raw = hex::decode(s).ok()?;
    raw.try_into().ok()
}

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    params.check_format()?;
    let hash_s = params
        .str("hash")?
        .ok_or_else(|| invalid_params("hash is required"))?;
    let hash = parse_hash(hash_s)
        .ok_or_else(|| invalid_params(format!("unexpected hash length ({})", hash_s.len())))?;
    let node = server.node();
    let (latest, latest_time, oldest, oldest_time) = range_fields(&node);
    let mut v = match node.txs.get(&hash) {
        Some(rec) => {
            let mut v = tx_fields(rec);
            v["createdAt"] = json!(rec.close_time.to_string());
            v
        }
        None => json!({"status": "NOT_FOUND", "txHash": hash_s.to_lowercase()}),
    };
    v["latestLedger"] = json!(latest);
    v["latestLedgerCloseTime"] = json!(latest_time.to_string());
    v["oldestLedger"] = json!(oldest);
    v["oldestLedgerCloseTime"] = json!(oldest_time.to_string());
    Ok(v)
}
