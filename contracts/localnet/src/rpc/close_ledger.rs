//! localnet_closeLedger and localnet_advanceTime: ledger control for tests and demos.

use serde_json::json;

use super::{internal, invalid_params, Params, RpcResult, Server};
use crate::util::now_unix;

pub fn close(server: &Server, _params: &Params) -> RpcResult {
    let mut node = server.node();
    let (seq, t) = node
        .close_ledger(None)
        .map_err(|e| internal(format!("cannot persist ledger: {e}")))?;
    Ok(json!({"sequence": seq, "closeTime": t}))
}

pub fn advance_time(server: &Server, params: &Params) -> RpcResult {
    let seconds = params
        .u64("seconds")?
        .ok_or_else(|| invalid_params("seconds is required"))?;
    if seconds > 100 * 365 * 86_400 {
        return Err(invalid_params("seconds must be at most 100 years"));
    }
    let mut node = server.node();
    let close = node.latest().close_time + seconds;
    // Later ledgers follow the wall clock from the new time on.
    node.time_offset = close as i64 - now_unix() as i64;
    let (seq, t) = node
        .close_ledger(Some(close))
        .map_err(|e| internal(format!("cannot persist ledger: {e}")))?;
    Ok(json!({"sequence": seq, "closeTime": t}))
}
