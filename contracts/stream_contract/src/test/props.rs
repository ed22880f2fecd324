//! Property test (improvement 3, conservation) over random sequences of calls and time jumps,
//! with and without a protocol fee. After every step, for every stream:
//! `withdrawn + refunded + fees + still held == gross deposits`; the contract's token balance is
//! the sum of what it still holds; no call pays out more than the stream held; what the
//! recipient is entitled to (withdrawn + claimable) never shrinks, and only time makes it grow.
//! Every call's outcome (value or error code) is also predicted from the state before it.

use core::cell::Cell;
use std::{format, vec::Vec};

use proptest::{
    prelude::*,
    sample::Index,
    test_runner::{Config, TestCaseError, TestRunner},
};
use soroban_sdk::{
    testutils::{Address as _, Ledger as _},
    token::{Client as TokenClient, StellarAssetClient},
    Address, Env,
};

use super::new_env;
use crate::{fee_for, Stream, StreamContract, StreamContractClient, StreamError, StreamStatus};

const DEFAULT_CASES: u32 = 256;
pub const MAX_STEPS: usize = 40;
const FUNDS: i128 = 10_i128.pow(36);

#[derive(Clone, Debug)]
enum Op {
    Create {
        sender: usize,
        recipient: usize,
        amount: i128,
        duration: u64,
    },
    TopUp(Index, i128),
    Withdraw(Index),
    Pause(Index),
    Resume(Index),
    Cancel(Index),
    SetFee(u32),
    Wait(u64),
}

fn amount() -> impl Strategy<Value = i128> {
    prop_oneof![
        6 => 1_i128..=100_000,
        2 => 1_i128..=1_000_000_000_000_000,
        1 => 10_i128.pow(30)..=10_i128.pow(33),
    ]
}

fn duration() -> impl Strategy<Value = u64> {
    prop_oneof![4 => 1_u64..=1_000, 1 => 1_u64..=100_000_000]
}

fn wait() -> impl Strategy<Value = u64> {
    prop_oneof![
        8 => 0_u64..=300,
        2 => 0_u64..=10_000_000,
        1 => Just(u64::MAX / 4), // rate * elapsed overflows i128 for big rates
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0_usize..2, 0_usize..2, amount(), duration()).prop_map(|(sender, recipient, amount, duration)| Op::Create { sender, recipient, amount, duration }),
        2 => (any::<Index>(), amount()).prop_map(|(i, a)| Op::TopUp(i, a)),
        3 => any::<Index>().prop_map(Op::Withdraw),
        1 => any::<Index>().prop_map(Op::Pause),
        1 => any::<Index>().prop_map(Op::Resume),
        1 => any::<Index>().prop_map(Op::Cancel),
        1 => (0_u32..=1_000).prop_map(Op::SetFee),
        4 => wait().prop_map(Op::Wait),
    ]
}

/// Per stream, what went in and out according to the token balances.
#[derive(Clone, Debug, Default)]
struct Ledger {
    gross: i128,
    fees: i128,
    withdrawn: i128,
    refunded: i128,
}

struct World {
    env: Env,
    contract: Address,
    token: Address,
    admin: Address,
    treasury: Address,
    senders: [Address; 2],
    recipients: [Address; 2],
    fee_bps: Option<u32>,
    ledgers: Vec<Ledger>,
}

#[derive(Clone, Debug, PartialEq)]
struct Snapshot {
    contract: i128,
    treasury: i128,
    senders: [i128; 2],
    recipients: [i128; 2],
    streams: Vec<Stream>,
    claimable: Vec<i128>,
}

impl World {
    fn new(fee_bps: Option<u32>) -> Self {
        let env = new_env();
        env.mock_all_auths();
        let contract = env.register(StreamContract, ());
        let token = env
            .register_stellar_asset_contract_v2(Address::generate(&env))
            .address();
        let senders = [Address::generate(&env), Address::generate(&env)];
        let recipients = [Address::generate(&env), Address::generate(&env)];
        let sac = StellarAssetClient::new(&env, &token);
        for s in &senders {
            sac.mint(s, &FUNDS);
        }
        let w = World {
            admin: Address::generate(&env),
            treasury: Address::generate(&env),
            env,
            contract,
            token,
            senders,
            recipients,
            fee_bps,
            ledgers: Vec::new(),
        };
        if let Some(bps) = fee_bps {
            w.client().initialize(&w.admin, &w.treasury, &bps);
        }
        w
    }

    fn client(&self) -> StreamContractClient<'_> {
        StreamContractClient::new(&self.env, &self.contract)
    }

    fn snapshot(&self) -> Snapshot {
        let t = TokenClient::new(&self.env, &self.token);
        let c = self.client();
        let n = self.ledgers.len() as u64;
        Snapshot {
            contract: t.balance(&self.contract),
            treasury: t.balance(&self.treasury),
            senders: [t.balance(&self.senders[0]), t.balance(&self.senders[1])],
            recipients: [
                t.balance(&self.recipients[0]),
                t.balance(&self.recipients[1]),
            ],
            streams: (1..=n).map(|id| c.get_stream(&id).unwrap()).collect(),
            claimable: (1..=n)
                .map(|id| c.get_claimable_amount(&id).unwrap())
                .collect(),
        }
    }

    fn party(&self, addrs: &[Address; 2], who: &Address) -> usize {
        addrs.iter().position(|a| a == who).unwrap()
    }

    /// A stream id from an index: any existing stream, or one past the last (not found).
    fn pick(&self, i: &Index) -> u64 {
        i.index(self.ledgers.len() + 1) as u64 + 1
    }
}

fn held(st: &Stream) -> i128 {
    if st.is_active {
        st.deposited_amount - st.withdrawn_amount
    } else {
        0
    }
}

fn entitled(st: &Stream, claimable: i128) -> i128 {
    st.withdrawn_amount + claimable
}

type Outcome = Result<i128, StreamError>;

fn check(cond: bool, msg: impl FnOnce() -> std::string::String) -> Result<(), TestCaseError> {
    if cond {
        Ok(())
    } else {
        Err(TestCaseError::fail(msg()))
    }
}

/// What the call on `id` should return, from the state before it.
fn predict_stream_call(before: &Snapshot, id: u64, op: &Op) -> Outcome {
    let Some(st) = before.streams.get(id as usize - 1) else {
        return Err(StreamError::StreamNotFound);
    };
    let claimable = before.claimable[id as usize - 1];
    if !st.is_active {
        return Err(StreamError::StreamInactive);
    }
    match op {
        Op::Withdraw(_) if st.paused => Err(StreamError::StreamPaused),
        Op::Withdraw(_) if claimable == 0 => Err(StreamError::InvalidAmount),
        Op::Withdraw(_) => Ok(claimable),
        Op::Pause(_) if st.paused => Err(StreamError::StreamAlreadyPaused),
        Op::Resume(_) if !st.paused => Err(StreamError::StreamNotPaused),
        Op::TopUp(_, a) if st.deposited_amount.checked_add(*a).is_none() => {
            Err(StreamError::InvalidAmount)
        }
        _ => Ok(0),
    }
}

/// A `try_` call's result as an outcome; a host error (not a contract error) is a failure.
fn flat<T, CE: core::fmt::Debug>(
    r: Result<Result<T, CE>, Result<StreamError, soroban_sdk::InvokeError>>,
    f: impl Fn(T) -> i128,
) -> Result<Outcome, std::string::String> {
    match r {
        Ok(Ok(v)) => Ok(Ok(f(v))),
        Err(Ok(e)) => Ok(Err(e)),
        Ok(Err(e)) => Err(format!("conversion {e:?}")),
        Err(Err(e)) => Err(format!("{e:?}")),
    }
}

fn run_case(fee_bps: Option<u32>, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut w = World::new(fee_bps);
    // Each step's "after" is the next one's "before": nothing happens in between.
    let mut after = w.snapshot();
    for (step, op) in ops.iter().enumerate() {
        let before = after;
        let now = w.env.ledger().timestamp();
        let c = w.client();
        let mut touched: Option<u64> = None;
        let mut topped_up = 0;
        let outcome: Outcome = match op {
            Op::Wait(secs) => {
                w.env.ledger().set_timestamp(now.saturating_add(*secs));
                Ok(0)
            }
            Op::SetFee(bps) => {
                let r = flat(c.try_update_fee_config(&w.admin, &w.treasury, bps), |_| 0)
                    .map_err(|e| TestCaseError::fail(format!("set fee: host error {e}")))?;
                let expect = match w.fee_bps {
                    Some(_) => Ok(0),
                    None => Err(StreamError::NotInitialized),
                };
                check(r == expect, || {
                    format!("set fee: {r:?}, expected {expect:?}")
                })?;
                if r.is_ok() {
                    w.fee_bps = Some(*bps);
                }
                r
            }
            Op::Create {
                sender,
                recipient,
                amount,
                duration,
            } => {
                let fee = fee_for(*amount, w.fee_bps.unwrap_or(0));
                let expect = if now.checked_add(*duration).is_none() {
                    Err(StreamError::InvalidDuration)
                } else if (amount - fee) / i128::from(*duration) == 0 {
                    Err(StreamError::InvalidRate)
                } else {
                    Ok(w.ledgers.len() as i128 + 1)
                };
                let r = c.try_create_stream(
                    &w.senders[*sender],
                    &w.recipients[*recipient],
                    &w.token,
                    amount,
                    duration,
                );
                let got = match r {
                    Ok(Ok(id)) => Ok(id as i128),
                    Err(Ok(e)) => Err(e),
                    other => return Err(TestCaseError::fail(format!("create: {other:?}"))),
                };
                check(got == expect, || {
                    format!("create: {got:?}, expected {expect:?}")
                })?;
                if let Ok(id) = got {
                    w.ledgers.push(Ledger {
                        gross: *amount,
                        ..Ledger::default()
                    });
                    touched = Some(id as u64);
                }
                got
            }
            Op::TopUp(i, _) | Op::Withdraw(i) | Op::Pause(i) | Op::Resume(i) | Op::Cancel(i) => {
                let id = w.pick(i);
                let expect = predict_stream_call(&before, id, op);
                let sender = before
                    .streams
                    .get(id as usize - 1)
                    .map(|s| s.sender.clone());
                let recipient = before
                    .streams
                    .get(id as usize - 1)
                    .map(|s| s.recipient.clone());
                // The right party for each call (auth is tested elsewhere).
                let snd = sender.unwrap_or_else(|| w.senders[0].clone());
                let rcp = recipient.unwrap_or_else(|| w.recipients[0].clone());
                let got = match op {
                    Op::TopUp(_, a) => {
                        topped_up = *a;
                        flat(c.try_top_up_stream(&snd, &id, a), |_| 0)
                    }
                    Op::Withdraw(_) => flat(c.try_withdraw(&rcp, &id), |v| v),
                    Op::Pause(_) => flat(c.try_pause_stream(&snd, &id), |_| 0),
                    Op::Resume(_) => flat(c.try_resume_stream(&snd, &id), |_| 0),
                    _ => flat(c.try_cancel_stream(&snd, &id), |_| 0),
                }
                .map_err(|e| TestCaseError::fail(format!("{op:?}: host error {e}")))?;
                check(got == expect, || {
                    format!("step {step} {op:?} on {id}: {got:?}, expected {expect:?}")
                })?;
                if got.is_ok() {
                    touched = Some(id);
                }
                got
            }
        };

        after = w.snapshot();
        let msg = |what: &str| format!("step {step} {op:?} -> {outcome:?}: {what}");
        if outcome.is_err() {
            check(after == before, || msg("a failed call changed state"))?;
            continue;
        }

        // Attribute the balance changes to the one stream the call touched.
        let d_treasury = after.treasury - before.treasury;
        if let Some(id) = touched {
            let idx = id as usize - 1;
            let st = &after.streams[idx];
            let si = w.party(&w.senders, &st.sender);
            let ri = w.party(&w.recipients, &st.recipient);
            let d_sender = after.senders[si] - before.senders[si];
            let d_recipient = after.recipients[ri] - before.recipients[ri];
            let held_before = before.streams.get(idx).map_or(0, held);
            let l = &mut w.ledgers[idx];
            match op {
                Op::Create { amount, .. } => {
                    check(d_sender == -amount, || msg("create took the gross amount"))?;
                    check(
                        d_treasury == fee_for(*amount, w.fee_bps.unwrap_or(0)),
                        || msg("fee"),
                    )?;
                }
                Op::TopUp(..) => {
                    l.gross += topped_up;
                    check(d_sender == -topped_up, || {
                        msg("top-up took the gross amount")
                    })?;
                    check(
                        d_treasury == fee_for(topped_up, w.fee_bps.unwrap_or(0)),
                        || msg("fee"),
                    )?;
                }
                Op::Cancel(_) => {
                    check(d_sender >= 0 && d_treasury == 0, || msg("cancel moves"))?;
                    l.refunded += d_sender;
                }
                _ => check(d_sender == 0 && d_treasury == 0, || {
                    msg("no sender/fee moves")
                })?,
            }
            l.fees += d_treasury;
            check(d_recipient >= 0, || msg("recipient never pays"))?;
            l.withdrawn += d_recipient;
            let paid = d_recipient
                + if matches!(op, Op::Cancel(_)) {
                    d_sender
                } else {
                    0
                };
            check(paid <= held_before, || {
                msg("paid out more than the stream held")
            })?;
            if let Op::Withdraw(_) = op {
                check(outcome == Ok(d_recipient), || {
                    msg("withdraw returns what it paid")
                })?;
                check(after.claimable[idx] == 0, || {
                    msg("nothing left to claim after withdraw")
                })?;
            }
        } else {
            check(after.contract == before.contract && d_treasury == 0, || {
                msg("no token moves")
            })?;
            check(
                after.senders == before.senders && after.recipients == before.recipients,
                || msg("no token moves"),
            )?;
        }

        // Conservation, per stream and for the contract as a whole.
        let mut total_held = 0;
        for (idx, (st, l)) in after.streams.iter().zip(&w.ledgers).enumerate() {
            let h = held(st);
            total_held += h;
            let m = |what: &str| format!("{} (stream {}: {st:?}, {l:?})", msg(what), idx + 1);
            check(st.deposited_amount == l.gross - l.fees, || {
                m("deposited == gross - fees")
            })?;
            check(st.withdrawn_amount == l.withdrawn, || {
                m("withdrawn matches payouts")
            })?;
            check(h >= 0, || m("held >= 0"))?;
            check(l.withdrawn + l.refunded + l.fees + h == l.gross, || {
                m("conservation")
            })?;
            check(
                st.is_active == matches!(st.status, StreamStatus::Active | StreamStatus::Paused),
                || m("is_active vs status"),
            )?;
            check(
                st.paused == (st.status == StreamStatus::Paused)
                    && st.paused == st.paused_at.is_some(),
                || m("paused vs status"),
            )?;
            // Completed means fully withdrawn (a cancel after full accrual stays Cancelled);
            // an active stream always has something left.
            if st.status == StreamStatus::Completed {
                check(
                    !st.is_active && st.withdrawn_amount == st.deposited_amount && l.refunded == 0,
                    || m("completed means fully withdrawn"),
                )?;
            }
            if st.is_active {
                check(st.withdrawn_amount < st.deposited_amount, || {
                    m("active with nothing left")
                })?;
            }
            // The recipient's entitlement: never more than deposited, never shrinks, and
            // only time makes it grow (a top-up, pause, resume or cancel keeps it exactly).
            let e = entitled(st, after.claimable[idx]);
            check(e <= st.deposited_amount, || m("entitlement <= deposited"))?;
            if let Some(prev) = before.streams.get(idx) {
                let e0 = entitled(prev, before.claimable[idx]);
                match op {
                    Op::Wait(_) => check(e >= e0, || m("entitlement shrank over time"))?,
                    _ => check(e == e0, || m("a call changed the entitlement"))?,
                }
            }
        }
        check(after.contract == total_held, || {
            msg("contract balance == sum held")
        })?;
    }
    Ok(())
}

#[test]
fn conservation_over_random_call_sequences() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let fee = prop_oneof![Just(None), (0_u32..=1_000).prop_map(Some)];
    let strategy = (fee, prop::collection::vec(op(), 1..=MAX_STEPS));
    let runs = Cell::new(0_u32);
    let steps = Cell::new(0_usize);
    let result = TestRunner::new(config).run(&strategy, |(fee_bps, ops)| {
        runs.set(runs.get() + 1);
        steps.set(steps.get() + ops.len());
        run_case(fee_bps, &ops)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    std::println!(
        "conservation: {cases} cases passed ({} runs, {} calls, up to {MAX_STEPS} steps each)",
        runs.get(),
        steps.get()
    );
}
