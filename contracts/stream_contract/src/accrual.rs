//! Pure stream arithmetic, shared by every entry point and mirrored by the desktop app.
//!
//! `claimable(now) = min(rate * (t - last_update_time), deposited - withdrawn)` where `t` is
//! `paused_at` while paused, else `now`. Overflow of `rate * elapsed` saturates to the remaining
//! balance, which is what accrual would reach long before.

use crate::types::Stream;

/// Net tokens still held for the stream (accrued or not).
pub fn remaining(stream: &Stream) -> i128 {
    stream
        .deposited_amount
        .checked_sub(stream.withdrawn_amount)
        .unwrap_or(0)
        .max(0)
}

/// The instant accrual is measured at: frozen at `paused_at` while paused.
pub fn accrual_time(stream: &Stream, now: u64) -> u64 {
    if stream.paused {
        stream.paused_at.unwrap_or(stream.last_update_time)
    } else {
        now
    }
}

pub fn claimable_at(stream: &Stream, now: u64) -> i128 {
    let remaining = remaining(stream);
    let elapsed = accrual_time(stream, now).saturating_sub(stream.last_update_time);
    match i128::from(elapsed).checked_mul(stream.rate_per_second) {
        Some(streamed) => streamed.clamp(0, remaining),
        None => remaining,
    }
}

/// When everything deposited will have accrued; for a paused stream, as if it resumed `now`.
/// Rounded up to whole seconds: a rate that does not divide the deposit ends a little later
/// than requested, never earlier.
pub fn end_time(stream: &Stream, now: u64) -> u64 {
    let anchor = match (stream.paused, stream.paused_at) {
        (true, Some(paused_at)) => stream
            .last_update_time
            .saturating_add(now.saturating_sub(paused_at)),
        _ => stream.last_update_time,
    };
    anchor.saturating_add(seconds_to_stream(remaining(stream), stream.rate_per_second))
}

/// `ceil(amount / rate)` as whole seconds, saturating at `u64::MAX`.
pub fn seconds_to_stream(amount: i128, rate: i128) -> u64 {
    if amount <= 0 || rate <= 0 {
        return 0;
    }
    let whole = amount / rate;
    let secs = if amount % rate == 0 { whole } else { whole + 1 };
    u64::try_from(secs).unwrap_or(u64::MAX)
}

/// `floor(amount * bps / 10_000)` without overflowing for amounts near `i128::MAX`.
pub fn fee_for(amount: i128, fee_rate_bps: u32) -> i128 {
    let bps = i128::from(fee_rate_bps);
    (amount / 10_000) * bps + (amount % 10_000) * bps / 10_000
}
