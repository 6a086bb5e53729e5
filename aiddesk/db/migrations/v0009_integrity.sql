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
