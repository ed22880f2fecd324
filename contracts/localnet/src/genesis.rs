//! Starting a node: a fresh genesis ledger (settings, root account, native XLM asset contract)
//! or a replay of the `--state-dir` log.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use soroban_env_host::e2e_invoke::RecordingInvocationAuthMode;
use soroban_env_host::xdr::{
    Asset, ContractExecutable, ContractIdPreimage, CreateContractArgs, HostFunction,
    LedgerCloseMeta, LedgerEntryData, LedgerKey, TransactionEnvelope, TransactionPhase,
    TransactionResultMetaV1, TxSetComponent,
};
use soroban_simulation::simulation::{
    simulate_invoke_host_function_op, SimulationAdjustmentConfig,
};
use soroban_simulation::NetworkConfig;

use crate::events::EventIndex;
use crate::ledger::{
    config_snapshot_entries, new_account, root_key, tx_records, EntryMap, LedgerRecord, Node,
    Snapshot, StoredEntry, TOTAL_COINS,
};
use crate::network::Archival;
use crate::persist::{LedgerLogRecord, Persist};
use crate::util::{self, from_xdr};

pub fn native_sac_id(network_id: &[u8; 32]) -> [u8; 32] {
    crate::classic::sac_id(network_id, &Asset::Native)
}

fn empty_node(passphrase: &str, entries: EntryMap, config: NetworkConfig) -> Node {
    Node {
        passphrase: passphrase.to_string(),
        network_id: util::network_id(passphrase),
        root: root_key(passphrase),
        entries: Arc::new(entries),
        config,
        ledgers: Vec::new(),
        txs: HashMap::new(),
        events: EventIndex::default(),
        pending: Vec::new(),
        time_offset: 0,
        persist: None,
        fee_pool: 0,
        module_cache: Node::new_module_cache(),
    }
}

/// Opens the node: replays `state_dir` when it holds ledgers, otherwise creates genesis (and
/// logs it there).
pub fn start(passphrase: &str, state_dir: Option<&Path>) -> Result<Node, String> {
    start_with(passphrase, state_dir, Archival::default())
}

/// As `start`, with the archival TTLs of a new chain (a replayed chain keeps its own: they are
/// ledger entries in its log).
pub fn start_with(
    passphrase: &str,
    state_dir: Option<&Path>,
    archival: Archival,
) -> Result<Node, String> {
    let (persist, records) = match state_dir {
        Some(d) => {
            let (p, r) = Persist::open(d, passphrase)
                .map_err(|e| format!("cannot open state dir {}: {e}", d.display()))?;
            (Some(p), r)
        }
        None => (None, Vec::new()),
    };
    let mut node = if records.is_empty() {
        let (node, rec) = genesis(passphrase, archival)?;
        let mut node = node;
        if let Some(mut p) = persist {
            p.append(&rec)
                .map_err(|e| format!("cannot write state dir: {e}"))?;
            node.persist = Some(p);
        }
        node
    } else {
        let mut node = replay(passphrase, &records)?;
        node.persist = persist;
        node
    };
    let codes: Vec<_> = node.entries.values().cloned().collect();
    for e in codes {
        node.cache_module(&e.entry);
    }
    node.pending.clear();
    Ok(node)
}

fn genesis(passphrase: &str, archival: Archival) -> Result<(Node, LedgerLogRecord), String> {
    let root = util::account_id(root_key(passphrase).verifying_key().to_bytes());
    let mut entries: EntryMap = config_snapshot_entries(archival)
        .into_iter()
        .map(|(k, v)| (k, Arc::new(v)))
        .collect();
    let root_entry = new_account(root.clone(), TOTAL_COINS, 1);
    entries.insert(
        root_entry.to_key(),
        Arc::new(StoredEntry {
            entry: root_entry,
            live_until: None,
        }),
    );
    let snap = Snapshot {
        entries: Arc::new(entries.clone()),
        seq: 1,
    };
    let config = NetworkConfig::load_from_snapshot(&snap)
        .map_err(|e| format!("genesis settings are incomplete: {e}"))?;
    let close_time = util::now_unix();
    let mut node = empty_node(passphrase, entries, config);
    node.ledgers.push(LedgerRecord {
        seq: 0,
        hash: [0; 32],
        close_time,
        header_xdr: vec![],
        meta_xdr: vec![],
        tx_hashes: vec![],
    });
    let li = node.ledger_info(1, close_time);

    // The native asset contract, deployed by running the real host function once.
    let sim = simulate_invoke_host_function_op(
        Rc::new(snap),
        &node.config,
        &SimulationAdjustmentConfig::no_adjustments(),
        &li,
        HostFunction::CreateContract(CreateContractArgs {
            contract_id_preimage: ContractIdPreimage::Asset(Asset::Native),
            executable: ContractExecutable::StellarAsset,
        }),
        RecordingInvocationAuthMode::recording(true, false),
        &root,
        [0; 32],
        false,
    )
    .map_err(|e| format!("cannot deploy the native asset contract: {e}"))?;
    if let Err(e) = &sim.invoke_result {
        return Err(format!("cannot deploy the native asset contract: {e:?}"));
    }
    let live_until = li.sequence_number + li.max_entry_ttl - 1;
    let entries = Arc::make_mut(&mut node.entries);
    for diff in sim.modified_entries {
        if let Some(mut e) = diff.state_after {
            e.last_modified_ledger_seq = 1;
            let lu = matches!(
                e.data,
                LedgerEntryData::ContractData(_) | LedgerEntryData::ContractCode(_)
            )
            .then_some(live_until);
            entries.insert(
                e.to_key(),
                Arc::new(StoredEntry {
                    entry: e,
                    live_until: lu,
                }),
            );
        }
    }
    let (seq, _) = (1u32, ());
    let record = node.build_ledger(seq, close_time, &[]);
    node.ledgers.clear();
    node.index_ledger(&record, &[]);
    let log = LedgerLogRecord {
        seq,
        close_time,
        time_offset: 0,
        fee_pool: 0,
        header_xdr: record.header_xdr.clone(),
        meta_xdr: record.meta_xdr.clone(),
        changes: node
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), Some((**v).clone())))
            .collect(),
    };
    Ok((node, log))
}

fn replay(passphrase: &str, records: &[LedgerLogRecord]) -> Result<Node, String> {
    let mut entries = EntryMap::new();
    let mut node: Option<Node> = None;
    for rec in records {
        let target = match node.as_mut() {
            Some(n) => Arc::make_mut(&mut n.entries),
            None => &mut entries,
        };
        for (k, v) in &rec.changes {
            match v {
                Some(e) => {
                    target.insert(k.clone(), Arc::new(e.clone()));
                }
                None => {
                    target.remove(k);
                }
            }
        }
        if node.is_none() {
            let snap = Snapshot {
                entries: Arc::new(entries.clone()),
                seq: rec.seq,
            };
            let config = NetworkConfig::load_from_snapshot(&snap)
                .map_err(|e| format!("state dir has no network settings: {e}"))?;
            node = Some(empty_node(passphrase, std::mem::take(&mut entries), config));
        }
        let n = node.as_mut().expect("created above");
        if rec.meta_xdr.is_empty() && rec.seq > 1 {
            // A compact record of an empty ledger: rebuild it as it was built at close.
            let record = n.build_ledger(rec.seq, rec.close_time, &[]);
            n.index_ledger(&record, &[]);
            n.time_offset = rec.time_offset;
            n.fee_pool = rec.fee_pool;
            continue;
        }
        let lcm: LedgerCloseMeta =
            from_xdr(&rec.meta_xdr).ok_or_else(|| format!("ledger {} meta is corrupt", rec.seq))?;
        let pairs = txs_from_meta(&lcm, &n.network_id);
        let txs = tx_records(rec.seq, rec.close_time, &pairs);
        let hash = match &lcm {
            LedgerCloseMeta::V2(m) => m.ledger_header.hash.0,
            _ => [0; 32],
        };
        let record = LedgerRecord {
            seq: rec.seq,
            hash,
            close_time: rec.close_time,
            header_xdr: rec.header_xdr.clone(),
            meta_xdr: rec.meta_xdr.clone(),
            tx_hashes: txs.iter().map(|t| t.hash).collect(),
        };
        n.index_ledger(&record, &txs);
        n.time_offset = rec.time_offset;
        n.fee_pool = rec.fee_pool;
    }
    node.ok_or_else(|| "state dir log is empty".to_string())
}

/// Pairs each transaction result of a ledger with its envelope from the transaction set.
fn txs_from_meta(
    lcm: &LedgerCloseMeta,
    network_id: &[u8; 32],
) -> Vec<(TransactionEnvelope, TransactionResultMetaV1)> {
    let LedgerCloseMeta::V2(m) = lcm else {
        return vec![];
    };
    let mut by_hash: HashMap<[u8; 32], TransactionEnvelope> = HashMap::new();
    let soroban_env_host::xdr::GeneralizedTransactionSet::V1(set) = &m.tx_set;
    for phase in set.phases.iter() {
        if let TransactionPhase::V0(comps) = phase {
            for TxSetComponent::TxsetCompTxsMaybeDiscountedFee(c) in comps.iter() {
                for env in c.txs.iter() {
                    if let Ok(h) = env.hash(*network_id) {
                        by_hash.insert(h, env.clone());
                    }
                }
            }
        }
    }
    m.tx_processing
        .iter()
        .filter_map(|rm| {
            by_hash
                .get(&rm.result.transaction_hash.0)
                .map(|env| (env.clone(), rm.clone()))
        })
        .collect()
}

/// Keys of the genesis config settings (used by tests and getLedgerEntries checks).
pub fn is_config_key(k: &LedgerKey) -> bool {
    matches!(k, LedgerKey::ConfigSetting(_))
}
