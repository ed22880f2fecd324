#!/usr/bin/env bash
# Builds contracts/stream_contract to wasm32v1-none (release, size-optimised), shrinks it with
# wasm-opt when binaryen is there (installed when root), copies it to flowfi_desktop/_bundled/
# and prints its size and sha256.
#
# Toolchain: a rustup toolchain that has the wasm32v1-none target if there is one; otherwise
# Debian's rustc-web with its own library source (-Zbuild-std), see shared/notes/toolchain.md.
# Installs Debian packages only when run as root with apt; otherwise says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out_dir="$root/flowfi_desktop/_bundled"
target=wasm32v1-none
debian_pkgs="rustc-web cargo-web rust-web-src lld-19"

# soroban-sdk 28 refuses to build a contract unless the build system says it handles spec
# shaking; we keep the whole spec (generic tools decode our events with it).
export SOROBAN_SDK_BUILD_SYSTEM_SUPPORTS_SPEC_SHAKING_V2=1
# Reproducible bytes: no absolute paths of this machine in the output.
export RUSTFLAGS="--remap-path-prefix=$root=/flowfi --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo ${RUSTFLAGS:-}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"

cd contracts
if command -v rustup >/dev/null && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    echo "wasm: rustup toolchain with $target"
    cargo build -p stream_contract --release --target "$target" --target-dir "${CARGO_TARGET_DIR:-$PWD/target}/wasm"
else
    if [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/src/rust/library ] || ! command -v wasm-ld-19 >/dev/null; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "wasm: installing Debian's Rust toolchain for $target ($debian_pkgs)"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $debian_pkgs >/dev/null
        else
            echo "error: no Rust toolchain with the $target target." >&2
            echo "  Either: rustup target add $target" >&2
            echo "  Or (Debian 12): sudo apt-get install $debian_pkgs" >&2
            exit 1
        fi
    fi
    echo "wasm: Debian rustc-web with -Zbuild-std"
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32V1_NONE_LINKER=wasm-ld-19 RUSTC=/usr/bin/rustc \
        /usr/bin/cargo build -p stream_contract --release --target "$target" \
        --target-dir "${CARGO_TARGET_DIR:-$PWD/target}/wasm" -Zbuild-std=core,alloc
fi

wasm="${CARGO_TARGET_DIR:-$PWD/target}/wasm/$target/release/stream_contract.wasm"
mkdir -p "$out_dir"
# binaryen's wasm-opt takes ~18% off (46 -> 38 KB: cheaper upload and instantiation). It is
# deterministic and keeps the custom sections (contract spec, metadata); --mvp-features because
# the Soroban VM takes only MVP wasm. Same bytes need the same binaryen too (Debian 12: 108).
if ! command -v wasm-opt >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "wasm: installing binaryen (wasm-opt)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen >/dev/null; } \
        || echo "wasm: could not install binaryen" >&2
fi
if command -v wasm-opt >/dev/null; then
    echo "wasm: $(wasm-opt --version) -Oz"
    wasm-opt -Oz --mvp-features "$wasm" -o "$out_dir/stream_contract.wasm"
else
    echo "wasm: wasm-opt not found, bundling the unoptimised wasm (install binaryen to shrink it)" >&2
    cp "$wasm" "$out_dir/stream_contract.wasm"
fi
size=$(stat -c %s "$out_dir/stream_contract.wasm")
sha=$(sha256sum "$out_dir/stream_contract.wasm" | cut -d' ' -f1)
echo "stream_contract.wasm: $size bytes, sha256 $sha"
