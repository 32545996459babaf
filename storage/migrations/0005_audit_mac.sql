-- Each audit entry's HMAC under a key kept outside the database (storage/audit_seal.py).
-- Entries written before this migration keep NULL: the signed anchor records where signing began.
ALTER TABLE audit_log ADD COLUMN mac TEXT;
