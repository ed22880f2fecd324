"""Networks: the built-in ones (editable) and custom ones, each with its stream contract id.

Stored in the settings file under `"networks"`: for a built-in, only the fields the user changed;
for a custom network, all of them. Names are lower-case words (`[a-z0-9][a-z0-9_-]*`).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from flowfi_desktop.addresses import parse_contract
from flowfi_desktop.errors import InputError
from flowfi_desktop.settings import SettingsFile

# Network passphrases are public identifiers, not secrets. Written out rather than read from
# stellar_sdk.Network, whose import costs every command ~0.3 s (a test checks they agree).
MAINNET_PASSPHRASE = "Public Global Stellar Network ; September 2015"  # noqa: S105
TESTNET_PASSPHRASE = "Test SDF Network ; September 2015"  # noqa: S105
FUTURENET_PASSPHRASE = "Test SDF Future Network ; October 2022"  # noqa: S105
LOCAL_PASSPHRASE = "Standalone Network ; February 2017"  # noqa: S105


@dataclass(frozen=True)
class Network:
    name: str
    rpc_url: str
    passphrase: str
    friendbot_url: str | None = None
    contract_id: str | None = None
    builtin: bool = False
    #: Public servers get the polite request-rate cap.
    public: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rpc_url": self.rpc_url,
            "passphrase": self.passphrase,
            "contract_id": self.contract_id,
        }


BUILTIN: dict[str, Network] = {
    n.name: n
    for n in (
        Network(
            "mainnet",
            "https://mainnet.sorobanrpc.com",
            MAINNET_PASSPHRASE,
            builtin=True,
            public=True,
        ),
        Network(
            "testnet",
            "https://soroban-testnet.stellar.org",
            TESTNET_PASSPHRASE,
            friendbot_url="https://friendbot.stellar.org",
            builtin=True,
            public=True,
        ),
        Network(
            "futurenet",
            "https://rpc-futurenet.stellar.org",
            FUTURENET_PASSPHRASE,
            friendbot_url="https://friendbot-futurenet.stellar.org",
            builtin=True,
            public=True,
        ),
        Network(
            "local",
            "http://127.0.0.1:8000/rpc",
            LOCAL_PASSPHRASE,
            friendbot_url="http://127.0.0.1:8000/friendbot",
            builtin=True,
        ),
    )
}
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_EDITABLE = ("rpc_url", "passphrase", "friendbot_url", "contract_id")


def check_url(url: str, what: str = "RPC URL") -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{what} {url!r} is not an http:// or https:// URL")
    return url.strip()


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"network name {name!r} is not valid: use lower-case letters, digits, '-' or '_' "
            "(up to 32, starting with a letter or digit)"
        )
    return name


class Networks:
    """The networks known to one data dir."""

    def __init__(self, settings: SettingsFile) -> None:
        self.settings = settings

    def names(self) -> list[str]:
        custom = [n for n in self.settings.networks if n not in BUILTIN]
        return [*BUILTIN, *sorted(custom)]

    def all(self) -> list[Network]:
        return [self.get(name) for name in self.names()]

    def get(self, name: str) -> Network:
        stored = self.settings.networks.get(name)
        base = BUILTIN.get(name)
        if base is None and stored is None:
            raise InputError(
                f"unknown network {name!r}; known: {', '.join(self.names())} "
                "(add one with `network add`)"
            )
        fields: dict[str, Any] = {}
        if isinstance(stored, dict):
            fields = {k: stored[k] for k in _EDITABLE if k in stored}
        if base is not None:
            return replace(base, **fields)
        try:
            return Network(name=name, **fields)
        except TypeError:
            raise InputError(
                f"network {name!r} in {self.settings.path} lacks fields; add it again"
            ) from None

    def add(
        self, name: str, rpc_url: str, passphrase: str, friendbot_url: str | None = None
    ) -> Network:
        check_name(name)
        if name in BUILTIN:
            raise InputError(f"{name!r} is a built-in network; pick another name")
        if name in self.settings.networks:
            raise InputError(f"network {name!r} exists already")
        if not passphrase.strip():
            raise InputError("network passphrase is empty")
        entry: dict[str, Any] = {"rpc_url": check_url(rpc_url), "passphrase": passphrase}
        if friendbot_url:
            entry["friendbot_url"] = check_url(friendbot_url, "friendbot URL")
        self.settings.networks[name] = entry
        self.settings.save()
        return self.get(name)

    def edit(self, name: str, **changes: str | None) -> Network:
        network = self.get(name)
        unknown = set(changes) - set(_EDITABLE)
        if unknown:
            raise InputError(f"cannot change {', '.join(sorted(unknown))} of a network")
        if changes.get("rpc_url"):
            changes["rpc_url"] = check_url(str(changes["rpc_url"]))
        if changes.get("contract_id"):
            changes["contract_id"] = parse_contract(str(changes["contract_id"]))
        entry = self.settings.networks.setdefault(network.name, {})
        entry.update(changes)
        self.settings.save()
        return self.get(name)

    def set_contract(self, name: str, contract_id: str) -> Network:
        return self.edit(name, contract_id=parse_contract(contract_id))


def network_as_dict(network: Network) -> dict[str, Any]:
    return asdict(network)
