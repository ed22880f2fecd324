//! The classic operations wallets and test suites use: CreateAccount, Payment (native and
//! credit assets), ChangeTrust, BumpSequence, ManageData, SetOptions, SetTrustLineFlags,
//! AllowTrust, Clawback, AccountMerge. Payments emit the CAP-67 asset events
//! core emits since protocol 23.

use soroban_env_host::xdr::{
    AccountId, AccountMergeResult, AllowTrustResult, AlphaNum12, AlphaNum4, Asset, AssetCode,
    BumpSequenceResult, ChangeTrustAsset, ChangeTrustResult, ClawbackResult, ContractEvent,
    ContractEventBody, ContractEventType, ContractEventV0, ContractId, ContractIdPreimage,
    CreateAccountResult, DataEntry, DataEntryExt, ExtensionPoint, Hash, HashIdPreimage,
    HashIdPreimageContractId, LedgerEntry, LedgerEntryData, LedgerEntryExt, LedgerKey,
    LedgerKeyData, LedgerKeyTrustLine, ManageDataResult, OperationBody, OperationResult,
    OperationResultTr, PaymentResult, ScAddress, ScString, ScVal, SetOptionsOp, SetOptionsResult,
    SetTrustLineFlagsResult, Signer, SignerKey, TrustLineAsset, TrustLineEntry, TrustLineEntryExt,
};
use soroban_env_host::LedgerInfo;

use crate::apply::{i128_val, min_balance, sym, OpOutcome, Overlay};
use crate::ledger::{new_account, StoredEntry};
use crate::network::BASE_RESERVE;
use crate::util::{sha256, strkey_account, to_xdr};

const AUTHORIZED_FLAG: u32 = 1;
const MAINTAIN_LIABILITIES_FLAG: u32 = 2;
const CLAWBACK_ENABLED_FLAG: u32 = 4;
const AUTH_REQUIRED: u32 = 1;

/// Contract id of the Stellar Asset Contract for `asset` on this network.
pub fn sac_id(network_id: &[u8; 32], asset: &Asset) -> [u8; 32] {
    let preimage = HashIdPreimage::ContractId(HashIdPreimageContractId {
        network_id: Hash(*network_id),
        contract_id_preimage: ContractIdPreimage::Asset(asset.clone()),
    });
    sha256(&to_xdr(&preimage))
}

/// SEP-11 name of an asset: `native` or `CODE:ISSUER`.
pub fn asset_name(asset: &Asset) -> String {
    let code = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .trim_end_matches('\0')
            .to_string()
    };
    match asset {
        Asset::Native => "native".into(),
        Asset::CreditAlphanum4(a) => {
            format!("{}:{}", code(&a.asset_code.0), strkey_account(&a.issuer))
        }
        Asset::CreditAlphanum12(a) => {
            format!("{}:{}", code(&a.asset_code.0), strkey_account(&a.issuer))
        }
    }
}

fn issuer(asset: &Asset) -> Option<&AccountId> {
    match asset {
        Asset::Native => None,
        Asset::CreditAlphanum4(a) => Some(&a.issuer),
        Asset::CreditAlphanum12(a) => Some(&a.issuer),
    }
}

fn trustline_key(account: &AccountId, asset: &Asset) -> LedgerKey {
    let asset = match asset {
        Asset::Native => TrustLineAsset::Native,
        Asset::CreditAlphanum4(a) => TrustLineAsset::CreditAlphanum4(a.clone()),
        Asset::CreditAlphanum12(a) => TrustLineAsset::CreditAlphanum12(a.clone()),
    };
    LedgerKey::Trustline(LedgerKeyTrustLine {
        account_id: account.clone(),
        asset,
    })
}

fn get_trustline(ov: &Overlay, account: &AccountId, asset: &Asset) -> Option<TrustLineEntry> {
    match ov
        .get(&trustline_key(account, asset))
        .map(|e| e.entry.data.clone())
    {
        Some(LedgerEntryData::Trustline(t)) => Some(t),
        _ => None,
    }
}

fn put_trustline(ov: &mut Overlay, t: TrustLineEntry, seq: u32) {
    let key = LedgerKey::Trustline(LedgerKeyTrustLine {
        account_id: t.account_id.clone(),
        asset: t.asset.clone(),
    });
    ov.put(
        key,
        StoredEntry {
            entry: LedgerEntry {
                last_modified_ledger_seq: seq,
                data: LedgerEntryData::Trustline(t),
                ext: LedgerEntryExt::V0,
            },
            live_until: None,
        },
    );
}

fn asset_event(
    network_id: &[u8; 32],
    asset: &Asset,
    name: &str,
    parties: &[&AccountId],
    amount: i64,
) -> ContractEvent {
    let mut topics = vec![sym(name)];
    topics.extend(
        parties
            .iter()
            .map(|a| ScVal::Address(ScAddress::Account((*a).clone()))),
    );
    topics.push(ScVal::String(ScString(
        asset_name(asset).try_into().expect("asset name fits"),
    )));
    ContractEvent {
        ext: ExtensionPoint::V0,
        contract_id: Some(ContractId(Hash(sac_id(network_id, asset)))),
        type_: ContractEventType::Contract,
        body: ContractEventBody::V0(ContractEventV0 {
            topics: topics.try_into().expect("at most four topics"),
            data: i128_val(i128::from(amount)),
        }),
    }
}

fn done(tr: OperationResultTr, ok: bool, events: Vec<ContractEvent>) -> OpOutcome {
    OpOutcome {
        result: OperationResult::OpInner(tr),
        ok,
        events,
        soroban: None,
    }
}

pub fn apply_op(
    ov: &mut Overlay,
    li: &LedgerInfo,
    source: &AccountId,
    body: &OperationBody,
    network_id: &[u8; 32],
) -> OpOutcome {
    let seq = li.sequence_number;
    match body {
        OperationBody::CreateAccount(op) => {
            let r = |c| OperationResultTr::CreateAccount(c);
            if op.starting_balance < 0 || &op.destination == source {
                return done(r(CreateAccountResult::Malformed), false, vec![]);
            }
            if ov.account(&op.destination).is_some() {
                return done(r(CreateAccountResult::AlreadyExist), false, vec![]);
            }
            if op.starting_balance < 2 * i64::from(BASE_RESERVE) {
                return done(r(CreateAccountResult::LowReserve), false, vec![]);
            }
            let mut src = ov.account(source).expect("source checked");
            if src.balance - min_balance(&src) < op.starting_balance {
                return done(r(CreateAccountResult::Underfunded), false, vec![]);
            }
            src.balance -= op.starting_balance;
            ov.put_account(src, seq);
            let entry = new_account(op.destination.clone(), op.starting_balance, seq);
            ov.put(
                entry.to_key(),
                StoredEntry {
                    entry,
                    live_until: None,
                },
            );
            let ev = asset_event(
                network_id,
                &Asset::Native,
                "transfer",
                &[source, &op.destination],
                op.starting_balance,
            );
            done(r(CreateAccountResult::Success), true, vec![ev])
        }
        OperationBody::Payment(op) => {
            let r = |c| OperationResultTr::Payment(c);
            let dest = op.destination.clone().account_id();
            if op.amount <= 0 {
                return done(r(PaymentResult::Malformed), false, vec![]);
            }
            if ov.account(&dest).is_none() {
                return done(r(PaymentResult::NoDestination), false, vec![]);
            }
            match issuer(&op.asset) {
                None => {
                    let mut src = ov.account(source).expect("source checked");
                    if src.balance - min_balance(&src) < op.amount {
                        return done(r(PaymentResult::Underfunded), false, vec![]);
                    }
                    if &dest != source {
                        src.balance -= op.amount;
                        ov.put_account(src, seq);
                        let mut d = ov.account(&dest).expect("checked");
                        d.balance = match d.balance.checked_add(op.amount) {
                            Some(b) => b,
                            None => return done(r(PaymentResult::LineFull), false, vec![]),
                        };
                        ov.put_account(d, seq);
                    }
                    let ev = asset_event(
                        network_id,
                        &op.asset,
                        "transfer",
                        &[source, &dest],
                        op.amount,
                    );
                    done(r(PaymentResult::Success), true, vec![ev])
                }
                Some(iss) => {
                    if ov.account(iss).is_none() {
                        return done(r(PaymentResult::NoIssuer), false, vec![]);
                    }
                    let from_issuer = source == iss;
                    let to_issuer = &dest == iss;
                    if !from_issuer {
                        let Some(mut t) = get_trustline(ov, source, &op.asset) else {
                            return done(r(PaymentResult::SrcNoTrust), false, vec![]);
                        };
                        if t.flags & AUTHORIZED_FLAG == 0 {
                            return done(r(PaymentResult::SrcNotAuthorized), false, vec![]);
                        }
                        if t.balance < op.amount {
                            return done(r(PaymentResult::Underfunded), false, vec![]);
                        }
                        t.balance -= op.amount;
                        put_trustline(ov, t, seq);
                    }
                    if !to_issuer {
                        let Some(mut t) = get_trustline(ov, &dest, &op.asset) else {
                            return done(r(PaymentResult::NoTrust), false, vec![]);
                        };
                        if t.flags & AUTHORIZED_FLAG == 0 {
                            return done(r(PaymentResult::NotAuthorized), false, vec![]);
                        }
                        match t.balance.checked_add(op.amount) {
                            Some(b) if b <= t.limit => t.balance = b,
                            _ => return done(r(PaymentResult::LineFull), false, vec![]),
                        }
                        put_trustline(ov, t, seq);
                    }
                    let ev = match (from_issuer, to_issuer) {
                        (true, false) => {
                            asset_event(network_id, &op.asset, "mint", &[&dest], op.amount)
                        }
                        (false, true) => {
                            asset_event(network_id, &op.asset, "burn", &[source], op.amount)
                        }
                        _ => asset_event(
                            network_id,
                            &op.asset,
                            "transfer",
                            &[source, &dest],
                            op.amount,
                        ),
                    };
                    done(r(PaymentResult::Success), true, vec![ev])
                }
            }
        }
        OperationBody::ChangeTrust(op) => {
            let r = |c| OperationResultTr::ChangeTrust(c);
            let asset = match &op.line {
                ChangeTrustAsset::CreditAlphanum4(a) => Asset::CreditAlphanum4(a.clone()),
                ChangeTrustAsset::CreditAlphanum12(a) => Asset::CreditAlphanum12(a.clone()),
                // Native lines are malformed; liquidity pools are not supported here.
                _ => return done(r(ChangeTrustResult::Malformed), false, vec![]),
            };
            let iss = issuer(&asset).expect("credit asset").clone();
            if &iss == source {
                return done(r(ChangeTrustResult::Malformed), false, vec![]);
            }
            if op.limit < 0 {
                return done(r(ChangeTrustResult::Malformed), false, vec![]);
            }
            let existing = get_trustline(ov, source, &asset);
            let mut src = ov.account(source).expect("source checked");
            match existing {
                Some(mut t) => {
                    if op.limit == 0 {
                        if t.balance != 0 {
                            return done(r(ChangeTrustResult::InvalidLimit), false, vec![]);
                        }
                        ov.del(trustline_key(source, &asset));
                        src.num_sub_entries -= 1;
                        ov.put_account(src, seq);
                    } else {
                        if op.limit < t.balance {
                            return done(r(ChangeTrustResult::InvalidLimit), false, vec![]);
                        }
                        t.limit = op.limit;
                        put_trustline(ov, t, seq);
                    }
                }
                None => {
                    if op.limit == 0 {
                        return done(r(ChangeTrustResult::InvalidLimit), false, vec![]);
                    }
                    if ov.account(&iss).is_none() {
                        return done(r(ChangeTrustResult::NoIssuer), false, vec![]);
                    }
                    if src.balance < (3 + i64::from(src.num_sub_entries)) * i64::from(BASE_RESERVE)
                    {
                        return done(r(ChangeTrustResult::LowReserve), false, vec![]);
                    }
                    src.num_sub_entries += 1;
                    ov.put_account(src, seq);
                    let tl_asset = match trustline_key(source, &asset) {
                        LedgerKey::Trustline(k) => k.asset,
                        _ => unreachable!(),
                    };
                    put_trustline(
                        ov,
                        TrustLineEntry {
                            account_id: source.clone(),
                            asset: tl_asset,
                            balance: 0,
                            limit: op.limit,
                            flags: initial_trustline_flags(ov, &iss),
                            ext: TrustLineEntryExt::V0,
                        },
                        seq,
                    );
                }
            }
            done(r(ChangeTrustResult::Success), true, vec![])
        }
        OperationBody::SetOptions(op) => set_options(ov, seq, source, op),
        OperationBody::AccountMerge(dest) => {
            let r = OperationResultTr::AccountMerge;
            let dest = dest.clone().account_id();
            if &dest == source {
                return done(r(AccountMergeResult::Malformed), false, vec![]);
            }
            let Some(mut d) = ov.account(&dest) else {
                return done(r(AccountMergeResult::NoAccount), false, vec![]);
            };
            let src = ov.account(source).expect("source checked");
            if src.flags & AUTH_IMMUTABLE != 0 {
                return done(r(AccountMergeResult::ImmutableSet), false, vec![]);
            }
            if src.num_sub_entries > 0 {
                return done(r(AccountMergeResult::HasSubEntries), false, vec![]);
            }
            d.balance = match d.balance.checked_add(src.balance) {
                Some(b) => b,
                None => return done(r(AccountMergeResult::DestFull), false, vec![]),
            };
            ov.put_account(d, seq);
            ov.del(crate::ledger::account_key(source));
            let ev = asset_event(
                network_id,
                &Asset::Native,
                "transfer",
                &[source, &dest],
                src.balance,
            );
            done(r(AccountMergeResult::Success(src.balance)), true, vec![ev])
        }
        OperationBody::SetTrustLineFlags(op) => {
            let r = OperationResultTr::SetTrustLineFlags;
            let out = set_trustline_flags(
                ov,
                seq,
                source,
                &op.trustor,
                &op.asset,
                op.clear_flags,
                op.set_flags,
            );
            match out {
                Ok(()) => done(r(SetTrustLineFlagsResult::Success), true, vec![]),
                Err(c) => done(r(c), false, vec![]),
            }
        }
        OperationBody::AllowTrust(op) => {
            let r = OperationResultTr::AllowTrust;
            let asset = match &op.asset {
                AssetCode::CreditAlphanum4(c) => Asset::CreditAlphanum4(AlphaNum4 {
                    asset_code: c.clone(),
                    issuer: source.clone(),
                }),
                AssetCode::CreditAlphanum12(c) => Asset::CreditAlphanum12(AlphaNum12 {
                    asset_code: c.clone(),
                    issuer: source.clone(),
                }),
            };
            if &op.trustor == source || op.authorize > 2 {
                return done(r(AllowTrustResult::Malformed), false, vec![]);
            }
            let set = op.authorize;
            let clear = (AUTHORIZED_FLAG | MAINTAIN_LIABILITIES_FLAG) & !set;
            match set_trustline_flags(ov, seq, source, &op.trustor, &asset, clear, set) {
                Ok(()) => done(r(AllowTrustResult::Success), true, vec![]),
                Err(SetTrustLineFlagsResult::NoTrustLine) => {
                    done(r(AllowTrustResult::NoTrustLine), false, vec![])
                }
                Err(SetTrustLineFlagsResult::CantRevoke) => {
                    done(r(AllowTrustResult::CantRevoke), false, vec![])
                }
                Err(_) => done(r(AllowTrustResult::Malformed), false, vec![]),
            }
        }
        OperationBody::Clawback(op) => {
            let r = OperationResultTr::Clawback;
            let from = op.from.clone().account_id();
            if op.amount <= 0 || issuer(&op.asset) != Some(source) || &from == source {
                return done(r(ClawbackResult::Malformed), false, vec![]);
            }
            let Some(mut t) = get_trustline(ov, &from, &op.asset) else {
                return done(r(ClawbackResult::NoTrust), false, vec![]);
            };
            if t.flags & CLAWBACK_ENABLED_FLAG == 0 {
                return done(r(ClawbackResult::NotClawbackEnabled), false, vec![]);
            }
            if t.balance < op.amount {
                return done(r(ClawbackResult::Underfunded), false, vec![]);
            }
            t.balance -= op.amount;
            put_trustline(ov, t, seq);
            let ev = asset_event(network_id, &op.asset, "clawback", &[&from], op.amount);
            done(r(ClawbackResult::Success), true, vec![ev])
        }
        OperationBody::BumpSequence(op) => {
            let r = OperationResultTr::BumpSequence;
            if op.bump_to.0 < 0 {
                return done(r(BumpSequenceResult::BadSeq), false, vec![]);
            }
            let mut src = ov.account(source).expect("source checked");
            if op.bump_to.0 > src.seq_num.0 {
                src.seq_num = op.bump_to.clone();
                ov.put_account(src, seq);
            }
            done(r(BumpSequenceResult::Success), true, vec![])
        }
        OperationBody::ManageData(op) => {
            let r = OperationResultTr::ManageData;
            let name = op.data_name.to_vec();
            if name.is_empty() || name.iter().any(|b| !(0x20..0x7f).contains(b)) {
                return done(r(ManageDataResult::InvalidName), false, vec![]);
            }
            let key = LedgerKey::Data(LedgerKeyData {
                account_id: source.clone(),
                data_name: op.data_name.clone(),
            });
            let exists = ov.get(&key).is_some();
            let mut src = ov.account(source).expect("source checked");
            match &op.data_value {
                None => {
                    if !exists {
                        return done(r(ManageDataResult::NameNotFound), false, vec![]);
                    }
                    ov.del(key);
                    src.num_sub_entries -= 1;
                    ov.put_account(src, seq);
                }
                Some(value) => {
                    if !exists {
                        if src.balance
                            < (3 + i64::from(src.num_sub_entries)) * i64::from(BASE_RESERVE)
                        {
                            return done(r(ManageDataResult::LowReserve), false, vec![]);
                        }
                        src.num_sub_entries += 1;
                        ov.put_account(src, seq);
                    }
                    ov.put(
                        key,
                        StoredEntry {
                            entry: LedgerEntry {
                                last_modified_ledger_seq: seq,
                                data: LedgerEntryData::Data(DataEntry {
                                    account_id: source.clone(),
                                    data_name: op.data_name.clone(),
                                    data_value: value.clone(),
                                    ext: DataEntryExt::V0,
                                }),
                                ext: LedgerEntryExt::V0,
                            },
                            live_until: None,
                        },
                    );
                }
            }
            done(r(ManageDataResult::Success), true, vec![])
        }
        _ => OpOutcome {
            result: OperationResult::OpNotSupported,
            ok: false,
            events: vec![],
            soroban: None,
        },
    }
}

const AUTH_REVOCABLE: u32 = 2;
const AUTH_IMMUTABLE: u32 = 4;
const AUTH_CLAWBACK: u32 = 8;
const KNOWN_FLAGS: u32 = 0xF;

fn set_options(ov: &mut Overlay, seq: u32, source: &AccountId, op: &SetOptionsOp) -> OpOutcome {
    let r = OperationResultTr::SetOptions;
    let fail = |c| done(r(c), false, vec![]);
    let mut src = ov.account(source).expect("source checked");
    if let Some(dest) = &op.inflation_dest {
        if dest != source && ov.account(dest).is_none() {
            return fail(SetOptionsResult::InvalidInflation);
        }
        src.inflation_dest = Some(dest.clone());
    }
    let (set, clear) = (op.set_flags.unwrap_or(0), op.clear_flags.unwrap_or(0));
    if (set | clear) & !KNOWN_FLAGS != 0 {
        return fail(SetOptionsResult::UnknownFlag);
    }
    if set & clear != 0 {
        return fail(SetOptionsResult::BadFlags);
    }
    if (set | clear) != 0 && src.flags & AUTH_IMMUTABLE != 0 {
        return fail(SetOptionsResult::CantChange);
    }
    src.flags = (src.flags & !clear) | set;
    if src.flags & AUTH_CLAWBACK != 0 && src.flags & AUTH_REVOCABLE == 0 {
        return fail(SetOptionsResult::AuthRevocableRequired);
    }
    for (i, v) in [
        op.master_weight,
        op.low_threshold,
        op.med_threshold,
        op.high_threshold,
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(v) = v {
            let Ok(b) = u8::try_from(v) else {
                return fail(SetOptionsResult::ThresholdOutOfRange);
            };
            src.thresholds.0[i] = b;
        }
    }
    if let Some(domain) = &op.home_domain {
        if domain.iter().any(|b| !(0x20..0x7f).contains(b)) {
            return fail(SetOptionsResult::InvalidHomeDomain);
        }
        src.home_domain = domain.clone();
    }
    if let Some(signer) = &op.signer {
        // Only ed25519 signers are modelled (see docs/localnet.md).
        let SignerKey::Ed25519(k) = &signer.key else {
            return fail(SetOptionsResult::BadSigner);
        };
        if k.0 == crate::util::account_bytes(source) || signer.weight > 255 {
            return fail(SetOptionsResult::BadSigner);
        }
        let mut list: Vec<Signer> = src.signers.to_vec();
        let pos = list.iter().position(|s| s.key == signer.key);
        match (pos, signer.weight) {
            (Some(i), 0) => {
                list.remove(i);
                src.num_sub_entries -= 1;
            }
            (Some(i), w) => list[i].weight = w,
            (None, 0) => {}
            (None, _) => {
                if list.len() >= 20 {
                    return fail(SetOptionsResult::TooManySigners);
                }
                if src.balance < (3 + i64::from(src.num_sub_entries)) * i64::from(BASE_RESERVE) {
                    return fail(SetOptionsResult::LowReserve);
                }
                list.push(signer.clone());
                list.sort_by(|a, b| a.key.cmp(&b.key));
                src.num_sub_entries += 1;
            }
        }
        src.signers = list.try_into().expect("at most 20 signers");
    }
    ov.put_account(src, seq);
    done(r(SetOptionsResult::Success), true, vec![])
}

/// A new trustline is authorized unless the issuer requires authorization, and inherits the
/// issuer's clawback setting.
fn initial_trustline_flags(ov: &Overlay, issuer: &AccountId) -> u32 {
    let flags = ov.account(issuer).map_or(0, |a| a.flags);
    let mut out = 0;
    if flags & AUTH_REQUIRED == 0 {
        out |= AUTHORIZED_FLAG;
    }
    if flags & AUTH_CLAWBACK != 0 {
        out |= CLAWBACK_ENABLED_FLAG;
    }
    out
}

/// The issuer sets or clears a trustline's authorization flags (SetTrustLineFlags, AllowTrust).
fn set_trustline_flags(
    ov: &mut Overlay,
    seq: u32,
    source: &AccountId,
    trustor: &AccountId,
    asset: &Asset,
    clear: u32,
    set: u32,
) -> Result<(), SetTrustLineFlagsResult> {
    let auth = AUTHORIZED_FLAG | MAINTAIN_LIABILITIES_FLAG;
    if issuer(asset) != Some(source)
        || trustor == source
        || set & clear != 0
        || set & !auth != 0
        || clear & !(auth | CLAWBACK_ENABLED_FLAG) != 0
        || set & auth == auth
    {
        return Err(SetTrustLineFlagsResult::Malformed);
    }
    let Some(mut t) = get_trustline(ov, trustor, asset) else {
        return Err(SetTrustLineFlagsResult::NoTrustLine);
    };
    let issuer_flags = ov.account(source).map_or(0, |a| a.flags);
    let flags = (t.flags & !clear) | set;
    if flags & auth == auth {
        return Err(SetTrustLineFlagsResult::InvalidState);
    }
    let lost_full = t.flags & AUTHORIZED_FLAG != 0 && flags & AUTHORIZED_FLAG == 0;
    let lost_any = t.flags & auth != 0 && flags & auth == 0;
    if (lost_full || lost_any) && issuer_flags & AUTH_REVOCABLE == 0 {
        return Err(SetTrustLineFlagsResult::CantRevoke);
    }
    t.flags = flags;
    put_trustline(ov, t, seq);
    Ok(())
}
