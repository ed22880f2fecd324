//! Protocol administration: initialize, fee config, admin transfer.

use soroban_sdk::{testutils::Address as _, Address};

use super::Setup;
use crate::{
    assert_err, AdminTransferredEvent, FeeConfigUpdatedEvent, InitializedEvent, ProtocolConfig,
    StreamError, MAX_FEE_RATE_BPS,
};

#[test]
fn get_fee_config_is_none_before_initialize() {
    let s = Setup::new();
    assert_eq!(s.client().get_fee_config(), None);
}

#[test]
fn initialize_stores_config_and_announces_it() {
    let s = Setup::new();
    s.client().initialize(&s.admin, &s.treasury, &250);
    // Events are those of the last invocation: read them before any other call.
    let events = s.events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "initialized");
    assert_eq!(
        events[0].topics.len(),
        1,
        "protocol events have only the name topic"
    );
    assert_eq!(
        s.data::<InitializedEvent>(&events[0]),
        InitializedEvent {
            admin: s.admin.clone(),
            treasury: s.treasury.clone(),
            fee_rate_bps: 250
        }
    );
    assert_eq!(
        s.client().get_fee_config(),
        Some(ProtocolConfig {
            admin: s.admin.clone(),
            treasury: s.treasury.clone(),
            fee_rate_bps: 250
        })
    );
}

#[test]
fn initialize_only_once() {
    let s = Setup::with_fee(100);
    let other = Address::generate(&s.env);
    assert_err!(
        s.client().try_initialize(&other, &other, &0),
        StreamError::AlreadyInitialized
    );
    assert_eq!(s.client().get_fee_config().unwrap().admin, s.admin);
}

#[test]
fn fee_rate_is_capped_at_1000_bps() {
    let s = Setup::new();
    assert_err!(
        s.client()
            .try_initialize(&s.admin, &s.treasury, &(MAX_FEE_RATE_BPS + 1)),
        StreamError::InvalidFeeRate
    );
    assert_eq!(s.client().get_fee_config(), None);
    s.client()
        .initialize(&s.admin, &s.treasury, &MAX_FEE_RATE_BPS);
    assert_err!(
        s.client()
            .try_update_fee_config(&s.admin, &s.treasury, &u32::MAX),
        StreamError::InvalidFeeRate
    );
    assert_eq!(s.client().get_fee_config().unwrap().fee_rate_bps, 1_000);
}

#[test]
fn admin_calls_need_initialize() {
    let s = Setup::new();
    assert_err!(
        s.client().try_update_fee_config(&s.admin, &s.treasury, &10),
        StreamError::NotInitialized
    );
    assert_err!(
        s.client().try_transfer_admin(&s.admin, &s.treasury),
        StreamError::NotInitialized
    );
}

#[test]
fn update_fee_config_changes_treasury_and_rate() {
    let s = Setup::with_fee(100);
    let new_treasury = Address::generate(&s.env);
    s.client().update_fee_config(&s.admin, &new_treasury, &300);
    let events = s.events();
    assert_eq!(
        s.client().get_fee_config(),
        Some(ProtocolConfig {
            admin: s.admin.clone(),
            treasury: new_treasury.clone(),
            fee_rate_bps: 300
        })
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].name, "fee_config_updated");
    assert_eq!(events[0].topics.len(), 1);
    assert_eq!(
        s.data::<FeeConfigUpdatedEvent>(&events[0]),
        FeeConfigUpdatedEvent {
            admin: s.admin.clone(),
            old_treasury: s.treasury.clone(),
            new_treasury: new_treasury.clone(),
            old_fee_rate_bps: 100,
            new_fee_rate_bps: 300,
        }
    );

    // The next deposit pays the new rate to the new treasury.
    s.create(10_000, 100);
    assert_eq!(s.balance(&new_treasury), 300);
    assert_eq!(s.balance(&s.treasury), 0);
}

#[test]
fn only_the_admin_updates_the_fee() {
    let s = Setup::with_fee(100);
    let intruder = Address::generate(&s.env);
    assert_err!(
        s.client().try_update_fee_config(&intruder, &intruder, &0),
        StreamError::NotAdmin
    );
    assert_eq!(s.client().get_fee_config().unwrap().treasury, s.treasury);
}

#[test]
fn transfer_admin_hands_over_control() {
    let s = Setup::with_fee(100);
    let new_admin = Address::generate(&s.env);
    let intruder = Address::generate(&s.env);
    assert_err!(
        s.client().try_transfer_admin(&intruder, &intruder),
        StreamError::NotAdmin
    );

    s.client().transfer_admin(&s.admin, &new_admin);
    let events = s.events();
    assert_eq!(s.event_names(), ["admin_transferred"]);
    assert_eq!(events[0].topics.len(), 1);
    assert_eq!(
        s.data::<AdminTransferredEvent>(&events[0]),
        AdminTransferredEvent {
            previous_admin: s.admin.clone(),
            new_admin: new_admin.clone()
        }
    );
    let config = s.client().get_fee_config().unwrap();
    assert_eq!(
        config,
        ProtocolConfig {
            admin: new_admin.clone(),
            treasury: s.treasury.clone(),
            fee_rate_bps: 100
        }
    );

    // The old admin is now just anyone; the new one is in charge.
    assert_err!(
        s.client().try_update_fee_config(&s.admin, &s.treasury, &0),
        StreamError::NotAdmin
    );
    assert_err!(
        s.client().try_transfer_admin(&s.admin, &s.admin),
        StreamError::NotAdmin
    );
    s.client().update_fee_config(&new_admin, &s.treasury, &0);
    assert_eq!(s.client().get_fee_config().unwrap().fee_rate_bps, 0);
}
