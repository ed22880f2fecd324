//! The built wasm (what the app deploys) behaves like the native contract the other tests use:
//! the same scripted calls give the same results, state, balances and events, byte for byte.
//! `make test` builds the wasm first; a plain `cargo test` without it says so and skips.

use std::{path::PathBuf, vec::Vec};

use soroban_sdk::{
    testutils::{Address as _, Events as _, Ledger as _},
    token::{Client as TokenClient, StellarAssetClient},
    xdr::{ContractEvent, ContractEventBody, ScVal},
    Address, Env,
};

use super::new_env;
use crate::{Stream, StreamContract, StreamContractClient, StreamError};

fn bundled_wasm() -> Option<Vec<u8>> {
    let path = std::env::var_os("FLOWFI_CONTRACT_WASM").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../flowfi_desktop/_bundled/stream_contract.wasm")
        },
        PathBuf::from,
    );
    std::fs::read(&path).ok().or_else(|| {
        std::eprintln!("skipped: no wasm at {} (run `make wasm`)", path.display());
        None
    })
}

/// Everything observable from one run of the script.
#[derive(Debug, PartialEq)]
struct Trace {
    results: Vec<Result<i128, StreamError>>,
    streams: Vec<Option<Stream>>,
    balances: Vec<i128>,
    /// (topics, data) of the contract's events, call by call.
    events: Vec<Vec<(Vec<ScVal>, ScVal)>>,
}

fn run_script(register: impl FnOnce(&Env) -> Address) -> Trace {
    let env = new_env();
    env.mock_all_auths();
    let contract = register(&env);
    let token = env
        .register_stellar_asset_contract_v2(Address::generate(&env))
        .address();
    let [admin, treasury, sender, recipient] = [(); 4].map(|_| Address::generate(&env));
    StellarAssetClient::new(&env, &token).mint(&sender, &1_000_000);
    let c = StreamContractClient::new(&env, &contract);
    let mut t = Trace {
        results: Vec::new(),
        streams: Vec::new(),
        balances: Vec::new(),
        events: Vec::new(),
    };
    let events = |env: &Env| -> Vec<(Vec<ScVal>, ScVal)> {
        env.events()
            .all()
            .filter_by_contract(&contract)
            .events()
            .iter()
            .map(|e: &ContractEvent| {
                let ContractEventBody::V0(b) = &e.body;
                (b.topics.iter().cloned().collect(), b.data.clone())
            })
            .collect()
    };
    let record = |r: Result<i128, StreamError>, env: &Env, t: &mut Trace| {
        t.results.push(r);
        t.events.push(events(env));
    };
    let ok = |v: i128| Ok::<i128, StreamError>(v);

    c.initialize(&admin, &treasury, &250);
    record(ok(0), &env, &mut t);
    let id = c.create_stream(&sender, &recipient, &token, &100_000, &300);
    record(ok(id as i128), &env, &mut t);
    env.ledger().set_timestamp(100);
    record(ok(c.withdraw(&recipient, &id)), &env, &mut t);
    c.pause_stream(&sender, &id);
    record(ok(0), &env, &mut t);
    env.ledger().set_timestamp(150);
    let r = c
        .try_withdraw(&recipient, &id)
        .map(|v| v.unwrap())
        .map_err(|e| e.unwrap());
    record(r, &env, &mut t);
    record(ok(c.resume_stream(&sender, &id) as i128), &env, &mut t);
    env.ledger().set_timestamp(1_000); // dry
    c.top_up_stream(&sender, &id, &40_000);
    record(ok(0), &env, &mut t);
    env.ledger().set_timestamp(1_100);
    c.cancel_stream(&sender, &id);
    record(ok(0), &env, &mut t);
    let id2 = c.create_stream(&sender, &recipient, &token, &5_000, &10);
    env.ledger().set_timestamp(2_000);
    record(ok(c.withdraw(&recipient, &id2)), &env, &mut t);
    c.update_fee_config(&admin, &treasury, &1_000);
    record(ok(0), &env, &mut t);
    c.transfer_admin(&admin, &sender);
    record(ok(0), &env, &mut t);
    let r = c
        .try_create_stream(&sender, &recipient, &token, &9, &10)
        .map(|v| v.unwrap() as i128)
        .map_err(|e| e.unwrap());
    record(r, &env, &mut t);

    t.streams = (1..=3).map(|i| c.get_stream(&i)).collect();
    let tc = TokenClient::new(&env, &token);
    t.balances = [&contract, &treasury, &sender, &recipient]
        .map(|a| tc.balance(a))
        .to_vec();
    t
}

#[test]
fn built_wasm_matches_the_native_contract() {
    let Some(wasm) = bundled_wasm() else {
        return;
    };
    let native = run_script(|env| env.register(StreamContract, ()));
    let built = run_script(|env| env.register(wasm.as_slice(), ()));
    assert_eq!(native.results[11], Err(StreamError::InvalidRate));
    assert_eq!(native.results[4], Err(StreamError::StreamPaused));
    // The script really ran: 14 events (3 from the dry top-up), fees taken, funds moved.
    assert_eq!(native.events.iter().map(Vec::len).sum::<usize>(), 14);
    assert_eq!(native.events[6].len(), 3);
    assert!(native.balances[1] > 0 && native.balances[3] > 0);
    assert_eq!(built, native);
}
