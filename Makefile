# FlowFi Desktop. `make run` opens the app on the local network; `make test` runs every check.
# Both set up what they need first (virtualenv, Python packages, Rust builds) and are idempotent.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .stamps
export CARGO_TARGET_DIR ?= $(CURDIR)/contracts/target
CARGO := cargo
CARGO_FLAGS := --manifest-path contracts/Cargo.toml --locked
# flowfi_native (a PyO3 extension) builds and tests against the virtualenv's Python.
export PYO3_PYTHON ?= $(CURDIR)/$(BIN)/python

.PHONY: help setup rust-toolchain wasm rust-test lint typecheck pytest test run bench package \
	package-smoke clean

help:
	@echo "make run    set everything up and open the app on the local network"
	@echo "make test   set everything up and run lint, type checks and all tests"
	@echo "make wasm   build the stream contract (prints size and sha256)"
	@echo "make bench  run the benchmarks and print their figures"
	@echo "make localnet  build and start the local Soroban network (flowfi-localnet) in the foreground"
	@echo "make package  build the app folder and the .deb into dist/"
	@echo "make lint   ruff, rustfmt, clippy;  make clean  remove build outputs"

# ---------------------------------------------------------------- set-up
$(STAMPS)/venv: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "error: Python 3.11+ is needed (found $$($(PYTHON) --version))" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@mkdir -p $(STAMPS) && touch $@

# The indexer's native page reader, installed into the virtualenv (the app runs without it,
# slower: the tests and `make run` use it).
NATIVE_SOURCES := $(wildcard contracts/flowfi_native/src/*.rs) contracts/flowfi_native/Cargo.toml \
	contracts/flowfi_native/pyproject.toml contracts/flowfi_native/flowfi_native.pyi contracts/Cargo.lock
$(STAMPS)/native: $(STAMPS)/venv $(NATIVE_SOURCES)
	$(BIN)/maturin develop --locked --quiet -m contracts/flowfi_native/Cargo.toml
	@touch $@

setup: rust-toolchain $(STAMPS)/venv $(STAMPS)/native

rust-toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup (https://rustup.rs)" >&2; exit 1; }
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "error: clippy missing: rustup component add clippy" >&2; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || { echo "error: rustfmt missing: rustup component add rustfmt" >&2; exit 1; }

wasm:
	scripts/build-wasm.sh

# flowfi-localnet: built with its own profile (the release profile is tuned for the contract).
LOCALNET_BIN := $(CARGO_TARGET_DIR)/localnet/flowfi-localnet
export FLOWFI_LOCALNET_BIN ?= $(LOCALNET_BIN)

localnet-bin: rust-toolchain
	$(CARGO) build $(CARGO_FLAGS) --profile localnet -p flowfi-localnet

localnet: localnet-bin
	$(LOCALNET_BIN) --ledger-interval-ms 1000

# ---------------------------------------------------------------- checks
rust-test: rust-toolchain $(STAMPS)/venv
	$(CARGO) test $(CARGO_FLAGS) --workspace

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(CARGO) fmt --manifest-path contracts/Cargo.toml --all -- --check
	$(CARGO) clippy $(CARGO_FLAGS) --workspace --all-targets -- -D warnings

typecheck: setup
	$(BIN)/mypy

pytest: setup wasm localnet-bin
	$(BIN)/pytest

test: setup wasm localnet-bin lint typecheck rust-test pytest package-smoke

# ---------------------------------------------------------------- use
# The demo wallet (two accounts, the contract, live streams on a local chain) lives in .demo/
# and is made on the first run only.
run: setup wasm localnet-bin
	$(BIN)/python -m flowfi_desktop.demo --data-dir $(CURDIR)/.demo

bench: setup wasm localnet-bin
	$(BIN)/python -m benchmarks

# ---------------------------------------------------------------- packages
package: setup wasm localnet-bin
	packaging/build-app.sh
	packaging/deb/build-deb.sh

# Installs the .deb on this machine (root + apt only), runs it and removes it again.
package-smoke: package
	packaging/smoke-test-deb.sh

clean:
	rm -rf $(VENV) $(STAMPS) contracts/target flowfi_desktop/_bundled build dist *.egg-info
