-- Version 2: aid batches (帮扶批次), aid records (帮扶明细), objections, user-entered calendar days.

-- Days the user enters for years the bundled holiday calendar does not know yet.
CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('休息日', '工作日')),
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE batches (
    id                  INTEGER PRIMARY KEY,
    code                TEXT NOT NULL UNIQUE,          -- 批次编号
    name                TEXT NOT NULL,
    activity            TEXT NOT NULL,                 -- 活动类型
    year                INTEGER NOT NULL,
    unit_code           TEXT NOT NULL REFERENCES units(code),
    fund_sources        TEXT NOT NULL DEFAULT '',      -- '、'-joined
    standard_fen        INTEGER,                       -- 发放标准 per household
    plan_text           TEXT NOT NULL DEFAULT '',      -- 活动方案 of collective aid (送温暖)
    plan_approval_kind  TEXT NOT NULL DEFAULT '',      -- 主席办公会 / 领导审批
    plan_approved_by    TEXT NOT NULL DEFAULT '',
    plan_approved_on    TEXT,
    status              TEXT NOT NULL DEFAULT '草稿',
    clerk               TEXT NOT NULL,                 -- 经办人
    reviewer            TEXT,                          -- 审核人
    approver            TEXT,                          -- 审批人
    notice_start        TEXT,
    notice_days         INTEGER,
    notice_end          TEXT,
    notice_phone        TEXT NOT NULL DEFAULT '',      -- 异议电话
    second_notice_start TEXT,
    second_notice_days  INTEGER,
    second_notice_end   TEXT,
    approved_on         TEXT,
    approval_doc_no     TEXT NOT NULL DEFAULT '',      -- 审批文号
    paid_on             TEXT,
    void_reason         TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX batches_year ON batches(year, activity);

-- 金秋助学 standards per 学历层次 and 新生/在校生.
CREATE TABLE batch_standards (
    batch_id        INTEGER NOT NULL REFERENCES batches(id),
    education_level TEXT NOT NULL,
    student_kind    TEXT NOT NULL,
    amount_fen      INTEGER NOT NULL CHECK (amount_fen > 0),
    PRIMARY KEY (batch_id, education_level, student_kind)
);

-- Every workflow step of a batch: who, when, from what to what, why.
CREATE TABLE batch_transitions (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    from_status TEXT NOT NULL,
    to_status   TEXT NOT NULL,
    user        TEXT NOT NULL,
    via         TEXT NOT NULL,
    at          TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX batch_transitions_batch ON batch_transitions(batch_id, id);

-- 帮扶明细: one payment to one person (人次).
CREATE TABLE aid_records (
    id                  INTEGER PRIMARY KEY,
    record_no           TEXT NOT NULL UNIQUE,          -- 明细编号
    batch_id            INTEGER NOT NULL REFERENCES batches(id),
    household_id        INTEGER NOT NULL REFERENCES households(id),
    recipient_name      TEXT NOT NULL,
    recipient_id_number TEXT NOT NULL,
    aid_category        TEXT NOT NULL,                 -- 救助类别
    fund_source         TEXT NOT NULL,
    amount_fen          INTEGER NOT NULL CHECK (amount_fen > 0),
    payment_method      TEXT NOT NULL DEFAULT '会员服务卡',
    bank_card           TEXT NOT NULL DEFAULT '',
    application_date    TEXT,                          -- individual applications (临时/医疗救助)
    paid_on             TEXT,
    sms_status          TEXT NOT NULL DEFAULT '未发送',
    phone_check         TEXT NOT NULL DEFAULT '未抽查',
    student_name        TEXT NOT NULL DEFAULT '',      -- 金秋助学 …
    student_id_number   TEXT NOT NULL DEFAULT '',
    school              TEXT NOT NULL DEFAULT '',
    major               TEXT NOT NULL DEFAULT '',
    education_level     TEXT NOT NULL DEFAULT '',
    enrollment_year     INTEGER,
    student_kind        TEXT NOT NULL DEFAULT '',
    hospital            TEXT NOT NULL DEFAULT '',      -- 医疗救助 …
    diagnosis           TEXT NOT NULL DEFAULT '',
    total_cost_fen      INTEGER,
    reimbursed_fen      INTEGER,
    self_paid_fen       INTEGER,
    override_problems   TEXT NOT NULL DEFAULT '',      -- checks an approver overrode …
    override_reason     TEXT NOT NULL DEFAULT '',      -- … with this written reason
    override_by         TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT '有效' CHECK (state IN ('有效', '已移除')),
    removed_reason      TEXT NOT NULL DEFAULT '',      -- e.g. after an objection (异议)
    corrects_id         INTEGER REFERENCES aid_records(id),  -- a correction after approval is a new line
    correction_reason   TEXT NOT NULL DEFAULT '',
    note                TEXT NOT NULL DEFAULT '',
    created_by          TEXT NOT NULL,
    created_at          TEXT NOT NULL
);
CREATE INDEX aid_records_batch ON aid_records(batch_id, id);
CREATE INDEX aid_records_household ON aid_records(household_id, aid_category);
CREATE INDEX aid_records_student ON aid_records(student_id_number);

-- Bills, certificates, admission notices, signed cash lists.
CREATE TABLE aid_attachments (
    id            INTEGER PRIMARY KEY,
    aid_record_id INTEGER REFERENCES aid_records(id),
    batch_id      INTEGER NOT NULL REFERENCES batches(id),
    kind          TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_name   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL
);
CREATE INDEX aid_attachments_record ON aid_attachments(aid_record_id);

-- Objections (异议) received during a public notice, and what came of them.
CREATE TABLE objections (
    id            INTEGER PRIMARY KEY,
    batch_id      INTEGER NOT NULL REFERENCES batches(id),
    aid_record_id INTEGER REFERENCES aid_records(id),
    notice        TEXT NOT NULL DEFAULT '公示' CHECK (notice IN ('公示', '再公示')),
    received_on   TEXT NOT NULL,
    content       TEXT NOT NULL,
    outcome       TEXT NOT NULL DEFAULT '',
    outcome_note  TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL,
    recorded_at   TEXT NOT NULL
);
CREATE INDEX objections_batch ON objections(batch_id);
