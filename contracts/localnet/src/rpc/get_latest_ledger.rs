//! getLatestLedger.

use serde_json::json;
use soroban_env_host::xdr::{LedgerCloseMeta, LedgerHeaderHistoryEntry};

use super::{Params, RpcResult, Server};
use crate::network::PROTOCOL_VERSION;
use crate::util::from_xdr;

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out = params.format()?;
    let node = server.node();
    let l = node.latest();
    let header = from_xdr::<LedgerHeaderHistoryEntry>(&l.header_xdr)
        .map(|h| out.val(&h.header))
        .unwrap_or_default();
    let mut v = json!({
        "id": hex::encode(l.hash),
        "protocolVersion": PROTOCOL_VERSION,
        "sequence": l.seq,
        "closeTime": l.close_time.to_string(),
    });
    out.put(&mut v, "headerXdr", "headerJson", header);
    out.put(
        &mut v,
        "metadataXdr",
        "metadataJson",
        out.raw::<LedgerCloseMeta>(&l.meta_xdr),
    );
    Ok(v)
}
