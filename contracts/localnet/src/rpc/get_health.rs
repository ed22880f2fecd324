//! getHealth.

use serde_json::json;

use super::{range_fields, Params, RpcResult, Server, RETENTION_WINDOW};

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let _ = params;
    let node = server.node();
    let (latest, latest_time, oldest, oldest_time) = range_fields(&node);
    Ok(json!({
        "status": "healthy",
        "latestLedger": latest,
        "oldestLedger": oldest,
        "ledgerRetentionWindow": RETENTION_WINDOW,
        "latestLedgerCloseTime": latest_time,
        "oldestLedgerCloseTime": oldest_time,
    }))
}
