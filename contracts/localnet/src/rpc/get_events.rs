//! getEvents, with the reference's validation, scan window and cursor rules.

use serde_json::{json, Value};
use soroban_env_host::xdr::{ContractEventBody, ContractEventType, ScVal};

use super::{invalid_params, invalid_request, Params, RpcError, RpcResult, Server};
use crate::events::{validate_topic, Cursor, EventFilter, Segment};
use crate::util::{from_b64, parse_contract, rfc3339, strkey_contract};

pub const MAX_LIMIT: u64 = 10_000;
pub const DEFAULT_LIMIT: u64 = 100;
/// Ledgers scanned per request at most (stellar-rpc's LedgerScanLimit).
pub const LEDGER_SCAN_LIMIT: u32 = 10_000;

fn parse_filter(i: usize, v: &Value) -> Result<EventFilter, RpcError> {
    let bad = |m: String| invalid_params(format!("filter {} invalid: {m}", i + 1));
    let Value::Object(m) = v else {
        return Err(invalid_params(format!(
            "filter {} must be an object",
            i + 1
        )));
    };
    let mut f = EventFilter::default();
    match m.get("type") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => {
            for t in s.split(',').filter(|t| !t.is_empty()) {
                f.types.push(match t {
                    "contract" => ContractEventType::Contract,
                    "system" => ContractEventType::System,
                    _ => return Err(bad(
                        "filter type invalid: if set, type must be either 'system' or 'contract'"
                            .into(),
                    )),
                });
            }
        }
        Some(_) => return Err(bad("type must be a string".into())),
    }
    match m.get("contractIds") {
        None | Some(Value::Null) => {}
        Some(Value::Array(ids)) => {
            if ids.len() > 5 {
                return Err(bad("maximum 5 contract IDs per filter".into()));
            }
            for (j, id) in ids.iter().enumerate() {
                let c = id
                    .as_str()
                    .and_then(parse_contract)
                    .ok_or_else(|| bad(format!("contract ID {} invalid", j + 1)))?;
                f.contract_ids.push(c);
            }
        }
        Some(_) => return Err(bad("contractIds must be an array".into())),
    }
    match m.get("topics") {
        None | Some(Value::Null) => {}
        Some(Value::Array(topics)) => {
            if topics.len() > 5 {
                return Err(bad("maximum 5 topics per filter".into()));
            }
            for (j, t) in topics.iter().enumerate() {
                let Value::Array(segs) = t else {
                    return Err(bad(format!("topic {} must be an array", j + 1)));
                };
                let mut out = Vec::new();
                for s in segs {
                    let s = s
                        .as_str()
                        .ok_or_else(|| bad(format!("topic {} segments must be strings", j + 1)))?;
                    out.push(match s {
                        "*" => Segment::One,
                        "**" => Segment::Rest,
                        _ => Segment::Val(from_b64::<ScVal>(s).ok_or_else(|| {
                            bad(format!(
                                "topic {} invalid: segment is not a base64 ScVal",
                                j + 1
                            ))
                        })?),
                    });
                }
                validate_topic(&out).map_err(|e| bad(format!("topic {} invalid: {e}", j + 1)))?;
                f.topics.push(out);
            }
        }
        Some(_) => return Err(bad("topics must be an array".into())),
    }
    Ok(f)
}

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out = params.format()?;
    let pagination = params.object("pagination")?;
    let cursor = match pagination.str("cursor")? {
        Some(c) if !c.is_empty() => Some(Cursor::parse(c).map_err(invalid_params)?),
        _ => None,
    };
    let start_ledger = params.u32("startLedger")?.unwrap_or(0);
    let end_ledger = params.u32("endLedger")?.unwrap_or(0);
    if cursor.is_some() {
        if start_ledger != 0 || end_ledger != 0 {
            return Err(invalid_params(
                "ledger ranges and cursor cannot both be set",
            ));
        }
    } else if start_ledger == 0 {
        return Err(invalid_params("startLedger must be positive"));
    }
    let limit = pagination.u64("limit")?.unwrap_or(0);
    if limit > MAX_LIMIT {
        return Err(invalid_params(format!("limit must not exceed {MAX_LIMIT}")));
    }
    let limit = if limit == 0 { DEFAULT_LIMIT } else { limit } as usize;
    let filters: Vec<EventFilter> = match params.array("filters")? {
        None => vec![],
        Some(fs) => {
            if fs.len() > 5 {
                return Err(invalid_params("maximum 5 filters per request"));
            }
            fs.iter()
                .enumerate()
                .map(|(i, f)| parse_filter(i, f))
                .collect::<Result<_, _>>()?
        }
    };

    let node = server.node();
    let (oldest, latest) = (node.oldest(), node.latest());
    let start = match cursor {
        // Resume strictly after the cursor (the reference bumps the event index, wrapping).
        Some(c) => Cursor {
            event: c.event.wrapping_add(1),
            ..c
        },
        None => Cursor {
            ledger: start_ledger,
            tx: 0,
            op: 0,
            event: 0,
        },
    };
    let mut end_seq = start
        .ledger
        .saturating_add(LEDGER_SCAN_LIMIT)
        .min(latest.seq + 1);
    if end_ledger != 0 {
        end_seq = end_seq.min(end_ledger);
    }
    if start.ledger < oldest.seq || start.ledger > latest.seq {
        return Err(invalid_request(format!(
            "startLedger must be within the ledger range: {} - {}",
            oldest.seq, latest.seq
        )));
    }
    let end = Cursor {
        ledger: end_seq,
        tx: 0,
        op: 0,
        event: 0,
    };
    let found = node.events.query(
        start,
        end,
        |e| filters.is_empty() || filters.iter().any(|f| f.matches(e)),
        limit,
    );
    let events: Vec<Value> = found
        .iter()
        .map(|r| {
            let ContractEventBody::V0(body) = &r.event.body;
            let mut v = json!({
                "type": match r.event.type_ {
                    ContractEventType::System => "system",
                    ContractEventType::Contract => "contract",
                    ContractEventType::Diagnostic => "diagnostic",
                },
                "ledger": r.cursor.ledger,
                "ledgerClosedAt": rfc3339(r.close_time),
                "contractId": r.event.contract_id.as_ref().map(|c| strkey_contract(&c.0.0)).unwrap_or_default(),
                "id": r.cursor.to_string(),
                "operationIndex": r.cursor.op,
                "transactionIndex": r.cursor.tx,
                "txHash": hex::encode(r.tx_hash),
                "inSuccessfulContractCall": r.successful,
            });
            let topics: Vec<Value> = body.topics.iter().map(|t| out.val(t)).collect();
            out.put(&mut v, "topic", "topicJson", Value::Array(topics));
            out.put(&mut v, "value", "valueJson", out.val(&body.data));
            v
        })
        .collect();
    let cursor = if events.len() == limit {
        found
            .last()
            .map(|r| r.cursor.to_string())
            .unwrap_or_default()
    } else {
        Cursor::max_in_ledger(end_seq.saturating_sub(1)).to_string()
    };
    Ok(json!({
        "events": events,
        "cursor": cursor,
        "latestLedger": latest.seq,
        "oldestLedger": oldest.seq,
        "latestLedgerCloseTime": latest.close_time.to_string(),
        "oldestLedgerCloseTime": oldest.close_time.to_string(),
    }))
}
