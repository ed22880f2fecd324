//! simulateTransaction on soroban-simulation (the library stellar-rpc's preflight wraps).
//! Failures are answered inside `result.error`, as the reference does.

use std::rc::Rc;

use serde_json::{json, Value};
use soroban_env_host::e2e_invoke::RecordingInvocationAuthMode;
use soroban_env_host::xdr::{Memo, OperationBody, TransactionEnvelope};
use soroban_simulation::simulation::{
    simulate_extend_ttl_op, simulate_invoke_host_function_op, simulate_restore_op,
    SimulationAdjustmentConfig,
};

use super::{invalid_params, Params, RpcResult, Server};
use crate::apply::{op_source, soroban_data};
use crate::util::{from_b64, sha256};

pub fn handle(server: &Server, params: &Params) -> RpcResult {
    let out = params.format()?;
    let tx_b64 = params
        .str("transaction")?
        .ok_or_else(|| invalid_params("transaction is required"))?;
    let leeway = params.object("resourceConfig")?.u32("instructionLeeway")?;
    let auth_mode = params.str("authMode")?.unwrap_or("");
    let use_v2 = params.bool("useUpgradedAuth")?.unwrap_or(false);

    let node = server.node();
    let latest = node.latest().seq;
    let err = |msg: String| Ok(json!({"error": msg, "latestLedger": latest}));
    let Some(env) = from_b64::<TransactionEnvelope>(tx_b64) else {
        return err("Could not unmarshal transaction".into());
    };
    let tx = match &env {
        TransactionEnvelope::Tx(e) => e.tx.clone(),
        TransactionEnvelope::TxFeeBump(f) => match &f.tx.inner_tx {
            soroban_env_host::xdr::FeeBumpTransactionInnerTx::Tx(e) => e.tx.clone(),
        },
        TransactionEnvelope::TxV0(_) => {
            return err("Transaction envelope v0 is not supported for simulation".into())
        }
    };
    if tx.operations.len() != 1 {
        return err("Transaction contains more than one operation".into());
    }
    if !matches!(tx.memo, Memo::None) {
        return err(
            "Transaction contains a memo. Soroban transactions do not support memos.".into(),
        );
    }
    let op = &tx.operations[0];
    let source = op_source(&tx, op);
    let seq = latest + 1;
    let li = node.ledger_info(seq, node.next_close_time());
    let mut adjust = SimulationAdjustmentConfig::default_adjustment();
    if let Some(l) = leeway {
        adjust.instructions.additive_factor = adjust.instructions.additive_factor.max(l);
    }
    let snapshot = node.snapshot();

    match &op.body {
        OperationBody::InvokeHostFunction(ihf) => {
            let has_auth = !ihf.auth.is_empty();
            let mode = match auth_mode {
                "" if has_auth => RecordingInvocationAuthMode::Enforcing(ihf.auth.to_vec()),
                "" => RecordingInvocationAuthMode::recording(true, use_v2),
                "enforce" => RecordingInvocationAuthMode::Enforcing(ihf.auth.to_vec()),
                "record" | "record_allow_nonroot" if has_auth => {
                    return err(format!("cannot set authMode to '{auth_mode}' with an auth footprint"))
                }
                "record" => RecordingInvocationAuthMode::recording(true, use_v2),
                "record_allow_nonroot" => RecordingInvocationAuthMode::recording(false, use_v2),
                _ => {
                    return err("optional 'authMode' must be one of enforce,record,record_allow_nonroot when included".into())
                }
            };
            let seed = sha256(&[tx_b64.as_bytes(), &seq.to_be_bytes()].concat());
            let sim = match simulate_invoke_host_function_op(
                Rc::new(snapshot),
                &node.config,
                &adjust,
                &li,
                ihf.host_function.clone(),
                mode,
                &source,
                seed,
                true,
            ) {
                Ok(s) => s,
                Err(e) => return err(format!("{e:#}")),
            };
            let events: Vec<Value> = sim.diagnostic_events.iter().map(|e| out.val(e)).collect();
            let ret = match &sim.invoke_result {
                Ok(v) => v.clone(),
                Err(e) => {
                    let mut v = json!({
                        "error": format!("HostError: {e:?}"),
                        "latestLedger": latest,
                    });
                    out.put(&mut v, "events", "eventsJson", Value::Array(events));
                    return Ok(v);
                }
            };
            let Some(data) = sim.transaction_data else {
                return err("simulation produced no transaction data".into());
            };
            let changes: Vec<Value> = sim
                .modified_entries
                .iter()
                .filter_map(|d| {
                    let (kind, key) = match (&d.state_before, &d.state_after) {
                        (None, Some(a)) => ("created", a.to_key()),
                        (Some(b), None) => ("deleted", b.to_key()),
                        (Some(_), Some(a)) => ("updated", a.to_key()),
                        (None, None) => return None,
                    };
                    let mut c = json!({"type": kind});
                    out.put(&mut c, "key", "keyJson", out.val(&key));
                    let before = d
                        .state_before
                        .as_ref()
                        .map(|e| out.val(e))
                        .unwrap_or(Value::Null);
                    let after = d
                        .state_after
                        .as_ref()
                        .map(|e| out.val(e))
                        .unwrap_or(Value::Null);
                    out.put(&mut c, "before", "beforeJson", before);
                    out.put(&mut c, "after", "afterJson", after);
                    Some(c)
                })
                .collect();
            let mut result = json!({});
            let auth: Vec<Value> = sim.auth.iter().map(|a| out.val(a)).collect();
            out.put(&mut result, "auth", "authJson", Value::Array(auth));
            out.put(&mut result, "xdr", "returnValueJson", out.val(&ret));
            let mut v = json!({
                "minResourceFee": data.resource_fee.to_string(),
                // Gone from current Stellar RPC, still required by older clients.
                "cost": {
                    "cpuInsns": sim.simulated_instructions.to_string(),
                    "memBytes": sim.simulated_memory.to_string(),
                },
                "results": [result],
                "stateChanges": changes,
                "latestLedger": latest,
            });
            out.put(
                &mut v,
                "transactionData",
                "transactionDataJson",
                out.val(&data),
            );
            out.put(&mut v, "events", "eventsJson", Value::Array(events));
            Ok(v)
        }
        OperationBody::ExtendFootprintTtl(_) | OperationBody::RestoreFootprint(_) => {
            if !auth_mode.is_empty() {
                return err("cannot set authMode with non-InvokeHostFunction operations".into());
            }
            let Some(sd) = soroban_data(&tx) else {
                return err("To perform a SimulateTransaction for ExtendFootprintTtl or RestoreFootprint operations, SorobanTransactionData must be provided".into());
            };
            let fp = &sd.resources.footprint;
            let res = match &op.body {
                OperationBody::ExtendFootprintTtl(e) => simulate_extend_ttl_op(
                    &snapshot,
                    &node.config,
                    &adjust,
                    &li,
                    fp.read_only.as_slice(),
                    e.extend_to,
                )
                .map(|r| r.transaction_data),
                _ => simulate_restore_op(
                    &snapshot,
                    &node.config,
                    &adjust,
                    &li,
                    fp.read_write.as_slice(),
                )
                .map(|r| r.transaction_data),
            };
            match res {
                Ok(data) => {
                    let mut v = json!({
                        "minResourceFee": data.resource_fee.to_string(),
                        "results": [],
                        "latestLedger": latest,
                    });
                    out.put(
                        &mut v,
                        "transactionData",
                        "transactionDataJson",
                        out.val(&data),
                    );
                    out.put(&mut v, "events", "eventsJson", json!([]));
                    Ok(v)
                }
                Err(e) => err(format!("{e:#}")),
            }
        }
        other => err(format!(
            "Transaction contains unsupported operation type: {}",
            other.name()
        )),
    }
}
