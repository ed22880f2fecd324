//! Transaction validation (sendTransaction) and application (ledger close): fees, sequence
//! numbers, signatures, operations, metadata.

use std::collections::BTreeMap;
use std::sync::Arc;

use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use soroban_env_host::fees::{compute_transaction_resource_fee, TransactionResources};
use soroban_env_host::xdr::{
    AccountId, ContractEvent, ContractEventBody, ContractEventType, ContractEventV0,
    DecoratedSignature, ExtensionPoint, FeeBumpTransactionInnerTx, Hash, InnerTransactionResult,
    InnerTransactionResultExt, InnerTransactionResultPair, InnerTransactionResultResult,
    Int128Parts, LedgerEntry, LedgerEntryChange, LedgerEntryChanges, LedgerEntryData,
    LedgerEntryExt, LedgerKey, LedgerKeyTtl, Operation, OperationBody, OperationMetaV2,
    OperationResult, Preconditions, ScAddress, ScSymbol, ScVal, SorobanTransactionData,
    SorobanTransactionMetaExt, SorobanTransactionMetaExtV1, SorobanTransactionMetaV2, Transaction,
    TransactionEnvelope, TransactionEvent, TransactionEventStage, TransactionExt, TransactionMeta,
    TransactionMetaV4, TransactionResult, TransactionResultExt, TransactionResultMetaV1,
    TransactionResultPair, TransactionResultResult, TtlEntry,
};
use soroban_env_host::LedgerInfo;

use crate::ledger::{account_key, EntryMap, Node, PendingTx, StoredEntry};
use crate::network::{BASE_FEE, BASE_RESERVE};
use crate::util::{sha256, to_xdr};

/// A ledger view that records every write of one transaction on top of the closed state.
pub struct Overlay<'a> {
    pub base: &'a EntryMap,
    pub changes: BTreeMap<LedgerKey, Option<Arc<StoredEntry>>>,
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a EntryMap) -> Self {
        Overlay {
            base,
            changes: BTreeMap::new(),
        }
    }

    pub fn get(&self, k: &LedgerKey) -> Option<Arc<StoredEntry>> {
        match self.changes.get(k) {
            Some(v) => v.clone(),
            None => self.base.get(k).cloned(),
        }
    }

    pub fn put(&mut self, k: LedgerKey, e: StoredEntry) {
        self.changes.insert(k, Some(Arc::new(e)));
    }

    pub fn del(&mut self, k: LedgerKey) {
        self.changes.insert(k, None);
    }

    pub fn account(&self, id: &AccountId) -> Option<soroban_env_host::xdr::AccountEntry> {
        match self.get(&account_key(id)).map(|e| e.entry.data.clone()) {
            Some(LedgerEntryData::Account(a)) => Some(a),
            _ => None,
        }
    }

    pub fn put_account(&mut self, a: soroban_env_host::xdr::AccountEntry, seq: u32) {
        let k = account_key(&a.account_id);
        self.put(
            k,
            StoredEntry {
                entry: LedgerEntry {
                    last_modified_ledger_seq: seq,
                    data: LedgerEntryData::Account(a),
                    ext: LedgerEntryExt::V0,
                },
                live_until: None,
            },
        );
    }

    /// Entry changes between an earlier copy of `changes` and now, as ledger metadata.
    pub fn diff_since(
        &self,
        earlier: &BTreeMap<LedgerKey, Option<Arc<StoredEntry>>>,
        seq: u32,
    ) -> LedgerEntryChanges {
        let mut out = Vec::new();
        for (k, now) in &self.changes {
            let before = match earlier.get(k) {
                Some(v) => v.clone(),
                None => self.base.get(k).cloned(),
            };
            if before.as_deref() == now.as_deref() {
                continue;
            }
            entry_diff(k, before.as_deref(), now.as_deref(), seq, &mut out);
        }
        LedgerEntryChanges(out.try_into().unwrap_or_default())
    }
}

fn ttl_entry(key: &LedgerKey, live_until: u32, seq: u32) -> (LedgerKey, LedgerEntry) {
    let key_hash = Hash(sha256(&to_xdr(key)));
    (
        LedgerKey::Ttl(LedgerKeyTtl {
            key_hash: key_hash.clone(),
        }),
        LedgerEntry {
            last_modified_ledger_seq: seq,
            data: LedgerEntryData::Ttl(TtlEntry {
                key_hash,
                live_until_ledger_seq: live_until,
            }),
            ext: LedgerEntryExt::V0,
        },
    )
}

fn entry_diff(
    key: &LedgerKey,
    before: Option<&StoredEntry>,
    after: Option<&StoredEntry>,
    seq: u32,
    out: &mut Vec<LedgerEntryChange>,
) {
    match (before, after) {
        (None, Some(a)) => {
            out.push(LedgerEntryChange::Created(a.entry.clone()));
            if let Some(lu) = a.live_until {
                out.push(LedgerEntryChange::Created(ttl_entry(key, lu, seq).1));
            }
        }
        (Some(b), Some(a)) => {
            if b.entry != a.entry {
                out.push(LedgerEntryChange::State(b.entry.clone()));
                out.push(LedgerEntryChange::Updated(a.entry.clone()));
            }
            if b.live_until != a.live_until {
                if let (Some(old), Some(new)) = (b.live_until, a.live_until) {
                    out.push(LedgerEntryChange::State(
                        ttl_entry(key, old, b.entry.last_modified_ledger_seq).1,
                    ));
                    out.push(LedgerEntryChange::Updated(ttl_entry(key, new, seq).1));
                }
            }
        }
        (Some(b), None) => {
            out.push(LedgerEntryChange::State(b.entry.clone()));
            out.push(LedgerEntryChange::Removed(key.clone()));
            if let Some(lu) = b.live_until {
                let (tk, te) = ttl_entry(key, lu, b.entry.last_modified_ledger_seq);
                out.push(LedgerEntryChange::State(te));
                out.push(LedgerEntryChange::Removed(tk));
            }
        }
        (None, None) => {}
    }
}

pub fn is_soroban_op(body: &OperationBody) -> bool {
    matches!(
        body,
        OperationBody::InvokeHostFunction(_)
            | OperationBody::ExtendFootprintTtl(_)
            | OperationBody::RestoreFootprint(_)
    )
}

pub fn is_soroban(env: &TransactionEnvelope) -> bool {
    inner_tx(env).is_some_and(|(tx, _)| tx.operations.iter().any(|o| is_soroban_op(&o.body)))
}

/// The (inner) transaction and its signatures; `None` for v0 envelopes.
pub fn inner_tx(env: &TransactionEnvelope) -> Option<(&Transaction, &[DecoratedSignature])> {
    match env {
        TransactionEnvelope::Tx(e) => Some((&e.tx, e.signatures.as_slice())),
        TransactionEnvelope::TxFeeBump(fb) => {
            let FeeBumpTransactionInnerTx::Tx(e) = &fb.tx.inner_tx;
            Some((&e.tx, e.signatures.as_slice()))
        }
        TransactionEnvelope::TxV0(_) => None,
    }
}

/// Who pays the fee: the fee-bump's fee source, else the transaction's source.
pub fn fee_payer(env: &TransactionEnvelope) -> Option<AccountId> {
    match env {
        TransactionEnvelope::TxFeeBump(fb) => Some(fb.tx.fee_source.clone().account_id()),
        _ => inner_tx(env).map(|(tx, _)| tx.source_account.clone().account_id()),
    }
}

/// The fee taken from the payer when the envelope is applied, before any refund.
pub fn envelope_fee(env: &TransactionEnvelope) -> i64 {
    match (env, inner_tx(env)) {
        (TransactionEnvelope::TxFeeBump(fb), Some((tx, _))) => {
            // A fee bump pays the inclusion fee for one more operation (the bump itself).
            let inclusion = i64::from(BASE_FEE) * (tx.operations.len() as i64 + 1);
            let resource = soroban_data(tx).map_or(0, |d| d.resource_fee);
            resource.saturating_add(inclusion.min(fb.tx.fee.saturating_sub(resource)))
        }
        (_, Some((tx, _))) => initial_fee(tx),
        _ => 0,
    }
}

fn to_inner(r: TransactionResultResult) -> InnerTransactionResultResult {
    use InnerTransactionResultResult as I;
    use TransactionResultResult as T;
    match r {
        T::TxSuccess(v) => I::TxSuccess(v),
        T::TxFailed(v) => I::TxFailed(v),
        T::TxTooEarly => I::TxTooEarly,
        T::TxTooLate => I::TxTooLate,
        T::TxMissingOperation => I::TxMissingOperation,
        T::TxBadSeq => I::TxBadSeq,
        T::TxBadAuth => I::TxBadAuth,
        T::TxInsufficientBalance => I::TxInsufficientBalance,
        T::TxNoAccount => I::TxNoAccount,
        T::TxInsufficientFee => I::TxInsufficientFee,
        T::TxBadAuthExtra => I::TxBadAuthExtra,
        T::TxNotSupported => I::TxNotSupported,
        T::TxMalformed => I::TxMalformed,
        T::TxSorobanInvalid => I::TxSorobanInvalid,
        _ => I::TxInternalError,
    }
}

/// Wraps an inner result the way core reports a fee-bump transaction.
fn wrap_fee_bump(inner_hash: [u8; 32], r: TransactionResultResult) -> TransactionResultResult {
    let ok = matches!(r, TransactionResultResult::TxSuccess(_));
    let pair = InnerTransactionResultPair {
        transaction_hash: Hash(inner_hash),
        result: InnerTransactionResult {
            fee_charged: 0,
            result: to_inner(r),
            ext: InnerTransactionResultExt::V0,
        },
    };
    if ok {
        TransactionResultResult::TxFeeBumpInnerSuccess(pair)
    } else {
        TransactionResultResult::TxFeeBumpInnerFailed(pair)
    }
}

pub fn soroban_data(tx: &Transaction) -> Option<&SorobanTransactionData> {
    match &tx.ext {
        TransactionExt::V1(d) => Some(d),
        TransactionExt::V0 => None,
    }
}

pub fn op_source(tx: &Transaction, op: &Operation) -> AccountId {
    op.source_account
        .clone()
        .unwrap_or_else(|| tx.source_account.clone())
        .account_id()
}

pub fn min_balance(a: &soroban_env_host::xdr::AccountEntry) -> i64 {
    (2 + i64::from(a.num_sub_entries)) * i64::from(BASE_RESERVE)
}

/// Non-refundable part of the resource fee for the declared resources (what validation demands).
pub fn non_refundable_fee(node: &Node, data: &SorobanTransactionData, tx_size: u32) -> i64 {
    let fp = &data.resources.footprint;
    let is_disk =
        |k: &LedgerKey| !matches!(k, LedgerKey::ContractData(_) | LedgerKey::ContractCode(_));
    let mut disk_read_entries = fp.read_only.iter().filter(|k| is_disk(k)).count() as u32
        + fp.read_write.iter().filter(|k| is_disk(k)).count() as u32;
    if let soroban_env_host::xdr::SorobanTransactionDataExt::V1(ext) = &data.ext {
        disk_read_entries += ext.archived_soroban_entries.len() as u32;
    }
    let res = TransactionResources {
        instructions: data.resources.instructions,
        disk_read_entries,
        write_entries: fp.read_write.len() as u32,
        disk_read_bytes: data.resources.disk_read_bytes,
        write_bytes: data.resources.write_bytes,
        contract_events_size_bytes: 0,
        transaction_size_bytes: tx_size,
    };
    compute_transaction_resource_fee(&res, &node.config.fee_configuration).0
}

/// The fee taken when the transaction is applied, before any refund.
pub fn initial_fee(tx: &Transaction) -> i64 {
    let inclusion = i64::from(BASE_FEE) * tx.operations.len() as i64;
    match soroban_data(tx) {
        Some(d) => d
            .resource_fee
            .saturating_add(inclusion.min(i64::from(tx.fee).saturating_sub(d.resource_fee))),
        None => inclusion.min(i64::from(tx.fee)),
    }
}

pub struct Rejected {
    pub result: TransactionResultResult,
    pub fee: i64,
}

fn reject(result: TransactionResultResult, fee: i64) -> Rejected {
    Rejected { result, fee }
}

/// Checks what stellar-core checks before admitting a transaction: structure, fee, time bounds,
/// source account, sequence number, signatures and balance.
pub fn validate(
    node: &Node,
    env: &TransactionEnvelope,
    hash: &[u8; 32],
    size: u32,
) -> Result<AccountId, Rejected> {
    let TransactionEnvelope::TxFeeBump(fb) = env else {
        let Some((tx, sigs)) = inner_tx(env) else {
            // Pre-protocol-13 (v0) envelopes are not accepted here (see docs/localnet.md).
            return Err(reject(TransactionResultResult::TxNotSupported, 0));
        };
        return validate_tx(node, tx, sigs, hash, size, false);
    };
    let FeeBumpTransactionInnerTx::Tx(inner) = &fb.tx.inner_tx;
    let inner_hash = inner.hash(node.network_id).unwrap_or([0; 32]);
    let tx = &inner.tx;
    let inclusion = i64::from(BASE_FEE) * (tx.operations.len() as i64 + 1);
    let min_outer = inclusion.saturating_add(soroban_data(tx).map_or(0, |d| d.resource_fee));
    if fb.tx.fee < min_outer || fb.tx.fee < i64::from(tx.fee) {
        return Err(reject(
            TransactionResultResult::TxInsufficientFee,
            min_outer,
        ));
    }
    let payer = fb.tx.fee_source.clone().account_id();
    let Some(payer_acct) = node.get_account(&payer) else {
        return Err(reject(TransactionResultResult::TxNoAccount, min_outer));
    };
    check_signatures(node, &[(payer.clone(), 1)], &fb.signatures, hash)
        .map_err(|r| reject(r, min_outer))?;
    let source = validate_tx(node, tx, &inner.signatures, &inner_hash, size, true)
        .map_err(|r| reject(wrap_fee_bump(inner_hash, r.result), min_outer))?;
    if payer_acct.balance - min_balance(&payer_acct) - pending_fees(node, &payer)
        < envelope_fee(env)
    {
        return Err(reject(
            TransactionResultResult::TxInsufficientBalance,
            min_outer,
        ));
    }
    Ok(source)
}

fn pending_fees(node: &Node, payer: &AccountId) -> i64 {
    node.pending
        .iter()
        .filter(|p| fee_payer(&p.envelope).as_ref() == Some(payer))
        .map(|p| envelope_fee(&p.envelope))
        .sum()
}

/// Which threshold of its source account an operation needs (core's low / medium / high).
pub fn op_threshold(body: &OperationBody) -> usize {
    match body {
        OperationBody::BumpSequence(_)
        | OperationBody::AllowTrust(_)
        | OperationBody::SetTrustLineFlags(_)
        | OperationBody::Inflation => 1,
        OperationBody::AccountMerge(_) => 3,
        OperationBody::SetOptions(o)
            if o.master_weight.is_some()
                || o.low_threshold.is_some()
                || o.med_threshold.is_some()
                || o.high_threshold.is_some()
                || o.signer.is_some() =>
        {
            3
        }
        _ => 2,
    }
}

/// Signatures: for each (account, threshold index) the weights of the keys that signed `hash`
/// (the master key and ed25519 signers) must reach the threshold, with at least one signature;
/// no signature may be left unused. Missing accounts are skipped (an operation source fails at
/// apply, as in core).
fn check_signatures(
    node: &Node,
    signers: &[(AccountId, usize)],
    sigs: &[DecoratedSignature],
    hash: &[u8; 32],
) -> Result<(), TransactionResultResult> {
    let mut used = vec![false; sigs.len()];
    for (signer, level) in signers {
        let Some(acct) = node.get_account(signer) else {
            continue;
        };
        let mut keys: Vec<([u8; 32], u32)> = vec![(
            crate::util::account_bytes(signer),
            u32::from(acct.thresholds.0[0]),
        )];
        for s in acct.signers.iter() {
            if let soroban_env_host::xdr::SignerKey::Ed25519(k) = &s.key {
                keys.push((k.0, s.weight));
            }
        }
        let mut weight = 0u32;
        let mut signed = false;
        for (pk, w) in keys {
            if w == 0 {
                continue;
            }
            if let Some(j) = sigs
                .iter()
                .position(|s| s.hint.0 == pk[28..32] && verify(&pk, hash, s))
            {
                used[j] = true;
                signed = true;
                weight = weight.saturating_add(w.min(255));
            }
        }
        let needed = if *level == 0 {
            0
        } else {
            u32::from(acct.thresholds.0[*level])
        };
        if !signed || weight < needed {
            return Err(TransactionResultResult::TxBadAuth);
        }
    }
    if used.iter().any(|u| !u) {
        return Err(TransactionResultResult::TxBadAuthExtra);
    }
    Ok(())
}

/// Checks one (possibly fee-bumped) transaction; fee and balance checks belong to the bump then.
fn validate_tx(
    node: &Node,
    tx: &Transaction,
    sigs: &[DecoratedSignature],
    hash: &[u8; 32],
    size: u32,
    fee_bumped: bool,
) -> Result<AccountId, Rejected> {
    let nops = tx.operations.len() as i64;
    let min_inclusion = i64::from(BASE_FEE) * nops;
    if tx.operations.is_empty() {
        return Err(reject(
            TransactionResultResult::TxMissingOperation,
            min_inclusion,
        ));
    }
    let soroban_ops = tx
        .operations
        .iter()
        .filter(|o| is_soroban_op(&o.body))
        .count();
    let data = soroban_data(tx);
    if soroban_ops > 0 && (tx.operations.len() != 1 || data.is_none()) {
        return Err(reject(TransactionResultResult::TxMalformed, min_inclusion));
    }
    if soroban_ops == 0 && data.is_some() {
        return Err(reject(TransactionResultResult::TxMalformed, min_inclusion));
    }
    if let Some(d) = data {
        // Resource limits first, then fees, in core's order.
        if d.resources.instructions as i64 > node.config.tx_max_instructions
            || exceeds_tx_limits(node, d, size)
        {
            return Err(reject(
                TransactionResultResult::TxSorobanInvalid,
                min_inclusion,
            ));
        }
        if d.resource_fee < 0
            || (!fee_bumped && i64::from(tx.fee) < d.resource_fee.saturating_add(min_inclusion))
        {
            return Err(reject(
                TransactionResultResult::TxInsufficientFee,
                min_inclusion,
            ));
        }
        if d.resource_fee < non_refundable_fee(node, d, size) {
            return Err(reject(
                TransactionResultResult::TxInsufficientFee,
                min_inclusion,
            ));
        }
    } else if !fee_bumped && i64::from(tx.fee) < min_inclusion {
        return Err(reject(
            TransactionResultResult::TxInsufficientFee,
            min_inclusion,
        ));
    }
    // Clients set time bounds from their wall clock, so they are checked against the wall clock
    // even after localnet_advanceTime moved ledger time ahead (a documented deviation).
    let close = node.next_close_time().min(crate::util::now_unix());
    let tb = match &tx.cond {
        Preconditions::None => None,
        Preconditions::Time(tb) => Some(tb.clone()),
        Preconditions::V2(p) => {
            if let Some(lb) = &p.ledger_bounds {
                let next = node.latest().seq + 1;
                if lb.min_ledger > next {
                    return Err(reject(TransactionResultResult::TxTooEarly, min_inclusion));
                }
                if lb.max_ledger != 0 && lb.max_ledger <= next {
                    return Err(reject(TransactionResultResult::TxTooLate, min_inclusion));
                }
            }
            p.time_bounds.clone()
        }
    };
    if let Some(tb) = tb {
        if tb.min_time.0 > close {
            return Err(reject(TransactionResultResult::TxTooEarly, min_inclusion));
        }
        if tb.max_time.0 != 0 && tb.max_time.0 < close {
            return Err(reject(TransactionResultResult::TxTooLate, min_inclusion));
        }
    }
    let source = tx.source_account.clone().account_id();
    let Some(acct) = node.get_account(&source) else {
        return Err(reject(TransactionResultResult::TxNoAccount, min_inclusion));
    };
    let queued = node.pending.iter().filter(|p| p.source == source).count() as i64;
    if tx.seq_num.0 != acct.seq_num.0 + 1 + queued {
        return Err(reject(TransactionResultResult::TxBadSeq, min_inclusion));
    }
    // Signatures: the source at its low threshold, each operation's source at the operation's.
    let mut signers: Vec<(AccountId, usize)> = vec![(source.clone(), 1)];
    for op in tx.operations.iter() {
        let s = op_source(tx, op);
        let level = op_threshold(&op.body);
        match signers.iter_mut().find(|(a, _)| *a == s) {
            Some(entry) => entry.1 = entry.1.max(level),
            None => signers.push((s, level)),
        }
    }
    check_signatures(node, &signers, sigs, hash).map_err(|r| reject(r, min_inclusion))?;
    if !fee_bumped
        && acct.balance - min_balance(&acct) - pending_fees(node, &source) < initial_fee(tx)
    {
        return Err(reject(
            TransactionResultResult::TxInsufficientBalance,
            min_inclusion,
        ));
    }
    Ok(source)
}

/// The per-transaction Soroban limits of the network settings (footprint size, entries, bytes,
/// transaction size), as core checks them before admitting a transaction.
fn exceeds_tx_limits(node: &Node, d: &SorobanTransactionData, size: u32) -> bool {
    use soroban_env_host::xdr::{ConfigSettingEntry, ConfigSettingId, LedgerKeyConfigSetting};
    let setting = |id: ConfigSettingId| {
        let key = LedgerKey::ConfigSetting(LedgerKeyConfigSetting {
            config_setting_id: id,
        });
        match node.entries.get(&key).map(|e| &e.entry.data) {
            Some(LedgerEntryData::ConfigSetting(cs)) => Some(cs.clone()),
            _ => None,
        }
    };
    let fp = &d.resources.footprint;
    let entries = (fp.read_only.len() + fp.read_write.len()) as u32;
    if let Some(ConfigSettingEntry::ContractLedgerCostV0(c)) =
        setting(ConfigSettingId::ContractLedgerCostV0)
    {
        if fp.read_write.len() as u32 > c.tx_max_write_ledger_entries
            || d.resources.disk_read_bytes > c.tx_max_disk_read_bytes
            || d.resources.write_bytes > c.tx_max_write_bytes
        {
            return true;
        }
    }
    if let Some(ConfigSettingEntry::ContractLedgerCostExtV0(c)) =
        setting(ConfigSettingId::ContractLedgerCostExtV0)
    {
        if entries > c.tx_max_footprint_entries {
            return true;
        }
    }
    if let Some(ConfigSettingEntry::ContractBandwidthV0(c)) =
        setting(ConfigSettingId::ContractBandwidthV0)
    {
        if size > c.tx_max_size_bytes {
            return true;
        }
    }
    false
}

fn verify(pk: &[u8; 32], hash: &[u8; 32], sig: &DecoratedSignature) -> bool {
    let Ok(vk) = VerifyingKey::from_bytes(pk) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(sig.signature.0.as_slice()) else {
        return false;
    };
    vk.verify(hash, &Signature::from_bytes(&bytes)).is_ok()
}

pub fn i128_val(v: i128) -> ScVal {
    ScVal::I128(Int128Parts {
        hi: (v >> 64) as i64,
        lo: v as u64,
    })
}

pub fn sym(s: &str) -> ScVal {
    ScVal::Symbol(ScSymbol(s.try_into().expect("short symbol")))
}

pub fn fee_event(native_sac: [u8; 32], from: &AccountId, amount: i64) -> ContractEvent {
    ContractEvent {
        ext: ExtensionPoint::V0,
        contract_id: Some(soroban_env_host::xdr::ContractId(Hash(native_sac))),
        type_: ContractEventType::Contract,
        body: ContractEventBody::V0(ContractEventV0 {
            topics: vec![sym("fee"), ScVal::Address(ScAddress::Account(from.clone()))]
                .try_into()
                .expect("two topics"),
            data: i128_val(i128::from(amount)),
        }),
    }
}

/// What one operation produced.
pub struct OpOutcome {
    pub result: OperationResult,
    pub ok: bool,
    pub events: Vec<ContractEvent>,
    pub soroban: Option<crate::soroban::SorobanOutcome>,
}

pub struct Applied {
    pub changes: Vec<(LedgerKey, Option<Arc<StoredEntry>>)>,
    pub fee_charged: i64,
    pub result_meta: TransactionResultMetaV1,
}

/// Applies one admitted transaction at ledger `li.sequence_number`.
pub fn apply_transaction(node: &Node, li: &LedgerInfo, p: &PendingTx, _order: u32) -> Applied {
    let seq = li.sequence_number;
    let (tx, _) = inner_tx(&p.envelope).expect("validate admits only v1 and fee-bump envelopes");
    let payer = fee_payer(&p.envelope).expect("has a fee payer");
    let inner_hash = match &p.envelope {
        TransactionEnvelope::TxFeeBump(fb) => {
            let FeeBumpTransactionInnerTx::Tx(inner) = &fb.tx.inner_tx;
            Some(inner.hash(node.network_id).unwrap_or([0; 32]))
        }
        _ => None,
    };
    let base: &EntryMap = &node.entries;
    let mut ov = Overlay::new(base);
    let source = p.source.clone();
    let native_sac = crate::genesis::native_sac_id(&node.network_id);

    // Fee: charged up front, refunded after a Soroban transaction for what it did not use.
    let start = ov.changes.clone();
    let mut charged = 0;
    if let Some(mut acct) = ov.account(&payer) {
        charged = envelope_fee(&p.envelope).min(acct.balance);
        acct.balance -= charged;
        ov.put_account(acct, seq);
    }
    let fee_processing = ov.diff_since(&start, seq);
    let mut tx_events = vec![TransactionEvent {
        stage: TransactionEventStage::BeforeAllTxs,
        event: fee_event(native_sac, &payer, charged),
    }];

    let before_seq = ov.changes.clone();
    let mut tx_result: Option<TransactionResultResult> = None;
    match ov.account(&source) {
        Some(mut acct) if acct.seq_num.0 + 1 == tx.seq_num.0 => {
            acct.seq_num = tx.seq_num.clone();
            ov.put_account(acct, seq);
        }
        _ => tx_result = Some(TransactionResultResult::TxBadSeq),
    }
    let tx_changes_before = ov.diff_since(&before_seq, seq);

    let data = soroban_data(tx);
    let declared_refundable = data
        .map(|d| (d.resource_fee - non_refundable_fee(node, d, p.size)).max(0))
        .unwrap_or(0);
    let mut op_results = Vec::new();
    let mut op_metas = Vec::new();
    let mut diagnostic = Vec::new();
    let mut soroban_meta = None;
    let mut refundable_used = 0i64;
    let mut rent = 0i64;
    if tx_result.is_none() {
        let checkpoint = ov.changes.clone();
        let mut all_ok = true;
        for (i, op) in tx.operations.iter().enumerate() {
            let before = ov.changes.clone();
            let src = op_source(tx, op);
            let out = if ov.account(&src).is_none() {
                OpOutcome {
                    result: OperationResult::OpNoAccount,
                    ok: false,
                    events: vec![],
                    soroban: None,
                }
            } else if is_soroban_op(&op.body) {
                crate::soroban::apply_op(
                    node,
                    &mut ov,
                    li,
                    &src,
                    &op.body,
                    data.expect("validated"),
                    declared_refundable,
                    &p.hash,
                    i as u32,
                )
            } else {
                crate::classic::apply_op(&mut ov, li, &src, &op.body, &node.network_id)
            };
            all_ok &= out.ok;
            if let Some(s) = &out.soroban {
                diagnostic.extend(s.diagnostic_events.iter().cloned());
                refundable_used = s.refundable_used;
                rent = s.rent_fee;
                soroban_meta = s.return_value.clone();
            }
            op_metas.push(OperationMetaV2 {
                ext: ExtensionPoint::V0,
                changes: ov.diff_since(&before, seq),
                events: out.events.try_into().unwrap_or_default(),
            });
            op_results.push(out.result);
        }
        if all_ok {
            tx_result = Some(TransactionResultResult::TxSuccess(
                op_results.try_into().unwrap_or_default(),
            ));
        } else {
            ov.changes = checkpoint;
            op_metas.clear();
            refundable_used = 0;
            rent = 0;
            soroban_meta = None;
            tx_result = Some(TransactionResultResult::TxFailed(
                op_results.try_into().unwrap_or_default(),
            ));
        }
    }
    let mut result = tx_result.expect("set above");
    if let Some(h) = inner_hash {
        result = wrap_fee_bump(h, result);
    }

    // Refund the unused refundable resource fee (the whole of it when the transaction failed).
    let mut post_fee = LedgerEntryChanges::default();
    let mut fee_charged = charged;
    if data.is_some() {
        let refund = (declared_refundable - refundable_used).clamp(0, charged);
        if refund > 0 {
            let before_refund = ov.changes.clone();
            if let Some(mut acct) = ov.account(&payer) {
                acct.balance += refund;
                ov.put_account(acct, seq);
            }
            post_fee = ov.diff_since(&before_refund, seq);
            fee_charged -= refund;
            tx_events.push(TransactionEvent {
                stage: TransactionEventStage::AfterAllTxs,
                event: fee_event(native_sac, &payer, -refund),
            });
        }
    }
    let soroban_meta_v2 = data.map(|d| SorobanTransactionMetaV2 {
        ext: SorobanTransactionMetaExt::V1(SorobanTransactionMetaExtV1 {
            ext: ExtensionPoint::V0,
            total_non_refundable_resource_fee_charged: d.resource_fee - declared_refundable,
            total_refundable_resource_fee_charged: refundable_used,
            rent_fee_charged: rent,
        }),
        return_value: soroban_meta,
    });
    let meta = TransactionMeta::V4(TransactionMetaV4 {
        ext: ExtensionPoint::V0,
        tx_changes_before,
        operations: op_metas.try_into().unwrap_or_default(),
        tx_changes_after: LedgerEntryChanges::default(),
        soroban_meta: soroban_meta_v2,
        events: tx_events.try_into().unwrap_or_default(),
        diagnostic_events: diagnostic.try_into().unwrap_or_default(),
    });
    let tx_result = TransactionResult {
        fee_charged,
        result,
        ext: TransactionResultExt::V0,
    };
    Applied {
        changes: ov.changes.into_iter().collect(),
        fee_charged,
        result_meta: TransactionResultMetaV1 {
            ext: ExtensionPoint::V0,
            result: TransactionResultPair {
                transaction_hash: Hash(p.hash),
                result: tx_result,
            },
            fee_processing,
            tx_apply_processing: meta,
            post_tx_apply_fee_processing: post_fee,
        },
    }
}
