//! JSON-RPC 2.0 dispatch. One file per method, as stellar-rpc lays out its handlers.

mod close_ledger;
mod friendbot;
mod get_events;
mod get_fee_stats;
mod get_health;
mod get_latest_ledger;
mod get_ledger_entries;
mod get_ledgers;
mod get_network;
mod get_transaction;
mod get_transactions;
mod get_version_info;
mod send_transaction;
mod simulate_transaction;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{json, Map, Value};
use soroban_env_host::xdr::{ReadXdr, WriteXdr};

use crate::ledger::Node;

pub use friendbot::friendbot;

pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;
pub const INTERNAL_ERROR: i64 = -32603;
pub const PARSE_ERROR: i64 = -32700;

/// Ledgers of history served (stellar-rpc's default retention window, seven days).
pub const RETENTION_WINDOW: u32 = 120_960;

pub struct Server {
    node: Mutex<Node>,
    pub instant: bool,
    pub friendbot_url: String,
}

impl Server {
    pub fn new(node: Node, instant: bool, friendbot_url: String) -> Self {
        Server {
            node: Mutex::new(node),
            instant,
            friendbot_url,
        }
    }

    /// The node, even after a panicking request poisoned the lock (every request re-reads state).
    pub fn node(&self) -> MutexGuard<'_, Node> {
        self.node.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

pub type RpcResult = Result<Value, RpcError>;

pub fn invalid_params(msg: impl Into<String>) -> RpcError {
    RpcError {
        code: INVALID_PARAMS,
        message: msg.into(),
    }
}

pub fn invalid_request(msg: impl Into<String>) -> RpcError {
    RpcError {
        code: INVALID_REQUEST,
        message: msg.into(),
    }
}

pub fn internal(msg: impl Into<String>) -> RpcError {
    RpcError {
        code: INTERNAL_ERROR,
        message: msg.into(),
    }
}

/// By-name parameters; an explicit `null` counts as absent (the Python SDK sends them).
pub struct Params<'a>(Option<&'a Map<String, Value>>);

impl<'a> Params<'a> {
    pub fn from_value(v: Option<&'a Value>) -> Result<Self, RpcError> {
        match v {
            None | Some(Value::Null) => Ok(Params(None)),
            Some(Value::Object(m)) => Ok(Params(Some(m))),
            Some(Value::Array(a)) if a.is_empty() => Ok(Params(None)),
            Some(_) => Err(invalid_params(
                "params must be an object (by-name parameters)",
            )),
        }
    }

    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.and_then(|m| m.get(name)).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<Option<&'a str>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(invalid_params(format!("{name} must be a string"))),
        }
    }

    pub fn u64(&self, name: &str) -> Result<Option<u64>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| invalid_params(format!("{name} must be a non-negative integer"))),
        }
    }

    pub fn u32(&self, name: &str) -> Result<Option<u32>, RpcError> {
        match self.u64(name)? {
            None => Ok(None),
            Some(v) => u32::try_from(v)
                .map(Some)
                .map_err(|_| invalid_params(format!("{name} is out of range"))),
        }
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid_params(format!("{name} must be a boolean"))),
        }
    }

    pub fn object(&self, name: &str) -> Result<Params<'a>, RpcError> {
        match self.get(name) {
            None => Ok(Params(None)),
            Some(Value::Object(m)) => Ok(Params(Some(m))),
            Some(_) => Err(invalid_params(format!("{name} must be an object"))),
        }
    }

    pub fn array(&self, name: &str) -> Result<Option<&'a Vec<Value>>, RpcError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(invalid_params(format!("{name} must be an array"))),
        }
    }

    /// `xdrFormat`: `base64` (default) or `json` (XDR as JSON, as stellar-rpc's xdr2json).
    pub fn format(&self) -> Result<Out, RpcError> {
        match self.str("xdrFormat")? {
            None | Some("") | Some("base64") => Ok(Out { json: false }),
            Some("json") => Ok(Out { json: true }),
            Some(other) => Err(invalid_params(format!(
                "expected 'base64' or 'json' for xdrFormat, got '{other}'"
            ))),
        }
    }
}

const METHODS: &[&str] = &[
    "getHealth",
    "getNetwork",
    "getLatestLedger",
    "getVersionInfo",
    "getFeeStats",
    "getLedgerEntries",
    "getLedgers",
    "getEvents",
    "getTransaction",
    "getTransactions",
    "simulateTransaction",
    "sendTransaction",
    "localnet_closeLedger",
    "localnet_advanceTime",
];

fn call(server: &Server, method: &str, params: &Params) -> RpcResult {
    match method {
        "getHealth" => get_health::handle(server, params),
        "getNetwork" => get_network::handle(server, params),
        "getLatestLedger" => get_latest_ledger::handle(server, params),
        "getVersionInfo" => get_version_info::handle(server, params),
        "getFeeStats" => get_fee_stats::handle(server, params),
        "getLedgerEntries" => get_ledger_entries::handle(server, params),
        "getLedgers" => get_ledgers::handle(server, params),
        "getEvents" => get_events::handle(server, params),
        "getTransaction" => get_transaction::handle(server, params),
        "getTransactions" => get_transactions::handle(server, params),
        "simulateTransaction" => simulate_transaction::handle(server, params),
        "sendTransaction" => send_transaction::handle(server, params),
        "localnet_closeLedger" => close_ledger::close(server, params),
        "localnet_advanceTime" => close_ledger::advance_time(server, params),
        _ => Err(RpcError {
            code: METHOD_NOT_FOUND,
            message: format!("method {method:?} not found"),
        }),
    }
}

/// How XDR values are written: base64 strings, or JSON (the `...Json` twin fields).
#[derive(Clone, Copy)]
pub struct Out {
    pub json: bool,
}

impl Out {
    /// The field name: `b64_name` in base64 mode, `json_name` in JSON mode.
    pub fn name<'a>(&self, b64_name: &'a str, json_name: &'a str) -> &'a str {
        if self.json {
            json_name
        } else {
            b64_name
        }
    }

    pub fn val<T: WriteXdr + Serialize>(&self, v: &T) -> Value {
        if self.json {
            serde_json::to_value(v).unwrap_or(Value::Null)
        } else {
            Value::String(crate::util::to_b64(v))
        }
    }

    /// Encoded XDR bytes of a `T`.
    pub fn raw<T: ReadXdr + Serialize>(&self, raw: &[u8]) -> Value {
        if self.json {
            crate::util::from_xdr::<T>(raw)
                .and_then(|v| serde_json::to_value(&v).ok())
                .unwrap_or(Value::Null)
        } else {
            Value::String(crate::util::b64(raw))
        }
    }

    pub fn put(&self, obj: &mut Value, b64_name: &str, json_name: &str, v: Value) {
        obj[self.name(b64_name, json_name)] = v;
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Answers one request object; `None` for a notification (no id).
fn handle_one(server: &Server, req: &Value) -> Option<Value> {
    let Value::Object(obj) = req else {
        return Some(error_response(
            Value::Null,
            INVALID_REQUEST,
            "invalid request",
        ));
    };
    let id = obj.get("id").cloned();
    let id_valid = matches!(
        id,
        None | Some(Value::Null) | Some(Value::String(_)) | Some(Value::Number(_))
    );
    let rid = id.clone().unwrap_or(Value::Null);
    if obj.get("jsonrpc") != Some(&Value::String("2.0".into())) || !id_valid {
        return Some(error_response(
            rid,
            INVALID_REQUEST,
            "invalid request: not JSON-RPC 2.0",
        ));
    }
    let Some(Value::String(method)) = obj.get("method") else {
        return Some(error_response(
            rid,
            INVALID_REQUEST,
            "invalid request: missing method",
        ));
    };
    if !METHODS.contains(&method.as_str()) {
        return Some(error_response(
            rid,
            METHOD_NOT_FOUND,
            &format!("method {method:?} not found"),
        ));
    }
    let result = match Params::from_value(obj.get("params")) {
        Ok(p) => catch_unwind(AssertUnwindSafe(|| call(server, method, &p)))
            .unwrap_or_else(|_| Err(internal("internal error while handling the request"))),
        Err(e) => Err(e),
    };
    id.as_ref()?;
    Some(match result {
        Ok(v) => json!({"jsonrpc": "2.0", "id": rid, "result": v}),
        Err(e) => error_response(rid, e.code, &e.message),
    })
}

/// Answers an HTTP body: a single request or a batch.
pub fn handle_body(server: &Server, body: &[u8]) -> Option<Value> {
    let req: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Some(error_response(
                Value::Null,
                PARSE_ERROR,
                &format!("parse error: {e}"),
            ))
        }
    };
    match req {
        Value::Array(items) if items.is_empty() => Some(error_response(
            Value::Null,
            INVALID_REQUEST,
            "invalid request: empty batch",
        )),
        Value::Array(items) => {
            let out: Vec<Value> = items.iter().filter_map(|r| handle_one(server, r)).collect();
            if out.is_empty() {
                None
            } else {
                Some(Value::Array(out))
            }
        }
        other => handle_one(server, &other),
    }
}

pub fn body_too_large(limit: usize) -> Value {
    error_response(
        Value::Null,
        INVALID_REQUEST,
        &format!("request body too large (limit {limit} bytes)"),
    )
}

/// Ledger range fields most answers carry.
pub fn range_fields(node: &Node) -> (u32, u64, u32, u64) {
    let (l, o) = (node.latest(), node.oldest());
    (l.seq, l.close_time, o.seq, o.close_time)
}

/// Closes a ledger right away in instant mode (after a transaction was queued).
pub fn maybe_close(server: &Server, node: &mut Node) -> Result<(), RpcError> {
    if server.instant && !node.pending.is_empty() {
        node.close_ledger(None)
            .map_err(|e| internal(format!("cannot persist ledger: {e}")))?;
    }
    Ok(())
}
