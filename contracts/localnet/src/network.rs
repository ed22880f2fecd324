//! Protocol 28 network settings written into genesis as ConfigSetting ledger entries.
//!
//! The numbers are the public testnet protocol 28 upgrade set (as stellar-rpc's integration
//! tests apply it), with one change of ours: the minimum persistent TTL is 2,073,600 ledgers
//! (about 120 days of 5 s ledgers) rather than 10, because instant mode closes a ledger per
//! transaction and contract state must not archive under a test suite's feet.

use soroban_env_host::xdr::{
    ConfigSettingContractBandwidthV0, ConfigSettingContractComputeV0,
    ConfigSettingContractEventsV0, ConfigSettingContractExecutionLanesV0,
    ConfigSettingContractHistoricalDataV0, ConfigSettingContractLedgerCostExtV0,
    ConfigSettingContractLedgerCostV0, ConfigSettingContractParallelComputeV0, ConfigSettingEntry,
    ConfigSettingScpTiming, ContractCostParamEntry, ContractCostParams, ExtensionPoint,
    StateArchivalSettings,
};

pub const PROTOCOL_VERSION: u32 = 28;
/// Stroops per base reserve (0.5 XLM), as on pubnet and testnet.
pub const BASE_RESERVE: u32 = 5_000_000;
/// Inclusion fee per operation when there is no surge pricing.
pub const BASE_FEE: u32 = 100;
pub const MIN_PERSISTENT_TTL: u32 = 2_073_600;
pub const MIN_TEMPORARY_TTL: u32 = 720;
pub const MAX_ENTRY_TTL: u32 = 3_110_400;

/// The state-archival TTLs of a new chain. `--max-entry-ttl` shortens them so that contract
/// state archives after a few hundred ledgers, as it does after months on a real network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Archival {
    pub max_entry_ttl: u32,
    pub min_persistent_ttl: u32,
    pub min_temporary_ttl: u32,
}

impl Default for Archival {
    fn default() -> Self {
        Archival::with_max_entry_ttl(MAX_ENTRY_TTL)
    }
}

impl Archival {
    /// The minimum TTLs are capped at the maximum (the host requires min <= max).
    pub fn with_max_entry_ttl(max_entry_ttl: u32) -> Self {
        Archival {
            max_entry_ttl,
            min_persistent_ttl: MIN_PERSISTENT_TTL.min(max_entry_ttl),
            min_temporary_ttl: MIN_TEMPORARY_TTL.min(max_entry_ttl),
        }
    }
}
/// Samples of the live Soroban state size; its average drives the rent fee (clamped to the
/// protocol minimum for a state as small as a local network's).
pub const STATE_SIZE_WINDOW_SAMPLES: usize = 30;
pub const STATE_SIZE_SAMPLE: u64 = 10_000_000;

pub const CPU_COST_PARAMS: [(i64, i64); 86] = [
    (4, 0),
    (434, 16),
    (42, 16),
    (44, 16),
    (295, 0),
    (60, 0),
    (221, 26),
    (331, 4369),
    (3636, 7013),
    (40256, 0),
    (377551, 4059),
    (417482, 45712),
    (41142, 634),
    (1945, 0),
    (6481, 5943),
    (711, 0),
    (2314804, 0),
    (4176, 0),
    (4716, 0),
    (4680, 0),
    (4256, 0),
    (884, 0),
    (1059, 502),
    (73077, 25410),
    (0, 540752),
    (0, 176363),
    (0, 29989),
    (0, 1061449),
    (0, 237336),
    (0, 328476),
    (0, 701845),
    (0, 429383),
    (0, 28),
    (43030, 0),
    (0, 7556),
    (0, 10711),
    (0, 3300),
    (0, 0),
    (0, 23038),
    (0, 42488),
    (0, 828974),
    (0, 297100),
    (0, 14),
    (1882, 0),
    (3000906, 0),
    (661, 0),
    (985, 0),
    (1934, 0),
    (730510, 0),
    (5921, 0),
    (1057822, 0),
    (92642, 0),
    (100742, 0),
    (7689, 0),
    (2458985, 0),
    (2347584, 94135478),
    (1020885, 0),
    (2638451, 6803),
    (25207, 0),
    (7873219, 0),
    (7663880, 298580871),
    (1856539, 0),
    (6315452, 7232),
    (10558948, 632860943),
    (1994, 0),
    (1155, 0),
    (74, 0),
    (332, 0),
    (691, 74558),
    (35421, 0),
    (344, 0),
    (476, 0),
    (904, 0),
    (2811, 0),
    (1706052, 0),
    (61, 0),
    (3623, 0),
    (1150435, 0),
    (5263916, 392472814),
    (2052, 0),
    (1133, 0),
    (74, 0),
    (332, 0),
    (755, 68930),
    (33151, 0),
    (1185193, 41568084),
];

pub const MEM_COST_PARAMS: [(i64, i64); 86] = [
    (0, 0),
    (16, 128),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (242, 384),
    (0, 384),
    (0, 0),
    (0, 0),
    (0, 0),
    (132773, 4903),
    (69472, 1217),
    (14, 0),
    (0, 0),
    (0, 0),
    (181, 0),
    (99, 0),
    (99, 0),
    (99, 0),
    (99, 0),
    (99, 0),
    (0, 0),
    (17564, 6457),
    (0, 47464),
    (0, 13420),
    (0, 6285),
    (0, 64670),
    (0, 29074),
    (0, 48095),
    (0, 103229),
    (0, 36394),
    (0, 257),
    (70704, 0),
    (0, 14613),
    (0, 6833),
    (0, 1025),
    (0, 0),
    (0, 129632),
    (0, 13665),
    (0, 97637),
    (0, 9176),
    (0, 126),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (109494, 266603),
    (2776, 0),
    (5896, 0),
    (0, 0),
    (0, 0),
    (219654, 266603),
    (1672, 0),
    (3960, 0),
    (2204, 9340474),
    (0, 0),
    (248, 0),
    (0, 0),
    (0, 0),
    (0, 128),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (1821, 6232546),
    (0, 0),
    (312, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (0, 0),
    (73061, 229779),
];

fn cost_params(pairs: &[(i64, i64)]) -> ContractCostParams {
    let v: Vec<ContractCostParamEntry> = pairs
        .iter()
        .map(|&(const_term, linear_term)| ContractCostParamEntry {
            ext: ExtensionPoint::V0,
            const_term,
            linear_term,
        })
        .collect();
    ContractCostParams(v.try_into().expect("cost params fit"))
}

/// Every ConfigSetting entry the genesis ledger holds.
pub fn config_settings(archival: Archival) -> Vec<ConfigSettingEntry> {
    let window: Vec<u64> = vec![STATE_SIZE_SAMPLE; STATE_SIZE_WINDOW_SAMPLES];
    vec![
        ConfigSettingEntry::ContractMaxSizeBytes(131_072),
        ConfigSettingEntry::ContractComputeV0(ConfigSettingContractComputeV0 {
            ledger_max_instructions: 500_000_000,
            tx_max_instructions: 100_000_000,
            fee_rate_per_instructions_increment: 25,
            tx_memory_limit: 41_943_040,
        }),
        ConfigSettingEntry::ContractLedgerCostV0(ConfigSettingContractLedgerCostV0 {
            ledger_max_disk_read_entries: 500,
            ledger_max_disk_read_bytes: 3_500_000,
            ledger_max_write_ledger_entries: 250,
            ledger_max_write_bytes: 143_360,
            tx_max_disk_read_entries: 100,
            tx_max_disk_read_bytes: 200_000,
            tx_max_write_ledger_entries: 50,
            tx_max_write_bytes: 132_096,
            fee_disk_read_ledger_entry: 6_250,
            fee_write_ledger_entry: 10_000,
            fee_disk_read1_kb: 1_786,
            soroban_state_target_size_bytes: 3_000_000_000,
            rent_fee1_kb_soroban_state_size_low: -17_000,
            rent_fee1_kb_soroban_state_size_high: 10_000,
            soroban_state_rent_fee_growth_factor: 5_000,
        }),
        ConfigSettingEntry::ContractHistoricalDataV0(ConfigSettingContractHistoricalDataV0 {
            fee_historical1_kb: 16_235,
        }),
        ConfigSettingEntry::ContractEventsV0(ConfigSettingContractEventsV0 {
            tx_max_contract_events_size_bytes: 16_384,
            fee_contract_events1_kb: 10_000,
        }),
        ConfigSettingEntry::ContractBandwidthV0(ConfigSettingContractBandwidthV0 {
            ledger_max_txs_size_bytes: 133_120,
            tx_max_size_bytes: 132_096,
            fee_tx_size1_kb: 1_624,
        }),
        ConfigSettingEntry::ContractCostParamsCpuInstructions(cost_params(&CPU_COST_PARAMS)),
        ConfigSettingEntry::ContractCostParamsMemoryBytes(cost_params(&MEM_COST_PARAMS)),
        ConfigSettingEntry::ContractDataKeySizeBytes(250),
        ConfigSettingEntry::ContractDataEntrySizeBytes(65_536),
        ConfigSettingEntry::StateArchival(StateArchivalSettings {
            max_entry_ttl: archival.max_entry_ttl,
            min_temporary_ttl: archival.min_temporary_ttl,
            min_persistent_ttl: archival.min_persistent_ttl,
            persistent_rent_rate_denominator: 1_215,
            temp_rent_rate_denominator: 2_430,
            max_entries_to_archive: 1_000,
            live_soroban_state_size_window_sample_size: STATE_SIZE_WINDOW_SAMPLES as u32,
            live_soroban_state_size_window_sample_period: 64,
            eviction_scan_size: 500_000,
            starting_eviction_scan_level: 7,
        }),
        ConfigSettingEntry::ContractExecutionLanes(ConfigSettingContractExecutionLanesV0 {
            ledger_max_tx_count: 100,
        }),
        ConfigSettingEntry::LiveSorobanStateSizeWindow(window.try_into().expect("window fits")),
        ConfigSettingEntry::ContractParallelComputeV0(ConfigSettingContractParallelComputeV0 {
            ledger_max_dependent_tx_clusters: 1,
        }),
        ConfigSettingEntry::ContractLedgerCostExtV0(ConfigSettingContractLedgerCostExtV0 {
            tx_max_footprint_entries: 100,
            fee_write1_kb: 3_500,
        }),
        ConfigSettingEntry::ScpTiming(ConfigSettingScpTiming {
            ledger_target_close_time_milliseconds: 5_000,
            nomination_timeout_initial_milliseconds: 1_000,
            nomination_timeout_increment_milliseconds: 1_000,
            ballot_timeout_initial_milliseconds: 1_000,
            ballot_timeout_increment_milliseconds: 1_000,
        }),
    ]
}
