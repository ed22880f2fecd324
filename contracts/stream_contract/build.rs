//! Generates the contract-spec entries (`ScSpecEntry::EventV0`) for the contract's events.
//!
//! The events are emitted with `events().publish` (see `src/events.rs` for why), so no macro
//! describes them in the spec. This table does, exactly as they appear on the wire: topics
//! `(Symbol(name), stream_id)` for stream events and `(Symbol(name),)` for protocol events,
//! data a map keyed by the field names. `src/events.rs` embeds the bytes in the wasm's
//! `contractspecv0` section; the contract tests check every emitted event against them.

use std::{env, fs, path::PathBuf};

use stellar_xdr::{
    Limits, ScSpecEntry, ScSpecEventDataFormat, ScSpecEventParamLocationV0, ScSpecEventParamV0,
    ScSpecEventV0, ScSpecTypeDef, ScSymbol, StringM, WriteXdr,
};

/// (name, is a stream event, doc, data fields in wire order).
type EventDef = (
    &'static str,
    bool,
    &'static str,
    &'static [(&'static str, ScSpecTypeDef)],
);

const EVENTS: &[EventDef] = &[
    (
        "stream_created",
        true,
        "A stream was created; `deposited_amount` is net of the protocol fee.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("sender", ScSpecTypeDef::Address),
            ("recipient", ScSpecTypeDef::Address),
            ("rate_per_second", ScSpecTypeDef::I128),
            ("token_address", ScSpecTypeDef::Address),
            ("deposited_amount", ScSpecTypeDef::I128),
            ("start_time", ScSpecTypeDef::U64),
        ],
    ),
    (
        "stream_topped_up",
        true,
        "The sender added funds (`amount` net of the fee); the stream now ends at `new_end_time`.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("sender", ScSpecTypeDef::Address),
            ("amount", ScSpecTypeDef::I128),
            ("new_deposited_amount", ScSpecTypeDef::I128),
            ("new_end_time", ScSpecTypeDef::U64),
        ],
    ),
    (
        "tokens_withdrawn",
        true,
        "Accrued tokens were paid to the recipient.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("recipient", ScSpecTypeDef::Address),
            ("amount", ScSpecTypeDef::I128),
            ("timestamp", ScSpecTypeDef::U64),
        ],
    ),
    (
        "stream_cancelled",
        true,
        "The sender cancelled: `amount_withdrawn` is the recipient's total, `refunded_amount` went back to the sender.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("sender", ScSpecTypeDef::Address),
            ("recipient", ScSpecTypeDef::Address),
            ("amount_withdrawn", ScSpecTypeDef::I128),
            ("refunded_amount", ScSpecTypeDef::I128),
        ],
    ),
    (
        "stream_paused",
        true,
        "Accrual is frozen from `paused_at`.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("sender", ScSpecTypeDef::Address),
            ("paused_at", ScSpecTypeDef::U64),
        ],
    ),
    (
        "stream_resumed",
        true,
        "Accrual restarted; the stream now ends at `new_end_time`.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("sender", ScSpecTypeDef::Address),
            ("new_end_time", ScSpecTypeDef::U64),
        ],
    ),
    (
        "stream_completed",
        true,
        "Everything deposited has been withdrawn.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("recipient", ScSpecTypeDef::Address),
            ("total_withdrawn", ScSpecTypeDef::I128),
        ],
    ),
    (
        "fee_collected",
        true,
        "The protocol fee on a deposit went to the treasury.",
        &[
            ("stream_id", ScSpecTypeDef::U64),
            ("treasury", ScSpecTypeDef::Address),
            ("fee_amount", ScSpecTypeDef::I128),
            ("token", ScSpecTypeDef::Address),
        ],
    ),
    (
        "initialized",
        false,
        "The protocol admin, treasury and fee were set.",
        &[
            ("admin", ScSpecTypeDef::Address),
            ("treasury", ScSpecTypeDef::Address),
            ("fee_rate_bps", ScSpecTypeDef::U32),
        ],
    ),
    (
        "fee_config_updated",
        false,
        "The admin changed the treasury and/or the fee rate.",
        &[
            ("admin", ScSpecTypeDef::Address),
            ("old_treasury", ScSpecTypeDef::Address),
            ("new_treasury", ScSpecTypeDef::Address),
            ("old_fee_rate_bps", ScSpecTypeDef::U32),
            ("new_fee_rate_bps", ScSpecTypeDef::U32),
        ],
    ),
    (
        "admin_transferred",
        false,
        "The protocol admin changed.",
        &[
            ("previous_admin", ScSpecTypeDef::Address),
            ("new_admin", ScSpecTypeDef::Address),
        ],
    ),
];

fn param(
    name: &str,
    type_: ScSpecTypeDef,
    location: ScSpecEventParamLocationV0,
) -> ScSpecEventParamV0 {
    ScSpecEventParamV0 {
        doc: StringM::default(),
        name: name.try_into().expect("param name fits 30 bytes"),
        type_,
        location,
    }
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let mut xdr = Vec::new();
    for (name, is_stream, doc, fields) in EVENTS {
        let mut params = Vec::new();
        if *is_stream {
            // The second topic; the data map repeats it as its own `stream_id` field.
            params.push(param(
                "stream_id",
                ScSpecTypeDef::U64,
                ScSpecEventParamLocationV0::TopicList,
            ));
        }
        params.extend(
            fields
                .iter()
                .map(|(f, t)| param(f, t.clone(), ScSpecEventParamLocationV0::Data)),
        );
        let symbol = || ScSymbol((*name).try_into().expect("event name is a short symbol"));
        let entry = ScSpecEntry::EventV0(ScSpecEventV0 {
            doc: (*doc).try_into().expect("doc fits 1024 bytes"),
            lib: StringM::default(),
            name: symbol(),
            prefix_topics: vec![symbol()].try_into().expect("one prefix topic"),
            params: params.try_into().expect("few params"),
            data_format: ScSpecEventDataFormat::Map,
        });
        xdr.extend(entry.to_xdr(Limits::none()).expect("spec entry encodes"));
    }
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("event_spec.xdr"), xdr).expect("write event_spec.xdr");
}
