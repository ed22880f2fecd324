//! Event payloads. On the wire each event is `topics = (Symbol(name), stream_id)` (or just
//! `(Symbol(name),)` for protocol events) and `data = ScMap` of the struct's fields, exactly as
//! the public FlowFi contract emits them.
//!
//! soroban-sdk deprecates `events().publish` in favour of `#[contractevent]`, but that macro
//! cannot put `stream_id` both in the topics and in the data map, which the wire format needs.
//! So we keep `publish` (in one place, `emit`) and describe the events in the contract spec
//! ourselves (see `build.rs`).

use soroban_sdk::{contracttype, Address, Env, IntoVal, Symbol, Val};

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamCreatedEvent {
    pub stream_id: u64,
    pub sender: Address,
    pub recipient: Address,
    pub rate_per_second: i128,
    pub token_address: Address,
    pub deposited_amount: i128,
    pub start_time: u64,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamToppedUpEvent {
    pub stream_id: u64,
    pub sender: Address,
    pub amount: i128,
    pub new_deposited_amount: i128,
    pub new_end_time: u64,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct TokensWithdrawnEvent {
    pub stream_id: u64,
    pub recipient: Address,
    pub amount: i128,
    pub timestamp: u64,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamCancelledEvent {
    pub stream_id: u64,
    pub sender: Address,
    pub recipient: Address,
    pub amount_withdrawn: i128,
    pub refunded_amount: i128,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamPausedEvent {
    pub stream_id: u64,
    pub sender: Address,
    pub paused_at: u64,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamResumedEvent {
    pub stream_id: u64,
    pub sender: Address,
    pub new_end_time: u64,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct StreamCompletedEvent {
    pub stream_id: u64,
    pub recipient: Address,
    pub total_withdrawn: i128,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FeeCollectedEvent {
    pub stream_id: u64,
    pub treasury: Address,
    pub fee_amount: i128,
    pub token: Address,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct InitializedEvent {
    pub admin: Address,
    pub treasury: Address,
    pub fee_rate_bps: u32,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FeeConfigUpdatedEvent {
    pub admin: Address,
    pub old_treasury: Address,
    pub new_treasury: Address,
    pub old_fee_rate_bps: u32,
    pub new_fee_rate_bps: u32,
}

#[contracttype]
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct AdminTransferredEvent {
    pub previous_admin: Address,
    pub new_admin: Address,
}

/// A stream event: topics `(name, stream_id)`.
#[allow(deprecated)]
pub fn emit_stream_event<D: IntoVal<Env, Val>>(env: &Env, name: &str, stream_id: u64, data: D) {
    env.events()
        .publish((Symbol::new(env, name), stream_id), data);
}

/// A protocol event: topics `(name,)`.
#[allow(deprecated)]
pub fn emit_protocol_event<D: IntoVal<Env, Val>>(env: &Env, name: &str, data: D) {
    env.events().publish((Symbol::new(env, name),), data);
}
