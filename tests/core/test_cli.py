"""The CLI without a chain: every argument's bad values, exit codes, nothing signed or lost.

Faults of the RPC server (down, hanging, garbage, another network) come from real loopback
servers that misbehave on purpose (tests/core/fault_server.py).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from flowfi_desktop.networks import LOCAL_PASSPHRASE
from tests.core.cli_helpers import PASSWORD, Cli, fast_settings
from tests.core.fault_server import fault_server
from tests.core.strkeys import ACCOUNT, CONTRACT, MUXED, OTHER_ACCOUNT, break_checksum
from tests.core.test_mnemonic import TEST_3, VECTORS


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    data = tmp_path / "data"
    fast_settings(data)
    return Cli(data, monkeypatch, capsys)


@pytest.fixture
def funded_cli(cli: Cli) -> Cli:
    """A wallet with `alice` (a key), `bob` (watch-only), a contract on `local`."""
    assert cli("account", "import", "alice", "--secret-stdin", stdin=VECTORS[0][3]).code == 0
    assert cli("account", "watch", "bob", OTHER_ACCOUNT).code == 0
    assert cli("network", "set-contract", "local", CONTRACT).code == 0
    return cli


def keystore(cli: Cli) -> Path:
    return cli.data_dir / "keystore.json"


# ---------------------------------------------------------------- network


def test_network_list_and_show_json(cli: Cli) -> None:
    run = cli("network", "list", "--json")
    assert run.code == 0
    names = [n["name"] for n in run.json()]  # type: ignore[attr-defined]
    assert names == ["mainnet", "testnet", "futurenet", "local"]
    run = cli("network", "show", "local", "--json")
    assert run.json() == {
        "name": "local",
        "rpc_url": "http://127.0.0.1:8000/rpc",
        "passphrase": LOCAL_PASSPHRASE,
        "contract_id": None,
    }


def test_network_add_and_set_contract(cli: Cli) -> None:
    run = cli(
        "network", "add", "lab", "--rpc-url", "http://10.1.1.1:8000/rpc", "--passphrase", "Lab"
    )
    assert run.code == 0
    assert cli("network", "set-contract", "lab", CONTRACT).code == 0
    shown = cli("network", "show", "lab", "--json").json()
    assert shown["contract_id"] == CONTRACT  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["network", "show", "nowhere"], "unknown network"),
        (["network", "add", "x y", "--rpc-url", "http://a/rpc", "--passphrase", "p"], "not valid"),
        (["network", "add", "lab", "--rpc-url", "localhost:8000", "--passphrase", "p"], "http"),
        (["network", "add", "local", "--rpc-url", "http://a/rpc", "--passphrase", "p"], "built-in"),
        (
            [
                "network",
                "add",
                "lab",
                "--rpc-url",
                "http://a/rpc",
                "--passphrase",
                "p",
                "--friendbot-url",
                "friendbot",
            ],
            "friendbot URL",
        ),
        (["network", "set-contract", "local", break_checksum(CONTRACT)], "checksum"),
        (["network", "set-contract", "local", ACCOUNT], "expected a contract id"),
        (["network", "set-contract", "nowhere", CONTRACT], "unknown network"),
        (["--network", "nowhere", "account", "balance", "alice"], "unknown"),
    ],
)
def test_network_bad_values(cli: Cli, args: list[str], words: str) -> None:
    before = (cli.data_dir / "settings.json").read_text()
    run = cli(*args)
    assert run.code == 1, run.err
    assert words in run.err
    assert (cli.data_dir / "settings.json").read_text() == before


def test_usage_errors_exit_2(cli: Cli) -> None:
    assert cli("network").code == 2
    assert cli("network", "add", "lab").code == 2  # --rpc-url missing
    assert cli("stream", "create", "--account", "a").code == 2
    assert cli("account", "import", "x").code == 2  # neither --secret-stdin nor --mnemonic-stdin
    assert cli("account", "import", "x", "--secret-stdin", "--mnemonic-stdin").code == 2


# ---------------------------------------------------------------- accounts


def test_account_create_prints_the_mnemonic_once(cli: Cli) -> None:
    run = cli("account", "create", "carol")
    assert run.code == 0, run.err
    assert "24 words" in run.out
    words = [
        w for line in run.out.splitlines() for w in line.split() if w.isalpha() and w.islower()
    ]
    listed = cli("account", "list", "--json").json()
    assert listed == [{"name": "carol", "address": listed[0]["address"], "watch_only": False}]  # type: ignore[index]
    assert listed[0]["address"] in run.out  # type: ignore[index]
    # Not stored in clear, not shown again.
    text = keystore(cli).read_text()
    assert not any(f" {w} " in text for w in words[:24] if len(w) > 3)
    assert "24 words" not in cli("account", "list").out
    assert stat.S_IMODE(keystore(cli).stat().st_mode) == 0o600


def test_import_secret_and_mnemonic(cli: Cli) -> None:
    assert cli("account", "import", "a", "--secret-stdin", stdin=VECTORS[0][3] + "\n").code == 0
    run = cli("account", "import", "m", "--mnemonic-stdin", "--index", "2", stdin=TEST_3)
    assert run.code == 0, run.err
    listed = cli("account", "list", "--json").json()
    assert [(a["name"], a["address"]) for a in listed] == [  # type: ignore[union-attr, index]
        ("a", VECTORS[0][2]),
        ("m", VECTORS[3][2]),
    ]


def test_password_file(cli: Cli, tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text(PASSWORD + "\n")
    run = cli(
        "--password-file",
        str(secret_file),
        "account",
        "import",
        "a",
        "--secret-stdin",
        stdin=VECTORS[0][3],
        password=None,
    )
    assert run.code == 0, run.err
    # The env password is the same: the file's trailing newline was not part of it.
    assert cli("account", "import", "m", "--mnemonic-stdin", stdin=TEST_3).code == 0


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["account", "import", "a", "--secret-stdin"], VECTORS[0][3][:-1] + "A", "not valid"),
        (["account", "import", "a", "--secret-stdin"], VECTORS[0][2], "not a Stellar secret"),
        (["account", "import", "a", "--secret-stdin"], "", "not a Stellar secret"),
        (["account", "import", "a", "--mnemonic-stdin"], TEST_3.rsplit(" ", 1)[0], "23"),
        (
            ["account", "import", "a", "--mnemonic-stdin"],
            TEST_3.replace("bench", "bonch"),
            "position 1",
        ),
        (
            ["account", "import", "a", "--mnemonic-stdin"],
            TEST_3.replace("bench", "hurt", 1),
            "checksum",
        ),
        (["account", "import", "a", "--mnemonic-stdin", "--index", "-1"], TEST_3, "out of range"),
        (["account", "import", "a", "--mnemonic-stdin", "--index", "two"], TEST_3, "whole number"),
        (["account", "import", "a", "--mnemonic-stdin", "--index", str(2**31)], TEST_3, "range"),
        (["account", "import", "a", "--secret-stdin", "--index", "1"], VECTORS[0][3], "--index"),
        (["account", "import", "bad name", "--secret-stdin"], VECTORS[0][3], "not valid"),
        (["account", "watch", "w", break_checksum(ACCOUNT)], "", "checksum"),
        (["account", "watch", "w", MUXED], "", "muxed"),
        (["account", "watch", "w", "GABC"], "", "characters"),
        (["account", "watch", "w", CONTRACT], "", "expected an account"),
        (["account", "create", "bad name!"], "", "not valid"),
        (["account", "create", "x" * 33], "", "not valid"),
        (["account", "watch", "bad/name", ACCOUNT], "", "not valid"),
        (["account", "fund", "nobody"], "", "unknown account"),
        (["account", "balance", "nobody"], "", "unknown account"),
    ],
)
def test_account_bad_values(cli: Cli, args: list[str], stdin: str, words: str) -> None:
    run = cli(*args, stdin=stdin)
    assert run.code == 1, run.err
    assert words in run.err
    assert not keystore(cli).exists()
    if stdin:
        assert stdin.strip()[8:30] not in run.err  # secrets are never echoed


def test_stream_create_unknown_accounts(funded_cli: Cli) -> None:
    common = ["--recipient", OTHER_ACCOUNT, "--token", "native", "--amount", "1",
              "--duration", "1h", "--yes"]  # fmt: skip
    run = funded_cli("stream", "create", "--account", "nobody", *common)
    assert run.code == 1
    assert "unknown account 'nobody'" in run.err
    run = funded_cli("stream", "create", "--account", "alice", "--source", "nobody", *common)
    assert run.code == 1
    assert "unknown account 'nobody'" in run.err


def test_create_with_a_name_taken(funded_cli: Cli) -> None:
    before = keystore(funded_cli).read_bytes()
    run = funded_cli("account", "create", "alice")
    assert run.code == 1
    assert "exists already" in run.err
    assert keystore(funded_cli).read_bytes() == before


def test_duplicate_account_names_and_addresses(funded_cli: Cli) -> None:
    before = keystore(funded_cli).read_bytes()
    run = funded_cli("account", "watch", "alice", ACCOUNT)
    assert run.code == 1
    assert "exists already" in run.err
    run = funded_cli("account", "import", "again", "--secret-stdin", stdin=VECTORS[0][3])
    assert run.code == 1
    assert "already as 'alice'" in run.err
    assert keystore(funded_cli).read_bytes() == before


def test_wrong_password_is_exit_1_and_changes_nothing(funded_cli: Cli) -> None:
    before = keystore(funded_cli).read_bytes()
    run = funded_cli(
        "account", "import", "m", "--mnemonic-stdin", stdin=TEST_3, password="nope nope"
    )
    assert run.code == 1
    assert "wrong password" in run.err
    assert "nope nope" not in run.err
    assert keystore(funded_cli).read_bytes() == before


def test_no_password_and_no_terminal(cli: Cli) -> None:
    run = cli("account", "import", "a", "--secret-stdin", stdin=VECTORS[0][3], password=None)
    assert run.code == 1
    assert "--password-file" in run.err
    assert not keystore(cli).exists()


def test_missing_password_file(cli: Cli, tmp_path: Path) -> None:
    run = cli(
        "--password-file",
        str(tmp_path / "absent"),
        "account",
        "import",
        "a",
        "--secret-stdin",
        stdin=VECTORS[0][3],
        password=None,
    )
    assert run.code == 1
    assert "cannot read the password file" in run.err


def test_corrupt_keystore_is_reported_and_kept(funded_cli: Cli) -> None:
    path = keystore(funded_cli)
    path.write_bytes(path.read_bytes()[:100])
    broken = path.read_bytes()
    for args, stdin in (
        (["account", "list"], ""),
        (["account", "import", "m", "--mnemonic-stdin"], TEST_3),
        (["account", "watch", "w", VECTORS[2][2]], ""),
        (["stream", "pause", "1", "--account", "alice", "--yes"], ""),
    ):
        run = funded_cli(*args, stdin=stdin)
        assert run.code == 1, (args, run.err)
        assert "damaged" in run.err
    assert path.read_bytes() == broken
    assert list(path.parent.glob("keystore.json.corrupt-*"))
    assert (path.parent / "keystore.json.bak").exists()


# ---------------------------------------------------------------- streams, before any RPC


STREAM = ["stream", "create", "--account", "alice", "--yes"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--recipient", break_checksum(OTHER_ACCOUNT)], "checksum"),
        (["--recipient", break_checksum(CONTRACT)], "checksum"),
        (["--recipient", MUXED], "muxed"),
        (["--recipient", "nobody"], "recipient"),
        (["--token", "dollars"], "TOKEN is `native` or a token contract id"),
        (["--token", break_checksum(CONTRACT)], "checksum"),
        (["--token", ACCOUNT], "expected a contract id"),
        (["--amount", "0.00000001"], "8 decimal places but this token has 7"),
        (["--amount", "0"], "zero"),
        (["--amount", "-3"], "negative"),
        (["--amount", str(2**127)], "too large"),
        (["--amount", "ten"], "not a number"),
        (["--duration", "0"], "zero"),
        (["--duration", "0s"], "zero"),
        (["--duration", str(2**64)], "too long"),
        (["--duration", "3y"], "not a duration"),
    ],
)
def test_stream_create_bad_values(funded_cli: Cli, extra: list[str], words: str) -> None:
    base = {
        "--recipient": OTHER_ACCOUNT,
        "--token": "native",
        "--amount": "10",
        "--duration": "1h",
    }
    base[extra[0]] = extra[1]
    args = [*STREAM]
    for key, value in base.items():
        args += [key, value]
    # The RPC URL points nowhere: input errors must be found before any network access.
    run = funded_cli("--network", "local", *args)
    assert run.code == 1, run.err
    assert words in run.err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["stream", "top-up", "0", "--account", "alice", "--amount", "1"], "stream id"),
        (["stream", "top-up", "x", "--account", "alice", "--amount", "1"], "whole number"),
        (["stream", "withdraw", "-1", "--account", "alice"], "stream id"),
        (["stream", "cancel", str(2**64), "--account", "alice"], "out of range"),
        (["stream", "pause", "1", "--account", "nobody"], "unknown account 'nobody'"),
        (["stream", "resume", "1", "--account", "bob"], "watch-only"),
        (["stream", "withdraw", "1", "--account", "alice", "--source", "bob"], "watch-only"),
        (
            ["--network", "testnet", "stream", "pause", "1", "--account", "alice"],
            "no stream contract",
        ),
        (["contract", "deploy", "--account", "bob"], "watch-only"),
        (["contract", "deploy", "--account", "nobody"], "unknown account"),
        (
            [
                "contract",
                "set-fees",
                "--account",
                "alice",
                "--fee-bps",
                "-1",
                "--treasury",
                ACCOUNT,
            ],
            "out of range",
        ),
        (
            ["contract", "set-fees", "--account", "alice", "--fee-bps", "5", "--treasury", MUXED],
            "muxed",
        ),
        (
            ["contract", "set-fees", "--account", "bob", "--fee-bps", "5", "--treasury", ACCOUNT],
            "watch-only",
        ),
        (
            [
                "contract",
                "transfer-admin",
                "--account",
                "alice",
                "--new-admin",
                break_checksum(ACCOUNT),
            ],
            "checksum",
        ),
        (
            ["contract", "transfer-admin", "--account", "nobody", "--new-admin", ACCOUNT],
            "unknown account",
        ),
        (["stream", "top-up", "1", "--account", "alice", "--amount", "0"], "zero"),
        (["stream", "top-up", "1", "--account", "alice", "--amount", "-2"], "negative"),
        (["stream", "top-up", "1", "--account", "alice", "--amount", "1e3"], "not a number"),
        (["stream", "withdraw", "1", "--account", "alice", "--source", "nobody"], "unknown"),
        (["account", "balance", "alice", "--token", "dollars"], "TOKEN is `native`"),
        (["account", "balance", "alice", "--token", break_checksum(CONTRACT)], "checksum"),
        (["--network", "mainnet", "account", "fund", "alice"], "has no friendbot"),
        (["contract", "deploy", "--account", "alice", "--fee-bps", "1001"], "out of range"),
        (["contract", "deploy", "--account", "alice", "--fee-bps", "x"], "whole number"),
        (["contract", "deploy", "--account", "alice", "--treasury", ACCOUNT], "--fee-bps"),
        (
            ["contract", "deploy", "--account", "alice", "--fee-bps", "5", "--treasury", MUXED],
            "muxed",
        ),
    ],
)
def test_other_write_commands_bad_values(funded_cli: Cli, args: list[str], words: str) -> None:
    before = keystore(funded_cli).read_bytes()
    run = funded_cli(*args)
    assert run.code == 1, run.err
    assert words in run.err
    assert keystore(funded_cli).read_bytes() == before


# ---------------------------------------------------------------- RPC faults


def _use_rpc(cli: Cli, url: str) -> None:
    assert (
        cli("network", "add", "faulty", "--rpc-url", url, "--passphrase", LOCAL_PASSPHRASE).code
        == 0
    )
    assert cli("network", "set-contract", "faulty", CONTRACT).code == 0


WRITE = ["stream", "pause", "1", "--account", "alice", "--yes"]
CREATE = [
    "stream", "create", "--account", "alice", "--recipient", OTHER_ACCOUNT, "--token", "native",
    "--amount", "1", "--duration", "1h", "--yes",
]  # fmt: skip


DEPLOY = ["contract", "deploy", "--account", "alice", "--yes"]


@pytest.mark.parametrize("args", [WRITE, CREATE, DEPLOY, ["account", "balance", "alice"]])
def test_rpc_down_is_exit_3(funded_cli: Cli, args: list[str]) -> None:
    _use_rpc(funded_cli, "http://127.0.0.1:9/rpc")
    before = keystore(funded_cli).read_bytes()
    run = funded_cli("--network", "faulty", *args)
    assert run.code == 3, run.err
    assert "could not connect" in run.err
    assert "retrying later may help" in run.err
    assert keystore(funded_cli).read_bytes() == before


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("hang", "did not answer within"),
        ("garbage", "is the URL an RPC endpoint?"),
        ("http500", "HTTP 500"),
        ("bad-xdr", "does not decode"),
    ],
)
@pytest.mark.parametrize("args", [WRITE, CREATE, DEPLOY])
def test_rpc_faults_are_exit_3(funded_cli: Cli, mode: str, words: str, args: list[str]) -> None:
    with fault_server(mode) as url:
        _use_rpc(funded_cli, url)
        run = funded_cli("--network", "faulty", *args)
    assert run.code == 3, run.err
    assert words.lower() in run.err.lower()


def test_friendbot_down_is_exit_3(funded_cli: Cli) -> None:
    assert funded_cli(
        "network", "add", "nofb", "--rpc-url", "http://127.0.0.1:9/rpc", "--passphrase", "p",
        "--friendbot-url", "http://127.0.0.1:9/friendbot",
    ).code == 0  # fmt: skip
    run = funded_cli("--network", "nofb", "account", "fund", "alice")
    assert run.code == 3
    assert "could not connect" in run.err


@pytest.mark.parametrize("mode", ["garbage", "http500"])
def test_friendbot_faults(funded_cli: Cli, mode: str) -> None:
    with fault_server(mode) as url:
        assert funded_cli(
            "network", "add", "fb", "--rpc-url", url, "--passphrase", "p", "--friendbot-url", url
        ).code == 0  # fmt: skip
        run = funded_cli("--network", "fb", "account", "fund", "alice")
    assert run.code == 3, run.err


def test_another_network_behind_the_url_is_refused(funded_cli: Cli) -> None:
    with fault_server("wrong-network") as url:
        _use_rpc(funded_cli, url)
        run = funded_cli("--network", "faulty", *WRITE)
    assert run.code == 1
    assert "refusing to sign" in run.err
    assert "testnet" in run.err
    assert LOCAL_PASSPHRASE in run.err


@pytest.mark.parametrize(
    "args", [["--port", "70000"], ["--port", "1", "--ledger-interval-ms", "-5"]]
)
def test_localnet_command_bad_values(cli: Cli, args: list[str]) -> None:
    run = cli("localnet", *args)
    assert run.code == 1
    assert "--port must be" in run.err


def test_localnet_command_usage_error(cli: Cli) -> None:
    assert cli("localnet", "--port", "eighty").code == 2


def test_account_list_json_shape(funded_cli: Cli) -> None:
    listed = funded_cli("account", "list", "--json").json()
    assert listed == [
        {"name": "alice", "address": VECTORS[0][2], "watch_only": False},
        {"name": "bob", "address": OTHER_ACCOUNT, "watch_only": True},
    ]
    json.dumps(listed)


# ---------------------------------------------------------------- settings and the keyring


def test_settings_list_and_set(cli: Cli) -> None:
    listed = cli("settings", "list", "--json").json()
    assert listed["remember_unlock"] is False  # type: ignore[index]
    assert cli("settings", "set", "remember_unlock", "yes").code == 0
    assert cli("settings", "set", "fee_warning_stroops", "2000000").code == 0
    listed = cli("settings", "list", "--json").json()
    assert listed["remember_unlock"] is True  # type: ignore[index]
    assert listed["fee_warning_stroops"] == 2_000_000  # type: ignore[index]


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("nope", "1", "unknown setting"),
        ("remember_unlock", "maybe", "true or false"),
        ("keystore_kdf", "weak", "one of"),
        ("rpc_attempts", "many", "takes a int"),
        ("rpc_timeout_seconds", "-1", "negative"),
    ],
)
def test_settings_bad_values(cli: Cli, key: str, value: str, words: str) -> None:
    before = (cli.data_dir / "settings.json").read_text()
    run = cli("settings", "set", key, value)
    assert run.code == 1
    assert words in run.err
    assert (cli.data_dir / "settings.json").read_text() == before


def test_remembered_unlock_through_the_cli(cli: Cli, memory_keyring: object) -> None:
    assert cli("settings", "set", "remember_unlock", "true").code == 0
    assert cli("account", "import", "a", "--secret-stdin", stdin=VECTORS[0][3]).code == 0
    # The first unlock (when "a" was added) is remembered: no password is needed now.
    run = cli("account", "import", "m", "--mnemonic-stdin", stdin=TEST_3, password=None)
    assert run.code == 0, run.err
    assert cli("settings", "set", "remember_unlock", "false").code == 0
    run = cli("account", "watch", "w", VECTORS[2][2], password=None)
    assert run.code == 0
    run = cli("account", "import", "x", "--mnemonic-stdin", "--index", "3", stdin=TEST_3,
              password=None)  # fmt: skip
    assert run.code == 1
    assert "--password-file" in run.err


def test_no_keyring_machine_asks_every_time(cli: Cli, no_keyring: None) -> None:
    assert cli("settings", "set", "remember_unlock", "true").code == 0
    assert cli("account", "import", "a", "--secret-stdin", stdin=VECTORS[0][3]).code == 0
    run = cli("account", "import", "m", "--mnemonic-stdin", stdin=TEST_3, password=None)
    assert run.code == 1
    assert "--password-file" in run.err
