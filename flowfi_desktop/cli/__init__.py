"""The `flowfi-desktop` command line (shared/specs/cli.md)."""
