//! Storage layout and lifetimes. Streams live in persistent storage under `DataKey::Stream(id)`;
//! the counter and the fee config in instance storage. Every write extends the TTL of what it
//! touches, so a long-running stream is never archived while it is in use.

use soroban_sdk::Env;

use crate::errors::StreamError;
use crate::types::{DataKey, ProtocolConfig, Stream};

const DAY_IN_LEDGERS: u32 = 17_280;
/// Extend when fewer than this many ledgers of life remain...
const TTL_THRESHOLD: u32 = 30 * DAY_IN_LEDGERS;
/// ...to this many (capped by the network's maximum).
const TTL_EXTEND_TO: u32 = 120 * DAY_IN_LEDGERS;

fn extend_to(env: &Env) -> u32 {
    TTL_EXTEND_TO.min(env.storage().max_ttl())
}

fn threshold(env: &Env) -> u32 {
    TTL_THRESHOLD.min(extend_to(env))
}

pub fn bump_instance(env: &Env) {
    env.storage()
        .instance()
        .extend_ttl(threshold(env), extend_to(env));
}

pub fn load_config(env: &Env) -> Option<ProtocolConfig> {
    env.storage().instance().get(&DataKey::ProtocolConfig)
}

pub fn require_config(env: &Env) -> Result<ProtocolConfig, StreamError> {
    load_config(env).ok_or(StreamError::NotInitialized)
}

pub fn save_config(env: &Env, config: &ProtocolConfig) {
    env.storage()
        .instance()
        .set(&DataKey::ProtocolConfig, config);
    bump_instance(env);
}

/// Allocates the next stream id: 1, 2, 3, ...
pub fn next_stream_id(env: &Env) -> Result<u64, StreamError> {
    let last: u64 = env
        .storage()
        .instance()
        .get(&DataKey::StreamCounter)
        .unwrap_or(0);
    let id = last.checked_add(1).ok_or(StreamError::InvalidAmount)?;
    env.storage().instance().set(&DataKey::StreamCounter, &id);
    bump_instance(env);
    Ok(id)
}

pub fn load_stream(env: &Env, stream_id: u64) -> Option<Stream> {
    env.storage().persistent().get(&DataKey::Stream(stream_id))
}

pub fn require_stream(env: &Env, stream_id: u64) -> Result<Stream, StreamError> {
    load_stream(env, stream_id).ok_or(StreamError::StreamNotFound)
}

pub fn save_stream(env: &Env, stream_id: u64, stream: &Stream) {
    let key = DataKey::Stream(stream_id);
    let persistent = env.storage().persistent();
    persistent.set(&key, stream);
    persistent.extend_ttl(&key, threshold(env), extend_to(env));
    bump_instance(env);
}
