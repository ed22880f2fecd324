//! The ledger store: current entries with their TTLs, closed ledger headers, applied
//! transactions and the event index. Everything a request needs sits in one `Node` behind one
//! mutex; simulations read an `Arc` snapshot of the entry map so they never block a close.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

use ed25519_dalek::SigningKey;
use soroban_env_host::storage::{EntryWithLiveUntil, SnapshotSource};
use soroban_env_host::vm::VersionedContractCodeCostInputs;
use soroban_env_host::xdr::ContractCodeEntryExt;
use soroban_env_host::xdr::{
    AccountEntry, AccountEntryExt, AccountId, ContractDataDurability, GeneralizedTransactionSet,
    Hash, LedgerCloseMeta, LedgerCloseMetaExt, LedgerCloseMetaV2, LedgerEntry, LedgerEntryData,
    LedgerEntryExt, LedgerHeader, LedgerHeaderExt, LedgerHeaderHistoryEntry,
    LedgerHeaderHistoryEntryExt, LedgerKey, LedgerKeyAccount, SequenceNumber, StellarValue,
    StellarValueExt, String32, Thresholds, TimePoint, TransactionEnvelope, TransactionPhase,
    TransactionResultMetaV1, TransactionSetV1, TxSetComponent, TxSetComponentTxsMaybeDiscountedFee,
    VecM,
};
use soroban_env_host::{Host, HostError, LedgerInfo, ModuleCache};
use soroban_simulation::NetworkConfig;

use crate::events::EventIndex;
use crate::network::{self, BASE_FEE, BASE_RESERVE, PROTOCOL_VERSION};
use crate::persist::{LedgerLogRecord, Persist};
use crate::util::{self, sha256, to_xdr};

/// Total lumens in existence, in stroops, as on every Stellar network.
pub const TOTAL_COINS: i64 = 1_000_000_000_000_000_000;

#[derive(Clone, Debug, PartialEq)]
pub struct StoredEntry {
    pub entry: LedgerEntry,
    /// Only contract data and code carry a TTL.
    pub live_until: Option<u32>,
}

pub type EntryMap = BTreeMap<LedgerKey, Arc<StoredEntry>>;

/// Is this entry readable at ledger `seq`? Expired temporary entries are gone; expired
/// persistent entries are archived (they stay in the map so RestoreFootprint can bring them back).
pub fn is_live(key: &LedgerKey, e: &StoredEntry, seq: u32) -> bool {
    match (e.live_until, key) {
        (Some(lu), _) => lu >= seq,
        (None, _) => true,
    }
}

pub fn is_temporary(key: &LedgerKey) -> bool {
    matches!(key, LedgerKey::ContractData(k) if k.durability == ContractDataDurability::Temporary)
}

/// A read-only view of the entries at one moment, for the simulation library and genesis.
pub struct Snapshot {
    pub entries: Arc<EntryMap>,
    pub seq: u32,
}

impl SnapshotSource for Snapshot {
    fn get(&self, key: &Rc<LedgerKey>) -> Result<Option<EntryWithLiveUntil>, HostError> {
        Ok(self.entries.get(key.as_ref()).and_then(|e| {
            if is_temporary(key) && !is_live(key, e, self.seq) {
                None
            } else {
                Some((Rc::new(e.entry.clone()), e.live_until))
            }
        }))
    }
}

#[derive(Clone, Debug)]
pub struct LedgerRecord {
    pub seq: u32,
    pub hash: [u8; 32],
    pub close_time: u64,
    /// `LedgerHeaderHistoryEntry` XDR.
    pub header_xdr: Vec<u8>,
    /// `LedgerCloseMeta` XDR.
    pub meta_xdr: Vec<u8>,
    pub tx_hashes: Vec<[u8; 32]>,
}

#[derive(Clone, Debug)]
pub struct TxRecord {
    pub hash: [u8; 32],
    pub ledger: u32,
    pub application_order: u32,
    pub close_time: u64,
    pub successful: bool,
    pub fee_bump: bool,
    pub envelope_xdr: Vec<u8>,
    pub result_xdr: Vec<u8>,
    pub meta_xdr: Vec<u8>,
    pub diagnostic_events: Vec<Vec<u8>>,
    pub tx_events: Vec<Vec<u8>>,
    pub op_events: Vec<Vec<Vec<u8>>>,
}

pub struct PendingTx {
    pub hash: [u8; 32],
    pub envelope: TransactionEnvelope,
    pub source: AccountId,
    pub size: u32,
}

pub struct Node {
    pub passphrase: String,
    pub network_id: [u8; 32],
    pub root: SigningKey,
    pub entries: Arc<EntryMap>,
    pub config: NetworkConfig,
    pub ledgers: Vec<LedgerRecord>,
    pub txs: HashMap<[u8; 32], TxRecord>,
    pub events: EventIndex,
    pub pending: Vec<PendingTx>,
    /// Seconds added to the wall clock for close times (moved by `localnet_advanceTime`).
    pub time_offset: i64,
    pub persist: Option<Persist>,
    pub fee_pool: i64,
    /// Parsed contract modules, as core keeps them: invocations are charged the cached cost.
    pub module_cache: ModuleCache,
}

/// The network root key is derived from the passphrase, as stellar-core does for a new network.
pub fn root_key(passphrase: &str) -> SigningKey {
    SigningKey::from_bytes(&util::network_id(passphrase))
}

pub fn account_key(id: &AccountId) -> LedgerKey {
    LedgerKey::Account(LedgerKeyAccount {
        account_id: id.clone(),
    })
}

pub fn new_account(id: AccountId, balance: i64, seq: u32) -> LedgerEntry {
    LedgerEntry {
        last_modified_ledger_seq: seq,
        data: LedgerEntryData::Account(AccountEntry {
            account_id: id,
            balance,
            // A new account's sequence number starts at the ledger sequence shifted by 32 bits.
            seq_num: SequenceNumber(i64::from(seq) << 32),
            num_sub_entries: 0,
            inflation_dest: None,
            flags: 0,
            home_domain: String32::default(),
            thresholds: Thresholds([1, 0, 0, 0]),
            signers: VecM::default(),
            ext: AccountEntryExt::V0,
        }),
        ext: LedgerEntryExt::V0,
    }
}

pub fn config_snapshot_entries(archival: network::Archival) -> Vec<(LedgerKey, StoredEntry)> {
    network::config_settings(archival)
        .into_iter()
        .map(|cs| {
            let entry = LedgerEntry {
                last_modified_ledger_seq: 1,
                data: LedgerEntryData::ConfigSetting(cs),
                ext: LedgerEntryExt::V0,
            };
            (
                entry.to_key(),
                StoredEntry {
                    entry,
                    live_until: None,
                },
            )
        })
        .collect()
}

impl Node {
    pub fn latest(&self) -> &LedgerRecord {
        self.ledgers.last().expect("genesis ledger exists")
    }

    pub fn oldest(&self) -> &LedgerRecord {
        self.ledgers.first().expect("genesis ledger exists")
    }

    pub fn ledger(&self, seq: u32) -> Option<&LedgerRecord> {
        let first = self.oldest().seq;
        if seq < first {
            return None;
        }
        self.ledgers.get((seq - first) as usize)
    }

    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            entries: self.entries.clone(),
            seq: self.latest().seq + 1,
        }
    }

    /// Close time the next ledger will get: the wall clock (shifted by advanceTime), never
    /// earlier than the last close.
    pub fn next_close_time(&self) -> u64 {
        let wall = util::now_unix() as i64 + self.time_offset;
        (wall.max(0) as u64).max(self.latest().close_time)
    }

    pub fn ledger_info(&self, seq: u32, close_time: u64) -> LedgerInfo {
        let mut li = LedgerInfo {
            protocol_version: PROTOCOL_VERSION,
            sequence_number: seq,
            timestamp: close_time,
            network_id: self.network_id,
            base_reserve: BASE_RESERVE,
            ..Default::default()
        };
        self.config.fill_config_fields_in_ledger_info(&mut li);
        li
    }

    pub fn new_module_cache() -> ModuleCache {
        ModuleCache::new(&Host::default()).expect("an empty module cache")
    }

    /// Parses and caches a contract's module (a no-op for other entries or known modules).
    pub fn cache_module(&self, entry: &LedgerEntry) {
        if let LedgerEntryData::ContractCode(c) = &entry.data {
            let inputs = match &c.ext {
                ContractCodeEntryExt::V1(v) => {
                    VersionedContractCodeCostInputs::V1(v.cost_inputs.clone())
                }
                ContractCodeEntryExt::V0 => VersionedContractCodeCostInputs::V0 {
                    wasm_bytes: c.code.len(),
                },
            };
            // A fresh host per module: parsing is unmetered bookkeeping here, as in core.
            let host = Host::default();
            let _ = self.module_cache.parse_and_cache_module(
                &host,
                PROTOCOL_VERSION,
                &c.hash,
                c.code.as_slice(),
                inputs,
            );
        }
    }

    pub fn get_account(&self, id: &AccountId) -> Option<AccountEntry> {
        match self.entries.get(&account_key(id)).map(|e| &e.entry.data) {
            Some(LedgerEntryData::Account(a)) => Some(a.clone()),
            _ => None,
        }
    }

    /// Closes one ledger: applies every pending transaction in arrival order, records headers,
    /// results, metas and events, and appends the ledger to the log when persistence is on.
    pub fn close_ledger(&mut self, close_time: Option<u64>) -> std::io::Result<(u32, u64)> {
        let close_time = close_time.unwrap_or_else(|| self.next_close_time());
        let seq = self.latest().seq + 1;
        let pending = std::mem::take(&mut self.pending);
        let li = self.ledger_info(seq, close_time);
        let mut applied = Vec::with_capacity(pending.len());
        let mut changed: BTreeMap<LedgerKey, Option<Arc<StoredEntry>>> = BTreeMap::new();
        for (i, p) in pending.into_iter().enumerate() {
            let out = crate::apply::apply_transaction(self, &li, &p, i as u32 + 1);
            for (k, v) in &out.changes {
                changed.insert(k.clone(), v.clone());
            }
            let entries = Arc::make_mut(&mut self.entries);
            for (k, v) in out.changes.iter() {
                match v {
                    Some(e) => {
                        entries.insert(k.clone(), e.clone());
                    }
                    None => {
                        entries.remove(k);
                    }
                }
            }
            self.fee_pool += out.fee_charged;
            for (_, v) in &out.changes {
                if let Some(e) = v {
                    self.cache_module(&e.entry);
                }
            }
            applied.push((p, out));
        }
        // Temporary entries past their TTL are deleted, as core's eviction would.
        let expired: Vec<LedgerKey> = self
            .entries
            .iter()
            .filter(|(k, e)| is_temporary(k) && !is_live(k, e, seq))
            .map(|(k, _)| k.clone())
            .collect();
        if !expired.is_empty() {
            let entries = Arc::make_mut(&mut self.entries);
            for k in expired {
                entries.remove(&k);
                changed.insert(k, None);
            }
        }
        let record = self.build_ledger(seq, close_time, &applied);
        let empty = applied.is_empty() && changed.is_empty();
        let log = LedgerLogRecord {
            seq,
            close_time,
            time_offset: self.time_offset,
            fee_pool: self.fee_pool,
            // An empty ledger is logged without its header and meta: replay rebuilds them
            // (deterministically), which keeps an idle node's log small.
            header_xdr: if empty {
                vec![]
            } else {
                record.header_xdr.clone()
            },
            meta_xdr: if empty {
                vec![]
            } else {
                record.meta_xdr.clone()
            },
            changes: changed
                .into_iter()
                .map(|(k, v)| (k, v.map(|e| (*e).clone())))
                .collect(),
        };
        if let Some(p) = self.persist.as_mut() {
            p.append(&log)?;
        }
        let pairs: Vec<(TransactionEnvelope, TransactionResultMetaV1)> = applied
            .into_iter()
            .map(|(p, a)| (p.envelope, a.result_meta))
            .collect();
        let txs = tx_records(seq, close_time, &pairs);
        self.index_ledger(&record, &txs);
        Ok((seq, close_time))
    }

    pub(crate) fn build_ledger(
        &mut self,
        seq: u32,
        close_time: u64,
        applied: &[(PendingTx, crate::apply::Applied)],
    ) -> LedgerRecord {
        let prev = self.latest().clone();
        let prev_hash = Hash(prev.hash);
        let mut classic = Vec::new();
        let mut soroban = Vec::new();
        for (p, _) in applied {
            if crate::apply::is_soroban(&p.envelope) {
                soroban.push(p.envelope.clone());
            } else {
                classic.push(p.envelope.clone());
            }
        }
        let phase = |txs: Vec<TransactionEnvelope>| {
            let comps = if txs.is_empty() {
                vec![]
            } else {
                vec![TxSetComponent::TxsetCompTxsMaybeDiscountedFee(
                    TxSetComponentTxsMaybeDiscountedFee {
                        base_fee: Some(i64::from(BASE_FEE)),
                        txs: txs.try_into().unwrap_or_default(),
                    },
                )]
            };
            TransactionPhase::V0(comps.try_into().unwrap_or_default())
        };
        let tx_set = GeneralizedTransactionSet::V1(TransactionSetV1 {
            previous_ledger_hash: prev_hash.clone(),
            phases: vec![phase(classic), phase(soroban)]
                .try_into()
                .unwrap_or_default(),
        });
        let tx_processing: Vec<TransactionResultMetaV1> =
            applied.iter().map(|(_, a)| a.result_meta.clone()).collect();
        let results: Vec<u8> = tx_processing
            .iter()
            .flat_map(|m| to_xdr(&m.result))
            .collect();
        let header = LedgerHeader {
            ledger_version: PROTOCOL_VERSION,
            previous_ledger_hash: prev_hash,
            scp_value: StellarValue {
                tx_set_hash: Hash(sha256(&to_xdr(&tx_set))),
                close_time: TimePoint(close_time),
                upgrades: VecM::default(),
                ext: StellarValueExt::Basic,
            },
            tx_set_result_hash: Hash(sha256(&results)),
            bucket_list_hash: Hash(sha256(&[prev.hash.as_slice(), &results].concat())),
            ledger_seq: seq,
            total_coins: TOTAL_COINS,
            fee_pool: self.fee_pool,
            inflation_seq: 0,
            id_pool: 0,
            base_fee: BASE_FEE,
            base_reserve: BASE_RESERVE,
            max_tx_set_size: 1000,
            skip_list: [Hash([0; 32]), Hash([0; 32]), Hash([0; 32]), Hash([0; 32])],
            ext: LedgerHeaderExt::V0,
        };
        let hash = sha256(&to_xdr(&header));
        let hhe = LedgerHeaderHistoryEntry {
            hash: Hash(hash),
            header,
            ext: LedgerHeaderHistoryEntryExt::V0,
        };
        let lcm = LedgerCloseMeta::V2(LedgerCloseMetaV2 {
            ext: LedgerCloseMetaExt::V0,
            ledger_header: hhe.clone(),
            tx_set,
            tx_processing: tx_processing.try_into().unwrap_or_default(),
            upgrades_processing: VecM::default(),
            scp_info: VecM::default(),
            total_byte_size_of_live_soroban_state: network::STATE_SIZE_SAMPLE,
            evicted_keys: VecM::default(),
        });
        LedgerRecord {
            seq,
            hash,
            close_time,
            header_xdr: to_xdr(&hhe),
            meta_xdr: to_xdr(&lcm),
            tx_hashes: applied.iter().map(|(p, _)| p.hash).collect(),
        }
    }

    /// Adds a closed ledger and its transactions to the in-memory indexes.
    pub fn index_ledger(&mut self, record: &LedgerRecord, txs: &[TxRecord]) {
        self.events.add_ledger(record.seq, record.close_time, txs);
        for tx in txs {
            self.txs.insert(tx.hash, tx.clone());
        }
        self.ledgers.push(record.clone());
    }
}

/// Transaction records as getTransaction(s) and getEvents serve them, from what a ledger close
/// produced (or, on restart, from the `LedgerCloseMeta` in the log).
pub fn tx_records(
    seq: u32,
    close_time: u64,
    applied: &[(TransactionEnvelope, TransactionResultMetaV1)],
) -> Vec<TxRecord> {
    use soroban_env_host::xdr::{TransactionMeta, TransactionResultResult};
    applied
        .iter()
        .enumerate()
        .map(|(i, (env, rm))| {
            let successful = matches!(
                rm.result.result.result,
                TransactionResultResult::TxSuccess(_)
                    | TransactionResultResult::TxFeeBumpInnerSuccess(_)
            );
            let (diagnostic_events, tx_events, op_events) = match &rm.tx_apply_processing {
                TransactionMeta::V4(m) => (
                    m.diagnostic_events.iter().map(to_xdr).collect(),
                    m.events.iter().map(to_xdr).collect(),
                    m.operations
                        .iter()
                        .map(|o| o.events.iter().map(to_xdr).collect())
                        .collect(),
                ),
                _ => (vec![], vec![], vec![]),
            };
            TxRecord {
                hash: rm.result.transaction_hash.0,
                ledger: seq,
                application_order: i as u32 + 1,
                close_time,
                successful,
                fee_bump: matches!(env, TransactionEnvelope::TxFeeBump(_)),
                envelope_xdr: to_xdr(env),
                result_xdr: to_xdr(&rm.result.result),
                meta_xdr: to_xdr(&rm.tx_apply_processing),
                diagnostic_events,
                tx_events,
                op_events,
            }
        })
        .collect()
}
