//! getTransactions: cursors are TOIDs of (ledger, application order).

use serde_json::json;

use super::get_transaction::tx_fields;
use super::{invalid_params, invalid_request, range_fields, Params, RpcResult, Server};
use crate::events::TX_MASK;

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let fmt = params.format()?;
    let pagination = params.object("pagination")?;
    let cursor = pagination.str("cursor")?.filter(|c| !c.is_empty());
    let limit = pagination.u64("limit")?.unwrap_or(0);
    if limit > 200 {
        return Err(invalid_params("limit must not exceed 200"));
    }
    let limit = if limit == 0 { 50 } else { limit as usize };
    let start_ledger = params.u32("startLedger")?;
    let node = server.node();
    let (latest, latest_time, oldest, oldest_time) = range_fields(&node);
    // Start position (ledger, order): strictly after a cursor, or from a ledger's first tx.
    let (start_seq, after_order) = match (cursor, start_ledger) {
        (Some(_), Some(s)) if s != 0 => {
            return Err(invalid_params("startLedger and cursor cannot both be set"))
        }
        (Some(c), _) => {
            let id: i64 = c
                .parse()
                .map_err(|e| invalid_params(format!("invalid cursor {c}: {e}")))?;
            ((id >> 32) as u32, ((id >> 12) as u32) & TX_MASK)
        }
        (None, s) => {
            let s = s.unwrap_or(0);
            if s < oldest || s > latest {
                return Err(invalid_request(format!(
                    "start ledger ({s}) must be between the oldest ledger: {oldest} and the latest ledger: {latest} for this rpc instance"
                )));
            }
            (s, 0)
        }
    };
    let mut out = Vec::new();
    let mut last = (start_seq, after_order);
    let mut seq = start_seq.max(oldest);
    'outer: while seq <= latest {
        if let Some(l) = node.ledger(seq) {
            for h in &l.tx_hashes {
                let Some(rec) = node.txs.get(h) else { continue };
                if seq == start_seq && rec.application_order <= after_order {
                    continue;
                }
                if out.len() >= limit {
                    break 'outer;
                }
                let mut v = tx_fields(rec, fmt);
                v["createdAt"] = json!(rec.close_time);
                out.push(v);
                last = (seq, rec.application_order);
            }
        }
        seq += 1;
    }
    let cursor = (i64::from(last.0) << 32) | (i64::from(last.1) << 12);
    Ok(json!({
        "transactions": out,
        "latestLedger": latest,
        "latestLedgerCloseTimestamp": latest_time,
        "oldestLedger": oldest,
        "oldestLedgerCloseTimestamp": oldest_time,
        "cursor": cursor.to_string(),
    }))
}
