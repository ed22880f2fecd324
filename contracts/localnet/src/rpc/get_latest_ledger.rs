//! getLatestLedger.

use serde_json::json;
use soroban_env_host::xdr::LedgerHeaderHistoryEntry;

use super::{Params, RpcResult, Server};
use crate::network::PROTOCOL_VERSION;
use crate::util::{b64, from_xdr, to_b64};

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    params.check_format()?;
    let node = server.node();
    let l = node.latest();
    let header = from_xdr::<LedgerHeaderHistoryEntry>(&l.header_xdr)
        .map(|h| to_b64(&h.header))
        .unwrap_or_default();
    Ok(json!({
        "id": hex::encode(l.hash),
        "protocolVersion": PROTOCOL_VERSION,
        "sequence": l.seq,
        "closeTime": l.close_time.to_string(),
        "headerXdr": header,
        "metadataXdr": b64(&l.meta_xdr),
    }))
}
