//! getTransaction.

use serde_json::{json, Value};

use soroban_env_host::xdr::{
    ContractEvent, DiagnosticEvent, TransactionEnvelope, TransactionEvent, TransactionMeta,
    TransactionResult,
};

use super::{invalid_params, range_fields, Out, Params, RpcResult, Server};
use crate::ledger::TxRecord;

/// The transaction fields getTransaction and getTransactions share.
pub fn tx_fields(rec: &TxRecord, out: Out) -> Value {
    let mut v = json!({
        "status": if rec.successful { "SUCCESS" } else { "FAILED" },
        "txHash": hex::encode(rec.hash),
        "applicationOrder": rec.application_order,
        "feeBump": rec.fee_bump,
        "ledger": rec.ledger,
    });
    out.put(
        &mut v,
        "envelopeXdr",
        "envelopeJson",
        out.raw::<TransactionEnvelope>(&rec.envelope_xdr),
    );
    out.put(
        &mut v,
        "resultXdr",
        "resultJson",
        out.raw::<TransactionResult>(&rec.result_xdr),
    );
    out.put(
        &mut v,
        "resultMetaXdr",
        "resultMetaJson",
        out.raw::<TransactionMeta>(&rec.meta_xdr),
    );
    let tx_events: Vec<Value> = rec
        .tx_events
        .iter()
        .map(|e| out.raw::<TransactionEvent>(e))
        .collect();
    let op_events: Vec<Value> = rec
        .op_events
        .iter()
        .map(|op| Value::Array(op.iter().map(|e| out.raw::<ContractEvent>(e)).collect()))
        .collect();
    let mut events = json!({});
    out.put(
        &mut events,
        "transactionEventsXdr",
        "transactionEventsJson",
        Value::Array(tx_events),
    );
    out.put(
        &mut events,
        "contractEventsXdr",
        "contractEventsJson",
        Value::Array(op_events),
    );
    v["events"] = events;
    if !rec.diagnostic_events.is_empty() {
        let diag: Vec<Value> = rec
            .diagnostic_events
            .iter()
            .map(|e| out.raw::<DiagnosticEvent>(e))
            .collect();
        out.put(
            &mut v,
            "diagnosticEventsXdr",
            "diagnosticEventsJson",
            Value::Array(diag),
        );
    }
    v
}

pub fn parse_hash(s: &str) -> Option<[u8; 32]> {
    let raw = hex::decode(s).ok()?;
    raw.try_into().ok()
}

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out = params.format()?;
    let hash_s = params
        .str("hash")?
        .ok_or_else(|| invalid_params("hash is required"))?;
    let hash = parse_hash(hash_s)
        .ok_or_else(|| invalid_params(format!("unexpected hash length ({})", hash_s.len())))?;
    let node = server.node();
    let (latest, latest_time, oldest, oldest_time) = range_fields(&node);
    let mut v = match node.txs.get(&hash) {
        Some(rec) => {
            let mut v = tx_fields(rec, out);
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
