"""Keys: SEP-5 mnemonics, the encrypted keystore file, accounts, and the optional keyring unlock."""
