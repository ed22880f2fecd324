"""Stream transactions: the contract's calls, their review, signing, sending and results."""
