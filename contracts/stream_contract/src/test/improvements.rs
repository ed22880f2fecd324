//! One test per deliberate improvement over the original contract (the spec's "Semantics where
//! we deliberately do better"). Each is written so the original's behaviour fails it.
//! Conservation (improvement 3) is the property test in `props.rs`; checked arithmetic
//! (improvement 5) is exercised in `edges.rs`.

use soroban_sdk::testutils::{
    storage::{Instance as _, Persistent as _},
    Ledger as _,
};

use super::{Setup, SENDER_FUNDS};
use crate::{DataKey, StreamToppedUpEvent, TokensWithdrawnEvent};

/// Improvement 1: a top-up never reduces what has accrued. The original reset the accrual anchor to the
/// top-up time, so top-up then cancel refunded the recipient's earned tokens to the sender.
#[test]
fn top_up_keeps_accrued_funds_through_a_cancel() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 300); // 3/s: accrual is not a round number
    s.set_time(101);
    assert_eq!(s.claimable(id), 303);
    c.top_up_stream(&s.sender, &id, &1_000);
    assert_eq!(
        s.claimable(id),
        303,
        "accrued amount unchanged by the top-up"
    );
    assert_eq!(
        c.get_stream(&id).unwrap().last_update_time,
        0,
        "anchor untouched"
    );
    c.cancel_stream(&s.sender, &id);
    assert_eq!(s.balance(&s.recipient), 303);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 303);
}

#[test]
fn top_up_keeps_accrued_funds_for_a_later_withdraw() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(50);
    c.top_up_stream(&s.sender, &id, &1_000);
    s.set_time(60);
    // 60 s at 10/s since the start, not 10 s since the top-up.
    assert_eq!(c.withdraw(&s.recipient, &id), 600);
}

/// Improvement 2: topping up a stream that ran dry: what accrued stays the recipient's (paid out now),
/// and the new funds accrue from the top-up, so the dry spell earns nothing. The original
/// (anchor untouched) made `rate * dry spell` of the new funds claimable at once.
#[test]
fn dry_top_up_does_not_make_the_dry_spell_claimable() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100); // dry from 100 s
    s.set_time(40);
    c.withdraw(&s.recipient, &id);
    s.set_time(250);
    assert_eq!(s.claimable(id), 600);

    c.top_up_stream(&s.sender, &id, &1_000);
    let ev = s.events();
    assert_eq!(s.event_names(), ["tokens_withdrawn", "stream_topped_up"]);
    assert_eq!(
        s.data::<TokensWithdrawnEvent>(&ev[0]),
        TokensWithdrawnEvent {
            stream_id: id,
            recipient: s.recipient.clone(),
            amount: 600,
            timestamp: 250
        }
    );
    assert_eq!(
        s.data::<StreamToppedUpEvent>(&ev[1]),
        StreamToppedUpEvent {
            stream_id: id,
            sender: s.sender.clone(),
            amount: 1_000,
            new_deposited_amount: 2_000,
            new_end_time: 350,
        }
    );
    assert_eq!(
        s.balance(&s.recipient),
        1_000,
        "everything accrued was paid"
    );
    assert_eq!(s.claimable(id), 0, "nothing of the new funds accrued yet");
    let st = c.get_stream(&id).unwrap();
    assert_eq!((st.withdrawn_amount, st.last_update_time), (1_000, 250));

    s.set_time(300);
    assert_eq!(s.claimable(id), 500);
    // Cancelling now refunds the half that has not streamed yet.
    c.cancel_stream(&s.sender, &id);
    assert_eq!(s.balance(&s.recipient), 1_500);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 1_500);
}

#[test]
fn dry_top_up_of_a_paused_stream_restarts_at_the_resume() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(150);
    c.pause_stream(&s.sender, &id); // already dry
    s.set_time(200);
    c.top_up_stream(&s.sender, &id, &500);
    assert_eq!(s.balance(&s.recipient), 1_000);
    assert_eq!(s.claimable(id), 0);
    s.set_time(300);
    assert_eq!(s.claimable(id), 0, "still paused");
    // Anchored at the pause and shifted by it: accrual of the 500 starts at the resume.
    assert_eq!(c.resume_stream(&s.sender, &id), 350);
    s.set_time(320);
    assert_eq!(s.claimable(id), 200);
}

#[test]
fn top_up_just_before_running_dry_is_not_treated_as_dry() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(99);
    c.top_up_stream(&s.sender, &id, &1_000);
    assert_eq!(s.event_names(), ["stream_topped_up"]);
    assert_eq!(s.balance(&s.recipient), 0);
    assert_eq!(s.claimable(id), 990);
    s.set_time(150);
    assert_eq!(s.claimable(id), 1_500, "accrual continued without a gap");
}

/// Improvement 4: every write extends the TTL of the stream entry and the instance. The original never
/// extended them, so a stream entry lived only the network minimum (4,096 ledgers here).
#[test]
fn every_write_extends_storage_ttl() {
    const EXTEND_TO: u32 = 120 * 17_280;
    const STEP: u32 = 100 * 17_280; // leaves 20 days, below the 30-day threshold
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000_000, 1_000_000);
    let ttls = || {
        s.env.as_contract(&s.contract, || {
            (
                s.env.storage().persistent().get_ttl(&DataKey::Stream(id)),
                s.env.storage().instance().get_ttl(),
            )
        })
    };
    assert_eq!(ttls(), (EXTEND_TO, EXTEND_TO), "after create");

    let writes: [(&str, &dyn Fn()); 5] = [
        ("withdraw", &|| {
            c.withdraw(&s.recipient, &id);
        }),
        ("top_up_stream", &|| c.top_up_stream(&s.sender, &id, &10)),
        ("pause_stream", &|| c.pause_stream(&s.sender, &id)),
        ("resume_stream", &|| {
            c.resume_stream(&s.sender, &id);
        }),
        ("cancel_stream", &|| c.cancel_stream(&s.sender, &id)),
    ];
    let mut t = 0;
    for (name, write) in writes {
        s.env.ledger().with_mut(|l| {
            l.sequence_number += STEP;
            t += 10;
            l.timestamp = t;
        });
        assert_eq!(
            ttls(),
            (EXTEND_TO - STEP, EXTEND_TO - STEP),
            "before {name}"
        );
        write();
        assert_eq!(ttls(), (EXTEND_TO, EXTEND_TO), "after {name}");
    }
}

#[test]
fn admin_writes_extend_the_instance_ttl() {
    const EXTEND_TO: u32 = 120 * 17_280;
    const STEP: u32 = 100 * 17_280;
    let s = Setup::with_fee(10);
    let c = s.client();
    let ttl = || {
        s.env
            .as_contract(&s.contract, || s.env.storage().instance().get_ttl())
    };
    assert_eq!(ttl(), EXTEND_TO, "after initialize");
    let writes: [&dyn Fn(); 2] = [&|| c.update_fee_config(&s.admin, &s.treasury, &20), &|| {
        c.transfer_admin(&s.admin, &s.admin)
    }];
    for write in writes {
        s.env.ledger().with_mut(|l| l.sequence_number += STEP);
        assert_eq!(ttl(), EXTEND_TO - STEP);
        write();
        assert_eq!(ttl(), EXTEND_TO);
    }
}
