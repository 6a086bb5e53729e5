-- Version 8: one clock. The business date an audited action takes effect; each archive's status history
-- as periods (filled from the audit log by a Python step); the years of holidays an office has entered whole.

-- The business date the action takes effect (退出日期, 审批日期, 发放日期 …), where it has one; "at" stays
-- the time it was recorded. Part of the entry's hash when present.
ALTER TABLE audit_log ADD COLUMN effective_date TEXT;

-- Each archive's statuses one after another: the status held from valid_from up to (not including)
-- valid_to; the open period (valid_to NULL) is the present one. Written by every status change; a mistaken
-- change undone (撤销误操作) takes its period away, the audit log keeps both.
CREATE TABLE archive_status_periods (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    status       TEXT NOT NULL CHECK (status IN ('临时', '在档', '脱困', '注销')),
    valid_from   TEXT NOT NULL,                -- the business date it took effect: 建档日期, 退出日期, 重新启用日期
    valid_to     TEXT,                         -- the next period's valid_from; NULL: the present status
    reason       TEXT NOT NULL DEFAULT '',     -- 脱困/注销原因, or why the archive was opened again
    note         TEXT NOT NULL DEFAULT '',
    recorded_at  TEXT,                         -- when it was entered (the clock); NULL: not known
    recorded_by  TEXT NOT NULL DEFAULT '',
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX archive_status_periods_household ON archive_status_periods(household_id, valid_from);
CREATE INDEX archive_status_periods_status ON archive_status_periods(status, valid_from, valid_to);

-- Years whose 放假 and 调休 days the office has entered whole from the State Council's notice
-- (已按国务院办公厅通知录入全年): only then does a hand-entered year count as known.
CREATE TABLE calendar_years (
    year         INTEGER PRIMARY KEY,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
);
