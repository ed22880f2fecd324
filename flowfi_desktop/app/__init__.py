"""The application service layer: what the GUI (and its tests) drive. Qt-free.

``AppSession`` holds the current network and account, opens the index, runs the indexer, computes
the dashboard from the index with the contract's accrual arithmetic, and announces changes as
``events`` for the GUI's single bridge to turn into Qt signals.
"""
