-- Version 3: the fund ledger (资金收支), budgets (预算), aid plans (计划), sub-units' use (下级单位使用),
-- fund sources an office adds, and an index for the annual fund report.

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
