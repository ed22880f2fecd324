"""The built-in indexer: the stream contract's events, from getEvents into the local store."""
