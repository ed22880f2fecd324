//! Arithmetic edges: amounts near i128::MAX, rate * elapsed overflow, huge durations and times.

use soroban_sdk::{testutils::Address as _, Address};

use super::Setup;
use crate::{accrual, assert_err, StreamError, StreamStatus};

/// A setup whose sender holds `amount` and nothing else.
fn funded(amount: i128) -> Setup {
    let s = Setup::new();
    let rich = Address::generate(&s.env);
    s.mint(&rich, amount);
    Setup { sender: rich, ..s }
}

#[test]
fn a_deposit_of_i128_max_streams_and_completes() {
    let s = funded(i128::MAX);
    let id = s.create(i128::MAX, 1);
    let st = s.client().get_stream(&id).unwrap();
    assert_eq!(
        (st.rate_per_second, st.deposited_amount),
        (i128::MAX, i128::MAX)
    );
    // rate * elapsed overflows i128 long before u64 time runs out: it saturates.
    s.set_time(u64::MAX);
    assert_eq!(s.claimable(id), i128::MAX);
    assert_eq!(s.client().withdraw(&s.recipient, &id), i128::MAX);
    assert_eq!(s.balance(&s.recipient), i128::MAX);
    assert!(s.client().is_stream_completed(&id));
}

#[test]
fn fee_on_an_i128_max_deposit_does_not_overflow() {
    let s = funded(i128::MAX);
    s.client().initialize(&s.admin, &s.treasury, &1_000);
    let id = s.create(i128::MAX, 10);
    assert_eq!(s.balance(&s.treasury), i128::MAX / 10);
    let net = i128::MAX - i128::MAX / 10;
    assert_eq!(s.client().get_stream(&id).unwrap().deposited_amount, net);
    assert_eq!(s.balance(&s.contract), net);
}

#[test]
fn top_up_past_i128_max_is_rejected_before_any_transfer() {
    let s = funded(i128::MAX);
    let id = s.create(i128::MAX, 1_000);
    s.mint(&s.sender, 5);
    assert_err!(
        s.client().try_top_up_stream(&s.sender, &id, &1),
        StreamError::InvalidAmount
    );
    assert_eq!(s.balance(&s.sender), 5);
    assert_eq!(
        s.client().get_stream(&id).unwrap().deposited_amount,
        i128::MAX
    );
}

#[test]
fn huge_rate_times_huge_elapsed_saturates_to_the_remaining_balance() {
    let s = funded(i128::MAX);
    let id = s.create(i128::MAX / 2, 2); // 2^126 - 1 over 2 s: rate 2^125 - 1
    s.set_time(1);
    assert_eq!(s.claimable(id), i128::MAX / 4);
    s.set_time(2);
    // rate * duration is one short of the odd deposit (the rate rounds down).
    assert_eq!(s.client().withdraw(&s.recipient, &id), i128::MAX / 2 - 1);
    // rate * 10^12 overflows i128: accrual saturates at what is left.
    s.set_time(1_000_000_000_000);
    assert_eq!(s.claimable(id), 1);
    assert_eq!(s.client().withdraw(&s.recipient, &id), 1);
    assert_eq!(
        s.client().get_stream(&id).unwrap().status,
        StreamStatus::Completed
    );
    assert_eq!(s.balance(&s.recipient), i128::MAX / 2);
}

#[test]
fn durations_that_overflow_the_clock_are_invalid() {
    let s = funded(i128::MAX);
    let c = s.client();
    let (snd, rcp, tok) = (&s.sender, &s.recipient, &s.token);
    s.set_time(1_000);
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &i128::MAX, &u64::MAX),
        StreamError::InvalidDuration
    );
    assert_err!(
        c.try_create_stream(snd, rcp, tok, &i128::MAX, &(u64::MAX - 999)),
        StreamError::InvalidDuration
    );
    // The longest duration that still fits: start + duration == u64::MAX.
    let id = c.create_stream(snd, rcp, tok, &i128::MAX, &(u64::MAX - 1_000));
    let st = c.get_stream(&id).unwrap();
    assert_eq!(st.rate_per_second, i128::MAX / i128::from(u64::MAX - 1_000));
    // Its end time saturates rather than wrapping.
    c.pause_stream(snd, &id);
    assert_eq!(c.resume_stream(snd, &id), u64::MAX);
}

#[test]
fn a_long_duration_with_a_small_amount_is_an_invalid_rate() {
    let s = Setup::new();
    let c = s.client();
    assert_err!(
        c.try_create_stream(&s.sender, &s.recipient, &s.token, &1_000, &u64::MAX),
        StreamError::InvalidRate
    );
    assert_err!(
        c.try_create_stream(&s.sender, &s.recipient, &s.token, &1, &2),
        StreamError::InvalidRate
    );
}

#[test]
fn pause_and_resume_at_the_end_of_time() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(10);
    c.pause_stream(&s.sender, &id);
    s.set_time(u64::MAX);
    // The anchor shifts by the whole pause; the end time saturates at u64::MAX.
    assert_eq!(c.resume_stream(&s.sender, &id), u64::MAX);
    assert_eq!(s.claimable(id), 100);
    assert_eq!(c.withdraw(&s.recipient, &id), 100);
}

#[test]
fn accrual_helpers_saturate() {
    assert_eq!(accrual::seconds_to_stream(i128::MAX, 1), u64::MAX);
    assert_eq!(accrual::seconds_to_stream(10, 3), 4);
    assert_eq!(accrual::seconds_to_stream(9, 3), 3);
    assert_eq!(accrual::seconds_to_stream(0, 3), 0);
}

#[test]
fn error_codes_are_the_abi_codes() {
    use StreamError::*;
    let all = [
        InvalidAmount,
        StreamNotFound,
        Unauthorized,
        StreamInactive,
        AlreadyInitialized,
        NotAdmin,
        InvalidFeeRate,
        NotInitialized,
        InvalidDuration,
        InvalidTokenAddress,
        InvalidRate,
        StreamPaused,
        StreamNotPaused,
        StreamAlreadyPaused,
    ];
    for (code, e) in (1_u32..).zip(all) {
        assert_eq!(e as u32, code, "{e:?}");
    }
}
