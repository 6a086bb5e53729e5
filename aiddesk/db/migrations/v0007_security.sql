-- Version 7: security. Login lockout on users; a hash chain over the audit log (filled by a Python step).

-- Failed logins in a row and, once too many, until when the account refuses logins (ISO time, NULL: not locked).
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;

-- Each entry's SHA-256 covers its fields and the previous entry's hash: an edited or deleted row breaks the chain.
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';
