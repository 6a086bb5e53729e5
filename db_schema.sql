-- The schema of a new AidDesk database, at the current version.
-- Older databases are upgraded by aiddesk/db/migrations; keep the two in step.
PRAGMA application_id = 1095320644;  -- 0x41494444 'AIDD': tells our files from other SQLite files
PRAGMA user_version = 10;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES units(code),
    level       TEXT NOT NULL CHECK (level IN ('省级', '地市级', '县级', '基层')),
    is_own      INTEGER NOT NULL DEFAULT 0 CHECK (is_own IN (0, 1))
);
CREATE UNIQUE INDEX units_one_own ON units(is_own) WHERE is_own = 1;
CREATE INDEX units_parent ON units(parent_code);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,          -- '、'-joined role names (管理员、经办人 …)
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,  -- version 7: wrong passwords in a row
    locked_until  TEXT                         -- version 7: ISO time the lockout ends; NULL when not locked
);

-- Local 低保 lines (元/月, stored in 分) per area code and year.
CREATE TABLE dibao_lines (
    area_code TEXT NOT NULL,
    year      INTEGER NOT NULL,
    line_fen  INTEGER NOT NULL CHECK (line_fen > 0),
    PRIMARY KEY (area_code, year)
);

-- 困难职工档案: one row per household (一户一档).
CREATE TABLE households (
    id                      INTEGER PRIMARY KEY,
    archive_no              TEXT NOT NULL UNIQUE,
    unit_code               TEXT NOT NULL REFERENCES units(code),
    name                    TEXT NOT NULL,
    name_initials           TEXT NOT NULL,   -- pinyin initials for search: 张三 → zs
    name_pinyin             TEXT NOT NULL,   -- full pinyin: zhangsan
    id_number               TEXT NOT NULL,
    gender                  TEXT,
    birth_date              TEXT,
    ethnicity               TEXT,
    political_status        TEXT,
    health                  TEXT,
    disability              TEXT,
    work_status             TEXT,
    is_migrant_worker       INTEGER NOT NULL DEFAULT 0 CHECK (is_migrant_worker IN (0, 1)),
    phone                   TEXT,
    employer                TEXT,
    employer_type           TEXT,
    hukou_type              TEXT,
    marital_status          TEXT,
    housing_type            TEXT,
    address                 TEXT,
    hukou_area_code         TEXT,
    monthly_income_fen      INTEGER NOT NULL DEFAULT 0,
    other_annual_income_fen INTEGER NOT NULL DEFAULT 0,
    rigid_expenses_fen      INTEGER NOT NULL DEFAULT 0,  -- declared rigid expenses per year
    hardship_costs_fen      INTEGER NOT NULL DEFAULT 0,  -- this year's hardship costs (意外致困)
    annual_income_fen       INTEGER NOT NULL DEFAULT 0,  -- 家庭年总收入, computed on save
    household_size          INTEGER NOT NULL DEFAULT 1 CHECK (household_size >= 1),
    per_capita_income_fen   INTEGER NOT NULL DEFAULT 0,  -- 家庭月人均收入, computed on save
    dibao_line_fen          INTEGER,                     -- line in force when saved
    rule_set                TEXT,
    hardship_category       TEXT NOT NULL,
    main_cause              TEXT,
    secondary_causes        TEXT NOT NULL DEFAULT '',    -- up to three, '、'-joined
    bank_name               TEXT,
    bank_card               TEXT,
    archive_status          TEXT NOT NULL CHECK (archive_status IN ('在档', '临时', '脱困', '注销')),
    created_date            TEXT NOT NULL,               -- 建档日期
    exit_date               TEXT,
    exit_reason             TEXT,                        -- 脱困 / 退休 / 死亡 / 不符合条件 / 其他
    exit_note               TEXT,
    created_by              TEXT,                        -- 建档人
    reviewed_by             TEXT,                        -- 审核人
    union_opinion           TEXT,                        -- 工会意见
    note                    TEXT,
    missing_docs            TEXT NOT NULL DEFAULT '',    -- required proofs not yet attached ('、'-joined)
    updated_at              TEXT NOT NULL
);
CREATE INDEX households_status ON households(archive_status, name_pinyin);
CREATE INDEX households_unit ON households(unit_code);
CREATE INDEX households_id_number ON households(id_number);
CREATE INDEX households_pinyin ON households(name_pinyin);
CREATE INDEX households_updated ON households(updated_at);
-- Sortable list columns get an index, so a sorted page walks the index instead of sorting the archive.
CREATE INDEX households_per_capita ON households(per_capita_income_fen);
CREATE INDEX households_category ON households(hardship_category);
CREATE INDEX households_created ON households(created_date);
CREATE INDEX households_cause ON households(main_cause);
CREATE INDEX households_phone ON households(phone);          -- 同号提醒 on save
CREATE INDEX households_bank_card ON households(bank_card);  -- 同卡提醒 on save
-- Covers every list filter but the search box's text (which has indexes of its own, below): counting reads
-- this narrow index instead of the wide rows (see aiddesk/db/household_list.py).
CREATE INDEX households_search ON households(
    archive_status, unit_code, hardship_category, main_cause, is_migrant_worker, updated_at, secondary_causes,
    missing_docs);
-- [search] The search box reads ranges on these (aiddesk/db/household_list.py), never the whole archive.
-- The name and pinyin ones carry the status, so counting many matches (王: a tenth of an archive) reads no row.
-- Expressions use SQLite's own functions only, so any sqlite3 shell reads the file and SQLite keeps every key
-- for every writer; a query finds an index only with its expression written exactly so (db/search_keys.py).
-- A name's start (王…) and its given name's (…小单):
CREATE INDEX households_name ON households(name, archive_status);
CREATE INDEX households_given_name ON households(substr(name, 2), archive_status);
-- Pinyin: each reading in name_initials / name_pinyin follows a space; the first reading is a range on the column
-- (households_status has name_pinyin), the next ones on these, over the names that have them:
CREATE INDEX households_initials ON households(name_initials, archive_status);
CREATE INDEX households_initials_2 ON households(
    substr(substr(name_initials, 2), instr(substr(name_initials, 2), ' ') + 1),
    archive_status)
    WHERE instr(substr(name_initials, 2), ' ') > 0;
CREATE INDEX households_initials_3 ON households(
    substr(substr(substr(name_initials, 2), instr(substr(name_initials, 2), ' ') + 1), instr(substr(substr(name_initials, 2), instr(substr(name_initials, 2), ' ') + 1), ' ') + 1),
    archive_status)
    WHERE instr(substr(substr(name_initials, 2), instr(substr(name_initials, 2), ' ') + 1), ' ') > 0;
CREATE INDEX households_pinyin_2 ON households(
    substr(substr(name_pinyin, 2), instr(substr(name_pinyin, 2), ' ') + 1),
    archive_status)
    WHERE instr(substr(name_pinyin, 2), ' ') > 0;
CREATE INDEX households_pinyin_3 ON households(
    substr(substr(substr(name_pinyin, 2), instr(substr(name_pinyin, 2), ' ') + 1), instr(substr(substr(name_pinyin, 2), instr(substr(name_pinyin, 2), ' ') + 1), ' ') + 1),
    archive_status)
    WHERE instr(substr(substr(name_pinyin, 2), instr(substr(name_pinyin, 2), ' ') + 1), ' ') > 0;
-- The last 8 characters of the ID and phone numbers, last first: a typed tail (0031) is the start of these.
CREATE INDEX households_id_tail ON households(
    upper(substr(id_number, -1, 1)) || substr(id_number, -2, 1) || substr(id_number, -3, 1) || substr(id_number, -4, 1)
    || substr(id_number, -5, 1) || substr(id_number, -6, 1) || substr(id_number, -7, 1) || substr(id_number, -8, 1),
    archive_status);
CREATE INDEX households_phone_tail ON households(
    substr(phone, -1, 1) || substr(phone, -2, 1) || substr(phone, -3, 1) || substr(phone, -4, 1)
    || substr(phone, -5, 1) || substr(phone, -6, 1) || substr(phone, -7, 1) || substr(phone, -8, 1),
    archive_status);
-- A 档案编号's start in any letter case (hn0100 finds HN0100-…; an older version kept some as typed):
CREATE INDEX households_archive_no ON households(archive_no COLLATE NOCASE, archive_status);

CREATE TABLE members (
    id                 INTEGER PRIMARY KEY,
    household_id       INTEGER NOT NULL REFERENCES households(id),
    seq                INTEGER NOT NULL,
    name               TEXT NOT NULL,
    relation           TEXT NOT NULL,
    id_number          TEXT,
    gender             TEXT,
    birth_date         TEXT,
    health             TEXT,
    identity           TEXT,
    monthly_income_fen INTEGER NOT NULL DEFAULT 0,
    employer_or_school TEXT,
    -- [relations] 关系 as the book or clerk wrote it (妻子, 儿子 …) where it differs from the standard name in
    -- relation (GB/T 4761-2008, core/relations.py); NULL when it was the standard name. Part of the digest.
    relation_as_written TEXT,
    UNIQUE (household_id, seq)
);
CREATE INDEX members_household ON members(household_id);
CREATE INDEX members_id_number ON members(id_number);
-- [search] a family member's ID number or its tail finds the household (as households_id_tail)
CREATE INDEX members_id_tail ON members(
    upper(substr(id_number, -1, 1)) || substr(id_number, -2, 1) || substr(id_number, -3, 1) || substr(id_number, -4, 1)
    || substr(id_number, -5, 1) || substr(id_number, -6, 1) || substr(id_number, -7, 1) || substr(id_number, -8, 1),
    household_id);

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY,
    household_id  INTEGER NOT NULL REFERENCES households(id),
    kind          TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_name   TEXT NOT NULL,      -- relative to the attachment folder beside the database
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL
);
CREATE INDEX attachments_household ON attachments(household_id);

-- Every insert, update and status change of archive data: who, when, what, old → new. "at" is when it was
-- recorded (the clock); effective_date, where the action has one, the business date it takes effect (part of
-- the hash when present).
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    user         TEXT NOT NULL,
    via          TEXT NOT NULL,       -- 界面 / 命令行
    table_name   TEXT NOT NULL,
    row_key      TEXT NOT NULL,
    action       TEXT NOT NULL,       -- insert / update / status
    old_values   TEXT,                -- JSON
    new_values   TEXT,                -- JSON
    household_id INTEGER,
    prev_hash    TEXT NOT NULL DEFAULT '',  -- version 7: the previous entry's hash ('' for the first)
    hash         TEXT NOT NULL DEFAULT '',  -- version 7: SHA-256 over this entry's fields and prev_hash
    effective_date TEXT                     -- version 8: the business date it takes effect (退出日期, 审批日期 …)
);
CREATE INDEX audit_household ON audit_log(household_id, id);

-- Version 8: each archive's statuses one after another: the status held from valid_from up to (not including)
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

-- ---- version 2: aid batches (帮扶批次) and aid records (帮扶明细) ----------------

-- Days the user enters for years the bundled holiday calendar does not know yet.
CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('休息日', '工作日')),
    note TEXT NOT NULL DEFAULT ''
);

-- Version 8: years whose 放假 and 调休 days the office has entered whole from the State Council's notice
-- (已按国务院办公厅通知录入全年): only then does a hand-entered year count as known.
CREATE TABLE calendar_years (
    year         INTEGER PRIMARY KEY,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL
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
    created_at          TEXT NOT NULL,
    sms_at              TEXT,                          -- when 短信通知 was last set
    sms_error           TEXT NOT NULL DEFAULT ''       -- why sending failed
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

-- 资金来源 an office added to the default list in resources/codes/code_lists.json.
CREATE TABLE fund_sources (
    name     TEXT PRIMARY KEY,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL
);

-- 资金收支: one row per ledger entry. Never changed after saving: a mistake is
-- corrected by a reversing entry (same kind and source, the negated amount).
CREATE TABLE fund_entries (
    id               INTEGER PRIMARY KEY,
    entry_no         TEXT NOT NULL UNIQUE,                -- 流水号
    unit_code        TEXT NOT NULL REFERENCES units(code), -- whose ledger
    year             INTEGER NOT NULL,                    -- the year of entry_date
    entry_date       TEXT NOT NULL,
    fund_source      TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('上年结转', '到账', '下拨下级', '直拨下级', '调出')),
    amount_fen       INTEGER NOT NULL CHECK (amount_fen <> 0),  -- negative only on a reversal
    counterpart_code TEXT REFERENCES units(code),         -- 对方单位 (required for 下拨下级 / 直拨下级)
    doc_no           TEXT NOT NULL DEFAULT '',            -- 文号, e.g. 琼工发〔2015〕29号
    memo             TEXT NOT NULL DEFAULT '',            -- 摘要
    reverses_id      INTEGER UNIQUE REFERENCES fund_entries(id),  -- this entry reverses that one
    reason           TEXT NOT NULL DEFAULT '',            -- why it was reversed
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    CHECK ((amount_fen > 0) = (reverses_id IS NULL))
);
CREATE INDEX fund_entries_year ON fund_entries(unit_code, year, fund_source, kind, amount_fen);
-- The office's own ledger is append-only, whatever program writes to the file. (An imported
-- sub-unit's ledger may be replaced by a newer export of it.)
CREATE TRIGGER fund_entries_never_change BEFORE UPDATE ON fund_entries
BEGIN
    SELECT RAISE(ABORT, '资金收支分录保存后不能修改；登记错误请用冲销更正');
END;
CREATE TRIGGER fund_entries_own_never_deleted BEFORE DELETE ON fund_entries
WHEN OLD.unit_code IN (SELECT code FROM units WHERE is_own = 1)
BEGIN
    SELECT RAISE(ABORT, '本单位的资金收支分录不能删除；登记错误请用冲销更正');
END;
CREATE INDEX fund_entries_counterpart ON fund_entries(counterpart_code, year);

-- 预算: planned funds per unit, year and source.
CREATE TABLE fund_budgets (
    unit_code   TEXT NOT NULL REFERENCES units(code),
    year        INTEGER NOT NULL,
    fund_source TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen >= 0),
    PRIMARY KEY (unit_code, year, fund_source)
);

-- 计划: planned 人次 and amount per unit, year and 救助类别.
CREATE TABLE aid_plans (
    unit_code     TEXT NOT NULL REFERENCES units(code),
    year          INTEGER NOT NULL,
    aid_category  TEXT NOT NULL,
    planned_count INTEGER NOT NULL CHECK (planned_count >= 0),
    planned_fen   INTEGER CHECK (planned_fen >= 0),
    PRIMARY KEY (unit_code, year, aid_category)
);

-- 下级单位使用: what a sub-unit that keeps its own records reports it spent from its allocation.
CREATE TABLE subunit_usage (
    unit_code    TEXT NOT NULL REFERENCES units(code),
    year         INTEGER NOT NULL,
    fund_source  TEXT NOT NULL,
    aid_category TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    count        INTEGER NOT NULL CHECK (count >= 0),     -- 人次
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unit_code, year, fund_source, aid_category)
);

-- The annual fund report sums paid aid by year, batch, source and category from this index alone,
-- in its order (no sorting): 1 000 000 records in about 0.5 s (benchmarks/bench_fund_report.py).
CREATE INDEX aid_records_paid ON aid_records(substr(paid_on, 1, 4), batch_id, fund_source, aid_category, amount_fen)
    WHERE state = '有效' AND paid_on IS NOT NULL;

-- SMS templates an office edited; the defaults are in resources/verification/sms_templates.json.
CREATE TABLE sms_templates (
    activity   TEXT PRIMARY KEY,                       -- 活动类型
    template   TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

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

-- A template copied from resources/evaluation/ (or from another copy) and edited; its JSON as in those files.
CREATE TABLE evaluation_templates (
    name       TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    based_on   TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A year's entry for one row of a template: a manual score with its evidence, or 不适用.
CREATE TABLE evaluation_scores (
    year           INTEGER NOT NULL,
    template       TEXT NOT NULL,
    row_key        TEXT NOT NULL,                    -- 一级 / 二级 / 三级
    score          TEXT,                             -- exact decimal, NULL when only marked not applicable
    evidence       TEXT NOT NULL DEFAULT '',
    not_applicable INTEGER NOT NULL DEFAULT 0 CHECK (not_applicable IN (0, 1)),
    updated_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (year, template, row_key)
);

-- Files kept as evidence for a manual score.
CREATE TABLE evaluation_attachments (
    id            INTEGER PRIMARY KEY,
    year          INTEGER NOT NULL,
    template      TEXT NOT NULL,
    row_key       TEXT NOT NULL,
    original_name TEXT NOT NULL,
    stored_name   TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    added_at      TEXT NOT NULL,
    added_by      TEXT NOT NULL
);
CREATE INDEX evaluation_attachments_row ON evaluation_attachments(year, template, row_key);

-- the centre's report instead of its 下级单位使用 totals (never both); a newer import of the same
-- unit and year replaces the older one's rows.
CREATE TABLE exchange_imports (
    id             INTEGER PRIMARY KEY,
    unit_code      TEXT NOT NULL REFERENCES units(code),
    year           INTEGER NOT NULL,
    file_name      TEXT NOT NULL,
    checksum       TEXT NOT NULL DEFAULT '',           -- the workbook's 校验码 ('' for a legacy ledger)
    legacy         INTEGER NOT NULL DEFAULT 0 CHECK (legacy IN (0, 1)),  -- no 说明 sheet: an old Excel ledger
    exported_at    TEXT NOT NULL DEFAULT '',           -- 说明 导出时间
    imported_at    TEXT NOT NULL,
    imported_by    TEXT NOT NULL,
    rows           TEXT NOT NULL DEFAULT '{}'          -- JSON: sheet → rows imported
);
CREATE INDEX exchange_imports_unit ON exchange_imports(unit_code, year, id);

-- ---- version 9: an index on every foreign key (deleting or replacing rows never scans a table per row) ----
CREATE INDEX batches_unit ON batches(unit_code);
CREATE INDEX aid_records_corrects ON aid_records(corrects_id);
CREATE INDEX aid_attachments_batch ON aid_attachments(batch_id);
CREATE INDEX objections_record ON objections(aid_record_id);
CREATE INDEX phone_calls_draw ON phone_calls(draw_id);
CREATE INDEX home_visits_draw ON home_visits(draw_id);
CREATE INDEX feedback_household ON feedback(household_id);
CREATE INDEX problems_household ON problems(household_id);
CREATE INDEX problems_batch ON problems(batch_id);

-- ---- version 9: the digest of each protected record, vouched for by the audit log (aiddesk/db/row_digests.py) ----
-- Each household with its members, aid record, batch and fund ledger entry gets a digest of its fields whenever
-- the program writes it; the audit entry written next vouches for the digests (rows_hash, a chained field).
ALTER TABLE audit_log ADD COLUMN rows_hash TEXT;
CREATE TABLE row_states (
    seq      INTEGER PRIMARY KEY,
    entry_id INTEGER NOT NULL,   -- the audit entry that vouches for it: the next one after it was appended
    tbl      TEXT NOT NULL,      -- households (members included), aid_records, batches, fund_entries
    row_id   INTEGER NOT NULL,
    digest   BLOB                -- 16 bytes of SHA-256 over the record's fields; NULL: the record was deleted
);
CREATE INDEX row_states_row ON row_states(tbl, row_id);

-- ---- version 10: the centre's conclusions on cross-unit duplicates (跨单位重复; services/duplicates.py) ----
-- Keyed by what identifies the case across re-imports (a replacement import gives the rows new ids): its kind,
-- the 身份证号, the units involved and, for 重复救助, the 救助类别 and year. A conclusion whose case is gone is
-- kept, and applies again if the case returns.
CREATE TABLE duplicate_conclusions (
    id           INTEGER PRIMARY KEY,
    case_kind    TEXT NOT NULL CHECK (case_kind IN ('在档重复', '重复救助')),
    id_number    TEXT NOT NULL,
    units        TEXT NOT NULL,               -- the units' codes, sorted, as a JSON array
    aid_category TEXT NOT NULL DEFAULT '',    -- 重复救助: the 救助类别 ('' for 在档重复)
    year         INTEGER NOT NULL DEFAULT 0,  -- 重复救助: the year paid (0 for 在档重复, which no year bounds)
    conclusion   TEXT NOT NULL,               -- a kind of resources/codes/duplicate_conclusions.json
    unit_code    TEXT NOT NULL DEFAULT '',    -- the unit whose archive is kept, where the kind asks for it
    side         TEXT NOT NULL DEFAULT '',    -- the unit whose entry is wrong, where the kind asks for it
    note         TEXT NOT NULL DEFAULT '',
    concluded_by TEXT NOT NULL,
    concluded_at TEXT NOT NULL,
    UNIQUE (case_kind, id_number, units, aid_category, year)
);
