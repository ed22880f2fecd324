//! Contract tests on soroban-sdk testutils: a real host, the real Stellar Asset Contract as the
//! token, events decoded from their XDR and checked against the event spec that `build.rs`
//! embeds in the wasm.

mod admin;
mod auth;
mod edges;
mod events;
mod improvements;
mod props;
mod streams;
mod wasm;

use std::{string::String, vec::Vec};

use soroban_sdk::{
    testutils::{Address as _, EnvTestConfig, Events as _, Ledger as _},
    token::{Client as TokenClient, StellarAssetClient},
    xdr::{
        self, ContractEventBody, Limited, Limits, ReadXdr, ScSpecEntry, ScSpecEventParamLocationV0,
        ScSpecEventV0, ScSpecTypeDef, ScVal,
    },
    Address, Env, TryFromVal, Val,
};

use crate::{StreamContract, StreamContractClient};

/// Plenty for every test; the overflow tests mint their own.
pub const SENDER_FUNDS: i128 = 1_000_000_000_000;

pub struct Setup {
    pub env: Env,
    pub contract: Address,
    pub token: Address,
    pub admin: Address,
    pub treasury: Address,
    pub sender: Address,
    pub recipient: Address,
}

/// A host without test snapshots on drop (the property tests make thousands of envs).
pub fn new_env() -> Env {
    Env::new_with_config(EnvTestConfig {
        capture_snapshot_at_drop: false,
    })
}

impl Setup {
    /// Contract, token and funded sender, every auth mocked; no `initialize` (no fee).
    pub fn new() -> Self {
        let env = new_env();
        env.mock_all_auths();
        let contract = env.register(StreamContract, ());
        let issuer = Address::generate(&env);
        let token = env.register_stellar_asset_contract_v2(issuer).address();
        let s = Setup {
            admin: Address::generate(&env),
            treasury: Address::generate(&env),
            sender: Address::generate(&env),
            recipient: Address::generate(&env),
            env,
            contract,
            token,
        };
        s.mint(&s.sender, SENDER_FUNDS);
        s
    }

    /// As `new`, with the protocol initialized at `fee_rate_bps`.
    pub fn with_fee(fee_rate_bps: u32) -> Self {
        let s = Self::new();
        s.client().initialize(&s.admin, &s.treasury, &fee_rate_bps);
        s
    }

    pub fn client(&self) -> StreamContractClient<'_> {
        StreamContractClient::new(&self.env, &self.contract)
    }

    pub fn token_client(&self) -> TokenClient<'_> {
        TokenClient::new(&self.env, &self.token)
    }

    pub fn mint(&self, to: &Address, amount: i128) {
        StellarAssetClient::new(&self.env, &self.token).mint(to, &amount);
    }

    pub fn balance(&self, who: &Address) -> i128 {
        self.token_client().balance(who)
    }

    pub fn set_time(&self, t: u64) {
        self.env.ledger().set_timestamp(t);
    }

    pub fn create(&self, amount: i128, duration: u64) -> u64 {
        self.client().create_stream(
            &self.sender,
            &self.recipient,
            &self.token,
            &amount,
            &duration,
        )
    }

    pub fn claimable(&self, id: u64) -> i128 {
        self.client()
            .get_claimable_amount(&id)
            .expect("stream exists")
    }

    /// This contract's events from the last invocation, decoded from XDR and each checked
    /// against its entry in the embedded event spec.
    pub fn events(&self) -> Vec<Event> {
        let all = self.env.events().all().filter_by_contract(&self.contract);
        all.events()
            .iter()
            .map(|e| {
                let ContractEventBody::V0(body) = &e.body;
                let topics: Vec<ScVal> = body.topics.iter().cloned().collect();
                let ScVal::Symbol(name) = &topics[0] else {
                    panic!("first topic is not a symbol: {topics:?}");
                };
                let ev = Event {
                    name: name.to_utf8_string_lossy(),
                    topics,
                    data: body.data.clone(),
                };
                check_against_spec(&ev);
                ev
            })
            .collect()
    }

    pub fn event_names(&self) -> Vec<String> {
        self.events().into_iter().map(|e| e.name).collect()
    }

    /// Decodes an event's data map into the contract's event struct.
    pub fn data<T: TryFromVal<Env, Val>>(&self, ev: &Event) -> T {
        let val = Val::try_from_val(&self.env, &ev.data).expect("data converts to a Val");
        T::try_from_val(&self.env, &val).unwrap_or_else(|_| panic!("{} data decodes", ev.name))
    }
}

#[derive(Clone, Debug)]
pub struct Event {
    pub name: String,
    pub topics: Vec<ScVal>,
    pub data: ScVal,
}

impl Event {
    /// The `stream_id` topic of a stream event.
    pub fn stream_id_topic(&self) -> u64 {
        match self.topics.get(1) {
            Some(ScVal::U64(id)) => *id,
            other => panic!("{}: second topic is not a u64: {other:?}", self.name),
        }
    }

    /// Names of the data map's keys, in wire order.
    pub fn data_keys(&self) -> Vec<String> {
        let ScVal::Map(Some(map)) = &self.data else {
            panic!("{}: data is not a map: {:?}", self.name, self.data);
        };
        map.iter()
            .map(|e| match &e.key {
                ScVal::Symbol(s) => s.to_utf8_string_lossy(),
                k => panic!("{}: map key is not a symbol: {k:?}", self.name),
            })
            .collect()
    }
}

/// The event spec entries `build.rs` generated (the bytes the wasm embeds).
pub fn event_specs() -> Vec<ScSpecEventV0> {
    let mut reader = Limited::new(
        std::io::Cursor::new(&crate::events::EVENT_SPEC[..]),
        Limits::none(),
    );
    ScSpecEntry::read_xdr_iter(&mut reader)
        .map(|e| match e.expect("spec entry decodes") {
            ScSpecEntry::EventV0(ev) => ev,
            other => panic!("not an event entry: {other:?}"),
        })
        .collect()
}

fn type_matches(ty: &ScSpecTypeDef, v: &ScVal) -> bool {
    matches!(
        (ty, v),
        (ScSpecTypeDef::U64, ScVal::U64(_))
            | (ScSpecTypeDef::U32, ScVal::U32(_))
            | (ScSpecTypeDef::I128, ScVal::I128(_))
            | (ScSpecTypeDef::Address, ScVal::Address(_))
    )
}

/// An emitted event must be exactly what its spec entry says: prefix topic, the topic params
/// with their types, a data map with exactly the data params as keys, each of its type.
pub fn check_against_spec(ev: &Event) {
    let specs = event_specs();
    let spec = specs
        .iter()
        .find(|s| s.prefix_topics[0].to_utf8_string_lossy() == ev.name)
        .unwrap_or_else(|| panic!("no spec entry for event {}", ev.name));
    let topic_params: Vec<_> = spec
        .params
        .iter()
        .filter(|p| p.location == ScSpecEventParamLocationV0::TopicList)
        .collect();
    assert_eq!(
        ev.topics.len(),
        1 + topic_params.len(),
        "{}: topic count",
        ev.name
    );
    for (p, v) in topic_params.iter().zip(&ev.topics[1..]) {
        assert!(
            type_matches(&p.type_, v),
            "{}: topic {:?} is {v:?}",
            ev.name,
            p.name
        );
    }
    let ScVal::Map(Some(map)) = &ev.data else {
        panic!("{}: data is not a map", ev.name);
    };
    let data_params: Vec<_> = spec
        .params
        .iter()
        .filter(|p| p.location == ScSpecEventParamLocationV0::Data)
        .collect();
    assert_eq!(
        map.len(),
        data_params.len(),
        "{}: data field count",
        ev.name
    );
    for p in data_params {
        let name = p.name.to_utf8_string_lossy();
        let entry = map
            .iter()
            .find(|e| e.key == ScVal::Symbol(xdr::ScSymbol(name.as_str().try_into().unwrap())))
            .unwrap_or_else(|| panic!("{}: data lacks {name}", ev.name));
        assert!(
            type_matches(&p.type_, &entry.val),
            "{}: {name} is {:?}",
            ev.name,
            entry.val
        );
    }
}

/// Expected error from a `try_` call.
#[macro_export]
macro_rules! assert_err {
    ($call:expr, $err:expr) => {
        assert_eq!($call, Err(Ok($err)))
    };
}
