//! getFeeStats: inclusion-fee distributions over the recent ledgers (10 classic, 50 Soroban).

use serde_json::{json, Value};
use soroban_env_host::xdr::TransactionEnvelope;

use super::{Params, RpcResult, Server};
use crate::apply::soroban_data;
use crate::network::BASE_FEE;
use crate::util::from_xdr;

fn distribution(mut fees: Vec<i64>, ledgers: u32) -> Value {
    fees.sort_unstable();
    let n = fees.len();
    let pct = |p: usize| -> String {
        if n == 0 {
            return BASE_FEE.to_string();
        }
        let i = ((p * n).div_ceil(100)).clamp(1, n) - 1;
        fees[i].to_string()
    };
    let mode = if n == 0 {
        i64::from(BASE_FEE)
    } else {
        let mut best = (fees[0], 0usize);
        let mut i = 0;
        while i < n {
            let j = fees[i..].iter().take_while(|&&f| f == fees[i]).count();
            if j > best.1 {
                best = (fees[i], j);
            }
            i += j;
        }
        best.0
    };
    json!({
        "max": fees.last().copied().unwrap_or(i64::from(BASE_FEE)).to_string(),
        "min": fees.first().copied().unwrap_or(i64::from(BASE_FEE)).to_string(),
        "mode": mode.to_string(),
        "p10": pct(10), "p20": pct(20), "p30": pct(30), "p40": pct(40), "p50": pct(50),
        "p60": pct(60), "p70": pct(70), "p80": pct(80), "p90": pct(90), "p95": pct(95),
        "p99": pct(99),
        "transactionCount": n.to_string(),
        "ledgerCount": ledgers,
    })
}

pub fn handle(server: &Server, _params: &Params) -> RpcResult {
    let node = server.node();
    let latest = node.latest().seq;
    let (mut classic, mut soroban) = (Vec::new(), Vec::new());
    for l in node.ledgers.iter().rev().take(50) {
        for h in &l.tx_hashes {
            let Some(rec) = node.txs.get(h) else { continue };
            let Some(TransactionEnvelope::Tx(env)) = from_xdr(&rec.envelope_xdr) else {
                continue;
            };
            let tx = env.tx;
            let nops = tx.operations.len().max(1) as i64;
            match soroban_data(&tx) {
                Some(d) => soroban.push(i64::from(tx.fee) - d.resource_fee),
                None if latest - l.seq < 10 => classic.push(i64::from(tx.fee) / nops),
                None => {}
            }
        }
    }
    Ok(json!({
        "sorobanInclusionFee": distribution(soroban, 50.min(node.ledgers.len() as u32)),
        "inclusionFee": distribution(classic, 10.min(node.ledgers.len() as u32)),
        "latestLedger": latest,
    }))
}
