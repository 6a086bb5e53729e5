-- Version 10: the centre's year (issue 17). Each part below keeps to its own section.

-- [duplicates] conclusions on cross-unit duplicates
-- The centre's conclusion on a cross-unit duplicate (跨单位重复), keyed by what identifies the case across
-- re-imports (a replacement import gives the rows new ids): its kind, the 身份证号, the units involved and, for
-- 重复救助, the 救助类别 and year. A conclusion whose case is gone is kept, and applies again if the case returns.
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

-- [search] keys for looking up ID and phone numbers and their tails
-- households_text (every search text behind the status) was read whole for each search: ranges on the
-- indexes below replace it (db_schema.sql has the same, next to the tables).
DROP INDEX IF EXISTS households_text;
-- households_search covered the search texts too; they have indexes of their own now, and its filters are read
-- faster from a narrow one (a count of 80 000 matches walks 80 000 entries: their width is the time).
DROP INDEX IF EXISTS households_search;
CREATE INDEX households_search ON households(
    archive_status, unit_code, hardship_category, main_cause, is_migrant_worker, updated_at, secondary_causes,
    missing_docs);
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
-- a family member's ID number or its tail finds the household (as households_id_tail)
CREATE INDEX members_id_tail ON members(
    upper(substr(id_number, -1, 1)) || substr(id_number, -2, 1) || substr(id_number, -3, 1) || substr(id_number, -4, 1)
    || substr(id_number, -5, 1) || substr(id_number, -6, 1) || substr(id_number, -7, 1) || substr(id_number, -8, 1),
    household_id);

-- [relations] 家庭成员 关系 as written in the book, beside the standard name
ALTER TABLE members ADD COLUMN relation_as_written TEXT;
