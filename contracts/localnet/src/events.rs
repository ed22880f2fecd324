//! Event index for getEvents: ids in the TOID format, filters with `*` and trailing `**`,
//! cursors, all as stellar-rpc defines them.

use soroban_env_host::xdr::{
    ContractEvent, ContractEventBody, ContractEventType, ScVal, TransactionEvent,
    TransactionEventStage,
};

use crate::ledger::TxRecord;
use crate::util::from_xdr;

pub const TX_MASK: u32 = 0xF_FFFF;
pub const OP_MASK: u32 = 0xFFF;

/// Position of an event: ledger, 1-based transaction order, operation, event within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub ledger: u32,
    pub tx: u32,
    pub op: u32,
    pub event: u32,
}

impl Cursor {
    pub fn toid(&self) -> i64 {
        (i64::from(self.ledger) << 32) | (i64::from(self.tx) << 12) | i64::from(self.op)
    }

    /// The largest cursor inside ledger `ledger` (what the reference answers when a page ends
    /// before the limit).
    pub fn max_in_ledger(ledger: u32) -> Cursor {
        Cursor {
            ledger,
            tx: TX_MASK,
            op: OP_MASK,
            event: u32::MAX,
        }
    }

    pub fn parse(s: &str) -> Result<Cursor, String> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("invalid event id {s}"))?;
        let id: i64 = a
            .parse()
            .map_err(|e| format!("invalid event id {s}: {e}"))?;
        let event: u32 = b
            .parse()
            .map_err(|e| format!("invalid event id {s}: {e}"))?;
        Ok(Cursor {
            ledger: (id >> 32) as u32,
            tx: ((id >> 12) as u32) & TX_MASK,
            op: (id as u32) & OP_MASK,
            event,
        })
    }
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:019}-{:010}", self.toid(), self.event)
    }
}

#[derive(Clone, Debug)]
pub struct EventRecord {
    pub cursor: Cursor,
    pub close_time: u64,
    pub tx_hash: [u8; 32],
    pub successful: bool,
    pub event: ContractEvent,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    /// `*`: exactly one topic of any value.
    One,
    /// `**`: any number of topics (only as the last segment).
    Rest,
    Val(ScVal),
}

#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    /// Empty: any type.
    pub types: Vec<ContractEventType>,
    pub contract_ids: Vec<[u8; 32]>,
    pub topics: Vec<Vec<Segment>>,
}

pub fn topic_matches(filter: &[Segment], topics: &[ScVal]) -> bool {
    let fixed = match filter.last() {
        Some(Segment::Rest) => {
            if topics.len() < filter.len() - 1 {
                return false;
            }
            &filter[..filter.len() - 1]
        }
        _ => {
            if topics.len() != filter.len() {
                return false;
            }
            filter
        }
    };
    fixed.iter().zip(topics).all(|(s, t)| match s {
        Segment::One | Segment::Rest => true,
        Segment::Val(v) => v == t,
    })
}

impl EventFilter {
    pub fn matches(&self, ev: &ContractEvent) -> bool {
        if !self.types.is_empty() && !self.types.contains(&ev.type_) {
            return false;
        }
        if !self.contract_ids.is_empty() {
            match &ev.contract_id {
                Some(id) if self.contract_ids.contains(&id.0 .0) => {}
                _ => return false,
            }
        }
        if self.topics.is_empty() {
            return true;
        }
        let ContractEventBody::V0(body) = &ev.body;
        self.topics.iter().any(|t| topic_matches(t, &body.topics))
    }
}

/// Validates one topic filter as the reference does and returns its error text.
pub fn validate_topic(t: &[Segment]) -> Result<(), String> {
    if t.is_empty() {
        return Err("topic must have at least 1 segment".into());
    }
    let fixed = if matches!(t.last(), Some(Segment::Rest)) {
        &t[..t.len() - 1]
    } else {
        t
    };
    for (i, s) in fixed.iter().enumerate() {
        if *s == Segment::Rest {
            return Err(format!(
                "segment {} invalid: wildcard '**' is only allowed as the last segment",
                i + 1
            ));
        }
    }
    if fixed.len() > 4 {
        return Err("topic cannot have more than 4 segments".into());
    }
    Ok(())
}

#[derive(Default)]
pub struct EventIndex {
    events: Vec<EventRecord>,
}

impl EventIndex {
    /// Indexes the events of one closed ledger, in the order and with the ids stellar-rpc uses:
    /// fee charges `{ledger,0,0,i}`, operation events `{ledger,tx,op,i}`, per-transaction post
    /// events `{ledger,tx,0xFFF,i}`, fee refunds `{ledger,0xFFFFF,0,i}`.
    pub fn add_ledger(&mut self, ledger: u32, close_time: u64, txs: &[TxRecord]) {
        let mut batch: Vec<EventRecord> = Vec::new();
        let (mut before, mut after) = (0u32, 0u32);
        for tx in txs {
            let mut after_tx = 0u32;
            let rec = |cursor: Cursor, event: ContractEvent| EventRecord {
                cursor,
                close_time,
                tx_hash: tx.hash,
                successful: tx.successful,
                event,
            };
            for raw in &tx.tx_events {
                let Some(te) = from_xdr::<TransactionEvent>(raw) else {
                    continue;
                };
                let cursor = match te.stage {
                    TransactionEventStage::BeforeAllTxs => {
                        before += 1;
                        Cursor {
                            ledger,
                            tx: 0,
                            op: 0,
                            event: before - 1,
                        }
                    }
                    TransactionEventStage::AfterAllTxs => {
                        after += 1;
                        Cursor {
                            ledger,
                            tx: TX_MASK,
                            op: 0,
                            event: after - 1,
                        }
                    }
                    TransactionEventStage::AfterTx => {
                        after_tx += 1;
                        Cursor {
                            ledger,
                            tx: tx.application_order,
                            op: OP_MASK,
                            event: after_tx - 1,
                        }
                    }
                };
                batch.push(rec(cursor, te.event));
            }
            for (op, evs) in tx.op_events.iter().enumerate() {
                for (i, raw) in evs.iter().enumerate() {
                    if let Some(ev) = from_xdr::<ContractEvent>(raw) {
                        let cursor = Cursor {
                            ledger,
                            tx: tx.application_order,
                            op: op as u32,
                            event: i as u32,
                        };
                        batch.push(rec(cursor, ev));
                    }
                }
            }
        }
        batch.sort_by_key(|e| e.cursor);
        self.events.extend(batch);
    }

    /// Events with `start <= cursor < end` that pass `filter`, at most `limit`.
    pub fn query(
        &self,
        start: Cursor,
        end: Cursor,
        filter: impl Fn(&ContractEvent) -> bool,
        limit: usize,
    ) -> Vec<&EventRecord> {
        let from = self.events.partition_point(|e| e.cursor < start);
        self.events[from..]
            .iter()
            .take_while(|e| e.cursor < end)
            .filter(|e| filter(&e.event))
            .take(limit)
            .collect()
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use soroban_env_host::xdr::{ContractEventV0, ContractId, ExtensionPoint, Hash, ScSymbol};

    fn sym(s: &str) -> ScVal {
        ScVal::Symbol(ScSymbol(s.try_into().unwrap()))
    }

    fn event(contract: u8, topics: Vec<ScVal>) -> ContractEvent {
        ContractEvent {
            ext: ExtensionPoint::V0,
            contract_id: Some(ContractId(Hash([contract; 32]))),
            type_: ContractEventType::Contract,
            body: ContractEventBody::V0(ContractEventV0 {
                topics: topics.try_into().unwrap(),
                data: ScVal::U32(1),
            }),
        }
    }

    #[test]
    fn cursor_format_matches_reference() {
        // The py-sdk fixture id: ledger 318983, tx 0, op 0.
        let c = Cursor::parse("0001370021552979968-0000000000").unwrap();
        assert_eq!(
            c,
            Cursor {
                ledger: 318_983,
                tx: 0,
                op: 0,
                event: 0
            }
        );
        let c = Cursor {
            ledger: 5,
            tx: 2,
            op: 1,
            event: 3,
        };
        assert_eq!(
            c.to_string(),
            format!("{:019}-{:010}", (5i64 << 32) | (2 << 12) | 1, 3)
        );
        assert_eq!(Cursor::parse(&c.to_string()).unwrap(), c);
        let m = Cursor::max_in_ledger(10);
        assert_eq!(Cursor::parse(&m.to_string()).unwrap(), m);
        assert!(Cursor::parse("12").is_err());
        assert!(Cursor::parse("a-b").is_err());
    }

    #[test]
    fn topic_wildcards() {
        let t = vec![sym("transfer"), sym("a"), sym("b")];
        assert!(topic_matches(
            &[Segment::Val(sym("transfer")), Segment::One, Segment::One],
            &t
        ));
        assert!(!topic_matches(
            &[Segment::Val(sym("transfer")), Segment::One],
            &t
        ));
        assert!(topic_matches(
            &[Segment::Val(sym("transfer")), Segment::Rest],
            &t
        ));
        assert!(topic_matches(&[Segment::Rest], &t));
        assert!(topic_matches(
            &[Segment::One, Segment::One, Segment::One, Segment::Rest],
            &t
        ));
        assert!(!topic_matches(
            &[
                Segment::One,
                Segment::One,
                Segment::One,
                Segment::One,
                Segment::Rest
            ],
            &t
        ));
        assert!(!topic_matches(
            &[Segment::Val(sym("mint")), Segment::Rest],
            &t
        ));
        assert!(validate_topic(&[Segment::Rest, Segment::One]).is_err());
        assert!(validate_topic(&[]).is_err());
        assert!(validate_topic(&[
            Segment::One,
            Segment::One,
            Segment::One,
            Segment::One,
            Segment::Rest
        ])
        .is_ok());
        assert!(validate_topic(&vec![Segment::One; 5]).is_err());
    }

    #[test]
    fn filters_and_paging() {
        let mut idx = EventIndex::default();
        for ledger in 2..6u32 {
            let tx = TxRecord {
                hash: [ledger as u8; 32],
                ledger,
                application_order: 1,
                close_time: 100,
                successful: true,
                fee_bump: false,
                envelope_xdr: vec![],
                result_xdr: vec![],
                meta_xdr: vec![],
                diagnostic_events: vec![],
                tx_events: vec![],
                op_events: vec![vec![
                    crate::util::to_xdr(&event(1, vec![sym("a")])),
                    crate::util::to_xdr(&event(2, vec![sym("b"), sym("c")])),
                ]],
            };
            idx.add_ledger(ledger, 100, &[tx]);
        }
        assert_eq!(idx.len(), 8);
        let all = idx.query(
            Cursor {
                ledger: 2,
                tx: 0,
                op: 0,
                event: 0,
            },
            Cursor {
                ledger: 6,
                tx: 0,
                op: 0,
                event: 0,
            },
            |_| true,
            100,
        );
        assert_eq!(all.len(), 8);
        assert!(all.windows(2).all(|w| w[0].cursor < w[1].cursor));
        let f = EventFilter {
            contract_ids: vec![[2; 32]],
            ..Default::default()
        };
        let only2 = idx.query(
            Cursor {
                ledger: 2,
                tx: 0,
                op: 0,
                event: 0,
            },
            Cursor::max_in_ledger(9),
            |e| f.matches(e),
            100,
        );
        assert_eq!(only2.len(), 4);
        // Paging: resume strictly after the last cursor, as the reference does (event + 1).
        let mut got = vec![];
        let mut start = Cursor {
            ledger: 2,
            tx: 0,
            op: 0,
            event: 0,
        };
        loop {
            let page = idx.query(start, Cursor::max_in_ledger(9), |_| true, 3);
            if page.is_empty() {
                break;
            }
            let last = page.last().unwrap().cursor;
            got.extend(page.iter().map(|e| e.cursor));
            start = Cursor {
                event: last.event + 1,
                ..last
            };
        }
        assert_eq!(got, all.iter().map(|e| e.cursor).collect::<Vec<_>>());
        let tf = EventFilter {
            topics: vec![vec![Segment::Val(sym("b")), Segment::Rest]],
            ..Default::default()
        };
        assert_eq!(
            idx.query(
                Cursor {
                    ledger: 0,
                    tx: 0,
                    op: 0,
                    event: 0
                },
                Cursor::max_in_ledger(9),
                |e| tf.matches(e),
                100
            )
            .len(),
            4
        );
    }
}
