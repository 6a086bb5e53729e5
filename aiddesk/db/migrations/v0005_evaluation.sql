-- Version 5: the performance self-evaluation (绩效自评): templates an office copied and edited, the
-- year's manual scores with their evidence, rows marked not applicable, and evidence files.

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
