"""SEP-5 derivation against the test vectors published in the SEP (stellar-protocol sep-0005)."""

from __future__ import annotations

import pytest

from flowfi_desktop.errors import InputError
from flowfi_desktop.keys.mnemonic import (
    generate_mnemonic,
    keypair_from_mnemonic,
    keypair_from_secret,
    normalize_mnemonic,
)

TEST_1 = "illness spike retreat truth genius clock brain pass fit cave bargain toe"
TEST_3 = (
    "bench hurt jump file august wise shallow faculty impulse spring exact slush thunder "
    "author capable act festival slice deposit sauce coconut afford frown better"
)
VECTORS = [
    (
        TEST_1,
        0,
        "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6",
        "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMN",
    ),
    (
        TEST_3,
        0,
        "GC3MMSXBWHL6CPOAVERSJITX7BH76YU252WGLUOM5CJX3E7UCYZBTPJQ",
        "SAEWIVK3VLNEJ3WEJRZXQGDAS5NVG2BYSYDFRSH4GKVTS5RXNVED5AX7",
    ),
    (
        TEST_3,
        1,
        "GB3MTYFXPBZBUINVG72XR7AQ6P2I32CYSXWNRKJ2PV5H5C7EAM5YYISO",
        "SBKSABCPDWXDFSZISAVJ5XKVIEWV4M5O3KBRRLSPY3COQI7ZP423FYB4",
    ),
    (
        TEST_3,
        2,
        "GDYF7GIHS2TRGJ5WW4MZ4ELIUIBINRNYPPAWVQBPLAZXC2JRDI4DGAKU",
        "SD5CCQAFRIPB3BWBHQYQ5SC66IB2AVMFNWWPBYGSUXVRZNCIRJ7IHESQ",
    ),
    (
        TEST_3,
        3,
        "GAFLH7DGM3VXFVUID7JUKSGOYG52ZRAQPZHQASVCEQERYC5I4PPJUWBD",
        "SBSGSAIKEF7JYQWQSGXKB4SRHNSKDXTEI33WZDRR6UHYQCQ5I6ZGZQPK",
    ),
]


@pytest.mark.parametrize(("phrase", "index", "address", "secret"), VECTORS)
def test_sep5_vectors(phrase: str, index: int, address: str, secret: str) -> None:
    keypair = keypair_from_mnemonic(phrase, index)
    assert keypair.public_key == address
    assert keypair.secret == secret


def test_mnemonic_is_normalized() -> None:
    messy = "  " + TEST_1.upper().replace(" ", "   \n") + " "
    assert normalize_mnemonic(messy) == TEST_1
    assert keypair_from_mnemonic(messy, 0).public_key == VECTORS[0][2]


def test_generated_mnemonics_have_24_valid_words_and_differ() -> None:
    a, b = generate_mnemonic(), generate_mnemonic()
    assert len(a.split()) == 24
    assert normalize_mnemonic(a) == a
    assert a != b


def test_wrong_word_count() -> None:
    with pytest.raises(InputError, match="has 11"):
        normalize_mnemonic(" ".join(TEST_1.split()[:11]))


def test_unknown_word_gives_position_not_the_word() -> None:
    words = TEST_1.split()
    words[4] = "geniuz"
    with pytest.raises(InputError, match="position 5") as info:
        normalize_mnemonic(" ".join(words))
    assert "geniuz" not in str(info.value)


def test_checksum_mismatch() -> None:
    words = TEST_1.split()
    words[0], words[1] = words[1], words[0]
    with pytest.raises(InputError, match="checksum"):
        normalize_mnemonic(" ".join(words))


@pytest.mark.parametrize("index", [-1, 2**31])
def test_index_out_of_range(index: int) -> None:
    with pytest.raises(InputError, match="index"):
        keypair_from_mnemonic(TEST_1, index)


@pytest.mark.parametrize(
    "secret",
    [
        "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVMM",  # checksum broken
        "SBGWSG6BTNCKCOB3DIFBGCVMUPQFYPA2G4O34RMTB343OYPXU5DJDVM",  # short
        "GDRXE2BQUC3AZNPVFSCEZ76NJ3WWL25FYFK6RGZGIEKWE4SOOHSUJUJ6",  # a public key
    ],
)
def test_bad_secret_keys_are_not_echoed(secret: str) -> None:
    with pytest.raises(InputError) as info:
        keypair_from_secret(secret)
    assert secret[4:-4] not in str(info.value)
    assert info.value.__cause__ is None


def test_good_secret() -> None:
    assert keypair_from_secret(VECTORS[0][3] + "\n").public_key == VECTORS[0][2]
