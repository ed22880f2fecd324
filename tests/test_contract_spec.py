"""The built wasm's contract spec against the public interface (shared/specs/contract-abi.md).

Reads the `contractspecv0` custom section out of the wasm `make wasm` bundled, decodes it with
stellar-sdk's XDR types and compares it with the Markdown tables of the interface spec, parsed at
run time: functions (argument names and types, return types), the UDTs, the error codes and the
events (whose spec entries our build.rs generates, since the contract emits them with publish).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from stellar_sdk import xdr
from stellar_sdk.sep.contract_spec import (
    CONTRACT_SPEC_SECTION_NAME,
    ContractSpec,
    get_wasm_custom_sections,
)

from flowfi_desktop.bundled import contract_wasm_path

T = xdr.SCSpecType
_SIMPLE = {
    T.SC_SPEC_TYPE_BOOL: "bool",
    T.SC_SPEC_TYPE_VOID: "()",
    T.SC_SPEC_TYPE_U32: "u32",
    T.SC_SPEC_TYPE_I32: "i32",
    T.SC_SPEC_TYPE_U64: "u64",
    T.SC_SPEC_TYPE_I64: "i64",
    T.SC_SPEC_TYPE_U128: "u128",
    T.SC_SPEC_TYPE_I128: "i128",
    T.SC_SPEC_TYPE_ADDRESS: "Address",
    T.SC_SPEC_TYPE_SYMBOL: "Symbol",
    T.SC_SPEC_TYPE_STRING: "String",
    T.SC_SPEC_TYPE_BYTES: "Bytes",
}


def type_name(t: xdr.SCSpecTypeDef) -> str:
    """A spec type written the way the interface spec writes Rust types."""
    if t.type in _SIMPLE:
        return _SIMPLE[t.type]
    if t.type == T.SC_SPEC_TYPE_OPTION:
        assert t.option is not None
        return f"Option<{type_name(t.option.value_type)}>"
    if t.type == T.SC_SPEC_TYPE_RESULT:
        assert t.result is not None
        return f"Result<{type_name(t.result.ok_type)}, {type_name(t.result.error_type)}>"
    if t.type == T.SC_SPEC_TYPE_VEC:
        assert t.vec is not None
        return f"Vec<{type_name(t.vec.element_type)}>"
    if t.type == T.SC_SPEC_TYPE_UDT:
        assert t.udt is not None
        return t.udt.name.decode()
    raise AssertionError(f"type not expected in this interface: {t.type}")


def _s(v: bytes | xdr.SCSymbol) -> str:
    return (v.sc_symbol if isinstance(v, xdr.SCSymbol) else v).decode()


# ---------------------------------------------------------------- the interface spec


@dataclass(frozen=True)
class Interface:
    functions: dict[str, tuple[list[tuple[str, str]], str]]
    events: dict[str, list[tuple[str, str]]]
    errors: dict[str, int]
    stream_fields: list[tuple[str, str]]
    config_fields: list[tuple[str, str]]
    status_variants: list[str]
    data_key_cases: list[str]


def _section(text: str, heading: str) -> str:
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"section {heading!r} not found in the interface spec"
    return m.group(1)


def _table(section: str) -> list[list[str]]:
    """Rows of the first Markdown table in `section`, header and separator dropped."""
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert len(rows) > 2, "no table"
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def _params(text: str, sep: str) -> list[tuple[str, str]]:
    """`a: T, b: U` (sep ':') or `a T, b U` (sep ' ') into pairs; commas inside <> are kept."""
    if text.strip() in {"", "-"}:
        return []
    text = re.sub(r"\s*\([^()]*\)", "", text)  # remarks such as "(total, including ...)"
    parts = re.split(r",\s*(?![^<]*>)", text)
    return [tuple(p.strip().split(sep, 1)) for p in parts]  # type: ignore[misc]


def _type(text: str) -> str:
    """A type cell, normalized: backticks, trailing remarks `(new end time)` and spaces out."""
    text = re.sub(r"\s*\([^()]*[a-z ]{3,}[^()]*\)\s*$", "", text.replace("`", "").strip())
    return re.sub(r",\s*", ", ", text)


def parse_interface(path: Path) -> Interface:
    text = path.read_text()
    functions = {}
    for name, args, returns, _auth in _table(_section(text, "Functions (env omitted)")):
        params = [(n.strip(), _type(t)) for n, t in _params(args, ":")]
        functions[name] = (params, _type(returns))
    events = {
        name: [(n.strip(), t.strip()) for n, t in _params(fields, " ")]
        for name, fields in _table(_section(text, "Events"))
    }
    errors_text = _section(text, "Errors (`StreamError`, u32)")
    errors = {name: int(code) for code, name in re.findall(r"(\d+) ([A-Z]\w+)", errors_text)}
    types = _section(text, "Types")
    stream_fields = [(f, _type(t)) for f, t, _ in _table(types)]
    config_line = next(line for line in types.splitlines() if line.startswith("`ProtocolConfig`"))
    config_fields = re.findall(r"`(\w+): ([\w<>]+)`", config_line)
    status_line = next(line for line in types.splitlines() if line.startswith("`StreamStatus`"))
    status_variants = re.findall(r"`(\w+)`", status_line.split(":", 1)[1])
    key_line = next(line for line in types.splitlines() if line.startswith("`DataKey`"))
    data_key_cases = re.findall(r"`([\w()]+)`", key_line.split(":", 1)[1])
    return Interface(
        functions, events, errors, stream_fields, config_fields, status_variants, data_key_cases
    )


@pytest.fixture(scope="module")
def interface(shared_dir: Path) -> Interface:
    iface = parse_interface(shared_dir / "specs" / "contract-abi.md")
    # The parse itself must have found the whole interface, or the comparisons prove nothing.
    assert len(iface.functions) == 13
    assert len(iface.events) == 11
    assert sorted(iface.errors.values()) == list(range(1, 15))
    assert len(iface.stream_fields) == 12
    return iface


@pytest.fixture(scope="module")
def wasm() -> bytes:
    return contract_wasm_path().read_bytes()


@pytest.fixture(scope="module")
def spec(wasm: bytes) -> ContractSpec:
    return ContractSpec.from_wasm(wasm)


# ---------------------------------------------------------------- tests


def test_wasm_has_one_spec_section_that_round_trips(wasm: bytes, spec: ContractSpec) -> None:
    sections = get_wasm_custom_sections(wasm, CONTRACT_SPEC_SECTION_NAME)
    assert len(sections) == 1
    # Every byte of the section is a whole entry (our event entries are appended to the SDK's).
    assert spec.to_xdr_bytes() == sections[0]


def test_functions_match_the_interface(interface: Interface, spec: ContractSpec) -> None:
    functions = {_s(f.name): f for f in spec.functions}
    assert set(functions) == set(interface.functions)
    for name, (params, returns) in interface.functions.items():
        f = functions[name]
        got_params = [(_s(i.name), type_name(i.type)) for i in f.inputs]
        assert got_params == params, name
        assert [type_name(o) for o in f.outputs] == [returns], name


def test_error_enum_codes(interface: Interface, spec: ContractSpec) -> None:
    (errors,) = [e for e in spec.error_enums if _s(e.name) == "StreamError"]
    assert {_s(c.name): c.value.uint32 for c in errors.cases} == interface.errors


def test_stream_struct_fields(interface: Interface, spec: ContractSpec) -> None:
    entry = spec.get_udt("Stream")
    assert entry is not None
    assert entry.udt_struct_v0 is not None
    fields = [(_s(f.name), type_name(f.type)) for f in entry.udt_struct_v0.fields]
    # Struct fields are listed (and encoded, as ScMap keys) in name order.
    assert fields == sorted(interface.stream_fields)


def test_protocol_config_fields(interface: Interface, spec: ContractSpec) -> None:
    entry = spec.get_udt("ProtocolConfig")
    assert entry is not None
    assert entry.udt_struct_v0 is not None
    fields = [(_s(f.name), type_name(f.type)) for f in entry.udt_struct_v0.fields]
    assert fields == sorted(interface.config_fields)


def _union_cases(spec: ContractSpec, name: str) -> list[str]:
    entry = spec.get_udt(name)
    assert entry is not None
    assert entry.udt_union_v0 is not None, f"{name} is not a union"
    cases = []
    for case in entry.udt_union_v0.cases:
        if case.void_case is not None:
            cases.append(_s(case.void_case.name))
        else:
            assert case.tuple_case is not None
            types = ", ".join(type_name(t) for t in case.tuple_case.type)
            cases.append(f"{_s(case.tuple_case.name)}({types})")
    return cases


def test_stream_status_variants_in_order(interface: Interface, spec: ContractSpec) -> None:
    # A #[contracttype] enum of unit variants is a union on the wire (Vec[Symbol(name)]).
    assert _union_cases(spec, "StreamStatus") == interface.status_variants


def test_data_key_cases(interface: Interface, spec: ContractSpec) -> None:
    assert _union_cases(spec, "DataKey") == interface.data_key_cases


def test_events_match_the_interface(interface: Interface, spec: ContractSpec) -> None:
    topic = xdr.SCSpecEventParamLocationV0.SC_SPEC_EVENT_PARAM_LOCATION_TOPIC_LIST
    data = xdr.SCSpecEventParamLocationV0.SC_SPEC_EVENT_PARAM_LOCATION_DATA
    assert {_s(e.name) for e in spec.events} == set(interface.events)
    for name, fields in interface.events.items():
        event = spec.get_event(name)
        assert event is not None
        assert [_s(t) for t in event.prefix_topics] == [name]
        assert event.data_format == xdr.SCSpecEventDataFormat.SC_SPEC_EVENT_DATA_FORMAT_MAP
        topics = [(_s(p.name), type_name(p.type)) for p in event.params if p.location == topic]
        # Stream events carry the stream id as their second topic; protocol events do not.
        is_stream_event = ("stream_id", "u64") in fields
        assert topics == ([("stream_id", "u64")] if is_stream_event else []), name
        data_fields = [(_s(p.name), type_name(p.type)) for p in event.params if p.location == data]
        assert data_fields == fields, name


def test_event_payload_structs_match_the_event_data(
    interface: Interface, spec: ContractSpec
) -> None:
    """Each event's data is a #[contracttype] struct; its UDT lists the same fields."""
    for name, fields in interface.events.items():
        struct_name = "".join(w.capitalize() for w in name.split("_")) + "Event"
        entry = spec.get_udt(struct_name)
        assert entry is not None
        assert entry.udt_struct_v0 is not None, struct_name
        got = [(_s(f.name), type_name(f.type)) for f in entry.udt_struct_v0.fields]
        assert got == sorted(fields), struct_name
