//! GET /friendbot?addr=G...: creates and funds an account with 10,000 XLM from the root account
//! through a real, signed CreateAccount transaction, and answers once it is in a ledger.

use std::time::{Duration, Instant};

use ed25519_dalek::Signer;
use serde_json::{json, Value};
use soroban_env_host::xdr::{
    CreateAccountOp, DecoratedSignature, Memo, MuxedAccount, Operation, OperationBody,
    Preconditions, SequenceNumber, Signature, SignatureHint, Transaction, TransactionEnvelope,
    TransactionExt, TransactionV1Envelope, Uint256,
};

use super::send_transaction::{submit, Submitted};
use super::Server;
use crate::network::BASE_FEE;
use crate::util::{parse_account, to_b64};

pub const FRIENDBOT_AMOUNT: i64 = 10_000 * 10_000_000;

fn problem(status: u16, title: &str, detail: &str) -> (u16, Value) {
    (
        status,
        json!({"type": "https://stellar.org/horizon-errors/bad_request", "title": title,
               "status": status, "detail": detail}),
    )
}

/// Returns the HTTP status and JSON body.
pub fn friendbot(server: &Server, addr: Option<&str>) -> (u16, Value) {
    let Some(addr) = addr.filter(|a| !a.is_empty()) else {
        return problem(400, "Bad Request", "addr is required: /friendbot?addr=G...");
    };
    let Some(dest) = parse_account(addr) else {
        return problem(
            400,
            "Bad Request",
            &format!("addr {addr:?} is not a valid account (G...) address"),
        );
    };
    let hash = {
        let mut node = server.node();
        if node.get_account(&dest).is_some() {
            // Shaped like Horizon's failed-transaction problem, which SDK helpers look for.
            let (status, mut body) = problem(
                400,
                "Transaction Failed",
                &format!("account {addr} already exists (friendbot funds new accounts only)"),
            );
            body["extras"] = json!({"result_codes": {
                "transaction": "tx_failed", "operations": ["op_already_exists"]}});
            return (status, body);
        }
        let root_pk = node.root.verifying_key().to_bytes();
        let root_id = crate::util::account_id(root_pk);
        let root_acct = node.get_account(&root_id).expect("root account exists");
        let queued = node.pending.iter().filter(|p| p.source == root_id).count() as i64;
        let tx = Transaction {
            source_account: MuxedAccount::Ed25519(Uint256(root_pk)),
            fee: BASE_FEE,
            seq_num: SequenceNumber(root_acct.seq_num.0 + 1 + queued),
            cond: Preconditions::None,
            memo: Memo::None,
            operations: vec![Operation {
                source_account: None,
                body: OperationBody::CreateAccount(CreateAccountOp {
                    destination: dest.clone(),
                    starting_balance: FRIENDBOT_AMOUNT,
                }),
            }]
            .try_into()
            .expect("one op"),
            ext: TransactionExt::V0,
        };
        let mut env = TransactionV1Envelope {
            tx,
            signatures: Default::default(),
        };
        let h = TransactionEnvelope::Tx(env.clone())
            .hash(node.network_id)
            .expect("hashable");
        let sig = node.root.sign(&h);
        env.signatures = vec![DecoratedSignature {
            hint: SignatureHint(root_pk[28..32].try_into().expect("4 bytes")),
            signature: Signature(sig.to_bytes().to_vec().try_into().expect("64 bytes")),
        }]
        .try_into()
        .expect("one signature");
        let env = TransactionEnvelope::Tx(env);
        let size = crate::util::to_xdr(&env).len() as u32;
        match submit(&mut node, env, size) {
            Submitted::Pending(h) => {
                if let Err(e) = super::maybe_close(server, &mut node) {
                    return problem(500, "Internal Error", &e.message);
                }
                h
            }
            Submitted::Duplicate(_) => return problem(400, "Bad Request", "duplicate request"),
            Submitted::Error(_, r) => {
                return problem(
                    400,
                    "Transaction Failed",
                    &format!("friendbot transaction rejected: {}", to_b64(&r)),
                )
            }
        }
    };
    // In interval mode the transaction lands in the next ledger close.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        {
            let node = server.node();
            if let Some(rec) = node.txs.get(&hash) {
                return (
                    if rec.successful { 200 } else { 400 },
                    json!({
                        "successful": rec.successful,
                        "hash": hex::encode(rec.hash),
                        "ledger": rec.ledger,
                        "envelope_xdr": crate::util::b64(&rec.envelope_xdr),
                        "result_xdr": crate::util::b64(&rec.result_xdr),
                        "result_meta_xdr": crate::util::b64(&rec.meta_xdr),
                    }),
                );
            }
        }
        if Instant::now() > deadline {
            return problem(
                504,
                "Timeout",
                "the funding transaction was not applied in time",
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
