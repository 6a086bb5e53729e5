"""Fuzzing the exchange import with broken and random workbooks: success or a clear Chinese message, never a
traceback and never a half-written database.

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many for a long session. ``--hypothesis-show-statistics`` prints the cases each one tried.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "exchange"))
from test_import_validation import BASE, book, sheets  # noqa: E402  (the workbook builder of the import tests)

from aiddesk.core.errors import UserError  # noqa: E402
from aiddesk.exchange import format as fmt  # noqa: E402
from aiddesk.exchange.sheet_reader import FormulaWithoutValue  # noqa: E402
from aiddesk.services.exchange_import import ExchangeImportService  # noqa: E402

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# The database is one function-scoped fixture shared by a test's examples: each refused import must leave it as
# it was, which is the very thing checked.
FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def fuzz(n: int):
    return settings(max_examples=n * SCALE, **FUZZ)


def snapshot(db) -> dict[str, int]:
    tables = [t for (t,) in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: db.conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def _event(what: str) -> None:
    """Counted in --hypothesis-show-statistics (outside a hypothesis test there is nothing to count)."""
    if currently_in_test_context():
        event(what)


def outcome(db, actor, path: Path) -> str:
    """Import ``path``; 'imported', or the Chinese message(s) of a refusal (the database then unchanged)."""
    before = snapshot(db)
    try:
        report = ExchangeImportService(db, actor).import_file(path)
    except UserError as err:   # Unreadable and friends
        assert CHINESE.search(err.message), err.message
        assert snapshot(db) == before
        _event("unreadable")
        return err.message
    if report.written:
        _event("imported")
        return "imported"
    assert report.errors, "neither written nor refused"
    for issue in report.errors:
        assert CHINESE.search(issue.message), issue.as_dict()
    assert snapshot(db) == before, "a refused import wrote something"
    _event("refused with errors")
    return "；".join(i.message for i in report.errors)


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory) -> bytes:
    return book(tmp_path_factory.mktemp("good") / "good.xlsx").read_bytes()


# ---- files that are no workbook -------------------------------------------------------------------------------

@fuzz(40)
@given(data=st.binary(max_size=4000))
def test_random_bytes_are_unreadable(db, actor, tmp_path, data):
    path = tmp_path / "random.xlsx"
    path.write_bytes(data)
    assert outcome(db, actor, path) != "imported"


@fuzz(60)
@given(cut=st.floats(0, 1, exclude_max=True))
def test_a_workbook_cut_anywhere_is_refused_cleanly(db, actor, tmp_path, good_bytes, cut):
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good_bytes[:int(len(good_bytes) * cut)])
    assert outcome(db, actor, path) != "imported"


@fuzz(30)
@given(start=st.floats(0, 1, exclude_max=True), junk=st.binary(min_size=1, max_size=64))
def test_a_workbook_with_bytes_overwritten_is_refused_or_read(db, actor, tmp_path, good_bytes, start, junk):
    at = int(len(good_bytes) * start)
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(good_bytes[:at] + junk + good_bytes[at + len(junk):])
    outcome(db, actor, path)


def test_a_zip_that_is_no_workbook_is_unreadable(db, actor, tmp_path):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "不是工作簿")
    assert "无法打开" in outcome(db, actor, path)


def test_a_workbook_whose_sheet_xml_is_broken_is_unreadable(db, actor, tmp_path, good_bytes):
    src = zipfile.ZipFile(io.BytesIO(good_bytes))
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for item in src.infolist():
            data = src.read(item)
            z.writestr(item, data[: len(data) // 2] if item.filename.startswith("xl/worksheets/") else data)
    assert outcome(db, actor, path) != "imported"


def test_an_empty_csv_and_a_binary_csv_are_refused(db, actor, tmp_path):
    (tmp_path / "bin.csv").write_bytes(bytes(range(256)) * 4)
    assert outcome(db, actor, tmp_path / "bin.csv") != "imported"


def test_an_empty_ledger_is_refused_not_recorded_as_an_import_of_nothing(db, actor, tmp_path):
    """Regression: an empty .csv or .xlsx used to 'import' (nothing) and record that import."""
    (tmp_path / "empty.csv").write_bytes(b"")
    Workbook().save(tmp_path / "empty.xlsx")
    for name in ("empty.csv", "empty.xlsx"):
        assert "没有找到可导入的台账数据" in outcome(db, actor, tmp_path / name)
    assert snapshot(db)["exchange_imports"] == 0


# ---- odd but well-formed workbooks -----------------------------------------------------------------------------

def test_formulas_are_read_as_calamine_gives_them(db, actor, tmp_path):
    """openpyxl writes "=1+1" with no cached value: calamine reads the cell as empty (no value was calculated),
    and the check says it is a formula whose result was not saved, not that the cell is empty."""
    data = sheets()
    data["困难职工档案"][1][7] = "=1+1"
    data["困难职工档案"][2][1] = "=\"赵\"&\"强\""
    path = book(tmp_path / "formula.xlsx", data)
    from python_calamine import CalamineWorkbook
    cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("困难职工档案").to_python()
    assert cells[1][7] in ("", None)   # no cached result: empty, not "=1+1" and not 2
    message = outcome(db, actor, path)
    assert FormulaWithoutValue.MESSAGE in message and "必须填写" not in message


def test_merged_cells_are_read_as_their_top_left_value(db, actor, tmp_path):
    path = book(tmp_path / "merged.xlsx")
    wb = load_workbook(path)
    wb["困难职工档案"].merge_cells("N2:P3")
    wb["帮扶批次"].merge_cells("A2:B3")   # the second batch's code is now empty
    wb.save(path)
    assert "“批次编号”必须填写" in outcome(db, actor, path)   # the merged-away cells read as empty


def test_a_cell_of_40000_characters_is_kept_or_refused_not_a_crash(db, actor, tmp_path):
    data = sheets()
    data["困难职工档案"][1][9] = "𠮷" * 40000           # 主要致困原因: a code list
    data["核查记录"][1][4] = "情况属实" + "很" * 40000     # 结果: free text
    assert "不是可选的" in outcome(db, actor, book(tmp_path / "long.xlsx", data))


def test_100000_empty_rows_are_skipped(db, actor, tmp_path):
    path = book(tmp_path / "empty_rows.xlsx")
    wb = load_workbook(path)
    ws = wb["核查记录"]
    ws.cell(row=100003, column=7).value = " "   # a blank cell far down: the sheet reaches row 100 003
    wb.save(path)
    from python_calamine import CalamineWorkbook
    assert len(CalamineWorkbook.from_path(str(path)).get_sheet_by_name("核查记录").to_python()) == 100003
    assert outcome(db, actor, path) == "imported"
    assert snapshot(db)["home_visits"] == 1   # the one 入户走访 row, nothing from the blank rows


# ---- random values ---------------------------------------------------------------------------------------------

CELL = st.one_of(st.none(), st.text(max_size=30), st.integers(-10 ** 20, 10 ** 20),
                 st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
                 st.datetimes(datetime(1900, 3, 1), datetime(9999, 1, 1)), st.dates(date(1900, 3, 1)),
                 st.sampled_from(["在档", "深度困难", "生活救助", "省总工会经费", "460001", "CM2015001", "P2015-01",
                                  "是", "否", "2015-03-02", "1,000.00", "１２３", "𠮷𡘙𪚥", " ", "\t"]))
_XML_SAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(value):
    """openpyxl cannot write control characters at all (Excel cannot hold them either)."""
    return _XML_SAFE.sub("", value) if isinstance(value, str) else value


@fuzz(60)
@given(st.data())
def test_random_values_in_every_column_of_every_sheet(db, actor, tmp_path, data):
    workbook = {}
    for name, (header, *rows) in BASE.items():
        n = data.draw(st.integers(0, 3), label=f"{name} rows")
        workbook[name] = [header] + [[_xml_safe(data.draw(CELL)) for _ in header] for _ in range(n)]
    keep = data.draw(st.booleans(), label="keep base rows")
    if keep:
        for name, (_header, *rows) in BASE.items():
            workbook[name][1:1] = rows
    outcome(db, actor, book(tmp_path / "random.xlsx", workbook))


@fuzz(60)
@given(st.data())
def test_one_random_cell_in_a_valid_workbook(db, actor, tmp_path, data):
    """Mostly valid: the odd value gets past the checks now and then, and the writing is fuzzed too."""
    workbook = sheets()
    name = data.draw(st.sampled_from(sorted(workbook)), label="sheet")
    rows = workbook[name]
    row = data.draw(st.integers(1, len(rows) - 1), label="row")
    col = data.draw(st.integers(0, len(rows[0]) - 1), label="column")
    rows[row][col] = _xml_safe(data.draw(st.one_of(CELL, st.sampled_from(
        [0, 0.01, -1, 9999999999.99, 10 ** 15, 1e15, 2 ** 62, "9" * 30, date(1900, 3, 1), date(9999, 12, 31),
         datetime(2015, 2, 1, 12, 30), "2015-02-30", "  CM2015001  ", "ＣＭ２０１５００１", "𠮷" * 30])),
        label="value"))
    outcome(db, actor, book(tmp_path / "one.xlsx", workbook))


@fuzz(25)
@given(st.data())
def test_a_legacy_ledger_with_random_headers(db, actor, tmp_path, data):
    known = [h for s in fmt.SHEETS for h in s.headers] + ["身份证号码", "户主姓名", "联系电话", "备注", "序号", ""]
    headers = data.draw(st.lists(st.one_of(st.sampled_from(known), st.text(max_size=8)), min_size=1, max_size=12))
    rows = [[_xml_safe(data.draw(CELL)) for _ in headers] for _ in range(data.draw(st.integers(0, 4)))]
    wb = Workbook()
    ws = wb.active
    ws.title = data.draw(st.sampled_from(["Sheet1", "困难职工档案", "帮扶明细", "台账"]))
    for row in [[_xml_safe(h) for h in headers]] + rows:
        ws.append(row)
    path = tmp_path / "ledger.xlsx"
    wb.save(path)
    outcome(db, actor, path)


def test_a_copied_valid_workbook_still_imports(db, actor, tmp_path, good_bytes):
    """The control case: the fuzzers' base workbook itself imports (else every refusal above proves nothing)."""
    path = tmp_path / "good.xlsx"
    path.write_bytes(good_bytes)
    shutil.copyfile(path, tmp_path / "again.xlsx")
    assert outcome(db, actor, path) == "imported"


def test_a_negative_count_is_a_cell_error_not_an_integrity_error(db, actor, tmp_path):
    """Regression (found by the one-cell fuzzer): 计划人次 -1 passed the check and the database's CHECK
    constraint then failed inside the import with sqlite3.IntegrityError."""
    data = sheets()
    data["计划"][1][2] = -1
    data["预算"][1][0] = -2015
    message = outcome(db, actor, book(tmp_path / "negative.xlsx", data))
    assert "计划人次不能为负数" in message and "年度不能为负数" in message


def test_control_characters_in_free_text_are_dropped_on_import(db, actor, tmp_path):
    """A literal "_x0001_" in a cell reads as U+0001 (OOXML's escape): free text is stored as the forms store it,
    without it, so the record reads back the same after the next export and import."""
    data = sheets()
    data["困难职工档案"][1][1] = "王_x0001_芳_x0007_"
    assert outcome(db, actor, book(tmp_path / "controls.xlsx", data)) == "imported"
    names = {name for (name,) in db.conn.execute("SELECT name FROM households")}
    assert names == {"王芳", "赵强"}
