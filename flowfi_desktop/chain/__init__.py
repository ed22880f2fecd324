"""Talking to a Soroban RPC server: the raw JSON-RPC client and the stellar-sdk transport."""
