//! getLedgers.

use serde_json::json;

use super::{invalid_params, invalid_request, Params, RpcResult, Server};
use soroban_env_host::xdr::{LedgerCloseMeta, LedgerHeaderHistoryEntry};

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out = params.format()?;
    let pagination = params.object("pagination")?;
    let cursor = pagination.str("cursor")?.filter(|c| !c.is_empty());
    let limit = pagination.u64("limit")?.unwrap_or(0);
    if limit > 200 {
        return Err(invalid_params("limit must not exceed 200"));
    }
    let limit = if limit == 0 { 50 } else { limit as usize };
    let start_ledger = params.u32("startLedger")?;
    let node = server.node();
    let (oldest, latest) = (node.oldest().seq, node.latest().seq);
    let start = match (cursor, start_ledger) {
        (Some(_), Some(s)) if s != 0 => {
            return Err(invalid_params("startLedger and cursor cannot both be set"))
        }
        (Some(c), _) => {
            let v: u32 = c
                .parse()
                .map_err(|e| invalid_params(format!("invalid cursor {c}: {e}")))?;
            let s = v.saturating_add(1);
            if s < oldest || s > latest {
                return Err(invalid_request(format!(
                    "cursor ('{c}') must be between the oldest ledger: {oldest} and the latest ledger: {latest} for this rpc instance"
                )));
            }
            s
        }
        (None, s) => {
            let s = s.unwrap_or(0);
            if s < oldest || s > latest {
                return Err(invalid_request(format!(
                    "start ledger ({s}) must be between the oldest ledger: {oldest} and the latest ledger: {latest} for this rpc instance"
                )));
            }
            s
        }
    };
    let mut ledgers = Vec::new();
    let mut seq = start;
    while seq <= latest && ledgers.len() < limit {
        if let Some(l) = node.ledger(seq) {
            let mut v = json!({
                "hash": hex::encode(l.hash),
                "sequence": l.seq,
                "ledgerCloseTime": l.close_time.to_string(),
            });
            out.put(
                &mut v,
                "headerXdr",
                "headerJson",
                out.raw::<LedgerHeaderHistoryEntry>(&l.header_xdr),
            );
            out.put(
                &mut v,
                "metadataXdr",
                "metadataJson",
                out.raw::<LedgerCloseMeta>(&l.meta_xdr),
            );
            ledgers.push(v);
        }
        seq += 1;
    }
    let cursor = if ledgers.is_empty() {
        (start - 1).to_string()
    } else {
        (seq - 1).to_string()
    };
    Ok(json!({
        "ledgers": ledgers,
        "latestLedger": latest,
        "latestLedgerCloseTime": node.latest().close_time,
        "oldestLedger": oldest,
        "oldestLedgerCloseTime": node.oldest().close_time,
        "cursor": cursor,
    }))
}
