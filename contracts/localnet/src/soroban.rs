//! Soroban operations on the real host: `e2e_invoke::invoke_host_function` in enforcing mode
//! with the transaction's signed auth entries, and the TTL operations with their rent fees.

use soroban_env_host::budget::Budget;
use soroban_env_host::e2e_invoke::{self, TtlLedgerEntryMeta};
use soroban_env_host::fees::{
    compute_rent_fee, compute_transaction_resource_fee, LedgerEntryRentChange, TransactionResources,
};
use soroban_env_host::xdr::{
    AccountId, ContractEvent, DiagnosticEvent, ExtendFootprintTtlResult, Hash,
    InvokeHostFunctionResult, InvokeHostFunctionSuccessPreImage, LedgerEntry, LedgerKey,
    OperationBody, OperationResult, OperationResultTr, RestoreFootprintResult, ScErrorCode,
    ScErrorType, ScVal, SorobanTransactionData, SorobanTransactionDataExt,
};
use soroban_env_host::{HostError, LedgerInfo};

use crate::apply::{OpOutcome, Overlay};
use crate::ledger::{is_temporary, Node, StoredEntry};
use crate::util::{from_xdr, sha256, to_xdr};

pub struct SorobanOutcome {
    pub return_value: Option<ScVal>,
    pub diagnostic_events: Vec<DiagnosticEvent>,
    /// Refundable fee consumed: contract events plus rent.
    pub refundable_used: i64,
    pub rent_fee: i64,
}

fn fail(tr: OperationResultTr, diagnostics: Vec<DiagnosticEvent>) -> OpOutcome {
    OpOutcome {
        result: OperationResult::OpInner(tr),
        ok: false,
        events: vec![],
        soroban: Some(SorobanOutcome {
            return_value: None,
            diagnostic_events: diagnostics,
            refundable_used: 0,
            rent_fee: 0,
        }),
    }
}

fn host_failure(e: &HostError) -> InvokeHostFunctionResult {
    let err = &e.error;
    if err.is_code(ScErrorCode::ExceededLimit)
        && (err.is_type(ScErrorType::Budget) || err.is_type(ScErrorType::Storage))
    {
        InvokeHostFunctionResult::ResourceLimitExceeded
    } else {
        InvokeHostFunctionResult::Trapped
    }
}

/// Size of an entry for rent purposes (XDR size plus the module memory of contract code).
pub fn rent_size(entry: &LedgerEntry) -> u32 {
    let xdr_len = to_xdr(entry).len() as u32;
    // A throwaway budget: this bookkeeping is not part of the transaction's metered work.
    let budget = Budget::default();
    e2e_invoke::entry_size_for_rent(&budget, entry, xdr_len).unwrap_or(xdr_len)
}

fn events_fee(node: &Node, size: u32) -> i64 {
    let res = TransactionResources {
        instructions: 0,
        disk_read_entries: 0,
        write_entries: 0,
        disk_read_bytes: 0,
        write_bytes: 0,
        contract_events_size_bytes: size,
        transaction_size_bytes: 0,
    };
    compute_transaction_resource_fee(&res, &node.config.fee_configuration).1
}

#[allow(clippy::too_many_arguments)]
pub fn apply_op(
    node: &Node,
    ov: &mut Overlay,
    li: &LedgerInfo,
    source: &AccountId,
    body: &OperationBody,
    data: &SorobanTransactionData,
    declared_refundable: i64,
    tx_hash: &[u8; 32],
    op_index: u32,
) -> OpOutcome {
    let seq = li.sequence_number;
    match body {
        OperationBody::InvokeHostFunction(op) => {
            let r = OperationResultTr::InvokeHostFunction;
            let fp = &data.resources.footprint;
            let restored: Vec<u32> = match &data.ext {
                SorobanTransactionDataExt::V1(x) => x.archived_soroban_entries.to_vec(),
                SorobanTransactionDataExt::V0 => vec![],
            };
            let mut encoded = Vec::with_capacity(fp.read_only.len() + fp.read_write.len());
            let read_only = fp.read_only.iter().map(|k| (k, false));
            let read_write = fp.read_write.iter().enumerate().map(|(i, k)| {
                let listed = u32::try_from(i).is_ok_and(|i| restored.contains(&i));
                (k, listed)
            });
            for (key, restore) in read_only.chain(read_write) {
                let item = match ov.get(key) {
                    Some(e) if e.live_until.is_some_and(|lu| lu < seq) && is_temporary(key) => {
                        (None, None) // an expired temporary entry is gone
                    }
                    Some(e) if e.live_until.is_some_and(|lu| lu < seq) => {
                        // An archived persistent entry: as core does, restore it for the call
                        // when the transaction lists it, otherwise the call cannot run.
                        if !restore {
                            return fail(r(InvokeHostFunctionResult::EntryArchived), vec![]);
                        }
                        let ttl = TtlLedgerEntryMeta {
                            live_until_ledger: seq + li.min_persistent_entry_ttl - 1,
                            entry_size_for_rent: rent_size(&e.entry),
                        };
                        (Some(to_xdr(&e.entry)), Some(ttl))
                    }
                    Some(e) => {
                        let ttl = e.live_until.map(|lu| TtlLedgerEntryMeta {
                            live_until_ledger: lu,
                            entry_size_for_rent: rent_size(&e.entry),
                        });
                        (Some(to_xdr(&e.entry)), ttl)
                    }
                    None => (None, None),
                };
                encoded.push(item);
            }
            let budget = match Budget::try_from_configs(
                u64::from(data.resources.instructions),
                u64::from(node.config.tx_memory_limit),
                node.config.cpu_cost_params.clone(),
                node.config.memory_cost_params.clone(),
            ) {
                Ok(b) => b,
                Err(_) => return fail(r(InvokeHostFunctionResult::Malformed), vec![]),
            };
            let auth: Vec<Vec<u8>> = op.auth.iter().map(to_xdr).collect();
            let mut diagnostics = Vec::new();
            let seed = sha256(&[tx_hash.as_slice(), &op_index.to_be_bytes()].concat());
            let res = e2e_invoke::invoke_host_function(
                &budget,
                true,
                to_xdr(&op.host_function),
                to_xdr(&data.resources),
                &restored,
                to_xdr(source),
                auth.into_iter(),
                li.clone(),
                encoded.into_iter(),
                seed.to_vec(),
                &mut diagnostics,
                None,
                Some(node.module_cache.clone()),
            );
            if std::env::var_os("FLOWFI_LOCALNET_DEBUG").is_some() {
                eprintln!(
                    "flowfi-localnet: declared {} insns, used {:?} insns {:?} mem",
                    data.resources.instructions,
                    budget.get_cpu_insns_consumed(),
                    budget.get_mem_bytes_consumed()
                );
            }
            let res = match res {
                Ok(r) => r,
                Err(e) => {
                    debug_log(&e);
                    return fail(r(host_failure(&e)), diagnostics);
                }
            };
            let ret_bytes = match res.encoded_invoke_result {
                Ok(v) => v,
                Err(e) => {
                    debug_log(&e);
                    return fail(r(host_failure(&e)), diagnostics);
                }
            };
            let return_value: ScVal = from_xdr(&ret_bytes).unwrap_or(ScVal::Void);
            let events: Vec<ContractEvent> = res
                .encoded_contract_events
                .iter()
                .filter_map(|b| from_xdr(b))
                .collect();
            let events_size: usize = res
                .encoded_contract_events
                .iter()
                .map(|b| b.len())
                .sum::<usize>()
                + ret_bytes.len();
            let rent_changes = e2e_invoke::extract_rent_changes(&res.ledger_changes);
            let rent = compute_rent_fee(&rent_changes, &node.config.rent_fee_configuration, seq);
            let used = rent + events_fee(node, events_size as u32);
            if used > declared_refundable {
                return fail(
                    r(InvokeHostFunctionResult::InsufficientRefundableFee),
                    diagnostics,
                );
            }
            for ch in &res.ledger_changes {
                let Some(key) = from_xdr::<LedgerKey>(&ch.encoded_key) else {
                    continue;
                };
                let old = ov.get(&key);
                let new_ttl = ch.ttl_change.as_ref().map(|t| t.new_live_until_ledger);
                if ch.read_only {
                    if let (Some(old), Some(lu)) = (old, new_ttl) {
                        if Some(lu) != old.live_until {
                            let mut e = (*old).clone();
                            e.live_until = Some(lu);
                            ov.put(key, e);
                        }
                    }
                    continue;
                }
                match &ch.encoded_new_value {
                    Some(bytes) => {
                        let Some(mut entry) = from_xdr::<LedgerEntry>(bytes) else {
                            continue;
                        };
                        let live_until = new_ttl.or(old.as_ref().and_then(|o| o.live_until));
                        let unchanged = old.as_ref().is_some_and(|o| {
                            o.entry.data == entry.data && o.live_until == live_until
                        });
                        if unchanged {
                            continue;
                        }
                        if old.as_ref().is_none_or(|o| o.entry.data != entry.data) {
                            entry.last_modified_ledger_seq = seq;
                        }
                        ov.put(key, StoredEntry { entry, live_until });
                    }
                    None => {
                        if old.is_some() {
                            ov.del(key);
                        }
                    }
                }
            }
            let preimage = InvokeHostFunctionSuccessPreImage {
                return_value: return_value.clone(),
                events: events.clone().try_into().unwrap_or_default(),
            };
            OpOutcome {
                result: OperationResult::OpInner(r(InvokeHostFunctionResult::Success(Hash(
                    sha256(&to_xdr(&preimage)),
                )))),
                ok: true,
                events,
                soroban: Some(SorobanOutcome {
                    return_value: Some(return_value),
                    diagnostic_events: diagnostics,
                    refundable_used: used,
                    rent_fee: rent,
                }),
            }
        }
        OperationBody::ExtendFootprintTtl(op) => {
            let r = OperationResultTr::ExtendFootprintTtl;
            let fp = &data.resources.footprint;
            if !fp.read_write.is_empty() || op.extend_to > li.max_entry_ttl - 1 {
                return fail(r(ExtendFootprintTtlResult::Malformed), vec![]);
            }
            let new_lu = seq + op.extend_to;
            let mut changes = Vec::new();
            let mut updates = Vec::new();
            for key in fp.read_only.iter() {
                let Some(e) = ov.get(key) else { continue };
                let Some(lu) = e.live_until else { continue };
                if lu < seq || lu >= new_lu {
                    continue;
                }
                let size = rent_size(&e.entry);
                changes.push(LedgerEntryRentChange {
                    is_persistent: !is_temporary(key),
                    is_code_entry: matches!(key, LedgerKey::ContractCode(_)),
                    old_size_bytes: size,
                    new_size_bytes: size,
                    old_live_until_ledger: lu,
                    new_live_until_ledger: new_lu,
                });
                let mut ne = (*e).clone();
                ne.live_until = Some(new_lu);
                updates.push((key.clone(), ne));
            }
            let rent = compute_rent_fee(&changes, &node.config.rent_fee_configuration, seq);
            if rent > declared_refundable {
                return fail(
                    r(ExtendFootprintTtlResult::InsufficientRefundableFee),
                    vec![],
                );
            }
            for (k, e) in updates {
                ov.put(k, e);
            }
            ttl_success(r(ExtendFootprintTtlResult::Success), rent)
        }
        OperationBody::RestoreFootprint(_) => {
            let r = OperationResultTr::RestoreFootprint;
            let fp = &data.resources.footprint;
            if !fp.read_only.is_empty() {
                return fail(r(RestoreFootprintResult::Malformed), vec![]);
            }
            let new_lu = seq + li.min_persistent_entry_ttl - 1;
            let mut changes = Vec::new();
            let mut updates = Vec::new();
            for key in fp.read_write.iter() {
                if is_temporary(key) {
                    return fail(r(RestoreFootprintResult::Malformed), vec![]);
                }
                let Some(e) = ov.get(key) else { continue };
                let Some(lu) = e.live_until else { continue };
                if lu >= seq {
                    continue;
                }
                changes.push(LedgerEntryRentChange {
                    is_persistent: true,
                    is_code_entry: matches!(key, LedgerKey::ContractCode(_)),
                    old_size_bytes: 0,
                    new_size_bytes: rent_size(&e.entry),
                    old_live_until_ledger: 0,
                    new_live_until_ledger: new_lu,
                });
                let mut ne = (*e).clone();
                ne.live_until = Some(new_lu);
                ne.entry.last_modified_ledger_seq = seq;
                updates.push((key.clone(), ne));
            }
            let rent = compute_rent_fee(&changes, &node.config.rent_fee_configuration, seq);
            if rent > declared_refundable {
                return fail(r(RestoreFootprintResult::InsufficientRefundableFee), vec![]);
            }
            for (k, e) in updates {
                ov.put(k, e);
            }
            ttl_success(r(RestoreFootprintResult::Success), rent)
        }
        _ => unreachable!("only Soroban operations come here"),
    }
}

fn ttl_success(tr: OperationResultTr, rent: i64) -> OpOutcome {
    OpOutcome {
        result: OperationResult::OpInner(tr),
        ok: true,
        events: vec![],
        soroban: Some(SorobanOutcome {
            return_value: None,
            diagnostic_events: vec![],
            refundable_used: rent,
            rent_fee: rent,
        }),
    }
}

/// With `FLOWFI_LOCALNET_DEBUG` set, host failures are also written to stderr.
fn debug_log(e: &HostError) {
    if std::env::var_os("FLOWFI_LOCALNET_DEBUG").is_some() {
        eprintln!("flowfi-localnet: host error: {e:?}");
    }
}
