//! `flowfi_native`: the indexer's getEvents page reader in Rust (see `page`), as a Python
//! extension. `read_page` parses, checks and decodes a whole reply without holding the GIL;
//! `NativePage.take` then makes the Python objects of a slice of it, so the asyncio loop (the
//! GUI's, in the app) gets its turn between slices.

pub mod page;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use pyo3::prelude::*;
use pyo3::sync::GILOnceCell;
use pyo3::types::{PyDict, PyList, PyString};

use page::{Event, Value, SHAPES};

/// A page the fast path read in full. `take` hands out its events as the Python reader's
/// `RawEvent` and `DecodedEvent` (the classes, or any callables, are passed in, so this module
/// does not import the app).
#[pyclass(frozen, module = "flowfi_native")]
struct NativePage {
    #[pyo3(get)]
    cursor: String,
    #[pyo3(get)]
    latest_ledger: i64,
    #[pyo3(get)]
    oldest_ledger: i64,
    events: Vec<Event>,
}

/// Python strings of the shapes' event and field names, made once.
struct Names {
    events: Vec<Py<PyString>>,
    fields: Vec<Vec<Py<PyString>>>,
}

static NAMES: GILOnceCell<Names> = GILOnceCell::new();

fn names(py: Python<'_>) -> &'static Names {
    NAMES.get_or_init(py, || Names {
        events: SHAPES
            .iter()
            .map(|s| PyString::intern(py, s.name).unbind())
            .collect(),
        fields: SHAPES
            .iter()
            .map(|s| {
                s.fields
                    .iter()
                    .map(|(name, _)| PyString::intern(py, name).unbind())
                    .collect()
            })
            .collect(),
    })
}

type AddressCache = HashMap<(u8, [u8; 32]), (String, Py<PyString>)>;
const ADDRESS_CACHE_MAX: usize = 100_000;

/// Strkeys of the addresses seen, as text and as Python strings (the same few senders,
/// recipients and tokens come back event after event).
fn address_cache() -> &'static Mutex<AddressCache> {
    static CACHE: OnceLock<Mutex<AddressCache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

#[pymethods]
impl NativePage {
    fn __len__(&self) -> usize {
        self.events.len()
    }

    /// `(raw_events, decoded_events)` of events `start:stop`.
    fn take<'py>(
        &self,
        py: Python<'py>,
        start: usize,
        stop: usize,
        raw_event: &Bound<'py, PyAny>,
        decoded_event: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyList>, Bound<'py, PyList>)> {
        let stop = stop.min(self.events.len());
        let start = start.min(stop);
        let names = names(py);
        let raws = PyList::empty(py);
        let decoded = PyList::empty(py);
        let mut addresses: Vec<(String, Py<PyString>)> = Vec::with_capacity(4);
        for event in &self.events[start..stop] {
            // The cache's lock is never held while Python code runs (the callables are
            // arbitrary Python: holding it there could deadlock against another thread).
            addresses.clear();
            {
                let mut cache = address_cache().lock().unwrap_or_else(|e| e.into_inner());
                for value in &event.fields {
                    if let Value::Address(kind, raw) = value {
                        if cache.len() >= ADDRESS_CACHE_MAX {
                            cache.clear();
                        }
                        let (text, object) = cache.entry((*kind, *raw)).or_insert_with(|| {
                            let text = page::strkey(*kind, raw);
                            let object = PyString::new(py, &text).unbind();
                            (text, object)
                        });
                        addresses.push((text.clone(), object.clone_ref(py)));
                    }
                }
            }

            let topic = PyList::new(py, &event.topic)?;
            raws.append(raw_event.call1((
                &event.id,
                event.ledger,
                event.close_time,
                &event.tx_hash,
                event.tx_index,
                event.op_index,
                topic,
                event.topic.join(","),
                &event.value,
            ))?)?;

            let shape = &SHAPES[event.shape];
            let fields = PyDict::new(py);
            let mut next_address = addresses.iter();
            for (value, key) in event.fields.iter().zip(&names.fields[event.shape]) {
                match value {
                    Value::Int(v) => fields.set_item(key.bind(py), *v)?,
                    Value::Address(..) => {
                        let (_, object) = next_address.next().expect("one per address field");
                        fields.set_item(key.bind(py), object.bind(py))?;
                    }
                }
            }
            let texts: Vec<&str> = addresses.iter().map(|(t, _)| t.as_str()).collect();
            let json = page::fields_json(shape, &event.fields, &texts);
            decoded.append(decoded_event.call1((
                names.events[event.shape].bind(py),
                event.stream_id,
                fields,
                py.None(),
                false,
                json,
            ))?)?;
        }
        Ok((raws, decoded))
    }
}

/// Reads a getEvents reply body in full, or returns None when it is anything but a page of
/// the contract's known events that passes every check (the Python reader takes it then).
#[pyfunction]
#[pyo3(signature = (body, request_id, contract_id, after))]
fn read_page(
    py: Python<'_>,
    body: &[u8],
    request_id: Option<i64>,
    contract_id: &str,
    after: Option<&str>,
) -> Option<NativePage> {
    let page = py
        .allow_threads(|| page::read_page(body, request_id, contract_id, after))
        .ok()?;
    Some(NativePage {
        cursor: page.cursor,
        latest_ledger: page.latest_ledger,
        oldest_ledger: page.oldest_ledger,
        events: page.events,
    })
}

/// Why the fast path declines a body (None: it reads it): for tests and diagnostics.
#[pyfunction]
#[pyo3(signature = (body, request_id, contract_id, after))]
fn declined_reason(
    body: &[u8],
    request_id: Option<i64>,
    contract_id: &str,
    after: Option<&str>,
) -> Option<&'static str> {
    page::read_page(body, request_id, contract_id, after).err()
}

#[pymodule]
fn flowfi_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativePage>()?;
    module.add_function(wrap_pyfunction!(read_page, module)?)?;
    module.add_function(wrap_pyfunction!(declined_reason, module)?)?;
    Ok(())
}
