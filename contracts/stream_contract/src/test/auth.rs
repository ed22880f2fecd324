//! Authorization: the right address must sign each call. A wrong address passed as the caller
//! gets the contract's error; the right address without its signature fails in the host.

use std::vec;

use soroban_sdk::{
    symbol_short,
    testutils::{Address as _, AuthorizedFunction, AuthorizedInvocation, MockAuth, MockAuthInvoke},
    Address, IntoVal, InvokeError, Symbol, Val, Vec,
};

use super::Setup;
use crate::{assert_err, StreamError};

/// The single top-level authorization the last call required: (signer, function, args).
fn only_auth(s: &Setup) -> (Address, Symbol, Vec<Val>) {
    let auths = s.env.auths();
    assert_eq!(auths.len(), 1, "exactly one signer: {auths:?}");
    let (who, inv) = auths.into_iter().next().unwrap();
    let AuthorizedFunction::Contract((contract, name, args)) = inv.function else {
        panic!("not a contract call");
    };
    assert_eq!(contract, s.contract);
    (who, name, args)
}

#[test]
fn create_stream_is_signed_by_the_sender_including_the_token_transfers() {
    let s = Setup::with_fee(100);
    let id = s.create(10_000, 100);
    let transfer = |to: &Address, amount: i128| AuthorizedInvocation {
        function: AuthorizedFunction::Contract((
            s.token.clone(),
            symbol_short!("transfer"),
            (s.sender.clone(), to.clone(), amount).into_val(&s.env),
        )),
        sub_invocations: vec![],
    };
    assert_eq!(
        s.env.auths(),
        vec![(
            s.sender.clone(),
            AuthorizedInvocation {
                function: AuthorizedFunction::Contract((
                    s.contract.clone(),
                    Symbol::new(&s.env, "create_stream"),
                    (
                        s.sender.clone(),
                        s.recipient.clone(),
                        s.token.clone(),
                        10_000_i128,
                        100_u64
                    )
                        .into_val(&s.env),
                )),
                // Net to the contract, fee straight to the treasury.
                sub_invocations: vec![transfer(&s.contract, 9_900), transfer(&s.treasury, 100)],
            }
        )]
    );
    assert_eq!(id, 1);
}

#[test]
fn each_call_is_signed_by_its_party() {
    let s = Setup::with_fee(0);
    let env = &s.env;
    let c = s.client();
    let id = s.create(1_000, 100);
    let sym = |n: &str| Symbol::new(env, n);

    c.top_up_stream(&s.sender, &id, &100);
    assert_eq!(
        only_auth(&s),
        (
            s.sender.clone(),
            sym("top_up_stream"),
            (s.sender.clone(), id, 100_i128).into_val(env)
        )
    );
    s.set_time(10);
    c.withdraw(&s.recipient, &id);
    assert_eq!(
        only_auth(&s),
        (
            s.recipient.clone(),
            sym("withdraw"),
            (s.recipient.clone(), id).into_val(env)
        )
    );
    c.pause_stream(&s.sender, &id);
    assert_eq!(
        only_auth(&s),
        (
            s.sender.clone(),
            sym("pause_stream"),
            (s.sender.clone(), id).into_val(env)
        )
    );
    c.resume_stream(&s.sender, &id);
    assert_eq!(
        only_auth(&s),
        (
            s.sender.clone(),
            sym("resume_stream"),
            (s.sender.clone(), id).into_val(env)
        )
    );
    c.cancel_stream(&s.sender, &id);
    assert_eq!(
        only_auth(&s),
        (
            s.sender.clone(),
            sym("cancel_stream"),
            (s.sender.clone(), id).into_val(env)
        )
    );
    c.update_fee_config(&s.admin, &s.treasury, &5);
    assert_eq!(
        only_auth(&s),
        (
            s.admin.clone(),
            sym("update_fee_config"),
            (s.admin.clone(), s.treasury.clone(), 5_u32).into_val(env)
        )
    );
    let next = Address::generate(env);
    c.transfer_admin(&s.admin, &next);
    assert_eq!(
        only_auth(&s),
        (
            s.admin.clone(),
            sym("transfer_admin"),
            (s.admin.clone(), next.clone()).into_val(env)
        )
    );

    let fresh = Setup::new();
    fresh.client().initialize(&fresh.admin, &fresh.treasury, &7);
    assert_eq!(
        only_auth(&fresh),
        (
            fresh.admin.clone(),
            Symbol::new(&fresh.env, "initialize"),
            (fresh.admin.clone(), fresh.treasury.clone(), 7_u32).into_val(&fresh.env)
        )
    );

    // Reads need no signature.
    c.get_stream(&id);
    c.get_claimable_amount(&id);
    c.is_stream_completed(&id);
    c.get_fee_config();
    assert_eq!(s.env.auths(), vec![]);
}

#[test]
fn a_wrong_party_gets_unauthorized() {
    let s = Setup::new();
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(50);
    let stranger = Address::generate(&s.env);
    // The sender is not the recipient, and vice versa; a stranger is neither.
    for who in [&s.sender, &stranger] {
        assert_err!(c.try_withdraw(who, &id), StreamError::Unauthorized);
    }
    for who in [&s.recipient, &stranger] {
        assert_err!(
            c.try_top_up_stream(who, &id, &10),
            StreamError::Unauthorized
        );
        assert_err!(c.try_pause_stream(who, &id), StreamError::Unauthorized);
        assert_err!(c.try_resume_stream(who, &id), StreamError::Unauthorized);
        assert_err!(c.try_cancel_stream(who, &id), StreamError::Unauthorized);
    }
    assert_eq!(s.balance(&s.contract), 1_000);
    assert_eq!(c.get_stream(&id).unwrap().withdrawn_amount, 0);
}

/// Only `signer` signs (for exactly this call): any other address's `require_auth` fails.
fn signed_only_by(s: &Setup, signer: &Address, fn_name: &str, args: Vec<Val>) {
    s.env.mock_auths(&[MockAuth {
        address: signer,
        invoke: &MockAuthInvoke {
            contract: &s.contract,
            fn_name,
            args,
            sub_invokes: &[],
        },
    }]);
}

#[test]
fn the_right_address_without_its_signature_fails() {
    let s = Setup::with_fee(0);
    let env = &s.env;
    let c = s.client();
    let id = s.create(1_000, 100);
    s.set_time(50);
    let thief = Address::generate(env);

    // A host failure (not a contract error); the same call with the recipient's signature
    // then succeeds, so the signature was the only thing missing.
    let args: Vec<Val> = (s.recipient.clone(), id).into_val(env);
    signed_only_by(&s, &thief, "withdraw", args.clone());
    assert!(matches!(
        c.try_withdraw(&s.recipient, &id),
        Err(Err(InvokeError::Abort))
    ));
    // The same call signed by the recipient goes through.
    signed_only_by(&s, &s.recipient, "withdraw", args);
    assert_eq!(c.withdraw(&s.recipient, &id), 500);
    s.set_time(60);

    for f in ["pause_stream", "cancel_stream"] {
        signed_only_by(&s, &thief, f, (s.sender.clone(), id).into_val(env));
        let r = if f == "pause_stream" {
            c.try_pause_stream(&s.sender, &id)
        } else {
            c.try_cancel_stream(&s.sender, &id)
        };
        assert!(matches!(r, Err(Err(InvokeError::Abort))), "{f}: {r:?}");
    }
    signed_only_by(
        &s,
        &thief,
        "top_up_stream",
        (s.sender.clone(), id, 5_i128).into_val(env),
    );
    assert!(matches!(
        c.try_top_up_stream(&s.sender, &id, &5),
        Err(Err(InvokeError::Abort))
    ));
    signed_only_by(
        &s,
        &thief,
        "create_stream",
        (s.sender.clone(),).into_val(env),
    );
    assert!(matches!(
        c.try_create_stream(&s.sender, &thief, &s.token, &100, &10),
        Err(Err(InvokeError::Abort))
    ));
    signed_only_by(
        &s,
        &thief,
        "update_fee_config",
        (s.admin.clone(),).into_val(env),
    );
    assert!(matches!(
        c.try_update_fee_config(&s.admin, &thief, &1_000),
        Err(Err(InvokeError::Abort))
    ));
    signed_only_by(
        &s,
        &thief,
        "transfer_admin",
        (s.admin.clone(),).into_val(env),
    );
    assert!(matches!(
        c.try_transfer_admin(&s.admin, &thief),
        Err(Err(InvokeError::Abort))
    ));

    // Nothing moved.
    assert_eq!(s.balance(&s.contract), 500);
    assert_eq!(s.balance(&s.recipient), 500);
    assert_eq!(c.get_fee_config().unwrap().admin, s.admin);
    assert_eq!(c.get_fee_config().unwrap().treasury, s.treasury);

    // Resume needs a paused stream first; pause it properly, then try resume unsigned.
    s.env.mock_all_auths();
    c.pause_stream(&s.sender, &id);
    signed_only_by(
        &s,
        &thief,
        "resume_stream",
        (s.sender.clone(), id).into_val(env),
    );
    assert!(matches!(
        c.try_resume_stream(&s.sender, &id),
        Err(Err(InvokeError::Abort))
    ));
    assert!(c.get_stream(&id).unwrap().paused);

    // And with the real signature (not mock_all_auths) the same call goes through.
    signed_only_by(
        &s,
        &s.sender,
        "resume_stream",
        (s.sender.clone(), id).into_val(env),
    );
    // Paused at 60 and resumed at 60; 500 left at 10/s from the anchor 50.
    assert_eq!(c.resume_stream(&s.sender, &id), 100);
}

#[test]
fn initialize_needs_the_admin_signature() {
    let s = Setup::new();
    let thief = Address::generate(&s.env);
    signed_only_by(&s, &thief, "initialize", (thief.clone(),).into_val(&s.env));
    assert!(matches!(
        s.client().try_initialize(&s.admin, &thief, &1_000),
        Err(Err(InvokeError::Abort))
    ));
    assert_eq!(s.client().get_fee_config(), None);
}
