-- Knowledge-base versions (every applied change, linear history) and staged uploads awaiting confirmation.
CREATE TABLE kb_versions (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    author INTEGER,
    comment TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL
);

CREATE TABLE kb_staged (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    author INTEGER NOT NULL,
    base_version INTEGER NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL,
    applied_version INTEGER,
    discarded INTEGER NOT NULL DEFAULT 0
);
