"""Service-level tests: repositories and services over real databases (SQLite and PostgreSQL)."""
