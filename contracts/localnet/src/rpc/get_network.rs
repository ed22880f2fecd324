//! getNetwork.

use serde_json::json;

use super::{Params, RpcResult, Server};
use crate::network::PROTOCOL_VERSION;

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let _ = params;
    let node = server.node();
    Ok(json!({
        "friendbotUrl": server.friendbot_url,
        "passphrase": node.passphrase,
        "protocolVersion": PROTOCOL_VERSION,
    }))
}
