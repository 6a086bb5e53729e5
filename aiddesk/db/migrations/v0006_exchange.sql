-- Version 6: the exchange workbooks imported (EXCHANGE.md): which unit's year came from which file.

-- One row per imported workbook. A sub-unit's year imported here means its own records count in
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
