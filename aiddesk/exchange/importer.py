"""Writing a checked exchange workbook (validate.Checked) into the database: one transaction, keyed upserts.

Re-importing the same workbook changes nothing (a row equal to the stored one is not touched). A newer
export of a sub-unit for the same year replaces that unit's year: its year-bound rows (fund ledger,
budgets, plans, batches with their aid records, its sub-units' reported use) that the newer workbook
no longer has are deleted. Households are not year-bound: they are upserted, never deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from operator import itemgetter

from ..core.errors import UserError
from ..core.idcard import birth_and_gender
from ..core.pinyin import pinyin_keys
from ..core.relations import relation_of
from ..db import audit, import_checks, row_digests, status_history, units
from ..db.audit import Actor
from ..db.connection import plain_cursor
from ..db.page_cache import larger_page_cache
from ..gc_pause import gc_paused
from ..reports.common import Cancelled
from . import format as fmt
from .validate import Checked, Issue, Refused, RelationWord, Row, fund_entry_values

CHUNK = 2000  # rows built before they are written: the big sheets' rows never wait all at once in memory
Progress = Callable[[str, int, int], object]  # sheet, rows done, rows in all → False to cancel

_HOUSEHOLD_COLUMNS = (
    "archive_no", "unit_code", "name", "name_initials", "name_pinyin", "id_number", "gender", "birth_date",
    "ethnicity", "political_status", "health", "disability", "work_status", "is_migrant_worker", "phone",
    "employer", "employer_type", "hukou_type", "marital_status", "housing_type", "address", "hukou_area_code",
    "monthly_income_fen", "other_annual_income_fen", "annual_income_fen", "household_size",
    "per_capita_income_fen", "dibao_line_fen", "hardship_category", "main_cause", "secondary_causes",
    "bank_name", "bank_card", "archive_status", "created_date", "exit_date", "exit_reason", "created_by",
    "reviewed_by", "note",
)
_NAME_AT = 1 + _HOUSEHOLD_COLUMNS.index("name")  # in a stored row (id first); name_initials, name_pinyin follow
# The archive columns taken from the sheet as they are: (field, header, whether an empty cell is "").
_HOUSEHOLD_PLAIN = tuple((c.field, c.header, c.kind not in (fmt.DATE, fmt.MONEY, fmt.INT))
                         for c in fmt.HOUSEHOLDS.columns if c.field in _HOUSEHOLD_COLUMNS)
_MEMBER_COLUMNS = ("name", "relation", "id_number", "gender", "birth_date", "health", "identity",
                   "monthly_income_fen", "employer_or_school", "relation_as_written")
_ENTRY_COLUMNS = import_checks.ENTRY_COLUMNS  # as validate.fund_entry_values gives them (the check compares the same)
_BATCH_COLUMNS = ("name", "activity", "year", "unit_code", "standard_fen", "notice_start", "notice_end",
                  "approved_on", "approval_doc_no", "paid_on", "status")
_RECORD_COLUMNS = ("batch_id", "household_id", "recipient_name", "recipient_id_number", "aid_category",
                   "fund_source", "amount_fen", "payment_method", "bank_card", "paid_on", "sms_status",
                   "phone_check", "student_name", "student_id_number", "school", "education_level",
                   "enrollment_year", "student_kind", "note")
# Rows that point at an aid record or a batch, removed with it when a newer export drops it.
_RECORD_DEPENDENTS = (("phone_calls", "aid_record_id"), ("draw_items", "aid_record_id"),
                      ("problems", "aid_record_id"), ("aid_attachments", "aid_record_id"),
                      ("objections", "aid_record_id"))
_BATCH_DEPENDENTS = (("batch_transitions", "batch_id"), ("batch_standards", "batch_id"),
                     ("batch_check_marks", "batch_id"), ("feedback", "batch_id"), ("problems", "batch_id"),
                     ("aid_attachments", "batch_id"), ("objections", "batch_id"))


def _s(value: object) -> str:
    return "" if value is None else str(value)


class Importer:
    def __init__(self, conn: sqlite3.Connection, checked: Checked, actor: Actor, *,
                 progress: Progress | None = None):
        self.conn = conn
        self.c = checked
        self.actor = actor
        self.now = conn.clock.stamp()
        self._progress = progress
        self.counts: dict[str, int] = {}
        self.household_ids: dict[str, int] = {}  # archive no → id, batch code → id: as written or looked up
        self.batch_ids: dict[str, int] = {}

    def progress(self, sheet: str, done: int, total: int) -> None:
        """Tell the caller the rows written of the whole workbook (``done`` is within ``sheet``; ``total`` is
        the sheet's and not passed on); the caller's ``False`` cancels and its transaction rolls back."""
        if self._progress is not None and self._progress(sheet, self._base + done, self._total) is False:
            raise Cancelled()

    def _step(self, sheets: tuple[str, ...], write: Callable[[], None]) -> None:
        self.progress(sheets[0], 0, 0)  # a cancel is heard before every sheet, however small the workbook
        write()
        self._base += sum(len(self.c.sheets.get(name, [])) for name in sheets)

    # The caller holds the transaction.
    def run(self) -> dict[str, int]:
        c = self.c
        if not c.ok:
            raise UserError("交换表有错误，没有导入任何内容")
        self.unit = c.unit_code or c.own_unit
        self._total = sum(c.counts().values())
        self._base = 0
        digests = row_digests.ImportDigests(self.conn, self.unit, c.year)  # 完整性检查: see before the audit entry
        self._step((fmt.UNITS.name,), self._units)
        own = self.conn.execute("SELECT code FROM units WHERE is_own = 1").fetchone()[0]
        self.replaces = not c.legacy and self.unit != own
        self.own = own
        self._step((fmt.HOUSEHOLDS.name,), self._households)
        self._step((fmt.MEMBERS.name,), self._members)
        self._step((fmt.FUND_ENTRIES.name,), self._fund_entries)
        self._step((fmt.BUDGETS.name, fmt.PLANS.name), self._budgets_and_plans)
        self._step((fmt.BATCHES.name,), self._batches)
        self._step((fmt.AID_RECORDS.name,), self._aid_records)
        self._step((fmt.SUBUNIT_USAGE.name,), self._usage)
        self._step((fmt.VERIFICATIONS.name,), self._verifications)
        self.progress("", 0, 0)
        self.counts = c.counts()
        self.conn.execute(
            "INSERT INTO exchange_imports (unit_code, year, file_name, checksum, legacy, exported_at, imported_at,"
            " imported_by, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self.unit, c.year, c.path.name, c.checksum, int(c.legacy), c.exported_at, self.now,
             self.actor.username, json.dumps(self.counts, ensure_ascii=False)))
        # 完整性检查: the digests of the records written above, vouched for by the entry below
        digests.note(households=self.household_ids.values(), batches=self.batch_ids.values())
        audit.record(self.conn, self.actor, table="exchange_imports", key=f"{self.unit}:{c.year}", action="insert",
                     new={"文件": c.path.name, "单位": self.unit, "年度": c.year, "旧台账": c.legacy,
                          "行数": self.counts})
        return self.counts

    # -- units
    def _units(self) -> None:
        c, conn = self.c, self.conn
        rows = {r["单位代码"]: r for r in c.sheets.get(fmt.UNITS.name, [])}
        if c.legacy:
            if c.new_own_unit and units.own_unit(conn) is None:
                code, name = c.new_own_unit  # --unit/--unit-name: a new office's first book makes its unit
                units.insert_unit(conn, units.Unit(code, name, "基层", is_own=True))
            return
        new_db = not c.own_unit
        if c.unit_code not in rows:
            rows[c.unit_code] = Row.of(0, {"单位代码": c.unit_code, "单位名称": c.unit_name,
                                        "上级单位代码": c.parent_code or None, "层级": None})
        # The workbook's unit and those below it per the sheet; a new database takes the whole tree.
        children: dict[str, list[str]] = {}
        for code, r in rows.items():
            children.setdefault(r["上级单位代码"] or "", []).append(code)
        wanted: list[str] = []
        if new_db:
            roots = [code for code, r in rows.items() if (r["上级单位代码"] or "") not in rows]
        else:
            roots = [c.unit_code]
        stack = list(reversed(roots))
        while stack:
            code = stack.pop()
            if code in wanted:
                continue
            wanted.append(code)
            stack.extend(reversed(children.get(code, [])))
        existing = {r[0]: r for r in conn.execute("SELECT code, name, parent_code, level, is_own FROM units")}
        for code in wanted:
            r = rows[code]
            parent = r["上级单位代码"] or None
            if parent and parent not in existing and parent not in wanted[:wanted.index(code)]:
                parent = None
            if code in existing and not new_db and (code == c.unit_code or parent is None):
                # Where a unit sits is the receiving office's tree: a sub-office's own unit has no parent in
                # its workbook, and taking that would cut it loose (and refuse its next workbook).
                parent = existing[code][2]
            level = r["层级"] or (existing[code][3] if code in existing else ("省级" if not parent else "基层"))
            name = r["单位名称"] or c.unit_name
            if code in existing:
                if existing[code][4] and not new_db:
                    continue  # the office's own unit is its settings' to change
                if (existing[code][1], existing[code][2], existing[code][3]) != (name, parent, level):
                    conn.execute("UPDATE units SET name = ?, parent_code = ?, level = ? WHERE code = ?",
                                 (name, parent, level, code))
            else:
                conn.execute("INSERT INTO units (code, name, parent_code, level, is_own) VALUES (?, ?, ?, ?, 0)",
                             (code, name, parent, level))
                existing[code] = (code, name, parent, level, 0)
        if new_db:
            conn.execute("UPDATE units SET is_own = 1 WHERE code = ?", (c.unit_code,))

    # -- households and members
    def _households(self) -> None:
        rows = self.c.sheets.get(fmt.HOUSEHOLDS.name, [])
        cols = ", ".join(_HOUSEHOLD_COLUMNS)
        # archive_no → (id, …) of the stored archives this workbook names (a centre's database holds every unit's).
        number = itemgetter(fmt.HOUSEHOLDS.headers.index("档案编号"))
        existing = import_checks.stored_households(self.conn, (number(row.values) for row in rows), _HOUSEHOLD_COLUMNS)
        unit_at = 1 + _HOUSEHOLD_COLUMNS.index("unit_code")
        insert = (f"INSERT INTO households ({cols}, updated_at) VALUES ({', '.join('?' * len(_HOUSEHOLD_COLUMNS))}, ?)")
        update = (f"UPDATE households SET {', '.join(f'{k} = ?' for k in _HOUSEHOLD_COLUMNS)}, updated_at = ?"
                  " WHERE id = ?")
        member_counts: dict[str, int] = {}
        archive_of = itemgetter(fmt.MEMBERS.headers.index("档案编号"))
        for m in self.c.sheets.get(fmt.MEMBERS.name, []):
            no = archive_of(m.values)
            member_counts[no] = member_counts.get(no, 0) + 1
        tree = self._subtree() if existing else set()
        inserts, updates, new = [], [], set()
        status_at = [_HOUSEHOLD_COLUMNS.index(c)
                     for c in ("archive_status", "created_date", "exit_date", "exit_reason")]
        statuses: dict[str, tuple] = {}  # archive no → (status, 建档日期, 退出日期, 退出原因) of the archives to follow
        changed: list[status_history.Imported] = []
        for done, row in enumerate(rows, start=1):
            old = existing.get(row["档案编号"])
            values = self._household_values(row, member_counts, old)
            no = values[0]
            if old is None:
                inserts.append((*values, self.now))
                new.add(no)
                statuses[no] = tuple(values[i] for i in status_at)
                if len(inserts) == CHUNK:
                    self.conn.executemany(insert, inserts)
                    inserts = []
            else:
                if old[unit_at] != values[1] and old[unit_at] not in tree:  # the check finds it first (_clashes)
                    raise Refused([Issue(fmt.HOUSEHOLDS.name, row.number, "档案编号", no,
                                         f"档案编号{no}已是单位{old[unit_at]}的档案，不能由{self.unit}的交换表改写")])
                if old[1:] != values:
                    updates.append((*values, self.now, old[0]))
                    state = tuple(values[i] for i in status_at)
                    if state != tuple(old[1 + i] for i in status_at):
                        changed.append(status_history.Imported(old[0], *state))
                self.household_ids[no] = old[0]
            if done % 2000 == 0:
                self.progress(fmt.HOUSEHOLDS.name, done, len(rows))
        self.conn.executemany(insert, inserts)
        self.conn.executemany(update, updates)
        if new:
            self.household_ids.update(import_checks.household_ids(self.conn, new))
        status_history.follow_import(
            self.conn, [status_history.Imported(self.household_ids[no], *state) for no, state in statuses.items()],
            changed, today=self.conn.clock.today(), recorded_at=self.now, recorded_by=self.actor.username)

    def _subtree(self) -> set[str]:
        if not hasattr(self, "_tree"):
            self._tree = {r[0] for r in self.conn.execute(
                "WITH RECURSIVE t(code) AS (SELECT ? UNION SELECT u.code FROM units u JOIN t ON u.parent_code = t.code)"
                " SELECT code FROM t", (self.unit,))}
        return self._tree

    def _plain(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        return plain_cursor(self.conn).execute(sql, args)

    def _among(self, ids: Iterable[int], sql: str) -> list[tuple]:
        """The rows of ``sql`` whose ``… IN {ids}`` is among ``ids``: one indexed query however many ids, and
        only the rows this workbook touches (a centre's database holds every unit's years)."""
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS x_import_ids (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.x_import_ids")
        self.conn.executemany("INSERT INTO temp.x_import_ids VALUES (?)", [(i,) for i in ids])
        rows = self._plain(sql.format(ids="(SELECT id FROM temp.x_import_ids)")).fetchall()
        self.conn.execute("DELETE FROM temp.x_import_ids")
        return rows

    def _household_values(self, row: Row, member_counts: dict[str, int], old: tuple | None) -> tuple:
        row = row.as_dict()
        if old is not None and old[_NAME_AT] == row["姓名"]:  # the same name: its pinyin as stored (pypinyin is slow)
            initials, pinyin = old[_NAME_AT + 1][1:], old[_NAME_AT + 2][1:]
        else:
            initials, pinyin = pinyin_keys(str(row["姓名"]))
        born, gender = birth_and_gender(row["身份证号"])  # checked: a valid 18-character number
        causes = row["次要致困原因"] or []
        size = row["家庭人口"] or 1 + member_counts.get(row["档案编号"], 0)
        v = {
            "archive_no": row["档案编号"], "unit_code": row["所属单位代码"] or self.unit, "name": row["姓名"],
            "name_initials": f" {initials}", "name_pinyin": f" {pinyin}", "id_number": row["身份证号"],
            "gender": row["性别"] or gender, "birth_date": born.isoformat(),
            "is_migrant_worker": int(bool(row["是否农民工"])),
            "monthly_income_fen": row["本人月收入"] or 0, "other_annual_income_fen": row["家庭其他年收入"] or 0,
            "annual_income_fen": row["家庭年总收入"] or 0, "household_size": max(1, int(size)),
            "per_capita_income_fen": row["家庭月人均收入"] or 0, "dibao_line_fen": row["当地低保标准"],
            "secondary_causes": f"、{'、'.join(causes)}、" if causes else "",
        }
        for field, header, text in _HOUSEHOLD_PLAIN:
            if field not in v:
                value = row[header]
                v[field] = "" if value is None and text else value  # as the archive stores an empty text field
        return tuple(map(v.get, _HOUSEHOLD_COLUMNS))

    def _members(self) -> None:
        rows = self.c.sheets.get(fmt.MEMBERS.name, [])
        by_household: dict[int, list[tuple]] = {}
        self._known_ids(rows)
        fields = itemgetter(*(fmt.MEMBERS.headers.index(h) for h in (
            "档案编号", "姓名", "关系", "身份证号", "性别", "出生日期", "健康状况", "身份", "月收入", "单位或学校")))
        for no, name, relation, idn, gender, birth, health, identity, income, employer in map(
                fields, (row.values for row in rows)):  # by position, text cells str or None, as in _aid_records
            if birth is None and idn:
                birth = birth_and_gender(idn)[0].isoformat()
            written = None
            if isinstance(relation, RelationWord):  # 妻子, 子女 …: the standard name, by sex where the word needs it
                sex = gender or (birth_and_gender(idn)[1] if idn else "")
                found = relation_of(relation.written, gender=sex)
                relation, written = found.name, found.as_written
            by_household.setdefault(self.household_ids[no], []).append(
                (name, relation, idn or "", gender or "", birth, health or "", identity or "", income or 0,
                 employer or "", written))
        # The members these households have now, in one pass (a household's list is replaced only if it differs).
        old: dict[int, list[tuple]] = {}
        for r in self._among(by_household, f"SELECT household_id, {', '.join(_MEMBER_COLUMNS)} FROM members"
                             " WHERE household_id IN {ids} ORDER BY household_id, seq"):
            old.setdefault(r[0], []).append(r[1:])
        for hid, new in by_household.items():  # a book that writes the standard name keeps the word one wrote before
            before = {(m[0], m[2] or "", m[1]): m[-1] for m in old.get(hid, ()) if m[-1]}  # name, ID, relation
            if before:
                new[:] = [m if m[-1] else (*m[:-1], before.get((m[0], m[2], m[1]))) for m in new]
        changed = [hid for hid, new in by_household.items() if old.get(hid, []) != new]
        self.conn.executemany("DELETE FROM members WHERE household_id = ?", [(hid,) for hid in changed if hid in old])
        self.conn.executemany(
            f"INSERT INTO members (household_id, seq, {', '.join(_MEMBER_COLUMNS)})"
            f" VALUES (?, ?, {', '.join('?' * len(_MEMBER_COLUMNS))})",
            [(hid, i, *m) for hid in changed for i, m in enumerate(by_household[hid], start=1)])

    # -- the fund ledger, budgets, plans
    def _fund_entries(self) -> None:
        rows = self.c.sheets.get(fmt.FUND_ENTRIES.name, [])
        cols = ", ".join(_ENTRY_COLUMNS)
        keep = set()
        for row in rows:
            values = fund_entry_values(self.unit, row)
            keep.add(row["流水号"])
            old = self.conn.execute(f"SELECT id, {cols} FROM fund_entries WHERE entry_no = ?",
                                    (row["流水号"],)).fetchone()
            if old is not None:
                if tuple(old[k] for k in _ENTRY_COLUMNS) == values:
                    continue
                if old["unit_code"] == self.own or old["unit_code"] != self.unit:  # found by the check (_clashes)
                    raise Refused([Issue(fmt.FUND_ENTRIES.name, row.number, "流水号", row["流水号"],
                                         f"流水号{row['流水号']}已登记为另一笔分录（单位{old['unit_code']}），"
                                         "保存后的分录不能修改；请核对流水号")])
                self.conn.execute("DELETE FROM fund_entries WHERE id = ?", (old["id"],))
            self.conn.execute(
                f"INSERT INTO fund_entries (entry_no, {cols}, created_by, created_at)"
                f" VALUES (?, {', '.join('?' * len(_ENTRY_COLUMNS))}, ?, ?)",
                (row["流水号"], *values, self.actor.username, self.now))
        if self.replaces:
            stale = [r[0] for r in self.conn.execute(
                "SELECT entry_no FROM fund_entries WHERE unit_code = ? AND year = ?", (self.unit, self.c.year))
                if r[0] not in keep]
            self.conn.executemany("DELETE FROM fund_entries WHERE entry_no = ?", [(n,) for n in stale])

    def _budgets_and_plans(self) -> None:
        conn, unit = self.conn, self.unit
        sheets = self.c.sheets
        budgets = {(r["年度"], r["资金来源"]): r["预算金额"] for r in sheets.get(fmt.BUDGETS.name, [])}
        plans = {(r["年度"], r["救助类别"]): (r["计划人次"], r["计划金额"]) for r in sheets.get(fmt.PLANS.name, [])}
        for (year, source), fen in budgets.items():
            old = conn.execute("SELECT amount_fen FROM fund_budgets WHERE unit_code = ? AND year = ?"
                               " AND fund_source = ?", (unit, year, source)).fetchone()
            if old is None or old[0] != fen:
                conn.execute("INSERT OR REPLACE INTO fund_budgets (unit_code, year, fund_source, amount_fen)"
                             " VALUES (?, ?, ?, ?)", (unit, year, source, fen))
        for (year, category), (count, fen) in plans.items():
            old = conn.execute("SELECT planned_count, planned_fen FROM aid_plans WHERE unit_code = ? AND year = ?"
                               " AND aid_category = ?", (unit, year, category)).fetchone()
            if old is None or tuple(old) != (count, fen):
                conn.execute("INSERT OR REPLACE INTO aid_plans (unit_code, year, aid_category, planned_count,"
                             " planned_fen) VALUES (?, ?, ?, ?, ?)", (unit, year, category, count, fen))
        if self.replaces:
            for year, source in conn.execute("SELECT year, fund_source FROM fund_budgets WHERE unit_code = ?"
                                             " AND year = ?", (unit, self.c.year)).fetchall():
                if (year, source) not in budgets:
                    conn.execute("DELETE FROM fund_budgets WHERE unit_code = ? AND year = ? AND fund_source = ?",
                                 (unit, year, source))
            for year, category in conn.execute("SELECT year, aid_category FROM aid_plans WHERE unit_code = ?"
                                               " AND year = ?", (unit, self.c.year)).fetchall():
                if (year, category) not in plans:
                    conn.execute("DELETE FROM aid_plans WHERE unit_code = ? AND year = ? AND aid_category = ?",
                                 (unit, year, category))

    # -- batches and aid records
    def _batches(self) -> None:
        cols = ", ".join(_BATCH_COLUMNS)
        for row in self.c.sheets.get(fmt.BATCHES.name, []):
            values = (row["批次名称"], row["活动类型"], row["年度"], self.unit, row["发放标准"], row["公示开始日期"],
                      row["公示结束日期"], row["审批日期"], _s(row["审批文号"]), row["发放日期"], row["状态"] or "草稿")
            old = self.conn.execute(f"SELECT id, {cols} FROM batches WHERE code = ?", (row["批次编号"],)).fetchone()
            if old is None:
                cur = self.conn.execute(
                    f"INSERT INTO batches (code, {cols}, clerk, created_at, updated_at)"
                    f" VALUES (?, {', '.join('?' * len(_BATCH_COLUMNS))}, ?, ?, ?)",
                    (row["批次编号"], *values, self.actor.username, self.now, self.now))
                self.batch_ids[row["批次编号"]] = cur.lastrowid
                continue
            if old["unit_code"] != self.unit:  # found by the check (_clashes)
                raise Refused([Issue(fmt.BATCHES.name, row.number, "批次编号", row["批次编号"],
                                     f"批次编号{row['批次编号']}已是单位{old['unit_code']}的批次，"
                                     f"不能由{self.unit}的交换表改写")])
            if tuple(old[k] for k in _BATCH_COLUMNS) != values:
                self.conn.execute(f"UPDATE batches SET {', '.join(f'{k} = ?' for k in _BATCH_COLUMNS)},"
                                  " updated_at = ? WHERE id = ?", (*values, self.now, old["id"]))
            self.batch_ids[row["批次编号"]] = old["id"]

    def _known_ids(self, rows: list[Row]) -> None:
        """Put the ids of the batches and archives ``rows`` name but this workbook does not (the check found them
        in the database) into batch_ids and household_ids, so the loops that follow need no queries."""
        for header, table, key, ids in (("批次编号", "batches", "code", self.batch_ids),
                                          ("档案编号", "households", "archive_no", self.household_ids)):
            wanted = list({row[header] for row in rows} - ids.keys() - {None})
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                ids.update(self.conn.execute(f"SELECT {key}, id FROM {table} WHERE {key} IN"
                                             f" ({', '.join('?' * len(chunk))})", chunk).fetchall())

    def _aid_records(self) -> None:
        rows = self.c.sheets.get(fmt.AID_RECORDS.name, [])
        cols = ", ".join(_RECORD_COLUMNS)
        # The stored lines of the 明细编号 this book has, whatever their unit (a 明细编号 is unique across the
        # database). A book without lines (a newer one that drops them all) has nothing to compare.
        number = itemgetter(fmt.AID_RECORDS.headers.index("明细编号"))
        existing = import_checks.stored_records(self.conn, (number(row.values) for row in rows),
                                          _RECORD_COLUMNS) if rows else {}
        insert = (f"INSERT INTO aid_records (record_no, {cols}, created_by, created_at)"
                  f" VALUES (?, {', '.join('?' * len(_RECORD_COLUMNS))}, ?, ?)")
        update = f"UPDATE aid_records SET {', '.join(f'{k} = ?' for k in _RECORD_COLUMNS)} WHERE id = ?"
        self._known_ids(rows)
        keep = set()
        inserts, updates = [], []
        # By position: this runs for every line of a year. Text cells are str or None once checked.
        fields = itemgetter(*(fmt.AID_RECORDS.headers.index(h) for h in (
            "明细编号", "批次编号", "档案编号", "姓名", "身份证号", "救助类别", "资金来源", "金额", "发放方式",
            "银行卡号", "发放日期", "短信通知", "电话核实", "学生姓名", "学生身份证号", "就读学校", "学历层次",
            "入学年份", "新生或在校生", "备注")))
        batch_ids, household_ids = self.batch_ids, self.household_ids
        for done, (no, batch, archive, name, idn, category, source, amount, method, card, paid, sms, phone,
                   student, student_id, school, level, year, kind, note) in enumerate(
                map(fields, (row.values for row in rows)), start=1):
            values = (batch_ids[batch], household_ids[archive], name, idn, category, source, amount, method,
                      card or "", paid, sms or "未发送", phone or "未抽查", student or "", student_id or "",
                      school or "", level or "", year, kind or "", note or "")
            keep.add(no)
            old = existing.get(no)
            if old is None:
                inserts.append((no, *values, self.actor.username, self.now))
                if len(inserts) == CHUNK:
                    self.conn.executemany(insert, inserts)
                    inserts = []
            elif old[2:] != values:
                updates.append((*values, old[0]))
            if done % 5000 == 0:
                self.progress(fmt.AID_RECORDS.name, done, len(rows))
        self.conn.executemany(insert, inserts)
        self.conn.executemany(update, updates)
        if self.replaces:  # a sub-unit's year: every line and batch of it
            lines, batches = import_checks.replaced_rows(self.conn, unit=self.unit, year=self.c.year)
        elif self.c.book_batches:  # a corrected old ledger: the lines and batches its earlier import brought
            lines, batches = import_checks.replaced_rows(self.conn, batch_codes_like=self.c.book_batches)
        else:
            return
        self._delete([(i,) for i, no in lines if no not in keep], _RECORD_DEPENDENTS, "aid_records")
        batches_kept = {r["批次编号"] for r in self.c.sheets.get(fmt.BATCHES.name, [])}
        stale_batches = [(i,) for i, code in batches if code not in batches_kept]
        if stale_batches:
            records = [(r[0],) for b in stale_batches for r in self.conn.execute(
                "SELECT id FROM aid_records WHERE batch_id = ?", b)]
            self._delete(records, _RECORD_DEPENDENTS, "aid_records")
            self.conn.executemany("DELETE FROM draw_items WHERE draw_id IN (SELECT id FROM draws WHERE batch_id = ?)",
                                  stale_batches)
            self.conn.executemany("DELETE FROM draws WHERE batch_id = ?", stale_batches)
            self._delete(stale_batches, _BATCH_DEPENDENTS, "batches")

    def _delete(self, ids: list[tuple[int]], dependents, table: str) -> None:
        """Delete rows ``ids`` of ``table`` and what points at them: a few set-wise statements over a temporary
        table of the ids, not one statement per row per table (a newer book may drop 100 000 lines)."""
        if not ids:
            return
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS x_delete_ids (id INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM temp.x_delete_ids")
        self.conn.executemany("INSERT OR IGNORE INTO temp.x_delete_ids VALUES (?)", ids)
        for dep_table, column in dependents:
            self.conn.execute(f"DELETE FROM {dep_table} WHERE {column} IN (SELECT id FROM temp.x_delete_ids)")
        self.conn.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM temp.x_delete_ids)")
        self.conn.execute("DELETE FROM temp.x_delete_ids")

    # -- 下级单位使用, 核查记录
    def _usage(self) -> None:
        rows = self.c.sheets.get(fmt.SUBUNIT_USAGE.name, [])
        keep = set()
        for r in rows:
            key = (r["单位代码"], r["年度"], r["资金来源"], r["救助类别"])
            keep.add(key)
            new = (r["金额"], r["人次"], _s(r["备注"]))
            old = self.conn.execute("SELECT amount_fen, count, note FROM subunit_usage WHERE unit_code = ? AND year = ?"
                                    " AND fund_source = ? AND aid_category = ?", key).fetchone()
            if old is None or tuple(old) != new:
                self.conn.execute("INSERT OR REPLACE INTO subunit_usage (unit_code, year, fund_source, aid_category,"
                                  " amount_fen, count, note) VALUES (?, ?, ?, ?, ?, ?, ?)", (*key, *new))
        if self.replaces:
            below = self._subtree() - {self.unit}
            for key in self.conn.execute("SELECT unit_code, year, fund_source, aid_category FROM subunit_usage"
                                         " WHERE year = ?", (self.c.year,)).fetchall():
                if key[0] in below and tuple(key) not in keep:
                    self.conn.execute("DELETE FROM subunit_usage WHERE unit_code = ? AND year = ? AND fund_source = ?"
                                      " AND aid_category = ?", tuple(key))

    def _verifications(self) -> None:
        """电话抽查 → the call log of the household's line in the batch, 入户走访 → home visits,
        满意度调查 → feedback; 短信 is already each line's 短信通知. Rows already there are not added again."""
        conn, by = self.conn, self.actor.username
        rows = self.c.sheets.get(fmt.VERIFICATIONS.name, [])
        self._known_ids(rows)
        fields = itemgetter(*(fmt.VERIFICATIONS.headers.index(h)
                              for h in ("档案编号", "批次编号", "方式", "日期", "结果", "备注", "核查人")))
        # The 短信 rows (one per line a text went to, most of the sheet) change nothing: each line's 短信通知 has it.
        table = [values for values in map(fields, (r.values for r in rows)) if values[2] != "短信"]
        # What is there already, read once: the line a call belongs to, and the calls, visits and answers.
        batches = {self.batch_ids[values[1]] for values in table}
        households = {self.household_ids[values[0]] for values in table}
        line_of = {}  # (batch, household) → its first aid record
        for rid, bid, hid in self._among(batches, "SELECT id, batch_id, household_id FROM aid_records"
                                                  " WHERE batch_id IN {ids} ORDER BY id DESC"):
            line_of[(bid, hid)] = rid
        calls = set(self._among(batches, "SELECT p.aid_record_id, p.called_on, p.result FROM phone_calls p"
                                         " JOIN aid_records a ON a.id = p.aid_record_id WHERE a.batch_id IN {ids}"))
        answers = set(self._among(batches, "SELECT household_id, batch_id, answered_on FROM feedback"
                                           " WHERE batch_id IN {ids}"))
        visits = set(self._among(households, "SELECT household_id, visited_on FROM home_visits"
                                             " WHERE household_id IN {ids}"))
        new_calls, new_visits, new_answers = [], [], []
        for values in table:
            no, batch, method, day, result, note, checker = values
            hid, bid = self.household_ids[no], self.batch_ids[batch]
            result, note, checker = _s(result), _s(note), _s(checker)
            if method == "电话抽查":
                rec = line_of.get((bid, hid))
                if rec is not None and (rec, day, result) not in calls:
                    calls.add((rec, day, result))
                    new_calls.append((rec, day, result, note, checker or by, self.now))
            elif method == "入户走访":
                if (hid, day) not in visits:
                    visits.add((hid, day))
                    new_visits.append((hid, day, checker, result, note, by, self.now))
            elif method == "满意度调查" and (hid, bid, day) not in answers:
                answers.add((hid, bid, day))
                new_answers.append((hid, bid, day, result, note, by, self.now))
        conn.executemany("INSERT INTO phone_calls (aid_record_id, called_on, result, note, called_by, recorded_at)"
                         " VALUES (?, ?, ?, ?, ?, ?)", new_calls)
        conn.executemany("INSERT INTO home_visits (household_id, visited_on, visitors, outcome, note, recorded_by,"
                         " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)", new_visits)
        conn.executemany("INSERT INTO feedback (household_id, batch_id, answered_on, answer, comment, recorded_by,"
                         " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)", new_answers)


def apply(conn: sqlite3.Connection, checked: Checked, actor: Actor, *, progress: Progress | None = None
          ) -> dict[str, int]:
    """Write ``checked`` inside the caller's transaction; returns rows per sheet."""
    with gc_paused(), larger_page_cache(conn):
        return Importer(conn, checked, actor, progress=progress).run()
