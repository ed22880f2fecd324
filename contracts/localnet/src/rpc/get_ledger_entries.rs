//! getLedgerEntries: `xdr` is the entry's `data` union, `extXdr` its `ext`, as the reference.

use serde_json::{json, Value};
use soroban_env_host::xdr::LedgerKey;

use super::{invalid_params, Params, RpcResult, Server};
use crate::ledger::{is_live, is_temporary};
use crate::util::from_b64;

const MAX_KEYS: usize = 200;

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let fmt = params.format()?;
    let keys = params
        .array("keys")?
        .ok_or_else(|| invalid_params("keys is required"))?;
    if keys.is_empty() {
        return Err(invalid_params("key list is empty"));
    }
    if keys.len() > MAX_KEYS {
        return Err(invalid_params(format!(
            "key count ({}) exceeds maximum supported ({MAX_KEYS})",
            keys.len()
        )));
    }
    let mut parsed = Vec::with_capacity(keys.len());
    for (i, k) in keys.iter().enumerate() {
        let s = k
            .as_str()
            .ok_or_else(|| invalid_params(format!("key {i} must be a string")))?;
        let key: LedgerKey = from_b64(s).ok_or_else(|| {
            invalid_params(format!("cannot unmarshal key value {s} at index {i}"))
        })?;
        if matches!(key, LedgerKey::Ttl(_)) {
            return Err(invalid_params(
                "ledger ttl entries cannot be queried directly",
            ));
        }
        parsed.push((s, key));
    }
    let node = server.node();
    let latest = node.latest().seq;
    let mut out: Vec<Value> = Vec::new();
    for (s, key) in parsed {
        let Some(e) = node.entries.get(&key) else {
            continue;
        };
        if is_temporary(&key) && !is_live(&key, e, latest) {
            continue;
        }
        let mut v = json!({"lastModifiedLedgerSeq": e.entry.last_modified_ledger_seq});
        let key_val = if fmt.json { fmt.val(&key) } else { json!(s) };
        fmt.put(&mut v, "key", "keyJson", key_val);
        fmt.put(&mut v, "xdr", "dataJson", fmt.val(&e.entry.data));
        fmt.put(&mut v, "extXdr", "extJson", fmt.val(&e.entry.ext));
        if let Some(lu) = e.live_until {
            v["liveUntilLedgerSeq"] = json!(lu);
        }
        out.push(v);
    }
    Ok(json!({"entries": out, "latestLedger": latest}))
}
