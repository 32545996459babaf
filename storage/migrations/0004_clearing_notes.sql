-- Clearing notes (澄清正名) issued when a report against a cadre was found untrue.
CREATE TABLE clearing_notes (
    id INTEGER PRIMARY KEY,
    cadre_id INTEGER NOT NULL REFERENCES users(telegram_id),
    unit_id INTEGER REFERENCES units(id),
    note TEXT NOT NULL,
    issued_by INTEGER NOT NULL,
    issued_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE TRIGGER clearing_notes_no_delete BEFORE DELETE ON clearing_notes
BEGIN
    SELECT RAISE(ABORT, 'clearing notes are never deleted');
END;
