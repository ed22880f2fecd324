from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import httpx
import pytest

from flowfi_desktop.chain.checks import NetworkMismatch, check_passphrase, ensure_network
from flowfi_desktop.chain.rpc import RpcClient, RpcProtocolError
from flowfi_desktop.errors import InputError
from flowfi_desktop.networks import (
    BUILTIN,
    LOCAL_PASSPHRASE,
    TESTNET_PASSPHRASE,
    Networks,
)
from flowfi_desktop.paths import data_dir
from flowfi_desktop.settings import SCHEMA, SettingsCorrupt, SettingsFile
from tests.core.strkeys import CONTRACT, break_checksum


def nets(tmp_path: Path) -> Networks:
    return Networks(SettingsFile(tmp_path))


def test_builtins() -> None:
    assert BUILTIN["testnet"].passphrase == "Test SDF Network ; September 2015"
    assert BUILTIN["mainnet"].passphrase == "Public Global Stellar Network ; September 2015"
    assert BUILTIN["futurenet"].passphrase == "Test SDF Future Network ; October 2022"
    assert BUILTIN["local"].rpc_url == "http://127.0.0.1:8000/rpc"
    assert BUILTIN["local"].passphrase == "Standalone Network ; February 2017"
    assert all(BUILTIN[n].public for n in ("mainnet", "testnet", "futurenet"))


def test_add_custom_and_set_contract_persist(tmp_path: Path) -> None:
    networks = nets(tmp_path)
    networks.add("mine", "http://10.0.0.2:8000/rpc", "My Net ; 2026")
    networks.set_contract("mine", CONTRACT)
    networks.set_contract("local", CONTRACT)
    again = nets(tmp_path)
    assert again.get("mine").contract_id == CONTRACT
    assert again.get("local").contract_id == CONTRACT
    assert again.get("local").rpc_url == BUILTIN["local"].rpc_url
    assert again.names() == ["mainnet", "testnet", "futurenet", "local", "mine"]
    settings_path = tmp_path / "settings.json"
    assert stat.S_IMODE(settings_path.stat().st_mode) == 0o600


def test_builtins_are_editable(tmp_path: Path) -> None:
    networks = nets(tmp_path)
    networks.edit("testnet", rpc_url="https://my-rpc.example/rpc")
    assert nets(tmp_path).get("testnet").rpc_url == "https://my-rpc.example/rpc"
    assert nets(tmp_path).get("testnet").passphrase == TESTNET_PASSPHRASE


@pytest.mark.parametrize(
    ("name", "url", "passphrase", "words"),
    [
        ("Bad Name", "http://x/rpc", "p", "not valid"),
        ("testnet", "http://x/rpc", "p", "built-in"),
        ("ok", "ftp://x/rpc", "p", "http"),
        ("ok", "not a url", "p", "http"),
        ("ok", "http://x/rpc", "  ", "empty"),
    ],
)
def test_add_rejects(tmp_path: Path, name: str, url: str, passphrase: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        nets(tmp_path).add(name, url, passphrase)
    assert not (tmp_path / "settings.json").exists()


def test_unknown_network_and_bad_contract(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown network 'nope'"):
        nets(tmp_path).get("nope")
    with pytest.raises(InputError, match="checksum"):
        nets(tmp_path).set_contract("local", break_checksum(CONTRACT))


def test_corrupt_settings_are_reported_not_replaced(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    with pytest.raises(SettingsCorrupt, match="was not changed"):
        SettingsFile(tmp_path)
    assert path.read_text() == "{not json"


def test_settings_schema_types(tmp_path: Path) -> None:
    settings = SettingsFile(tmp_path)
    assert {s.key for s in SCHEMA} >= {"network", "keystore_kdf", "remember_unlock"}
    assert settings.get("keystore_kdf") == "moderate"
    settings.set("keystore_kdf", "interactive")
    assert SettingsFile(tmp_path).get("keystore_kdf") == "interactive"
    with pytest.raises(InputError, match="one of"):
        settings.set("keystore_kdf", "weak")
    with pytest.raises(InputError, match="must be a bool"):
        settings.set("remember_unlock", "yes")
    with pytest.raises(InputError, match="unknown setting"):
        settings.set("nope", 1)
    raw = json.loads((tmp_path / "settings.json").read_text())
    assert raw["settings"] == {"keystore_kdf": "interactive"}


def test_data_dir_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWFI_DATA_DIR", str(tmp_path / "env"))
    assert data_dir(str(tmp_path / "arg")) == tmp_path / "arg"
    assert data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("FLOWFI_DATA_DIR")
    assert "flowfi-desktop" in str(data_dir(None))


def test_passphrase_mismatch_names_both_sides() -> None:
    with pytest.raises(NetworkMismatch) as info:
        check_passphrase(BUILTIN["local"], TESTNET_PASSPHRASE)
    message = str(info.value)
    assert "refusing to sign" in message
    assert "'local'" in message
    assert LOCAL_PASSPHRASE in message
    assert "testnet" in message
    assert TESTNET_PASSPHRASE in message
    check_passphrase(BUILTIN["local"], LOCAL_PASSPHRASE)


def test_ensure_network_over_rpc() -> None:
    def answer(passphrase: object) -> RpcClient:
        def handler(request: httpx.Request) -> httpx.Response:
            rid = json.loads(request.content)["id"]
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": rid, "result": {"passphrase": passphrase}}
            )

        return RpcClient("http://x/rpc", transport=httpx.MockTransport(handler))

    assert asyncio.run(ensure_network(answer(LOCAL_PASSPHRASE), BUILTIN["local"])) == (
        LOCAL_PASSPHRASE
    )
    with pytest.raises(NetworkMismatch):
        asyncio.run(ensure_network(answer(TESTNET_PASSPHRASE), BUILTIN["local"]))
    with pytest.raises(RpcProtocolError, match="without a passphrase"):
        asyncio.run(ensure_network(answer(None), BUILTIN["local"]))
