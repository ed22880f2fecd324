"""Stream calls, contract errors and the review, without a chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stellar_sdk import Keypair, StrKey, scval, xdr

from flowfi_desktop.errors import InputError
from flowfi_desktop.streams import calls
from flowfi_desktop.streams.calls import TokenRef
from flowfi_desktop.streams.errors import (
    CONTRACT_ERRORS,
    describe,
    describe_from,
    failure_from_text,
    find_contract_error,
)
from flowfi_desktop.streams.review import (
    ContractEventInfo,
    Review,
    balance_changes,
    decode_diagnostic_events,
    fee_warnings,
    rate_warnings,
    stream_warnings,
)
from flowfi_desktop.streams.tx import return_value
from tests.core.strkeys import ACCOUNT, CONTRACT, MUXED, OTHER_ACCOUNT, break_checksum

TOKEN = TokenRef(StrKey.encode_contract(bytes(32)), 7, "XLM")


def test_error_table_matches_the_abi() -> None:
    assert [CONTRACT_ERRORS[i][0] for i in range(1, 15)] == [
        "InvalidAmount",
        "StreamNotFound",
        "Unauthorized",
        "StreamInactive",
        "AlreadyInitialized",
        "NotAdmin",
        "InvalidFeeRate",
        "NotInitialized",
        "InvalidDuration",
        "InvalidTokenAddress",
        "InvalidRate",
        "StreamPaused",
        "StreamNotPaused",
        "StreamAlreadyPaused",
    ]


def test_contract_error_found_in_host_error_text() -> None:
    text = (
        "HostError: Error(Contract, #12)\n\nEvent log (newest first):\n   0: [Diagnostic Event] "
        "topics:[error, Error(Contract, #12)]"
    )
    info = find_contract_error(text)
    assert info is not None
    assert str(info) == "StreamPaused (12): the stream is paused; resume it first"
    failure = failure_from_text("simulation of withdraw", text)
    assert failure.exit_code == 4
    assert "StreamPaused (12)" in str(failure)
    assert describe(99).name == "ContractError99"
    assert find_contract_error("HostError: Error(Budget, ExceededLimit)") is None
    assert "ExceededLimit" in str(failure_from_text("x", "HostError: Error(Budget, ExceededLimit)"))


def test_create_stream_args_and_words() -> None:
    call = calls.create_stream(CONTRACT, ACCOUNT, OTHER_ACCOUNT, TOKEN, 15_000_000, 3600)
    assert call.function == "create_stream"
    assert call.authorizer == ACCOUNT
    natives = [scval.to_native(a) for a in call.args]
    assert natives[0].address == ACCOUNT
    assert natives[1].address == OTHER_ACCOUNT
    assert natives[2].address == TOKEN.contract_id
    assert natives[3] == 15_000_000
    assert natives[4] == 3600
    assert call.args[3].type == xdr.SCValType.SCV_I128
    assert call.args[4].type == xdr.SCValType.SCV_U64
    assert "1.5 XLM" in call.words
    assert "1h" in call.words


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sender": MUXED}, "muxed"),
        ({"sender": break_checksum(ACCOUNT)}, "checksum"),
        ({"recipient": break_checksum(CONTRACT)}, "checksum"),
        ({"recipient": MUXED}, "muxed"),
        ({"amount": 0}, "more than 0"),
        ({"amount": -5}, "more than 0"),
        ({"amount": 2**127}, "i128"),
        ({"duration": 0}, "at least one second"),
        ({"duration": 2**64}, "at least one second"),
    ],
)
def test_create_stream_rejects(kwargs: dict[str, object], words: str) -> None:
    args: dict[str, object] = {
        "contract_id": CONTRACT,
        "sender": ACCOUNT,
        "recipient": OTHER_ACCOUNT,
        "token": TOKEN,
        "amount": 1,
        "duration": 1,
    }
    args.update(kwargs)
    with pytest.raises(InputError, match=words):
        calls.create_stream(**args)  # type: ignore[arg-type]


def test_every_write_function_has_a_call() -> None:
    made = [
        calls.top_up_stream(CONTRACT, ACCOUNT, 1, 5, TOKEN),
        calls.withdraw(CONTRACT, OTHER_ACCOUNT, 1),
        calls.cancel_stream(CONTRACT, ACCOUNT, 2),
        calls.pause_stream(CONTRACT, ACCOUNT, 3),
        calls.resume_stream(CONTRACT, ACCOUNT, 4),
        calls.initialize(CONTRACT, ACCOUNT, OTHER_ACCOUNT, 25),
        calls.update_fee_config(CONTRACT, ACCOUNT, OTHER_ACCOUNT, 30),
        calls.transfer_admin(CONTRACT, ACCOUNT, OTHER_ACCOUNT),
        calls.get_stream(CONTRACT, 1),
        calls.get_claimable_amount(CONTRACT, 1),
        calls.is_stream_completed(CONTRACT, 1),
        calls.get_fee_config(CONTRACT),
    ]
    assert [c.function for c in made] == [
        "top_up_stream",
        "withdraw",
        "cancel_stream",
        "pause_stream",
        "resume_stream",
        "initialize",
        "update_fee_config",
        "transfer_admin",
        "get_stream",
        "get_claimable_amount",
        "is_stream_completed",
        "get_fee_config",
    ]
    assert made[1].authorizer == OTHER_ACCOUNT
    assert all(c.read_only for c in made[-4:])
    assert all(c.authorizer for c in made[:-4])


@pytest.mark.parametrize("stream_id", [0, -1, 2**64])
def test_bad_stream_ids(stream_id: int) -> None:
    with pytest.raises(InputError, match="stream id"):
        calls.withdraw(CONTRACT, ACCOUNT, stream_id)


@pytest.mark.parametrize("bps", [-1, 1001])
def test_bad_fee_rates(bps: int) -> None:
    with pytest.raises(InputError, match="fee rate"):
        calls.initialize(CONTRACT, ACCOUNT, ACCOUNT, bps)


# ---------------------------------------------------------------- events and review


def _diagnostic(contract: str, topics: list[xdr.SCVal], data: xdr.SCVal, ok: bool = True) -> str:
    event = xdr.ContractEvent(
        ext=xdr.ExtensionPoint(0),
        contract_id=xdr.ContractID(xdr.Hash(StrKey.decode_contract(contract))),
        type=xdr.ContractEventType.CONTRACT,
        body=xdr.ContractEventBody(
            0, v0=xdr.ContractEventV0(topics=xdr.SCVec(topics).sc_vec, data=data)
        ),
    )
    return xdr.DiagnosticEvent(in_successful_contract_call=ok, event=event).to_xdr()


def _transfer(token: str, sender: str, to: str, amount: int, ok: bool = True) -> str:
    return _diagnostic(
        token,
        [
            scval.to_symbol("transfer"),
            scval.to_address(sender),
            scval.to_address(to),
            scval.to_string("native"),
        ],
        scval.to_int128(amount),
        ok,
    )


def test_balance_changes_from_simulated_transfer_events() -> None:
    treasury = Keypair.random().public_key
    encoded = [
        _transfer(TOKEN.contract_id, ACCOUNT, CONTRACT, 990),
        _transfer(TOKEN.contract_id, ACCOUNT, treasury, 10),
        _transfer(TOKEN.contract_id, ACCOUNT, treasury, 999_999, ok=False),  # failed call
        "not xdr at all",
    ]
    events = decode_diagnostic_events(encoded)
    assert len(events) == 2
    changes = {(c.address, c.token): c.amount for c in balance_changes(events)}
    assert changes == {
        (ACCOUNT, TOKEN.contract_id): -1000,
        (CONTRACT, TOKEN.contract_id): 990,
        (treasury, TOKEN.contract_id): 10,
    }


def test_transfer_with_muxed_map_data_counts_the_amount() -> None:
    event = ContractEventInfo(
        TOKEN.contract_id, ["transfer", ACCOUNT, OTHER_ACCOUNT, "native"], {"amount": 7}
    )
    assert [c.amount for c in balance_changes([event])] == [-7, 7]


def test_rate_warnings() -> None:
    # 1000 units over 3 s: rate 333, 1 unit left over; the stream runs 4 s.
    warnings = rate_warnings(333, 1000, 3, TOKEN)
    assert len(warnings) == 2
    assert "0.0000001 XLM of the deposit is not streamed" in warnings[0]
    assert "runs 4s instead of 3s" in warnings[1]
    assert rate_warnings(250, 1000, 4, TOKEN) == []


def test_stream_warnings_read_the_created_event() -> None:
    call = calls.create_stream(CONTRACT, ACCOUNT, ACCOUNT, TOKEN, 1000, 3)
    created = ContractEventInfo(
        CONTRACT,
        ["stream_created", 1],
        {"rate_per_second": 333, "deposited_amount": 1000, "start_time": 0},
    )
    warnings = stream_warnings(call, [created], TOKEN)
    assert any("recipient is the sender" in w for w in warnings)
    assert any("rounds down" in w for w in warnings)


def test_fee_warning_and_render() -> None:
    assert fee_warnings(2_000_000, 1_000_000)[0].startswith("the fee 0.2 XLM is above")
    assert fee_warnings(10, 1_000_000) == []
    call = calls.create_stream(CONTRACT, ACCOUNT, OTHER_ACCOUNT, TOKEN, 1000, 3)
    review = Review(
        call,
        ACCOUNT,
        100,
        50_000,
        balance_changes(
            decode_diagnostic_events([_transfer(TOKEN.contract_id, ACCOUNT, CONTRACT, 1000)])
        ),
        [],
        warnings=["w1"],
    )
    text = review.render({TOKEN.contract_id: TOKEN}, {ACCOUNT: "alice"})
    assert "You are about to create a stream of 0.0001 XLM" in text
    assert "alice (" in text
    assert "0.00501 XLM (inclusion 100 + resources 50000 stroops)" in text
    assert "-0.0001 XLM" in text
    assert "+0.0001 XLM" in text
    assert "WARNING: w1" in text
    as_json = review.to_json()
    assert as_json["fee"] == {"inclusion": "100", "resource": "50000", "total": "50100"}
    assert as_json["balance_changes"][0]["amount"] == "-1000"


def test_return_value_of_a_real_p23_transaction(shared_dir: Path) -> None:
    fixture = shared_dir / "fixtures" / "stellar-rpc" / "transaction_response_p23.json"
    doc = json.loads(fixture.read_text())
    assert return_value(doc["result"]["resultMetaXdr"]) == 3


def test_errors_are_named_by_the_contract_that_raised_them() -> None:
    stream, token = CONTRACT, TOKEN.contract_id
    assert describe_from(12, stream, stream).name == "StreamPaused"
    assert describe_from(12, None, stream).name == "StreamPaused"
    raised_by_token = describe_from(14, token, stream)
    assert raised_by_token.name == "InsufficientAccountReserve"
    assert raised_by_token.from_token
    assert token in str(raised_by_token)
    assert describe_from(10, token, None).name == "BalanceError"  # a call to the token itself
