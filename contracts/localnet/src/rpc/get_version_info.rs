//! getVersionInfo.

use serde_json::json;

use super::{Params, RpcResult, Server};
use crate::network::PROTOCOL_VERSION;

pub fn handle(_server: &Server, _params: &Params) -> RpcResult {
    Ok(json!({
        "version": concat!("flowfi-localnet ", env!("CARGO_PKG_VERSION")),
        "commitHash": "",
        "buildTimestamp": "",
        "captiveCoreVersion": "none (soroban-env-host 28.0.2 in process)",
        "protocolVersion": PROTOCOL_VERSION,
    }))
}
