-- Version 4: verification (核查) — SMS notices, phone spot checks, home visits, satisfaction,
-- the problems they find, and the batch checklist's manual marks.

-- SMS templates an office edited; the defaults are in resources/verification/sms_templates.json.
CREATE TABLE sms_templates (
    activity   TEXT PRIMARY KEY,                       -- 活动类型
    template   TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- When a line's 短信通知 status was last set, and why sending failed.
ALTER TABLE aid_records ADD COLUMN sms_at TEXT;
ALTER TABLE aid_records ADD COLUMN sms_error TEXT NOT NULL DEFAULT '';

-- Headers of other programs' files (an SMS platform's delivery report, an old ledger) mapped to
-- our fields once by the user, remembered for the next file of the same kind.
CREATE TABLE column_mappings (
    kind   TEXT NOT NULL,                              -- e.g. 短信回执
    header TEXT NOT NULL,                              -- the header as that file writes it
    field  TEXT NOT NULL,                              -- our field it holds
    PRIMARY KEY (kind, header)
);

-- A random draw (电话抽查 of a batch's lines, 入户走访 of a year's archives), reproducible from its seed.
CREATE TABLE draws (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('电话抽查', '入户走访')),
    batch_id   INTEGER REFERENCES batches(id),         -- 电话抽查 only
    year       INTEGER NOT NULL,
    seed       TEXT NOT NULL,
    method     TEXT NOT NULL CHECK (method IN ('比例', '人数')),
    amount     TEXT NOT NULL,                          -- the share (0.10) or the count asked for
    population INTEGER NOT NULL,
    size       INTEGER NOT NULL,
    strata     TEXT NOT NULL,                          -- JSON: unit code → [population, drawn]
    drawn_by   TEXT NOT NULL,
    drawn_at   TEXT NOT NULL
);
CREATE INDEX draws_batch ON draws(batch_id);
CREATE INDEX draws_year ON draws(kind, year);

-- What a draw picked, in the order drawn.
CREATE TABLE draw_items (
    draw_id       INTEGER NOT NULL REFERENCES draws(id),
    position      INTEGER NOT NULL,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    aid_record_id INTEGER REFERENCES aid_records(id),  -- 电话抽查: the line called about
    unit_code     TEXT NOT NULL,
    PRIMARY KEY (draw_id, position)
);
CREATE INDEX draw_items_record ON draw_items(aid_record_id);
CREATE INDEX draw_items_household ON draw_items(household_id);

-- 电话抽查 call log: every call, including the ones nobody answered.
CREATE TABLE phone_calls (
    id            INTEGER PRIMARY KEY,
    aid_record_id INTEGER NOT NULL REFERENCES aid_records(id),
    draw_id       INTEGER REFERENCES draws(id),
    called_on     TEXT NOT NULL,
    result        TEXT NOT NULL,                       -- code list phone_check (not 未抽查)
    note          TEXT NOT NULL DEFAULT '',
    called_by     TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX phone_calls_record ON phone_calls(aid_record_id, id);

-- 入户走访: one visit to a household, usually one a draw picked.
CREATE TABLE home_visits (
    id           INTEGER PRIMARY KEY,
    household_id INTEGER NOT NULL REFERENCES households(id),
    draw_id      INTEGER REFERENCES draws(id),
    visited_on   TEXT NOT NULL,
    visitors     TEXT NOT NULL,
    outcome      TEXT NOT NULL,                        -- code list visit_outcome
    note         TEXT NOT NULL DEFAULT '',
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX home_visits_household ON home_visits(household_id);
CREATE INDEX home_visits_date ON home_visits(visited_on);

-- 满意度: one answered 意见反馈表, about a batch's aid or the year's work in general.
CREATE TABLE feedback (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    batch_id      INTEGER REFERENCES batches(id),
    answered_on   TEXT NOT NULL,
    answer        TEXT NOT NULL,                       -- code list satisfaction
    comment       TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX feedback_batch ON feedback(batch_id);
CREATE INDEX feedback_date ON feedback(answered_on);

-- A finding that must be followed up (金额不符, 本人未收到, …): open until resolved with a reason.
CREATE TABLE problems (
    id            INTEGER PRIMARY KEY,
    source        TEXT NOT NULL,                       -- code list verification_method
    batch_id      INTEGER REFERENCES batches(id),
    aid_record_id INTEGER REFERENCES aid_records(id),
    household_id  INTEGER REFERENCES households(id),
    kind          TEXT NOT NULL,                       -- e.g. the call result that opened it
    description   TEXT NOT NULL,
    opened_on     TEXT NOT NULL,
    opened_by     TEXT NOT NULL,
    resolved_on   TEXT,
    resolved_by   TEXT,
    resolution    TEXT NOT NULL DEFAULT '',
    CHECK ((resolved_on IS NULL) = (resolved_by IS NULL))
);
CREATE INDEX problems_open ON problems(resolved_on, batch_id);
CREATE INDEX problems_record ON problems(aid_record_id);

-- The batch checklist's manual marks: 已录入全国系统 (a tick with date and who) and an approver's 豁免.
CREATE TABLE batch_check_marks (
    batch_id  INTEGER NOT NULL REFERENCES batches(id),
    item      TEXT NOT NULL,                           -- checklist item key
    mark      TEXT NOT NULL CHECK (mark IN ('已完成', '豁免')),
    marked_on TEXT NOT NULL,
    marked_by TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT '',                -- the waiver's reason
    PRIMARY KEY (batch_id, item, mark)
);
