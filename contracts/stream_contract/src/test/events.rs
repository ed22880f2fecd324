//! Events on the wire: names, the stream_id topic, data map keys and types, order within a call.
//! `Setup::events` already checks each event against the embedded event spec; these tests pin
//! the values and the order, and that every spec entry is really emitted.

use std::{collections::BTreeSet, string::String, vec::Vec};

use soroban_sdk::xdr::{ScSpecEventParamLocationV0, ScVal};

use super::{event_specs, Setup};
use crate::{
    FeeCollectedEvent, StreamCancelledEvent, StreamCompletedEvent, StreamCreatedEvent,
    StreamPausedEvent, StreamResumedEvent, StreamToppedUpEvent, TokensWithdrawnEvent,
};

#[test]
fn create_with_fee_emits_fee_collected_then_stream_created() {
    let s = Setup::with_fee(100);
    s.set_time(7);
    let id = s.create(10_000, 100);
    let ev = s.events();
    assert_eq!(s.event_names(), ["fee_collected", "stream_created"]);
    assert_eq!(ev[0].stream_id_topic(), id);
    assert_eq!(ev[1].stream_id_topic(), id);
    assert_eq!(
        s.data::<FeeCollectedEvent>(&ev[0]),
        FeeCollectedEvent {
            stream_id: id,
            treasury: s.treasury.clone(),
            fee_amount: 100,
            token: s.token.clone()
        }
    );
    assert_eq!(
        s.data::<StreamCreatedEvent>(&ev[1]),
        StreamCreatedEvent {
            stream_id: id,
            sender: s.sender.clone(),
            recipient: s.recipient.clone(),
            rate_per_second: 99,
            token_address: s.token.clone(),
            deposited_amount: 9_900,
            start_time: 7,
        }
    );
}

#[test]
fn top_up_emits_fee_then_topped_up() {
    let s = Setup::with_fee(100);
    let id = s.create(10_000, 100); // net 9,900 at 99/s
    s.set_time(10);
    s.client().top_up_stream(&s.sender, &id, &1_000);
    let ev = s.events();
    assert_eq!(s.event_names(), ["fee_collected", "stream_topped_up"]);
    assert_eq!(s.data::<FeeCollectedEvent>(&ev[0]).fee_amount, 10);
    assert_eq!(
        s.data::<StreamToppedUpEvent>(&ev[1]),
        StreamToppedUpEvent {
            stream_id: id,
            sender: s.sender.clone(),
            amount: 990,
            new_deposited_amount: 10_890,
            new_end_time: 110, // 10,890 / 99 = 110 exactly, anchor 0
        }
    );
    assert_eq!(ev[1].stream_id_topic(), id);
}

#[test]
fn final_withdraw_emits_tokens_withdrawn_then_stream_completed() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(30);
    s.client().withdraw(&s.recipient, &id);
    let ev = s.events();
    assert_eq!(s.event_names(), ["tokens_withdrawn"]);
    assert_eq!(
        s.data::<TokensWithdrawnEvent>(&ev[0]),
        TokensWithdrawnEvent {
            stream_id: id,
            recipient: s.recipient.clone(),
            amount: 300,
            timestamp: 30
        }
    );

    s.set_time(200);
    s.client().withdraw(&s.recipient, &id);
    let ev = s.events();
    assert_eq!(s.event_names(), ["tokens_withdrawn", "stream_completed"]);
    assert_eq!(s.data::<TokensWithdrawnEvent>(&ev[0]).amount, 700);
    assert_eq!(ev[1].stream_id_topic(), id);
    assert_eq!(
        s.data::<StreamCompletedEvent>(&ev[1]),
        StreamCompletedEvent {
            stream_id: id,
            recipient: s.recipient.clone(),
            total_withdrawn: 1_000
        }
    );
}

#[test]
fn cancel_reports_the_total_withdrawn_and_the_refund() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(20);
    s.client().withdraw(&s.recipient, &id);
    s.set_time(50);
    s.client().cancel_stream(&s.sender, &id);
    let ev = s.events();
    assert_eq!(s.event_names(), ["stream_cancelled"]);
    assert_eq!(ev[0].stream_id_topic(), id);
    assert_eq!(
        s.data::<StreamCancelledEvent>(&ev[0]),
        StreamCancelledEvent {
            stream_id: id,
            sender: s.sender.clone(),
            recipient: s.recipient.clone(),
            amount_withdrawn: 500, // 200 earlier + 300 paid by the cancel
            refunded_amount: 500,
        }
    );
}

#[test]
fn pause_and_resume_events() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(40);
    s.client().pause_stream(&s.sender, &id);
    let ev = s.events();
    assert_eq!(s.event_names(), ["stream_paused"]);
    assert_eq!(ev[0].stream_id_topic(), id);
    assert_eq!(
        s.data::<StreamPausedEvent>(&ev[0]),
        StreamPausedEvent {
            stream_id: id,
            sender: s.sender.clone(),
            paused_at: 40
        }
    );
    s.set_time(70);
    s.client().resume_stream(&s.sender, &id);
    let ev = s.events();
    assert_eq!(s.event_names(), ["stream_resumed"]);
    assert_eq!(
        s.data::<StreamResumedEvent>(&ev[0]),
        StreamResumedEvent {
            stream_id: id,
            sender: s.sender.clone(),
            new_end_time: 130
        }
    );
}

#[test]
fn data_maps_carry_exactly_the_spec_fields_in_key_order() {
    // ScMap keys are sorted on the wire; the set of keys is the spec's data params.
    let s = Setup::with_fee(100);
    let id = s.create(10_000, 100);
    for ev in s.events() {
        let spec = event_specs()
            .into_iter()
            .find(|e| e.name.to_utf8_string_lossy() == ev.name)
            .unwrap();
        let mut want: Vec<String> = spec
            .params
            .iter()
            .filter(|p| p.location == ScSpecEventParamLocationV0::Data)
            .map(|p| p.name.to_utf8_string_lossy())
            .collect();
        want.sort();
        assert_eq!(ev.data_keys(), want, "{}", ev.name);
        assert_eq!(
            ev.topics[0],
            ScVal::Symbol(ev.name.as_str().try_into().unwrap())
        );
        assert_eq!(ev.topics[1], ScVal::U64(id));
    }
}

#[test]
fn event_spec_matches_the_interface_table() {
    // The table of shared/specs/contract-abi.md, "Events".
    let table: &[(&str, bool, &[&str])] = &[
        (
            "stream_created",
            true,
            &[
                "stream_id",
                "sender",
                "recipient",
                "rate_per_second",
                "token_address",
                "deposited_amount",
                "start_time",
            ],
        ),
        (
            "stream_topped_up",
            true,
            &[
                "stream_id",
                "sender",
                "amount",
                "new_deposited_amount",
                "new_end_time",
            ],
        ),
        (
            "tokens_withdrawn",
            true,
            &["stream_id", "recipient", "amount", "timestamp"],
        ),
        (
            "stream_cancelled",
            true,
            &[
                "stream_id",
                "sender",
                "recipient",
                "amount_withdrawn",
                "refunded_amount",
            ],
        ),
        ("stream_paused", true, &["stream_id", "sender", "paused_at"]),
        (
            "stream_resumed",
            true,
            &["stream_id", "sender", "new_end_time"],
        ),
        (
            "stream_completed",
            true,
            &["stream_id", "recipient", "total_withdrawn"],
        ),
        (
            "fee_collected",
            true,
            &["stream_id", "treasury", "fee_amount", "token"],
        ),
        ("initialized", false, &["admin", "treasury", "fee_rate_bps"]),
        (
            "fee_config_updated",
            false,
            &[
                "admin",
                "old_treasury",
                "new_treasury",
                "old_fee_rate_bps",
                "new_fee_rate_bps",
            ],
        ),
        ("admin_transferred", false, &["previous_admin", "new_admin"]),
    ];
    let specs = event_specs();
    assert_eq!(specs.len(), table.len());
    for (name, is_stream, fields) in table {
        let spec = specs
            .iter()
            .find(|e| e.name.to_utf8_string_lossy() == *name)
            .unwrap();
        let topics: Vec<String> = spec
            .params
            .iter()
            .filter(|p| p.location == ScSpecEventParamLocationV0::TopicList)
            .map(|p| p.name.to_utf8_string_lossy())
            .collect();
        assert_eq!(
            topics,
            if *is_stream {
                std::vec!["stream_id"]
            } else {
                std::vec![]
            }
        );
        let data: Vec<String> = spec
            .params
            .iter()
            .filter(|p| p.location == ScSpecEventParamLocationV0::Data)
            .map(|p| p.name.to_utf8_string_lossy())
            .collect();
        assert_eq!(data, *fields, "{name}");
    }
}

#[test]
fn every_spec_event_is_emitted_by_some_call() {
    let s = Setup::with_fee(100);
    let c = s.client();
    let mut seen = BTreeSet::new();
    let mut note = |s: &Setup| seen.extend(s.event_names());
    let id = s.create(10_000, 100);
    note(&s);
    s.set_time(10);
    c.withdraw(&s.recipient, &id);
    note(&s);
    c.pause_stream(&s.sender, &id);
    note(&s);
    c.resume_stream(&s.sender, &id);
    note(&s);
    c.top_up_stream(&s.sender, &id, &1_000);
    note(&s);
    c.cancel_stream(&s.sender, &id);
    note(&s);
    let id = s.create(1_000, 10);
    s.set_time(100);
    c.withdraw(&s.recipient, &id);
    note(&s);
    c.update_fee_config(&s.admin, &s.treasury, &5);
    note(&s);
    c.transfer_admin(&s.admin, &s.treasury);
    note(&s);
    let fresh = Setup::new();
    fresh.client().initialize(&fresh.admin, &fresh.treasury, &0);
    note(&fresh);
    let spec: BTreeSet<String> = event_specs()
        .iter()
        .map(|e| e.name.to_utf8_string_lossy())
        .collect();
    assert_eq!(seen, spec);
}
