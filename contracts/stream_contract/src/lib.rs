//! FlowFi stream contract: a sender deposits a SEP-41 token, the recipient accrues it every
//! second and withdraws what has accrued; the sender can top up, pause, resume or cancel.
//!
//! Wire-compatible with the public FlowFi interface (`shared/specs/contract-abi.md`), with the
//! defects listed there fixed: top-ups never touch accrued funds nor make a dry spell claimable,
//! every write extends storage TTLs, payouts follow checks-effects-interactions, and all
//! arithmetic is checked.
#![no_std]

mod accrual;
mod errors;
mod events;
mod storage;
mod types;

#[cfg(test)]
extern crate std;
#[cfg(test)]
mod test;

use soroban_sdk::{contract, contractimpl, token, vec, Address, Env, InvokeError, Symbol};

pub use accrual::{claimable_at, end_time, fee_for, seconds_to_stream};
pub use errors::StreamError;
pub use events::{
    AdminTransferredEvent, FeeCollectedEvent, FeeConfigUpdatedEvent, InitializedEvent,
    StreamCancelledEvent, StreamCompletedEvent, StreamCreatedEvent, StreamPausedEvent,
    StreamResumedEvent, StreamToppedUpEvent, TokensWithdrawnEvent,
};
pub use types::{DataKey, ProtocolConfig, Stream, StreamStatus};

use events::{emit_protocol_event, emit_stream_event};
use storage::{
    load_config, load_stream, next_stream_id, require_config, require_stream, save_config,
    save_stream,
};

/// 1,000 bps = 10%.
pub const MAX_FEE_RATE_BPS: u32 = 1_000;

#[contract]
pub struct StreamContract;

#[contractimpl]
impl StreamContract {
    // ----- protocol administration -----

    /// Sets the admin, the treasury and the fee once. Streams work without it (no fee).
    pub fn initialize(
        env: Env,
        admin: Address,
        treasury: Address,
        fee_rate_bps: u32,
    ) -> Result<(), StreamError> {
        admin.require_auth();
        if load_config(&env).is_some() {
            return Err(StreamError::AlreadyInitialized);
        }
        check_fee_rate(fee_rate_bps)?;
        save_config(
            &env,
            &ProtocolConfig {
                admin: admin.clone(),
                treasury: treasury.clone(),
                fee_rate_bps,
            },
        );
        emit_protocol_event(
            &env,
            "initialized",
            InitializedEvent {
                admin,
                treasury,
                fee_rate_bps,
            },
        );
        Ok(())
    }

    pub fn update_fee_config(
        env: Env,
        admin: Address,
        treasury: Address,
        fee_rate_bps: u32,
    ) -> Result<(), StreamError> {
        admin.require_auth();
        let config = require_config(&env)?;
        if config.admin != admin {
            return Err(StreamError::NotAdmin);
        }
        check_fee_rate(fee_rate_bps)?;
        save_config(
            &env,
            &ProtocolConfig {
                admin: admin.clone(),
                treasury: treasury.clone(),
                fee_rate_bps,
            },
        );
        emit_protocol_event(
            &env,
            "fee_config_updated",
            FeeConfigUpdatedEvent {
                admin,
                old_treasury: config.treasury,
                new_treasury: treasury,
                old_fee_rate_bps: config.fee_rate_bps,
                new_fee_rate_bps: fee_rate_bps,
            },
        );
        Ok(())
    }

    pub fn transfer_admin(
        env: Env,
        current_admin: Address,
        new_admin: Address,
    ) -> Result<(), StreamError> {
        current_admin.require_auth();
        let config = require_config(&env)?;
        if config.admin != current_admin {
            return Err(StreamError::NotAdmin);
        }
        save_config(
            &env,
            &ProtocolConfig {
                admin: new_admin.clone(),
                treasury: config.treasury,
                fee_rate_bps: config.fee_rate_bps,
            },
        );
        emit_protocol_event(
            &env,
            "admin_transferred",
            AdminTransferredEvent {
                previous_admin: current_admin,
                new_admin,
            },
        );
        Ok(())
    }

    pub fn get_fee_config(env: Env) -> Option<ProtocolConfig> {
        load_config(&env)
    }

    // ----- streams -----

    /// Deposits `amount` (gross; the fee goes to the treasury) to stream over `duration`
    /// seconds at `rate = net / duration`. Returns the new stream id.
    pub fn create_stream(
        env: Env,
        sender: Address,
        recipient: Address,
        token_address: Address,
        amount: i128,
        duration: u64,
    ) -> Result<u64, StreamError> {
        sender.require_auth();
        if amount <= 0 {
            return Err(StreamError::InvalidAmount);
        }
        let now = env.ledger().timestamp();
        if duration == 0 || now.checked_add(duration).is_none() {
            return Err(StreamError::InvalidDuration);
        }
        check_token(&env, &token_address)?;

        let (fee, treasury) = fee_split(&env, amount);
        let net = amount - fee;
        let rate_per_second = net / i128::from(duration);
        if rate_per_second == 0 {
            return Err(StreamError::InvalidRate);
        }

        let stream_id = next_stream_id(&env)?;
        let stream = Stream {
            sender: sender.clone(),
            recipient: recipient.clone(),
            token_address: token_address.clone(),
            rate_per_second,
            deposited_amount: net,
            withdrawn_amount: 0,
            start_time: now,
            last_update_time: now,
            is_active: true,
            paused: false,
            paused_at: None,
            status: StreamStatus::Active,
        };
        save_stream(&env, stream_id, &stream);

        collect_deposit(&env, &token_address, &sender, net, fee, treasury, stream_id);
        emit_stream_event(
            &env,
            "stream_created",
            stream_id,
            StreamCreatedEvent {
                stream_id,
                sender,
                recipient,
                rate_per_second,
                token_address,
                deposited_amount: net,
                start_time: now,
            },
        );
        Ok(stream_id)
    }

    /// Adds `amount` (gross) to an active or paused stream at the same rate, so it ends later.
    /// What has accrued stays the recipient's; if the stream had run dry, that accrued balance
    /// is paid out first and the new funds accrue from now, so the dry spell earns nothing.
    pub fn top_up_stream(
        env: Env,
        sender: Address,
        stream_id: u64,
        amount: i128,
    ) -> Result<(), StreamError> {
        sender.require_auth();
        if amount <= 0 {
            return Err(StreamError::InvalidAmount);
        }
        let mut stream = active_stream_of(&env, &sender, stream_id)?;
        let now = env.ledger().timestamp();
        let (fee, treasury) = fee_split(&env, amount);
        let net = amount - fee;

        // A dry stream: everything deposited has accrued, and the anchor is so far back that
        // new funds would count as accrued at once. Settle the accrued balance and re-anchor.
        let owed = accrual::remaining(&stream);
        let dry_payout = if owed > 0 && claimable_at(&stream, now) == owed {
            stream.withdrawn_amount += owed;
            stream.last_update_time = accrual::accrual_time(&stream, now);
            owed
        } else {
            0
        };
        stream.deposited_amount = stream
            .deposited_amount
            .checked_add(net)
            .ok_or(StreamError::InvalidAmount)?;
        let new_end_time = end_time(&stream, now);
        save_stream(&env, stream_id, &stream);

        collect_deposit(
            &env,
            &stream.token_address,
            &sender,
            net,
            fee,
            treasury,
            stream_id,
        );
        if dry_payout > 0 {
            pay_out(&env, &stream, stream_id, dry_payout, now);
        }
        emit_stream_event(
            &env,
            "stream_topped_up",
            stream_id,
            StreamToppedUpEvent {
                stream_id,
                sender,
                amount: net,
                new_deposited_amount: stream.deposited_amount,
                new_end_time,
            },
        );
        Ok(())
    }

    /// Pays the recipient everything accrued so far; returns the amount.
    pub fn withdraw(env: Env, recipient: Address, stream_id: u64) -> Result<i128, StreamError> {
        recipient.require_auth();
        let mut stream = require_stream(&env, stream_id)?;
        if stream.recipient != recipient {
            return Err(StreamError::Unauthorized);
        }
        if !stream.is_active {
            return Err(StreamError::StreamInactive);
        }
        if stream.paused {
            return Err(StreamError::StreamPaused);
        }
        let now = env.ledger().timestamp();
        let amount = claimable_at(&stream, now);
        if amount <= 0 {
            return Err(StreamError::InvalidAmount);
        }

        // Effects first, then the token transfer.
        stream.withdrawn_amount += amount;
        stream.last_update_time = now;
        let completed = stream.withdrawn_amount >= stream.deposited_amount;
        if completed {
            stream.is_active = false;
            stream.status = StreamStatus::Completed;
        }
        save_stream(&env, stream_id, &stream);

        pay_out(&env, &stream, stream_id, amount, now);
        if completed {
            emit_stream_event(
                &env,
                "stream_completed",
                stream_id,
                StreamCompletedEvent {
                    stream_id,
                    recipient,
                    total_withdrawn: stream.withdrawn_amount,
                },
            );
        }
        Ok(amount)
    }

    /// Ends the stream: the recipient gets what has accrued, the sender the rest.
    pub fn cancel_stream(env: Env, sender: Address, stream_id: u64) -> Result<(), StreamError> {
        sender.require_auth();
        let mut stream = active_stream_of(&env, &sender, stream_id)?;
        let now = env.ledger().timestamp();
        let payout = claimable_at(&stream, now);
        let refund = accrual::remaining(&stream) - payout;

        stream.withdrawn_amount += payout;
        stream.last_update_time = accrual::accrual_time(&stream, now);
        stream.is_active = false;
        stream.paused = false;
        stream.paused_at = None;
        stream.status = StreamStatus::Cancelled;
        save_stream(&env, stream_id, &stream);

        let token = token::Client::new(&env, &stream.token_address);
        let this = env.current_contract_address();
        if payout > 0 {
            token.transfer(&this, &stream.recipient, &payout);
        }
        if refund > 0 {
            token.transfer(&this, &stream.sender, &refund);
        }
        emit_stream_event(
            &env,
            "stream_cancelled",
            stream_id,
            StreamCancelledEvent {
                stream_id,
                sender,
                recipient: stream.recipient.clone(),
                amount_withdrawn: stream.withdrawn_amount,
                refunded_amount: refund,
            },
        );
        Ok(())
    }

    /// Freezes accrual until `resume_stream`.
    pub fn pause_stream(env: Env, sender: Address, stream_id: u64) -> Result<(), StreamError> {
        sender.require_auth();
        let mut stream = active_stream_of(&env, &sender, stream_id)?;
        if stream.paused {
            return Err(StreamError::StreamAlreadyPaused);
        }
        let now = env.ledger().timestamp();
        stream.paused = true;
        stream.paused_at = Some(now);
        stream.status = StreamStatus::Paused;
        save_stream(&env, stream_id, &stream);
        emit_stream_event(
            &env,
            "stream_paused",
            stream_id,
            StreamPausedEvent {
                stream_id,
                sender,
                paused_at: now,
            },
        );
        Ok(())
    }

    /// Restarts accrual; the pause is not counted. Returns the new end time.
    pub fn resume_stream(env: Env, sender: Address, stream_id: u64) -> Result<u64, StreamError> {
        sender.require_auth();
        let mut stream = active_stream_of(&env, &sender, stream_id)?;
        if !stream.paused {
            return Err(StreamError::StreamNotPaused);
        }
        let now = env.ledger().timestamp();
        let paused_for = now.saturating_sub(stream.paused_at.unwrap_or(now));
        stream.last_update_time = stream.last_update_time.saturating_add(paused_for);
        stream.paused = false;
        stream.paused_at = None;
        stream.status = StreamStatus::Active;
        let new_end_time = end_time(&stream, now);
        save_stream(&env, stream_id, &stream);
        emit_stream_event(
            &env,
            "stream_resumed",
            stream_id,
            StreamResumedEvent {
                stream_id,
                sender,
                new_end_time,
            },
        );
        Ok(new_end_time)
    }

    // ----- reads -----

    pub fn get_stream(env: Env, stream_id: u64) -> Option<Stream> {
        load_stream(&env, stream_id)
    }

    pub fn is_stream_completed(env: Env, stream_id: u64) -> bool {
        load_stream(&env, stream_id).is_some_and(|s| s.status == StreamStatus::Completed)
    }

    /// What `withdraw` would pay now (zero once the stream has ended).
    pub fn get_claimable_amount(env: Env, stream_id: u64) -> Option<i128> {
        let stream = load_stream(&env, stream_id)?;
        if !stream.is_active {
            return Some(0);
        }
        Some(claimable_at(&stream, env.ledger().timestamp()))
    }
}

fn check_fee_rate(fee_rate_bps: u32) -> Result<(), StreamError> {
    if fee_rate_bps > MAX_FEE_RATE_BPS {
        return Err(StreamError::InvalidFeeRate);
    }
    Ok(())
}

/// A token must answer `decimals()`; anything else (no contract, a panic, a wrong type) is
/// `InvalidTokenAddress`.
fn check_token(env: &Env, token_address: &Address) -> Result<(), StreamError> {
    match env.try_invoke_contract::<u32, InvokeError>(
        token_address,
        &Symbol::new(env, "decimals"),
        vec![env],
    ) {
        Ok(Ok(_)) => Ok(()),
        _ => Err(StreamError::InvalidTokenAddress),
    }
}

/// The protocol fee on a gross deposit and who receives it (no fee before `initialize`).
fn fee_split(env: &Env, amount: i128) -> (i128, Option<Address>) {
    match load_config(env) {
        Some(config) if config.fee_rate_bps > 0 => {
            (fee_for(amount, config.fee_rate_bps), Some(config.treasury))
        }
        _ => (0, None),
    }
}

/// Moves a deposit in: the net amount to the contract, the fee straight to the treasury.
fn collect_deposit(
    env: &Env,
    token_address: &Address,
    sender: &Address,
    net: i128,
    fee: i128,
    treasury: Option<Address>,
    stream_id: u64,
) {
    let token = token::Client::new(env, token_address);
    token.transfer(sender, env.current_contract_address(), &net);
    if let (true, Some(treasury)) = (fee > 0, treasury) {
        token.transfer(sender, &treasury, &fee);
        emit_stream_event(
            env,
            "fee_collected",
            stream_id,
            FeeCollectedEvent {
                stream_id,
                treasury,
                fee_amount: fee,
                token: token_address.clone(),
            },
        );
    }
}

/// Pays accrued tokens to the recipient (state already saved) and announces it.
/// The active stream `stream_id` when `sender` is its sender: the checks of every sender action.
fn active_stream_of(env: &Env, sender: &Address, stream_id: u64) -> Result<Stream, StreamError> {
    let stream = require_stream(env, stream_id)?;
    if stream.sender != *sender {
        return Err(StreamError::Unauthorized);
    }
    if !stream.is_active {
        return Err(StreamError::StreamInactive);
    }
    Ok(stream)
}

fn pay_out(env: &Env, stream: &Stream, stream_id: u64, amount: i128, now: u64) {
    token::Client::new(env, &stream.token_address).transfer(
        &env.current_contract_address(),
        &stream.recipient,
        &amount,
    );
    emit_stream_event(
        env,
        "tokens_withdrawn",
        stream_id,
        TokensWithdrawnEvent {
            stream_id,
            recipient: stream.recipient.clone(),
            amount,
            timestamp: now,
        },
    );
}
