//! The node end to end without HTTP: genesis, validation of signed transactions, ledger close,
//! results, events, and replay of the state-dir log.

use ed25519_dalek::{Signer, SigningKey};
use flowfi_localnet::genesis;
use flowfi_localnet::ledger::Node;
use flowfi_localnet::rpc::{handle_body, Server};
use flowfi_localnet::util::{account_id, from_b64, network_id, to_b64};
use serde_json::{json, Value};
use soroban_env_host::xdr::{
    Asset, CreateAccountOp, DecoratedSignature, Memo, MuxedAccount, Operation, OperationBody,
    PaymentOp, Preconditions, SequenceNumber, Signature, SignatureHint, TimeBounds, TimePoint,
    Transaction, TransactionEnvelope, TransactionExt, TransactionResult, TransactionResultResult,
    TransactionV1Envelope, Uint256,
};

const PASSPHRASE: &str = "Test Network ; flowfi-localnet";

fn tx(
    source: &SigningKey,
    seq: i64,
    fee: u32,
    ops: Vec<OperationBody>,
    cond: Preconditions,
) -> Transaction {
    Transaction {
        source_account: MuxedAccount::Ed25519(Uint256(source.verifying_key().to_bytes())),
        fee,
        seq_num: SequenceNumber(seq),
        cond,
        memo: Memo::None,
        operations: ops
            .into_iter()
            .map(|body| Operation {
                source_account: None,
                body,
            })
            .collect::<Vec<_>>()
            .try_into()
            .unwrap(),
        ext: TransactionExt::V0,
    }
}

fn sign(tx: Transaction, passphrase: &str, signers: &[&SigningKey]) -> TransactionEnvelope {
    let mut env = TransactionV1Envelope {
        tx,
        signatures: Default::default(),
    };
    let hash = TransactionEnvelope::Tx(env.clone())
        .hash(network_id(passphrase))
        .unwrap();
    env.signatures = signers
        .iter()
        .map(|k| {
            let pk = k.verifying_key().to_bytes();
            DecoratedSignature {
                hint: SignatureHint(pk[28..32].try_into().unwrap()),
                signature: Signature(k.sign(&hash).to_bytes().to_vec().try_into().unwrap()),
            }
        })
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    TransactionEnvelope::Tx(env)
}

fn call(server: &Server, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    handle_body(server, body.to_string().as_bytes()).unwrap()
}

fn send(server: &Server, env: &TransactionEnvelope) -> Value {
    call(
        server,
        "sendTransaction",
        json!({"transaction": to_b64(env)}),
    )["result"]
        .clone()
}

fn error_code(resp: &Value) -> TransactionResultResult {
    assert_eq!(resp["status"], "ERROR", "{resp}");
    from_b64::<TransactionResult>(resp["errorResultXdr"].as_str().unwrap())
        .unwrap()
        .result
}

fn create_account(dest: &SigningKey, amount: i64) -> OperationBody {
    OperationBody::CreateAccount(CreateAccountOp {
        destination: account_id(dest.verifying_key().to_bytes()),
        starting_balance: amount,
    })
}

fn payment(dest: &SigningKey, amount: i64) -> OperationBody {
    OperationBody::Payment(PaymentOp {
        destination: MuxedAccount::Ed25519(Uint256(dest.verifying_key().to_bytes())),
        asset: Asset::Native,
        amount,
    })
}

fn balance(node: &Node, key: &SigningKey) -> i64 {
    node.get_account(&account_id(key.verifying_key().to_bytes()))
        .map(|a| a.balance)
        .unwrap_or(-1)
}

#[test]
fn validation_apply_and_events() {
    let node = genesis::start(PASSPHRASE, None).unwrap();
    let root = node.root.clone();
    let root_seq = node
        .get_account(&account_id(root.verifying_key().to_bytes()))
        .unwrap()
        .seq_num
        .0;
    let server = Server::new(node, true, "http://x/friendbot".into());
    let alice = SigningKey::from_bytes(&[1; 32]);
    let bob = SigningKey::from_bytes(&[2; 32]);
    let none = Preconditions::None;

    // Rejections, each with core's result code.
    let create = |seq: i64, fee: u32| {
        tx(
            &root,
            seq,
            fee,
            vec![create_account(&alice, 10_000_000_000)],
            Preconditions::None,
        )
    };
    let wrong_net = sign(create(root_seq + 1, 100), "Some Other Network", &[&root]);
    assert_eq!(
        error_code(&send(&server, &wrong_net)),
        TransactionResultResult::TxBadAuth
    );
    let forged = sign(create(root_seq + 1, 100), PASSPHRASE, &[&bob]);
    assert_eq!(
        error_code(&send(&server, &forged)),
        TransactionResultResult::TxBadAuth
    );
    let bad_seq = sign(create(root_seq + 5, 100), PASSPHRASE, &[&root]);
    assert_eq!(
        error_code(&send(&server, &bad_seq)),
        TransactionResultResult::TxBadSeq
    );
    let cheap = sign(create(root_seq + 1, 99), PASSPHRASE, &[&root]);
    assert_eq!(
        error_code(&send(&server, &cheap)),
        TransactionResultResult::TxInsufficientFee
    );
    let extra = sign(create(root_seq + 1, 100), PASSPHRASE, &[&root, &bob]);
    assert_eq!(
        error_code(&send(&server, &extra)),
        TransactionResultResult::TxBadAuthExtra
    );
    let late = sign(
        tx(
            &root,
            root_seq + 1,
            100,
            vec![create_account(&alice, 1)],
            Preconditions::Time(TimeBounds {
                min_time: TimePoint(0),
                max_time: TimePoint(1),
            }),
        ),
        PASSPHRASE,
        &[&root],
    );
    assert_eq!(
        error_code(&send(&server, &late)),
        TransactionResultResult::TxTooLate
    );
    let ghost = sign(
        tx(&bob, 1, 100, vec![payment(&alice, 1)], none.clone()),
        PASSPHRASE,
        &[&bob],
    );
    assert_eq!(
        error_code(&send(&server, &ghost)),
        TransactionResultResult::TxNoAccount
    );

    // A good one: PENDING, applied in the next ledger (instant mode closes it at once).
    let good = sign(create(root_seq + 1, 100), PASSPHRASE, &[&root]);
    let sent = send(&server, &good);
    assert_eq!(sent["status"], "PENDING", "{sent}");
    assert_eq!(send(&server, &good)["status"], "DUPLICATE");
    let got = call(&server, "getTransaction", json!({"hash": sent["hash"]}))["result"].clone();
    assert_eq!(got["status"], "SUCCESS", "{got}");
    assert_eq!(got["ledger"], 2);
    assert_eq!(balance(&server.node(), &alice), 10_000_000_000);

    // A payment to a missing account fails on apply, yet charges the fee and bumps the sequence.
    let alice_seq = 2i64 << 32;
    let to_nobody = sign(
        tx(
            &alice,
            alice_seq + 1,
            100,
            vec![payment(&bob, 1)],
            none.clone(),
        ),
        PASSPHRASE,
        &[&alice],
    );
    let sent = send(&server, &to_nobody);
    let got = call(&server, "getTransaction", json!({"hash": sent["hash"]}))["result"].clone();
    assert_eq!(got["status"], "FAILED", "{got}");
    let res = from_b64::<TransactionResult>(got["resultXdr"].as_str().unwrap()).unwrap();
    assert_eq!(res.fee_charged, 100);
    assert_eq!(balance(&server.node(), &alice), 10_000_000_000 - 100);
    let node = server.node();
    let acct = node
        .get_account(&account_id(alice.verifying_key().to_bytes()))
        .unwrap();
    assert_eq!(acct.seq_num.0, alice_seq + 1);
    drop(node);

    // Events: the fee charge of each transaction, and the create-account transfer.
    let ev = call(&server, "getEvents", json!({"startLedger": 2}))["result"].clone();
    let events = ev["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{ev}");
    assert_eq!(events[0]["id"], format!("{:019}-{:010}", 2i64 << 32, 0));
    assert_eq!(events[0]["transactionIndex"], 0);
    assert_eq!(events[1]["transactionIndex"], 1);
    assert_eq!(events[1]["operationIndex"], 0);
}

#[test]
fn state_dir_replay_matches() {
    let dir = std::env::temp_dir().join(format!("flowfi-localnet-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let alice = SigningKey::from_bytes(&[3; 32]);
    let (latest, events, alice_balance) = {
        let node = genesis::start(PASSPHRASE, Some(&dir)).unwrap();
        let root = node.root.clone();
        let seq = node
            .get_account(&account_id(root.verifying_key().to_bytes()))
            .unwrap()
            .seq_num
            .0;
        let server = Server::new(node, true, String::new());
        for i in 0..3 {
            let body = if i == 0 {
                create_account(&alice, 500_000_000)
            } else {
                payment(&alice, 7)
            };
            let env = sign(
                tx(&root, seq + 1 + i, 100, vec![body], Preconditions::None),
                PASSPHRASE,
                &[&root],
            );
            assert_eq!(send(&server, &env)["status"], "PENDING");
        }
        call(&server, "localnet_advanceTime", json!({"seconds": 99}));
        let latest = call(&server, "getLatestLedger", json!({}))["result"].clone();
        let events = call(&server, "getEvents", json!({"startLedger": 1}))["result"].clone();
        let b = balance(&server.node(), &alice);
        (latest, events, b)
    };
    let node = genesis::start(PASSPHRASE, Some(&dir)).unwrap();
    let server = Server::new(node, true, String::new());
    assert_eq!(
        call(&server, "getLatestLedger", json!({}))["result"],
        latest
    );
    assert_eq!(
        call(&server, "getEvents", json!({"startLedger": 1}))["result"],
        events
    );
    assert_eq!(balance(&server.node(), &alice), alice_balance);
    assert_eq!(alice_balance, 500_000_000 + 14);
    assert!(genesis::start("another passphrase", Some(&dir)).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn weighted_signatures_after_set_options() {
    use soroban_env_host::xdr::{SetOptionsOp, Signer, SignerKey};
    let node = genesis::start(PASSPHRASE, None).unwrap();
    let root = node.root.clone();
    let root_seq = node
        .get_account(&account_id(root.verifying_key().to_bytes()))
        .unwrap()
        .seq_num
        .0;
    let server = Server::new(node, true, String::new());
    let alice = SigningKey::from_bytes(&[5; 32]);
    let bob = SigningKey::from_bytes(&[6; 32]);
    let carol = SigningKey::from_bytes(&[7; 32]);
    for (i, k) in [&alice, &carol].iter().enumerate() {
        let env = sign(
            tx(
                &root,
                root_seq + 1 + i as i64,
                100,
                vec![create_account(k, 100_000_000)],
                Preconditions::None,
            ),
            PASSPHRASE,
            &[&root],
        );
        assert_eq!(send(&server, &env)["status"], "PENDING");
    }
    let alice_seq = server
        .node()
        .get_account(&account_id(alice.verifying_key().to_bytes()))
        .unwrap()
        .seq_num
        .0;
    let set = OperationBody::SetOptions(SetOptionsOp {
        inflation_dest: None,
        clear_flags: None,
        set_flags: None,
        master_weight: Some(1),
        low_threshold: Some(1),
        med_threshold: Some(2),
        high_threshold: Some(2),
        home_domain: None,
        signer: Some(Signer {
            key: SignerKey::Ed25519(Uint256(bob.verifying_key().to_bytes())),
            weight: 1,
        }),
    });
    let env = sign(
        tx(&alice, alice_seq + 1, 100, vec![set], Preconditions::None),
        PASSPHRASE,
        &[&alice],
    );
    let sent = send(&server, &env);
    let got = call(&server, "getTransaction", json!({"hash": sent["hash"]}))["result"].clone();
    assert_eq!(got["status"], "SUCCESS", "{got}");
    let pay = |signers: &[&SigningKey]| {
        sign(
            tx(
                &alice,
                alice_seq + 2,
                100,
                vec![payment(&carol, 1)],
                Preconditions::None,
            ),
            PASSPHRASE,
            signers,
        )
    };
    assert_eq!(
        error_code(&send(&server, &pay(&[&alice]))),
        TransactionResultResult::TxBadAuth
    );
    assert_eq!(
        error_code(&send(&server, &pay(&[&bob]))),
        TransactionResultResult::TxBadAuth
    );
    assert_eq!(send(&server, &pay(&[&alice, &bob]))["status"], "PENDING");
    assert_eq!(balance(&server.node(), &carol), 100_000_001);
}
