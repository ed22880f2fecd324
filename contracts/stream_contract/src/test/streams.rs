//! Stream lifecycle: create, withdraw, top up, pause, resume, cancel, and the reads.

use soroban_sdk::{testutils::Address as _, Address};

use super::{Setup, SENDER_FUNDS};
use crate::{assert_err, Stream, StreamContract, StreamError, StreamStatus};

#[test]
fn create_stream_stores_the_stream_and_takes_the_deposit() {
    let s = Setup::new();
    s.set_time(1_000);
    let id = s.create(1_000, 100);
    assert_eq!(id, 1);
    assert_eq!(
        s.client().get_stream(&id),
        Some(Stream {
            sender: s.sender.clone(),
            recipient: s.recipient.clone(),
            token_address: s.token.clone(),
            rate_per_second: 10,
            deposited_amount: 1_000,
            withdrawn_amount: 0,
            start_time: 1_000,
            last_update_time: 1_000,
            is_active: true,
            paused: false,
            paused_at: None,
            status: StreamStatus::Active,
        })
    );
    assert_eq!(s.balance(&s.contract), 1_000);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 1_000);
    assert_eq!(s.claimable(id), 0);
    assert!(!s.client().is_stream_completed(&id));
}

#[test]
fn stream_ids_count_up_from_one() {
    let s = Setup::new();
    let ids: std::vec::Vec<u64> = (0..4).map(|_| s.create(100, 10)).collect();
    assert_eq!(ids, [1, 2, 3, 4]);
}

#[test]
fn create_stream_rejects_bad_input() {
    let s = Setup::new();
    s.set_time(10);
    let c = s.client();
    let (snd, rcp, tok) = (&s.sender, &s.recipient, &s.token);
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &0, &10),
        StreamError::InvalidAmount
    );
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &-5, &10),
        StreamError::InvalidAmount
    );
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &100, &0),
        StreamError::InvalidDuration
    );
    // 99 tokens over 100 s is a rate of 0.99/s, which rounds to zero.
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &99, &100),
        StreamError::InvalidRate
    );
    // Not a contract at all, and a contract that is not a token (no `decimals`).
    let nobody = Address::generate(&s.env);
    assert_err!(
        c.try_create_stream(snd, rcp, &nobody, &100, &10),
        StreamError::InvalidTokenAddress
    );
    let not_a_token = s.env.register(StreamContract, ());
    assert_err!(
        c.try_create_stream(snd, rcp, &not_a_token, &100, &10),
        StreamError::InvalidTokenAddress
    );
    assert_eq!(s.balance(&s.contract), 0);
    assert_eq!(c.get_stream(&1), None);
}

#[test]
fn withdraw_pays_what_has_accrued() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(25);
    assert_eq!(s.claimable(id), 250);
    assert_eq!(s.client().withdraw(&s.recipient, &id), 250);
    assert_eq!(s.balance(&s.recipient), 250);
    assert_eq!(s.claimable(id), 0);
    let st = s.client().get_stream(&id).unwrap();
    assert_eq!((st.withdrawn_amount, st.last_update_time), (250, 25));

    // Nothing accrued since: InvalidAmount.
    assert_err!(
        s.client().try_withdraw(&s.recipient, &id),
        StreamError::InvalidAmount
    );

    s.set_time(60);
    assert_eq!(s.client().withdraw(&s.recipient, &id), 350);
    assert_eq!(s.balance(&s.recipient), 600);
    assert_eq!(s.balance(&s.contract), 400);
}

#[test]
fn the_withdraw_that_empties_a_stream_completes_it() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(40);
    s.client().withdraw(&s.recipient, &id);
    s.set_time(1_000_000);
    assert_eq!(s.claimable(id), 600, "accrual stops at the deposit");
    assert_eq!(s.client().withdraw(&s.recipient, &id), 600);
    let st = s.client().get_stream(&id).unwrap();
    assert_eq!(st.status, StreamStatus::Completed);
    assert!(!st.is_active);
    assert_eq!(st.withdrawn_amount, 1_000);
    assert!(s.client().is_stream_completed(&id));
    assert_eq!(s.claimable(id), 0);
    assert_eq!(s.balance(&s.contract), 0);
    assert_eq!(s.balance(&s.recipient), 1_000);

    // A finished stream takes no more calls.
    let c = s.client();
    assert_err!(
        c.try_withdraw(&s.recipient, &id),
        StreamError::StreamInactive
    );
    assert_err!(
        c.try_top_up_stream(&s.sender, &id, &10),
        StreamError::StreamInactive
    );
    assert_err!(
        c.try_pause_stream(&s.sender, &id),
        StreamError::StreamInactive
    );
    assert_err!(
        c.try_resume_stream(&s.sender, &id),
        StreamError::StreamInactive
    );
    assert_err!(
        c.try_cancel_stream(&s.sender, &id),
        StreamError::StreamInactive
    );
}

#[test]
fn missing_streams() {
    let s = Setup::new();
    let c = s.client();
    assert_eq!(c.get_stream(&7), None);
    assert_eq!(c.get_claimable_amount(&7), None);
    assert!(!c.is_stream_completed(&7));
    assert_err!(
        c.try_withdraw(&s.recipient, &7),
        StreamError::StreamNotFound
    );
    assert_err!(
        c.try_top_up_stream(&s.sender, &7, &10),
        StreamError::StreamNotFound
    );
    assert_err!(
        c.try_pause_stream(&s.sender, &7),
        StreamError::StreamNotFound
    );
    assert_err!(
        c.try_resume_stream(&s.sender, &7),
        StreamError::StreamNotFound
    );
    assert_err!(
        c.try_cancel_stream(&s.sender, &7),
        StreamError::StreamNotFound
    );
}

#[test]
fn top_up_extends_the_stream_at_the_same_rate() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(30);
    s.client().top_up_stream(&s.sender, &id, &500);
    let st = s.client().get_stream(&id).unwrap();
    assert_eq!(
        (st.deposited_amount, st.rate_per_second, st.last_update_time),
        (1_500, 10, 0)
    );
    assert_eq!(s.claimable(id), 300);
    assert_eq!(s.balance(&s.contract), 1_500);
    s.set_time(150);
    assert_eq!(s.claimable(id), 1_500);
    assert_err!(
        s.client().try_top_up_stream(&s.sender, &id, &0),
        StreamError::InvalidAmount
    );
    assert_err!(
        s.client().try_top_up_stream(&s.sender, &id, &-1),
        StreamError::InvalidAmount
    );
}

#[test]
fn requested_duration_rounds_to_a_later_end() {
    // 1,000 over 300 s: 3/s, so the last token accrues at 334 s, not 300 s.
    let s = Setup::new();
    let id = s.create(1_000, 300);
    assert_eq!(s.client().get_stream(&id).unwrap().rate_per_second, 3);
    s.set_time(300);
    assert_eq!(s.claimable(id), 900);
    s.set_time(333);
    assert_eq!(s.claimable(id), 999);
    s.set_time(334);
    assert_eq!(s.claimable(id), 1_000);
    // The reported end time says the same: pause at 0 s, resume at 0 s.
    let s2 = Setup::new();
    let id2 = s2.create(1_000, 300);
    s2.client().pause_stream(&s2.sender, &id2);
    assert_eq!(s2.client().resume_stream(&s2.sender, &id2), 334);
}

#[test]
fn pause_freezes_accrual_and_resume_shifts_it() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100); // 10/s, ends at 100
    s.set_time(30);
    c.pause_stream(&s.sender, &id);
    let st = c.get_stream(&id).unwrap();
    assert_eq!(
        (st.paused, st.paused_at, st.status),
        (true, Some(30), StreamStatus::Paused)
    );
    assert!(st.is_active);

    s.set_time(80);
    assert_eq!(s.claimable(id), 300, "frozen at the pause");
    assert_err!(c.try_withdraw(&s.recipient, &id), StreamError::StreamPaused);
    assert_err!(
        c.try_pause_stream(&s.sender, &id),
        StreamError::StreamAlreadyPaused
    );

    // Paused for 50 s: the end moves from 100 to 150.
    assert_eq!(c.resume_stream(&s.sender, &id), 150);
    let st = c.get_stream(&id).unwrap();
    assert_eq!(
        (st.paused, st.paused_at, st.status, st.last_update_time),
        (false, None, StreamStatus::Active, 50)
    );
    assert_err!(
        c.try_resume_stream(&s.sender, &id),
        StreamError::StreamNotPaused
    );
    assert_eq!(s.claimable(id), 300);
    s.set_time(90);
    assert_eq!(c.withdraw(&s.recipient, &id), 400);

    // A second pause after a withdraw: anchor 90, 600 left, paused 90..200 -> ends 200 + 60.
    c.pause_stream(&s.sender, &id);
    s.set_time(200);
    assert_eq!(c.resume_stream(&s.sender, &id), 260);
    s.set_time(259);
    assert_eq!(s.claimable(id), 590);
    s.set_time(260);
    assert_eq!(c.withdraw(&s.recipient, &id), 600);
    assert!(c.is_stream_completed(&id));
}

#[test]
fn resume_of_a_never_resumed_paused_stream_counts_no_pause_time() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(40);
    s.client().pause_stream(&s.sender, &id);
    // Resumed in the same second: nothing shifts, the end stays at 100.
    assert_eq!(s.client().resume_stream(&s.sender, &id), 100);
}

#[test]
fn top_up_while_paused_reports_the_end_as_if_resumed_now() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(20);
    c.pause_stream(&s.sender, &id);
    s.set_time(50);
    c.top_up_stream(&s.sender, &id, &200);
    // 200 accrued, 1,000 left at 10/s, resumed at 50: ends at 150.
    let ev = s
        .events()
        .into_iter()
        .find(|e| e.name == "stream_topped_up")
        .unwrap();
    let data: crate::StreamToppedUpEvent = s.data(&ev);
    assert_eq!(data.new_end_time, 150);
    assert_eq!(s.claimable(id), 200);
    assert_eq!(c.resume_stream(&s.sender, &id), 150);
}

#[test]
fn cancel_pays_the_recipient_and_refunds_the_sender() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(20);
    c.withdraw(&s.recipient, &id);
    s.set_time(35);
    c.cancel_stream(&s.sender, &id);
    assert_eq!(s.balance(&s.recipient), 350);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 350);
    assert_eq!(s.balance(&s.contract), 0);
    let st = c.get_stream(&id).unwrap();
    assert_eq!(
        (st.status, st.is_active, st.withdrawn_amount),
        (StreamStatus::Cancelled, false, 350)
    );
    assert_eq!(c.get_claimable_amount(&id), Some(0));
    assert!(!c.is_stream_completed(&id));
    assert_err!(
        c.try_cancel_stream(&s.sender, &id),
        StreamError::StreamInactive
    );
    assert_err!(
        c.try_withdraw(&s.recipient, &id),
        StreamError::StreamInactive
    );
}

#[test]
fn cancel_while_paused_pays_only_up_to_the_pause() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(30);
    c.pause_stream(&s.sender, &id);
    s.set_time(90);
    c.cancel_stream(&s.sender, &id);
    assert_eq!(s.balance(&s.recipient), 300);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 300);
    let st = c.get_stream(&id).unwrap();
    assert_eq!(
        (st.paused, st.paused_at, st.status),
        (false, None, StreamStatus::Cancelled)
    );
}

#[test]
fn cancel_after_the_end_refunds_nothing() {
    let s = Setup::new();
    let id = s.create(1_000, 100);
    s.set_time(500);
    s.client().cancel_stream(&s.sender, &id);
    assert_eq!(s.balance(&s.recipient), 1_000);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 1_000);
}

#[test]
fn fees_go_to_the_treasury_and_the_stream_gets_the_net() {
    let s = Setup::with_fee(250); // 2.5%
    let id = s.create(10_000, 100);
    let st = s.client().get_stream(&id).unwrap();
    assert_eq!((st.deposited_amount, st.rate_per_second), (9_750, 97));
    assert_eq!(s.balance(&s.treasury), 250);
    assert_eq!(s.balance(&s.contract), 9_750);
    assert_eq!(s.balance(&s.sender), SENDER_FUNDS - 10_000);
    // 9,750 at 97/s: 100.5 s, rounded up.
    s.client().pause_stream(&s.sender, &id);
    assert_eq!(s.client().resume_stream(&s.sender, &id), 101);

    // Fees round down: 2.5% of 399 is 9.975.
    s.client().top_up_stream(&s.sender, &id, &399);
    assert_eq!(s.balance(&s.treasury), 259);
    assert_eq!(
        s.client().get_stream(&id).unwrap().deposited_amount,
        9_750 + 390
    );
    // Below 40 tokens 2.5% rounds to nothing, and no fee event is sent.
    s.client().top_up_stream(&s.sender, &id, &39);
    assert_eq!(s.event_names(), ["stream_topped_up"]);
    assert_eq!(s.balance(&s.treasury), 259);
}

#[test]
fn fee_at_the_maximum_rate() {
    let s = Setup::with_fee(1_000);
    s.create(12_345, 10);
    assert_eq!(s.balance(&s.treasury), 1_234);
    assert_eq!(s.balance(&s.contract), 11_111);
}

#[test]
fn zero_fee_rate_collects_nothing() {
    let s = Setup::with_fee(0);
    s.create(10_000, 10);
    assert_eq!(s.event_names(), ["stream_created"]);
    assert_eq!(s.balance(&s.treasury), 0);
}

#[test]
fn fee_for_rounds_down_exactly() {
    use crate::fee_for;
    assert_eq!(fee_for(10_000, 250), 250);
    assert_eq!(fee_for(399, 250), 9);
    assert_eq!(fee_for(39, 250), 0);
    assert_eq!(fee_for(1, 1_000), 0);
    assert_eq!(fee_for(10, 1_000), 1);
    // No overflow near i128::MAX; 10% is exactly a tenth, floored.
    assert_eq!(fee_for(i128::MAX, 1_000), i128::MAX / 10);
    assert_eq!(fee_for(i128::MAX, 1), i128::MAX / 10_000);
}
