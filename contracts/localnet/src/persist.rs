//! `--state-dir`: an append-only, fsynced log with one checksummed record per closed ledger.
//! A process killed mid-write leaves at most a torn tail record, which the next start drops, so
//! the node always restarts from its last fully closed ledger.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use soroban_env_host::xdr::{LedgerEntry, LedgerKey};

use crate::ledger::StoredEntry;
use crate::util::{b64, from_b64, sha256, to_b64, unb64};

const MAGIC: &[u8; 4] = b"FLR1";
const LOG_NAME: &str = "ledgers.log";
const NETWORK_NAME: &str = "network.json";

#[derive(Clone, Debug, PartialEq)]
pub struct LedgerLogRecord {
    pub seq: u32,
    pub close_time: u64,
    pub time_offset: i64,
    pub fee_pool: i64,
    pub header_xdr: Vec<u8>,
    pub meta_xdr: Vec<u8>,
    /// Every entry written (Some) or deleted (None) by this ledger.
    pub changes: Vec<(LedgerKey, Option<StoredEntry>)>,
}

impl LedgerLogRecord {
    fn to_json(&self) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|(k, v)| match v {
                Some(e) => json!([to_b64(k), to_b64(&e.entry), e.live_until]),
                None => json!([to_b64(k), null, null]),
            })
            .collect();
        json!({
            "seq": self.seq,
            "closeTime": self.close_time,
            "timeOffset": self.time_offset,
            "feePool": self.fee_pool,
            "header": b64(&self.header_xdr),
            "meta": b64(&self.meta_xdr),
            "changes": changes,
        })
    }

    fn from_json(v: &Value) -> Option<Self> {
        let mut changes = Vec::new();
        for c in v["changes"].as_array()? {
            let key: LedgerKey = from_b64(c[0].as_str()?)?;
            let entry = match c[1].as_str() {
                Some(s) => Some(StoredEntry {
                    entry: from_b64::<LedgerEntry>(s)?,
                    live_until: c[2].as_u64().map(|x| x as u32),
                }),
                None => None,
            };
            changes.push((key, entry));
        }
        Some(LedgerLogRecord {
            seq: v["seq"].as_u64()? as u32,
            close_time: v["closeTime"].as_u64()?,
            time_offset: v["timeOffset"].as_i64()?,
            fee_pool: v["feePool"].as_i64()?,
            header_xdr: unb64(v["header"].as_str()?)?,
            meta_xdr: unb64(v["meta"].as_str()?)?,
            changes,
        })
    }
}

pub struct Persist {
    file: File,
}

fn fsync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Persist {
    /// Opens (creating if needed) the state directory. Returns the log and the records already
    /// in it; a torn tail is cut off. Refuses a directory made for another network.
    pub fn open(dir: &Path, passphrase: &str) -> io::Result<(Persist, Vec<LedgerLogRecord>)> {
        fs::create_dir_all(dir)?;
        let net_path = dir.join(NETWORK_NAME);
        match fs::read_to_string(&net_path) {
            Ok(s) => {
                let v: Value = serde_json::from_str(&s).unwrap_or(Value::Null);
                if v["passphrase"].as_str() != Some(passphrase) {
                    return Err(io::Error::other(format!(
                        "state dir {} belongs to network {:?}, not {:?}",
                        dir.display(),
                        v["passphrase"].as_str().unwrap_or("?"),
                        passphrase
                    )));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                write_atomic(
                    &net_path,
                    json!({ "passphrase": passphrase }).to_string().as_bytes(),
                )?;
            }
            Err(e) => return Err(e),
        }
        let path = dir.join(LOG_NAME);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        let mut data = Vec::new();
        file.read_to_end(&mut data)?;
        let (records, good) = parse_log(&data);
        if good < data.len() {
            file.set_len(good as u64)?;
            file.sync_all()?;
        }
        file.seek(SeekFrom::End(0))?;
        fsync_dir(dir);
        Ok((Persist { file }, records))
    }

    pub fn append(&mut self, rec: &LedgerLogRecord) -> io::Result<()> {
        let payload = rec.to_json().to_string().into_bytes();
        let mut frame = Vec::with_capacity(payload.len() + 40);
        frame.extend_from_slice(MAGIC);
        frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        frame.extend_from_slice(&sha256(&payload));
        frame.extend_from_slice(&payload);
        self.file.write_all(&frame)?;
        self.file.sync_data()
    }
}

/// Parses frames until the first incomplete or corrupt one; returns the records and the length
/// of the valid prefix.
pub fn parse_log(data: &[u8]) -> (Vec<LedgerLogRecord>, usize) {
    let mut out = Vec::new();
    let mut pos = 0;
    while data.len() >= pos + 40 {
        if &data[pos..pos + 4] != MAGIC {
            break;
        }
        let len = u32::from_le_bytes(data[pos + 4..pos + 8].try_into().expect("4 bytes")) as usize;
        let end = pos + 40 + len;
        if data.len() < end {
            break;
        }
        let payload = &data[pos + 40..end];
        if sha256(payload) != data[pos + 8..pos + 40] {
            break;
        }
        let Some(rec) = serde_json::from_slice::<Value>(payload)
            .ok()
            .and_then(|v| LedgerLogRecord::from_json(&v))
        else {
            break;
        };
        out.push(rec);
        pos = end;
    }
    (out, pos)
}

/// Writes a small file so that readers see either the old or the new content, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp: PathBuf = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        fsync_dir(dir);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::new_account;
    use crate::util::account_id;

    fn record(seq: u32) -> LedgerLogRecord {
        let entry = new_account(account_id([seq as u8; 32]), 42, seq);
        LedgerLogRecord {
            seq,
            close_time: 1000 + u64::from(seq),
            time_offset: 5,
            fee_pool: 7,
            header_xdr: vec![1, 2, 3],
            meta_xdr: vec![4, 5],
            changes: vec![
                (
                    entry.to_key(),
                    Some(StoredEntry {
                        entry: entry.clone(),
                        live_until: Some(9),
                    }),
                ),
                (new_account(account_id([1; 32]), 1, 1).to_key(), None),
            ],
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "flowfi-localnet-test-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn records_survive_reopen_and_torn_tail_is_dropped() {
        let dir = tempdir("torn");
        {
            let (mut p, recs) = Persist::open(&dir, "net").unwrap();
            assert!(recs.is_empty());
            p.append(&record(1)).unwrap();
            p.append(&record(2)).unwrap();
        }
        // Simulate a crash in the middle of writing record 3.
        let log = dir.join(LOG_NAME);
        let full = fs::read(&log).unwrap();
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(&full[..30]).unwrap();
        drop(f);
        let (mut p, recs) = Persist::open(&dir, "net").unwrap();
        assert_eq!(recs, vec![record(1), record(2)]);
        assert_eq!(fs::read(&log).unwrap().len(), full.len());
        p.append(&record(3)).unwrap();
        drop(p);
        let (_, recs) = Persist::open(&dir, "net").unwrap();
        assert_eq!(recs.len(), 3);
        assert!(Persist::open(&dir, "other network").is_err());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn corrupt_record_stops_replay() {
        let dir = tempdir("corrupt");
        {
            let (mut p, _) = Persist::open(&dir, "net").unwrap();
            p.append(&record(1)).unwrap();
            p.append(&record(2)).unwrap();
        }
        let log = dir.join(LOG_NAME);
        let mut data = fs::read(&log).unwrap();
        let n = data.len();
        data[n - 3] ^= 0xff;
        fs::write(&log, &data).unwrap();
        let (_, recs) = Persist::open(&dir, "net").unwrap();
        assert_eq!(recs, vec![record(1)]);
        let _ = fs::remove_dir_all(&dir);
    }
}
