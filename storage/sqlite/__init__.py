"""SQLite implementations of the repository protocols in :mod:`storage.protocols`."""
