//! Small helpers shared by the ledger, the apply logic and the RPC handlers.

use base64::Engine as _;
use sha2::{Digest, Sha256};
use soroban_env_host::xdr::{
    AccountId, Hash, Limits, PublicKey, ReadXdr, ScAddress, Uint256, WriteXdr,
};

/// Limits for XDR that comes from clients: deep enough for any real transaction, bounded so a
/// hostile blob cannot exhaust the stack or memory.
pub fn untrusted_limits() -> Limits {
    Limits {
        depth: 500,
        len: 4 * 1024 * 1024,
    }
}

pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

pub fn network_id(passphrase: &str) -> [u8; 32] {
    sha256(passphrase.as_bytes())
}

pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

pub fn unb64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(s).ok()
}

pub fn to_xdr<T: WriteXdr>(v: &T) -> Vec<u8> {
    // Our own values always encode; a failure would be a bug worth a loud panic (caught per
    // request by the server).
    v.to_xdr(Limits::none())
        .expect("XDR encoding of a local value")
}

pub fn to_b64<T: WriteXdr>(v: &T) -> String {
    b64(&to_xdr(v))
}

pub fn from_b64<T: ReadXdr>(s: &str) -> Option<T> {
    let raw = unb64(s)?;
    T::from_xdr(raw, untrusted_limits()).ok()
}

pub fn from_xdr<T: ReadXdr>(raw: &[u8]) -> Option<T> {
    T::from_xdr(raw, Limits::none()).ok()
}

pub fn account_id(pk: [u8; 32]) -> AccountId {
    AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(pk)))
}

pub fn account_bytes(id: &AccountId) -> [u8; 32] {
    let AccountId(PublicKey::PublicKeyTypeEd25519(Uint256(b))) = id;
    *b
}

pub fn strkey_account(id: &AccountId) -> String {
    stellar_strkey::ed25519::PublicKey(account_bytes(id)).to_string()
}

pub fn parse_account(s: &str) -> Option<AccountId> {
    match stellar_strkey::Strkey::from_string(s).ok()? {
        stellar_strkey::Strkey::PublicKeyEd25519(pk) => Some(account_id(pk.0)),
        _ => None,
    }
}

pub fn strkey_contract(id: &[u8; 32]) -> String {
    stellar_strkey::Contract(*id).to_string()
}

pub fn parse_contract(s: &str) -> Option<[u8; 32]> {
    match stellar_strkey::Strkey::from_string(s).ok()? {
        stellar_strkey::Strkey::Contract(c) => Some(c.0),
        _ => None,
    }
}

pub fn contract_address(id: [u8; 32]) -> ScAddress {
    ScAddress::Contract(soroban_env_host::xdr::ContractId(Hash(id)))
}

pub fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// RFC 3339 UTC time as Go's `time.RFC3339` prints it (e.g. `2024-01-02T03:04:05Z`).
pub fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if mo <= 2 { y + 1 } else { y };
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn strkeys_round_trip() {
        let id = account_id([7; 32]);
        assert_eq!(parse_account(&strkey_account(&id)), Some(id));
        assert_eq!(parse_contract(&strkey_contract(&[9; 32])), Some([9; 32]));
        assert_eq!(parse_account("GARBAGE"), None);
    }
}
