//! flowfi-localnet: a local Soroban network in one process. The real Soroban host
//! (soroban-env-host, soroban-simulation) behind the Stellar RPC JSON-RPC API.

pub mod apply;
pub mod classic;
pub mod events;
pub mod genesis;
pub mod http;
pub mod ledger;
pub mod network;
pub mod persist;
pub mod rpc;
pub mod soroban;
pub mod util;
