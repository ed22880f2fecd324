"""The remembered unlock on a real Secret Service (gnome-keyring in its own D-Bus session).

Skipped, saying why, where dbus-run-session or gnome-keyring-daemon is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.core.test_mnemonic import VECTORS

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import keyring
    from flowfi_desktop.keys.accounts import Wallet
    from flowfi_desktop.keys.keystore import KdfParams
    print(type(keyring.get_keyring()).__module__)
    path = Path(sys.argv[1]) / "keystore.json"
    wallet = Wallet(path, kdf=KdfParams(1, 8192), remember_minutes=5)
    wallet.import_secret("a", sys.stdin.readline().strip(), lambda new: "password-123")

    def never(new):
        raise SystemExit("the password was asked for")

    print(wallet.signer("a", never).public_key)
    wallet.forget_unlock()
    try:
        wallet.signer("a", never)
    except SystemExit as exc:
        print(exc)
    """
)


@pytest.mark.slow
def test_unlock_remembered_by_gnome_keyring(tmp_path: Path) -> None:
    if not (shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")):
        pytest.skip("dbus-run-session and gnome-keyring-daemon are needed for this test")
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    # A keyring folder of its own: the machine's (and the user's) keyrings stay untouched.
    shell = (
        f'export XDG_DATA_HOME="{tmp_path / "xdg"}";'
        " echo -n session-pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1;"
        f' exec "{sys.executable}" "{script}" "{tmp_path}"'
    )
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", shell],
        input=VECTORS[0][3] + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    lines = result.stdout.splitlines()
    assert lines == [
        "keyring.backends.SecretService",
        VECTORS[0][2],
        "the password was asked for",
    ], result.stderr
