-- Tolerance requests (RC-…), secondment feedback (FB-…), emergency pre-registrations (PR-…),
-- their history, attachments, drafts, durable deadlines and look-back samples.
-- Nothing in filings, filing_events or preregistrations is ever hard-deleted: withdrawals and
-- corrections are new events. Timestamps are ISO-8601 UTC strings ending in 'Z'.

CREATE TABLE counters (
    prefix TEXT NOT NULL,
    year INTEGER NOT NULL,
    value INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE filings (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('request', 'feedback')),
    ref TEXT NOT NULL UNIQUE,
    cadre_id INTEGER NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    state TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '{}',
    consent_public INTEGER NOT NULL DEFAULT 0,
    idempotency_key TEXT NOT NULL UNIQUE,
    outcome TEXT CHECK (outcome IS NULL OR outcome IN ('tolerated', 'partially_tolerated', 'not_tolerated')),
    decision TEXT,
    decided_by INTEGER,
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX filings_cadre ON filings(cadre_id, created_at);
CREATE INDEX filings_unit_state ON filings(unit_id, state, created_at);
CREATE INDEX filings_decided ON filings(decided_at);

CREATE TRIGGER filings_no_delete BEFORE DELETE ON filings
BEGIN
    SELECT RAISE(ABORT, 'filings are never deleted');
END;

CREATE TRIGGER filings_identity_fixed BEFORE UPDATE OF id, kind, ref, cadre_id, idempotency_key, created_at ON filings
BEGIN
    SELECT RAISE(ABORT, 'a filing keeps its identity');
END;

CREATE TABLE filing_events (
    id INTEGER PRIMARY KEY,
    filing_ref TEXT NOT NULL REFERENCES filings(ref),
    at TEXT NOT NULL,
    actor INTEGER,
    actor_role TEXT NOT NULL DEFAULT 'system',
    action TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT,
    message TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '{}',
    visibility TEXT NOT NULL CHECK (visibility IN ('internal', 'cadre'))
);
CREATE INDEX filing_events_ref ON filing_events(filing_ref, id);

CREATE TRIGGER filing_events_no_delete BEFORE DELETE ON filing_events
BEGIN
    SELECT RAISE(ABORT, 'filing history is append-only');
END;

CREATE TRIGGER filing_events_no_update BEFORE UPDATE ON filing_events
BEGIN
    SELECT RAISE(ABORT, 'filing history is append-only');
END;

CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('request', 'feedback', 'prereg')),
    step TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    reminded_at TEXT,
    UNIQUE (telegram_id, kind)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL,
    filing_ref TEXT REFERENCES filings(ref),
    draft_id INTEGER,
    file_id TEXT NOT NULL,
    file_unique_id TEXT,
    name TEXT NOT NULL DEFAULT '',
    mime TEXT NOT NULL DEFAULT '',
    size INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL,
    CHECK (filing_ref IS NOT NULL OR draft_id IS NOT NULL)
);
CREATE INDEX attachments_filing ON attachments(filing_ref);
CREATE INDEX attachments_draft ON attachments(draft_id);

CREATE TRIGGER attachments_no_delete_filed BEFORE DELETE ON attachments
WHEN OLD.filing_ref IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'attachments of a filing are never deleted');
END;

CREATE TABLE preregistrations (
    id INTEGER PRIMARY KEY,
    ref TEXT NOT NULL UNIQUE,
    cadre_id INTEGER NOT NULL,
    unit_id INTEGER REFERENCES units(id),
    what TEXT NOT NULL,
    why_urgent TEXT NOT NULL,
    expected_cost TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    acknowledged_by INTEGER,
    acknowledged_at TEXT
);
CREATE INDEX preregistrations_cadre ON preregistrations(cadre_id, created_at);

CREATE TRIGGER preregistrations_no_delete BEFORE DELETE ON preregistrations
BEGIN
    SELECT RAISE(ABORT, 'pre-registrations are never deleted');
END;

CREATE TABLE deadlines (
    id INTEGER PRIMARY KEY,
    filing_ref TEXT NOT NULL REFERENCES filings(ref),
    kind TEXT NOT NULL CHECK (kind IN ('accept', 'decide')),
    started_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    paused_at TEXT,
    remaining_seconds INTEGER,
    reminded_at TEXT,
    escalated_at TEXT,
    done_at TEXT,
    UNIQUE (filing_ref, kind)
);
CREATE INDEX deadlines_open ON deadlines(done_at, due_at);

CREATE TABLE lookback_runs (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by INTEGER,
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    share REAL NOT NULL,
    seed INTEGER NOT NULL,
    population INTEGER NOT NULL
);

CREATE TABLE lookback_items (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES lookback_runs(id),
    filing_ref TEXT NOT NULL REFERENCES filings(ref),
    original_decider INTEGER,
    original_outcome TEXT,
    reviewer_id INTEGER,
    result TEXT CHECK (result IS NULL OR result IN ('confirmed', 'corrected')),
    new_outcome TEXT,
    note TEXT NOT NULL DEFAULT '',
    clearing_note TEXT,
    reviewed_at TEXT,
    UNIQUE (run_id, filing_ref)
);
CREATE INDEX lookback_items_reviewer ON lookback_items(reviewer_id, result);
CREATE INDEX lookback_items_ref ON lookback_items(filing_ref);
