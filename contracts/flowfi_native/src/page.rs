//! One getEvents reply read in Rust: the JSON, the checks of `flowfi_desktop.indexer.page`
//! and the stream contract's known event shapes of `flowfi_desktop.indexer.decode`.
//!
//! This is only the fast path. Whatever it does not fully recognise (a JSON-RPC error, another
//! shape, a check that fails, an event of unknown shape, a timestamp in another form) makes it
//! decline the whole page, and the Python reader reads it instead: that one owns every error
//! message and every unknown or invalid event, so the two can never disagree on a bad page.

use std::borrow::Cow;
use std::sync::OnceLock;

use base64::Engine as _;
use serde::Deserialize;

/// ScVal type discriminants (Stellar-contract.x).
const SCV_U32: u32 = 3;
const SCV_U64: u32 = 5;
const SCV_I128: u32 = 10;
const SCV_SYMBOL: u32 = 15;
const SCV_MAP: u32 = 17;
const SCV_ADDRESS: u32 = 18;

/// SQLite INTEGER is signed 64-bit (decode.MAX_STORABLE_ID).
const MAX_STORABLE_ID: u64 = (1 << 63) - 1;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Tag {
    U32,
    U64,
    I128,
    Address,
}

/// An event's name, whether it carries a stream id topic, and its data fields in the order
/// the host writes a struct's map (keys sorted).
pub struct Shape {
    pub name: &'static str,
    pub stream: bool,
    pub fields: &'static [(&'static str, Tag)],
}

use Tag::{Address, I128, U32, U64};

// Keys sorted, as in decode._TEMPLATES (the contract ABI: ../shared/specs/contract-abi.md).
pub const SHAPES: &[Shape] = &[
    Shape {
        name: "stream_created",
        stream: true,
        fields: &[
            ("deposited_amount", I128),
            ("rate_per_second", I128),
            ("recipient", Address),
            ("sender", Address),
            ("start_time", U64),
            ("stream_id", U64),
            ("token_address", Address),
        ],
    },
    Shape {
        name: "stream_topped_up",
        stream: true,
        fields: &[
            ("amount", I128),
            ("new_deposited_amount", I128),
            ("new_end_time", U64),
            ("sender", Address),
            ("stream_id", U64),
        ],
    },
    Shape {
        name: "tokens_withdrawn",
        stream: true,
        fields: &[
            ("amount", I128),
            ("recipient", Address),
            ("stream_id", U64),
            ("timestamp", U64),
        ],
    },
    Shape {
        name: "stream_cancelled",
        stream: true,
        fields: &[
            ("amount_withdrawn", I128),
            ("recipient", Address),
            ("refunded_amount", I128),
            ("sender", Address),
            ("stream_id", U64),
        ],
    },
    Shape {
        name: "stream_paused",
        stream: true,
        fields: &[("paused_at", U64), ("sender", Address), ("stream_id", U64)],
    },
    Shape {
        name: "stream_resumed",
        stream: true,
        fields: &[
            ("new_end_time", U64),
            ("sender", Address),
            ("stream_id", U64),
        ],
    },
    Shape {
        name: "stream_completed",
        stream: true,
        fields: &[
            ("recipient", Address),
            ("stream_id", U64),
            ("total_withdrawn", I128),
        ],
    },
    Shape {
        name: "fee_collected",
        stream: true,
        fields: &[
            ("fee_amount", I128),
            ("stream_id", U64),
            ("token", Address),
            ("treasury", Address),
        ],
    },
    Shape {
        name: "initialized",
        stream: false,
        fields: &[
            ("admin", Address),
            ("fee_rate_bps", U32),
            ("treasury", Address),
        ],
    },
    Shape {
        name: "fee_config_updated",
        stream: false,
        fields: &[
            ("admin", Address),
            ("new_fee_rate_bps", U32),
            ("new_treasury", Address),
            ("old_fee_rate_bps", U32),
            ("old_treasury", Address),
        ],
    },
    Shape {
        name: "admin_transferred",
        stream: false,
        fields: &[("new_admin", Address), ("previous_admin", Address)],
    },
];

/// One field value. Addresses stay raw (`kind` 0: account, 1: contract) until Python asks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Value {
    Int(i128),
    Address(u8, [u8; 32]),
}

#[derive(Debug)]
pub struct Event {
    pub id: String,
    pub ledger: i64,
    pub close_time: i64,
    pub tx_hash: String,
    pub tx_index: i64,
    pub op_index: i64,
    pub topic: Vec<String>,
    pub value: String,
    pub shape: usize, // index into SHAPES
    pub stream_id: Option<u64>,
    pub fields: Vec<Value>, // in the shape's field order
}

#[derive(Debug)]
pub struct Page {
    pub cursor: String,
    pub latest_ledger: i64,
    pub oldest_ledger: i64,
    pub events: Vec<Event>,
}

// ------------------------------------------------------------------------------ the JSON

#[derive(Deserialize)]
#[serde(untagged)]
enum ReplyId {
    Int(i64),
    Other(serde_json::Value),
}

#[derive(Deserialize)]
struct Reply<'a> {
    #[serde(borrow)]
    result: WirePage<'a>,
    #[serde(default)]
    id: Option<ReplyId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage<'a> {
    cursor: String,
    latest_ledger: i64,
    #[serde(default, borrow)]
    events: Option<Vec<WireEvent<'a>>>,
    #[serde(default)]
    oldest_ledger: i64,
}

// Strings borrow from the body when they have no escapes (always, from a real RPC).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireEvent<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    ledger: i64,
    #[serde(borrow)]
    ledger_closed_at: Cow<'a, str>,
    #[serde(borrow)]
    contract_id: Cow<'a, str>,
    #[serde(borrow)]
    tx_hash: Cow<'a, str>,
    #[serde(borrow)]
    topic: Vec<Cow<'a, str>>,
    #[serde(borrow)]
    value: Cow<'a, str>,
    #[serde(default)]
    transaction_index: i64,
    #[serde(default)]
    operation_index: i64,
}

/// Why the fast path declined a page (for tests and logs; the Python reader says what is
/// wrong to the user).
pub type Declined = &'static str;

/// Reads a getEvents reply body: `after` is the cursor the request started after (the events
/// must all follow it), `request_id` the JSON-RPC id that was sent.
pub fn read_page(
    body: &[u8],
    request_id: Option<i64>,
    contract_id: &str,
    after: Option<&str>,
) -> Result<Page, Declined> {
    let reply: Reply = serde_json::from_slice(body).map_err(|_| "not a getEvents page")?;
    match (request_id, &reply.id) {
        (Some(sent), Some(ReplyId::Int(got))) if sent != *got => return Err("another reply id"),
        (Some(_), Some(ReplyId::Other(v))) if !v.is_null() => return Err("another reply id"),
        _ => {}
    }
    let wire = reply.result;
    if !is_event_id(&wire.cursor) {
        return Err("cursor");
    }
    let mut previous: &str = after.unwrap_or("");
    let items = wire.events.unwrap_or_default();
    let mut events = Vec::with_capacity(items.len());
    let mut times = CloseTimes::default();
    let mut data = Vec::with_capacity(512);
    for item in &items {
        let id: &str = &item.id;
        if !is_event_id(id) || id <= previous {
            return Err("event ids");
        }
        if item.contract_id != contract_id {
            return Err("contract id");
        }
        if item.ledger != (toid(id) >> 32) as i64 || item.topic.len() > 4 {
            return Err("ledger or topics");
        }
        let close_time = times.parse(&item.ledger_closed_at).ok_or("close time")?;
        let (shape, stream_id, fields) = decode_known(&item.topic, &item.value, &mut data)?;
        events.push(Event {
            id: id.to_owned(),
            ledger: item.ledger,
            close_time,
            tx_hash: item.tx_hash.to_string(),
            tx_index: item.transaction_index,
            op_index: item.operation_index,
            topic: item.topic.iter().map(|t| t.to_string()).collect(),
            value: item.value.to_string(),
            shape,
            stream_id,
            fields,
        });
        previous = id;
    }
    // page.check_page
    if let Some(last) = events.last() {
        if wire.cursor.as_str() < last.id.as_str() {
            return Err("cursor behind its events");
        }
    }
    if let Some(after) = after {
        if wire.cursor.as_str() < after {
            return Err("cursor went backwards");
        }
    }
    Ok(Page {
        cursor: wire.cursor,
        latest_ledger: wire.latest_ledger,
        oldest_ledger: wire.oldest_ledger,
        events,
    })
}

/// `"%019d-%010d"` of TOID and index (page.is_event_id, ASCII digits only).
pub fn is_event_id(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 30
        && b[19] == b'-'
        && b[..19].iter().all(u8::is_ascii_digit)
        && b[20..].iter().all(u8::is_ascii_digit)
}

fn toid(id: &str) -> u64 {
    // 19 ASCII digits fit u64 (max 9,999,999,999,999,999,999 < 2^64).
    id.as_bytes()[..19]
        .iter()
        .fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'))
}

// ------------------------------------------------------------------------------ close times

/// `int(datetime.fromisoformat(text).timestamp())` for the form the RPC writes,
/// `YYYY-MM-DDTHH:MM:SSZ`; anything else declines (the Python reader takes the other forms).
#[derive(Default)]
struct CloseTimes {
    last: Option<(String, i64)>,
}

impl CloseTimes {
    fn parse(&mut self, text: &str) -> Option<i64> {
        if let Some((seen, value)) = &self.last {
            if seen == text {
                return Some(*value);
            }
        }
        let value = parse_utc(text)?;
        self.last = Some((text.to_owned(), value));
        Some(value)
    }
}

pub fn parse_utc(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if year < 1
        || !(1..=12).contains(&month)
        || day < 1
        || day > month_days[(month - 1) as usize]
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

// ------------------------------------------------------------------------------ XDR

fn b64(text: &str, out: &mut Vec<u8>) -> Result<(), Declined> {
    out.clear();
    base64::engine::general_purpose::STANDARD
        .decode_vec(text, out)
        .map_err(|_| "base64")
}

/// Each shape's first topic as the RPC sends it (base64 of the name's Symbol ScVal), and the
/// XDR of each data key: known in advance, so an event is matched by comparing bytes.
struct Template {
    topic: String,
    keys: Vec<Vec<u8>>,
    stream_id_field: Option<usize>, // where the data repeats the topic's stream id
}

fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        SHAPES
            .iter()
            .map(|shape| {
                let mut topic = Vec::new();
                symbol_xdr(shape.name, &mut topic);
                Template {
                    topic: base64::engine::general_purpose::STANDARD.encode(topic),
                    keys: shape
                        .fields
                        .iter()
                        .map(|(name, _)| {
                            let mut key = Vec::new();
                            symbol_xdr(name, &mut key);
                            key
                        })
                        .collect(),
                    stream_id_field: shape.fields.iter().position(|(n, _)| *n == "stream_id"),
                }
            })
            .collect()
    })
}

fn symbol_xdr(name: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(&SCV_SYMBOL.to_be_bytes());
    out.extend_from_slice(&(name.len() as u32).to_be_bytes());
    out.extend_from_slice(name.as_bytes());
    out.resize(out.len() + (4 - name.len() % 4) % 4, 0);
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Declined> {
        let end = self.pos.checked_add(n).ok_or("length")?;
        let part = self.buf.get(self.pos..end).ok_or("truncated")?;
        self.pos = end;
        Ok(part)
    }
    fn u32(&mut self) -> Result<u32, Declined> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn expect(&mut self, bytes: &[u8]) -> Result<(), Declined> {
        (self.take(bytes.len())? == bytes)
            .then_some(())
            .ok_or("layout")
    }
}

/// decode._read_known_map and the topic checks of decode._decode: the event's topics and data
/// laid out exactly as the contract writes them, or declined.
/// (A topic in another base64 spelling of the same bytes declines: Python reads it.)
fn decode_known(
    topic: &[Cow<'_, str>],
    value: &str,
    data: &mut Vec<u8>,
) -> Result<(usize, Option<u64>, Vec<Value>), Declined> {
    let first: &str = topic.first().ok_or("no topics")?;
    let templates = templates();
    let shape_index = templates
        .iter()
        .position(|t| t.topic == first)
        .ok_or("event name")?;
    let shape = &SHAPES[shape_index];
    let stream_id = if shape.stream {
        if topic.len() != 2 {
            return Err("topic count");
        }
        b64(&topic[1], data)?;
        let second = &data[..];
        if second.len() != 12 || second[..4] != SCV_U64.to_be_bytes() {
            return Err("stream id topic");
        }
        Some(u64::from_be_bytes(second[4..].try_into().unwrap()))
    } else {
        if topic.len() != 1 {
            return Err("topic count");
        }
        None
    };
    b64(value, data)?;
    let mut r = Reader { buf: data, pos: 0 };
    if r.u32()? != SCV_MAP || r.u32()? != 1 || r.u32()? as usize != shape.fields.len() {
        return Err("map header");
    }
    let mut fields = Vec::with_capacity(shape.fields.len());
    for ((_, tag), key) in shape.fields.iter().zip(&templates[shape_index].keys) {
        r.expect(key)?;
        let value = match tag {
            I128 => {
                r.expect(&SCV_I128.to_be_bytes())?;
                Value::Int(i128::from_be_bytes(r.take(16)?.try_into().unwrap()))
            }
            U64 => {
                r.expect(&SCV_U64.to_be_bytes())?;
                Value::Int(i128::from(u64::from_be_bytes(
                    r.take(8)?.try_into().unwrap(),
                )))
            }
            U32 => {
                r.expect(&SCV_U32.to_be_bytes())?;
                Value::Int(i128::from(r.u32()?))
            }
            Address => {
                r.expect(&SCV_ADDRESS.to_be_bytes())?;
                let kind = match r.u32()? {
                    0 if r.u32()? == 0 => 0, // account: ed25519 public key
                    1 => 1,                  // contract
                    _ => return Err("address kind"),
                };
                Value::Address(kind, r.take(32)?.try_into().unwrap())
            }
        };
        fields.push(value);
    }
    if r.pos != data.len() {
        return Err("trailing bytes");
    }
    if let Some(id) = stream_id {
        let in_data = templates[shape_index].stream_id_field.map(|i| fields[i]);
        if in_data != Some(Value::Int(i128::from(id))) || id > MAX_STORABLE_ID {
            return Err("stream id");
        }
    }
    Ok((shape_index, stream_id, fields))
}

/// An address as its strkey (`G...` account, `C...` contract).
pub fn strkey(kind: u8, raw: &[u8; 32]) -> String {
    if kind == 0 {
        stellar_strkey::ed25519::PublicKey(*raw).to_string()
    } else {
        stellar_strkey::Contract(*raw).to_string()
    }
}

/// decode.fields_json_text: `{"key":value,...}`, i128 and addresses quoted.
pub fn fields_json(shape: &Shape, values: &[Value], addresses: &[&str]) -> String {
    let mut out = String::with_capacity(256);
    out.push('{');
    let mut next_address = 0;
    for (i, ((name, tag), value)) in shape.fields.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
        match (tag, value) {
            (Address, _) => {
                out.push('"');
                out.push_str(addresses[next_address]);
                out.push('"');
                next_address += 1;
            }
            (I128, Value::Int(v)) => {
                out.push('"');
                out.push_str(&v.to_string());
                out.push('"');
            }
            (_, Value::Int(v)) => out.push_str(&v.to_string()),
            (_, Value::Address(..)) => unreachable!("an address under a numeric tag"),
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_times_match_python() {
        // int(datetime.fromisoformat(...).timestamp()) of these
        assert_eq!(parse_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc("2024-02-29T12:34:56Z"), Some(1_709_210_096));
        assert_eq!(parse_utc("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(parse_utc("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_utc("2024-01-01T24:00:00Z"), None);
        assert_eq!(parse_utc("2024-01-01T00:00:00+00:00"), None);
        assert_eq!(parse_utc("2024-01-01 00:00:00Z"), None);
    }

    #[test]
    fn event_ids() {
        assert!(is_event_id("0000000004294971392-0000000001"));
        assert!(!is_event_id("000000429497139200a-0000000001"));
        assert_eq!(toid("0000000004294967296-0000000001") >> 32, 1);
    }

    #[test]
    fn declines_what_it_does_not_know() {
        let body = br#"{"jsonrpc":"2.0","id":1,"error":{"code":-32600,"message":"x"}}"#;
        assert!(read_page(body, Some(1), "C", None).is_err());
        let body = br#"{"jsonrpc":"2.0","id":2,"result":{"cursor":"0000000004294967296-0000000001","latestLedger":5}}"#;
        assert_eq!(
            read_page(body, Some(1), "C", None).unwrap_err(),
            "another reply id"
        );
        let page = read_page(body, Some(2), "C", None).unwrap();
        assert!(page.events.is_empty());
        assert_eq!(page.latest_ledger, 5);
    }
}
