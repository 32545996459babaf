"""PostgreSQL implementations of the repository protocols in :mod:`storage.protocols` (issue #14)."""
