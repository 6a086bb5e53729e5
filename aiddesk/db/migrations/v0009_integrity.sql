-- Version 9: an index on every foreign key, so deleting or replacing rows never scans a whole table for each
-- row (a sub-unit's newer book dropping 185 000 aid lines took over 12 minutes without aid_records_corrects).
CREATE INDEX batches_unit ON batches(unit_code);
CREATE INDEX aid_records_corrects ON aid_records(corrects_id);
CREATE INDEX aid_attachments_batch ON aid_attachments(batch_id);
CREATE INDEX objections_record ON objections(aid_record_id);
CREATE INDEX phone_calls_draw ON phone_calls(draw_id);
CREATE INDEX home_visits_draw ON home_visits(draw_id);
CREATE INDEX feedback_household ON feedback(household_id);
CREATE INDEX problems_household ON problems(household_id);
CREATE INDEX problems_batch ON problems(batch_id);

-- What 完整性检查 compares every protected record with (aiddesk/db/row_digests.py): each household with its
-- members, aid record, batch and fund ledger entry gets a digest of its fields whenever the program writes it;
-- the audit entry written next vouches for the digests (rows_hash, one of its chained fields). The digests of
-- the records already there are added by the Python step that follows this file.
ALTER TABLE audit_log ADD COLUMN rows_hash TEXT;
CREATE TABLE row_states (
    seq      INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,   -- the audit entry that vouches for it: the next one after it was appended
    tbl      TEXT NOT NULL,      -- households (members included), aid_records, batches, fund_entries
    row_id   INTEGER NOT NULL,
    digest   BLOB                -- 16 bytes of SHA-256 over the record's fields; NULL: the record was deleted
);
CREATE INDEX row_states_row ON row_states(tbl, row_id);
