"""文件 → 导入旧台账…: realistic old books (tests/exchange/ledger_books.py) through every step of the wizard — a header
row corrected, a column mapped, the preview against the builder's truths, the import and what it made."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPushButton

from aiddesk.core.money import format_yuan
from aiddesk.db import column_mappings
from aiddesk.db.audit import Actor
from aiddesk.db.backup import backups_in
from aiddesk.db.users import find_user
from aiddesk.exchange.export import encrypt_in_place
from aiddesk.exchange.validate import _text
from aiddesk.services import accounts, backups
from aiddesk.ui.exchange import ledger_wizard
from aiddesk.ui.exchange.ledger.books import IMPORTED, SKIPPED
from aiddesk.ui.exchange.ledger_wizard import CANCELLED_TEXT, CHOOSE, DONE, PREVIEW, SHEETS, LedgerWizard
from aiddesk.ui.main_window import MainWindow

_BOOKS = str(Path(__file__).resolve().parents[1] / "exchange")
if _BOOKS not in sys.path:
    sys.path.insert(0, _BOOKS)  # the books' builder sits in tests/exchange, beside the import's tests
from ledger_books import mixed_book, payments_ledger, roster_member_rows

AMOUNT = "帮扶明细.金额"
# A column word no alias knows: the office's own name for the amount paid.
OWN_WORD = {"救助金额（元）": "实发数"}


# ---- helpers ----------------------------------------------------------------------------------------------------

def wizard_for(qtbot, db, actor) -> LedgerWizard:
    wizard = LedgerWizard(db=db, actor=actor)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def settle(qtbot, wizard: LedgerWizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy, timeout=30000)


def read(qtbot, wizard: LedgerWizard, *paths) -> None:
    """Step 1: the books chosen, 下一步, and their checks waited for."""
    wizard.add_files(paths)
    wizard.next_button.click()
    settle(qtbot, wizard)


def import_and_wait(qtbot, wizard: LedgerWizard) -> None:
    assert wizard.import_button.isEnabled()
    wizard.import_button.click()
    settle(qtbot, wizard)


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def stored_lines(db) -> dict[str, tuple[int, Decimal]]:
    """ID number → (lines, amount) of every stored 帮扶明细."""
    out: dict[str, tuple[int, Decimal]] = {}
    for idn, fen in db.conn.execute("SELECT recipient_id_number, amount_fen FROM aid_records"):
        n, total = out.get(idn, (0, Decimal(0)))
        out[idn] = (n + 1, total + Decimal(fen) / 100)
    return out


def true_lines(book) -> dict[str, tuple[int, Decimal]]:
    out: dict[str, tuple[int, Decimal]] = {}
    for p in book.payments:
        n, total = out.get(p.person.id_number, (0, Decimal(0)))
        out[p.person.id_number] = (n + 1, total + p.amount)
    return out


def true_batches(book) -> Counter:
    """(sheet, 救助类别, 发放月份, 人次, 金额) of the batches the book's lines make: one per sheet × 救助类别 × month."""
    groups: dict[tuple, list] = {}
    for p in book.payments:
        groups.setdefault((p.sheet, p.aid_category, f"{p.paid_on.year}年{p.paid_on.month}月"), []).append(p.amount)
    return Counter((*key, str(len(amounts)), format_yuan(sum(amounts, Decimal(0)))) for key, amounts in groups.items())


def shown_batches(preview) -> Counter:
    # 批次名称 is <book>·<sheet>·<救助类别>·<month>: the sheet is the second part.
    return Counter((name.split("·")[1], category, month, lines, amount)
                   for name, category, month, lines, amount in preview.batch_rows())


def sheet_item(wizard: LedgerWizard, sheet: str):
    tree = wizard.sheets_step.tree
    return next(tree.topLevelItem(b).child(k) for b in range(tree.topLevelItemCount())
                for k in range(tree.topLevelItem(b).childCount()) if tree.topLevelItem(b).child(k).text(0) == sheet)


def show_sheet(wizard: LedgerWizard, sheet: str) -> None:
    wizard.sheets_step.tree.setCurrentItem(sheet_item(wizard, sheet))


def note_of(wizard: LedgerWizard, header: str) -> str:
    t = wizard.sheets_step.columns_table
    return next(t.item(r, 3).text() for r in range(t.rowCount()) if t.item(r, 1).text() == header)


def with_filled_group_row(book, sheet: str) -> int:
    """Put above the sheet's header a group row as WPS's 拆分并填充 leaves a merged one: 受助人情况 written in every
    column of the person's, 救助情况 in every column of the payment's (no merge, no blanks). Read alone it has more
    header words than the real header, which is found below it no more. Returns the real header's new row."""
    truth = book.sheet(sheet)
    header = truth.header_rows[0]
    wb = load_workbook(book.path)
    ws = wb[sheet]
    moved = [r for r in ws.merged_cells.ranges if r.min_row >= header]
    for r in moved:
        ws.unmerge_cells(r.coord)
    ws.insert_rows(header)
    for r in moved:
        r.shift(row_shift=1)
        ws.merge_cells(r.coord)
    for k, column in enumerate(truth.columns, start=1):
        field = column.field or ""
        ws.cell(header, k).value = ("受助人情况" if field.startswith("困难职工档案.") else
                                    "救助情况" if field.startswith("帮扶明细.") else column.header)
    wb.save(book.path)
    return header + 1


def everything(db) -> list[tuple]:
    return [tuple(r) for table in ("households", "members", "batches", "aid_records")
            for r in db.conn.execute(f"SELECT * FROM {table} ORDER BY id")]


def import_backups(db) -> list[Path]:
    return [p for p in backups_in(backups.default_folder(db), db.path.stem) if p.name.endswith("-导入前.zip")]


# ---- the whole way ----------------------------------------------------------------------------------------------

def test_a_book_is_read_its_header_corrected_a_column_mapped_previewed_imported_and_opened(
        qtbot, window, db, tmp_path, said):
    book = payments_ledger(tmp_path / "2015年帮扶台账.xlsx", sheets=("1月", "7月"), rows_per_sheet=8, rename=OWN_WORD)
    header = with_filled_group_row(book, "1月")
    assert window.import_ledger_action.isEnabled() and window.import_ledger_action.text() == "导入旧台账…"
    wizard = window.ledger_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    assert [b.text() for b in (wizard.back_button, wizard.next_button, wizard.import_button, wizard.finish_button,
                               wizard.cancel_button)] == ["上一步", "下一步", "导入", "完成", "取消"]
    read(qtbot, wizard, book.path)
    assert wizard.pages.currentIndex() == SHEETS
    assert wizard.files[0].state_text() == "2 张表，没有错误"

    # The filled group row was taken for the header: 1月 reads as no ledger at all.
    step = wizard.sheets_step
    assert sheet_item(wizard, "1月").text(1) == "不是台账"
    show_sheet(wizard, "1月")
    assert "表头在第3行" in step.sheet_label.text()
    assert header in step.row_numbers                                 # the real header is among the rows shown
    step.point_at_row(header)                                          # 设为表头
    settle(qtbot, wizard)
    assert wizard.files[0].header_rows == {"1月": header}
    assert f"表头在第{header}行（您指定的）" in step.sheet_label.text()
    assert "花名册" in sheet_item(wizard, "1月").text(1)                 # found now, but no amount column yet
    assert "没有认出" in note_of(wizard, "实发数")
    assert step.combos["实发数"].currentText() == "（不导入）"
    assert step.combos["姓名"].currentData() == "姓名" and note_of(wizard, "姓名") == "按表头认出"
    assert step.combos["实发数"].findData("金额") > 0
    examples = next(step.columns_table.item(r, 4).text() for r in range(step.columns_table.rowCount())
                    if step.columns_table.item(r, 1).text() == "实发数")
    assert examples == "；".join(_text(p.amount_cell) for p in book.sheet("1月").payments[:3])

    step.choose("实发数", "金额")                                      # 导入为 金额, for every sheet of the book
    settle(qtbot, wizard)
    assert wizard.files[0].mapping == {"实发数": "金额"}
    assert note_of(wizard, "实发数") == "按您的选择"
    assert [sheet_item(wizard, s).text(1) for s in ("1月", "7月")] == ["发放台账", "发放台账"]
    total = format_yuan(book.sheet("1月").total)
    assert f"台账合计 {total} 元 = 导入 {total} 元" in step.sheet_label.text()
    step.skipped_button.click()                                        # the rows skipped, with why
    assert step.skipped_list.isVisible() and "合计行" in step.skipped_list.toPlainText()
    assert count(db, "households") == 0                                # nothing written while checking

    wizard.next_button.click()
    assert wizard.pages.currentIndex() == PREVIEW
    preview = wizard.preview_step.books[0]
    assert f"新建 {len(book.households)} 户，已在档案中 0 户" in preview.summary.text()
    paid = sum((p.amount for p in book.payments), Decimal(0))
    assert f"帮扶明细 {len(book.payments)} 人次，共 {format_yuan(paid)} 元" in preview.summary.text()
    for sheet, _kind, lines, skipped, agreement in preview.sheet_rows():
        truth = book.sheet(sheet)
        assert int(lines) == len(truth.payments)
        # The builder's skipped rows, and on 1月 the filled group row above the header as well.
        assert int(skipped) == len(truth.skipped) + (sheet == "1月")
        assert agreement == f"台账合计 {format_yuan(truth.total)} 元 = 导入 {format_yuan(truth.total)} 元"
    assert shown_batches(preview) == true_batches(book)
    assert not preview.removal_label.isVisible()

    import_and_wait(qtbot, wizard)
    assert said[0][0] == "ask" and "将导入这 1 本台账" in said[0][1]
    assert wizard.pages.currentIndex() == DONE and wizard.finish_button.isVisible()
    assert {r[0] for r in db.conn.execute("SELECT id_number FROM households")} == set(book.households)
    assert stored_lines(db) == true_lines(book)
    assert len(import_backups(db)) == 1
    (result,) = wizard.done_step.books
    assert result.label.text().startswith(f"已导入：新建档案 {len(book.households)} 户（460000-2015-0001 至")
    assert column_mappings.remembered(db.conn, "旧台账") == {"实发数": "金额"}

    result.archive_button.click()                                      # opens the archive on the new households
    assert not wizard.isVisible()
    assert window.areas.currentWidget() is window.list_view
    assert window.list_view.search.text() == "460000-2015-00"
    assert window.list_view.model.total == len(book.households)


def test_the_result_opens_the_batch_list_of_the_year_and_a_batch(qtbot, window, db, tmp_path):
    book = payments_ledger(tmp_path / "台账.xlsx", sheets=("3月",), rows_per_sheet=5, seed=9)
    wizard = window.ledger_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    read(qtbot, wizard, book.path)
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    (result,) = wizard.done_step.books
    opened = []
    wizard.batch_requested.disconnect()                    # the window's would open the batch dialog modally
    wizard.batch_requested.connect(opened.append)
    table = result.batch_table
    table.doubleClicked.emit(table.model().index(0, 0))
    code = db.conn.execute("SELECT id FROM batches WHERE name = ?", (table.item(0, 0).text(),)).fetchone()[0]
    assert opened == [code]
    assert result.batches_button.text() == "查看2015年的帮扶批次"
    result.batches_button.click()
    assert window.areas.currentWidget() is window.batch_list and window.batch_list.year.value() == 2015
    assert window.batch_list.table.rowCount() == count(db, "batches") > 0


def test_the_columns_chosen_for_one_book_are_chosen_for_the_next(qtbot, db, admin, tmp_path):
    first = payments_ledger(tmp_path / "2015年台账.xlsx", sheets=("1月",), rows_per_sheet=6, rename=OWN_WORD)
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, first.path)
    wizard.sheets_step.choose("实发数", "金额")
    settle(qtbot, wizard)
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    assert wizard.pages.currentIndex() == DONE

    second = payments_ledger(tmp_path / "2016年台账.xlsx", year=2016, sheets=("1月", "2月"), rows_per_sheet=6,
                             seed=5, rename=OWN_WORD)
    again = wizard_for(qtbot, db, admin[1])
    read(qtbot, again, second.path)
    step = again.sheets_step
    assert again.files[0].mapping == {}                            # nothing chosen in this wizard …
    assert step.combos["实发数"].currentData() == "金额"            # … the office's earlier choice
    assert note_of(again, "实发数") == "按以前导入时的选择"
    again.next_button.click()
    preview = again.preview_step.books[0]
    assert [r[4] for r in preview.sheet_rows()] == [
        f"台账合计 {format_yuan(s.total)} 元 = 导入 {format_yuan(s.total)} 元" for s in second.sheets]
    import_and_wait(qtbot, again)
    both: dict[str, tuple[int, Decimal]] = dict(true_lines(first))
    for idn, (n, paid) in true_lines(second).items():
        had = both.get(idn, (0, Decimal(0)))
        both[idn] = (had[0] + n, had[1] + paid)
    assert stored_lines(db) == both


# ---- again, corrected, refused ----------------------------------------------------------------------------------

def test_the_same_book_imported_again_changes_nothing(qtbot, db, admin, tmp_path):
    book = mixed_book(tmp_path / "综合台账.xlsx")
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    before = everything(db)

    again = wizard_for(qtbot, db, admin[1])
    read(qtbot, again, book.path)
    again.next_button.click()
    preview = again.preview_step.books[0]
    assert f"新建 0 户，已在档案中 {len(book.households)} 户" in preview.summary.text()
    assert not preview.removal_label.isVisible()
    import_and_wait(qtbot, again)
    assert again.pages.currentIndex() == DONE
    assert again.done_step.books[0].label.text().startswith("已导入：没有新建档案")
    assert everything(db) == before


def test_a_corrected_book_replaces_the_lines_it_changed_and_the_preview_says_which(qtbot, db, admin, tmp_path):
    book = payments_ledger(tmp_path / "2015年帮扶台账.xlsx", sheets=("1月",), rows_per_sheet=6, seed=7)
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    old = {r[0] for r in db.conn.execute("SELECT record_no FROM aid_records")}

    # The office finds a line paid 50 元 more than it wrote, and corrects the line and its 合计.
    sheet = book.sheet("1月")
    line = sheet.payments[0]
    column = sheet.column(AMOUNT).letter
    wb = load_workbook(book.path)
    ws = wb["1月"]
    ws[f"{column}{line.row}"] = float(line.amount + 50)
    ws[f"{column}{sheet.total_row}"] = float(sheet.total + 50)
    wb.save(book.path)

    again = wizard_for(qtbot, db, admin[1])
    read(qtbot, again, book.path)
    again.next_button.click()
    preview = again.preview_step.books[0]
    assert preview.removal_label.isVisible() and "帮扶明细 1 行" in preview.removal_label.text()
    gone = preview.removal_list.toPlainText()
    assert sum(no in gone for no in old) == 1                     # the changed line's earlier record, by its number
    new_total = format_yuan(sheet.total + 50)
    assert preview.sheet_rows()[0][4] == f"台账合计 {new_total} 元 = 导入 {new_total} 元"
    assert "将替换以前从这本台账导入的部分记录" in again.confirmation()
    import_and_wait(qtbot, again)
    expected = true_lines(book)
    n, paid = expected[line.person.id_number]
    expected[line.person.id_number] = (n, paid + 50)
    assert stored_lines(db) == expected and count(db, "aid_records") == len(sheet.payments)
    assert "以前导入、这次已没有的记录已删除：帮扶明细 1 行" in again.done_step.books[0].label.text()


def test_a_book_whose_total_is_wrong_is_refused_at_that_row_and_its_issues_export(qtbot, db, admin, tmp_path):
    book = payments_ledger(tmp_path / "错账.xlsx", sheets=("1月", "2月"), rows_per_sheet=6, wrong_total=True)
    (fault,) = book.faults
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    assert wizard.files[0].state_text() == "2 张表，有 1 处错误"
    assert sheet_item(wizard, "1月").foreground(0).color().name() == "#c0392b"
    show_sheet(wizard, "1月")
    step = wizard.sheets_step
    assert step.sheet_errors.isVisible() and f"第{fault.row}行“{fault.column}”" in step.sheet_errors.text()
    assert "相差" in step.sheet_label.text()

    wizard.next_button.click()
    preview = wizard.preview_step.books[0]
    truth = book.sheet("1月")
    assert preview.sheet_rows()[0][4] == (f"台账合计 {format_yuan(truth.total)} 元 ≠ 导入 "
                                          f"{format_yuan(truth.amount_sum)} 元，相差 100.00 元（第{fault.row}行）")
    assert preview.sheets.item(0, 4).foreground().color().name() == "#c0392b"
    assert preview.verdict.text().startswith("有 1 处错误，不能导入")
    assert not wizard.import_button.isEnabled()
    assert wizard.preview_step.tabs.tabText(0) == "错账.xlsx（有错误）"
    (error,) = [r for r in preview.issues.shown_rows() if r[0] == "错误"]
    assert error[1:4] == ("1月", str(fault.row), fault.column) and "台账合计" in error[5]

    out = tmp_path / "问题清单.xlsx"
    wizard.export_issues(wizard.files[0], out)
    settle(qtbot, wizard)
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert ("错误", "1月", fault.row, fault.column) == rows[1][:4]
    assert preview.export_status.text().startswith("已导出")
    assert count(db, "households") == 0


def test_a_book_that_does_not_say_its_year_asks_for_it(qtbot, db, admin, tmp_path):
    book = roster_member_rows(tmp_path / "花名册.xlsx", households=4)
    wb = load_workbook(book.path)
    ws = wb["花名册"]
    ws["A1"] = "海口市总工会困难职工家庭情况花名册"
    ws["A2"] = "填报单位：海口市总工会"
    wb.save(book.path)
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    step = wizard.sheets_step
    assert wizard.files[0].lacks_year()
    assert step.year_box.isVisible() and step.year_box.text() == "未填写"
    assert step.year_hint.text().startswith("请填写台账所属年度")
    step.year_box.setValue(2015)
    step.year_button.click()
    settle(qtbot, wizard)
    assert wizard.files[0].year == 2015 and wizard.files[0].report.ok
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    assert {r[0] for r in db.conn.execute("SELECT created_date FROM households")} == {"2015-01-01"}
    assert count(db, "members") == book.members


# ---- several books, cancel, passwords, who may -------------------------------------------------------------------

def test_cancelling_between_two_books_keeps_the_first_and_leaves_the_second(qtbot, db, admin, tmp_path, monkeypatch,
                                                                            said):
    """The run asks before each book whether to go on: the job waits there, after the first book, until cancelled."""
    first = payments_ledger(tmp_path / "一.xlsx", sheets=("1月",), rows_per_sheet=5, seed=21)
    second = payments_ledger(tmp_path / "二.xlsx", sheets=("1月",), rows_per_sheet=5, seed=22)
    gate = threading.Event()
    dialogs = []
    real = ledger_wizard.run_with_progress

    class Held:
        """The job's Progress, waiting at its first question after the first book was done."""

        def __init__(self, progress):
            self.progress, self.first_done = progress, False

        def __call__(self, done, total):
            if self.first_done:
                gate.wait(20)
            return self.progress(done, total)

        def step(self, value):
            self.first_done = True
            self.progress.step(value)

        def say(self, text):
            self.progress.say(text)

        @property
        def cancelled(self):
            return self.progress.cancelled

    def held(parent, *, title, label, job, on_done, on_error, on_step=None):
        dialog = real(parent, title=title, label=label, on_done=on_done, on_error=on_error, on_step=on_step,
                      job=(lambda progress: job(Held(progress))) if title == "导入" else job)
        dialogs.append(dialog)
        return dialog

    monkeypatch.setattr(ledger_wizard, "run_with_progress", held)
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, first.path, second.path)
    wizard.next_button.click()
    assert len(wizard.preview_step.books) == 2
    wizard.import_button.click()
    assert wizard.busy and not wizard.cancel_button.isEnabled()
    wizard.reject()                                     # closing while it writes is refused
    assert wizard.isVisible()
    qtbot.waitUntil(lambda: wizard.files[0].outcome is not None, timeout=30000)
    next(b for b in dialogs[-1].findChildren(QPushButton) if b.text() == "取消").click()
    gate.set()
    settle(qtbot, wizard)

    assert [f.outcome.state for f in wizard.files] == [IMPORTED, SKIPPED]
    assert wizard.pages.currentIndex() == DONE
    assert [b.label.text() for b in wizard.done_step.books][1] == "因取消没有导入"
    assert {r[0] for r in db.conn.execute("SELECT id_number FROM households")} == set(first.households)
    assert len(import_backups(db)) == 1


def test_cancelling_the_only_book_writes_nothing_and_stays_on_the_preview(qtbot, db, admin, tmp_path, monkeypatch,
                                                                          said):
    book = payments_ledger(tmp_path / "一.xlsx", sheets=("1月",), rows_per_sheet=5)
    gate = threading.Event()
    dialogs = []
    real = ledger_wizard.run_with_progress

    def held(parent, *, title, label, job, on_done, on_error, on_step=None):
        def waiting(progress):
            class Waiting:
                def __call__(self, done, total):
                    gate.wait(20)
                    return progress(done, total)

                def __getattr__(self, name):
                    return getattr(progress, name)

            return job(Waiting())

        dialog = real(parent, title=title, label=label, on_done=on_done, on_error=on_error, on_step=on_step,
                      job=waiting if title == "导入" else job)
        dialogs.append(dialog)
        return dialog

    monkeypatch.setattr(ledger_wizard, "run_with_progress", held)
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    wizard.next_button.click()
    wizard.import_button.click()
    next(b for b in dialogs[-1].findChildren(QPushButton) if b.text() == "取消").click()
    gate.set()
    settle(qtbot, wizard)
    assert ("info", CANCELLED_TEXT) in said
    assert wizard.pages.currentIndex() == PREVIEW and wizard.error.text() == CANCELLED_TEXT
    assert wizard.import_button.isEnabled() and wizard.files[0].outcome is None
    assert count(db, "households") == 0 and count(db, "exchange_imports") == 0


def test_two_books_with_the_same_people_make_one_archive_each(qtbot, db, admin, tmp_path):
    """Both books were previewed before either was written; the second is checked again once the first is: its
    people are the first book's archives then, not new ones numbered a second time."""
    first = payments_ledger(tmp_path / "2015年上半年.xlsx", sheets=("1月",), rows_per_sheet=6, seed=31)
    second = payments_ledger(tmp_path / "2015年下半年.xlsx", sheets=("7月",), rows_per_sheet=6, seed=31)
    assert set(first.households) & set(second.households)     # the same office's people, paid twice a year
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, first.path, first.path, second.path)
    assert len(wizard.files) == 2                              # the same file twice is listed once
    wizard.next_button.click()
    assert [f"新建 {len(b.households)} 户" in p.summary.text()
            for b, p in zip((first, second), wizard.preview_step.books)] == [True, True]
    import_and_wait(qtbot, wizard)
    assert [f.outcome.state for f in wizard.files] == [IMPORTED, IMPORTED]
    assert count(db, "households") == len(set(first.households) | set(second.households))
    shared = len(set(first.households) & set(second.households))
    assert f"已有档案 {shared} 户记入明细" in wizard.done_step.books[1].label.text()
    both: dict[str, tuple[int, Decimal]] = dict(true_lines(first))
    for idn, (n, paid) in true_lines(second).items():
        had = both.get(idn, (0, Decimal(0)))
        both[idn] = (had[0] + n, had[1] + paid)
    assert stored_lines(db) == both
    assert len(import_backups(db)) == 1                        # one 导入前 backup for the run


def test_an_exchange_workbook_is_sent_to_the_other_wizard(qtbot, db, admin, export_sub_unit):
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, export_sub_unit())
    assert wizard.pages.currentIndex() == CHOOSE
    assert "这是交换表" in wizard.file_error.text() and "导入交换表或旧台账" in wizard.file_error.text()
    wizard.table.selectRow(0)
    wizard.remove_selected()
    assert wizard.files == [] and wizard.table.rowCount() == 0


def test_an_encrypted_book_asks_for_its_password(qtbot, db, admin, tmp_path):
    book = payments_ledger(tmp_path / "加密台账.xlsx", sheets=("1月",), rows_per_sheet=4)
    encrypt_in_place(str(book.path), "Taizhang-2015")
    wizard = wizard_for(qtbot, db, admin[1])
    read(qtbot, wizard, book.path)
    dialog = wizard.password_dialog
    assert dialog is not None and dialog.isVisible() and wizard.pages.currentIndex() == CHOOSE
    dialog.password.setText("Taizhang-2015")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    settle(qtbot, wizard)
    assert wizard.password_dialog is None and wizard.pages.currentIndex() == SHEETS
    wizard.next_button.click()
    import_and_wait(qtbot, wizard)
    assert wizard.files[0].password is None
    assert count(db, "households") == len(book.households)


def test_the_menu_action_opens_the_wizard_and_a_reader_has_it_grey(qtbot, window, db, admin):
    seen = []

    def close_it():
        wizard = QApplication.activeModalWidget()
        seen.append(wizard.windowTitle())
        wizard.reject()

    QTimer.singleShot(0, close_it)
    window.import_ledger_action.trigger()
    assert seen == ["导入旧台账"]

    accounts.add_user(db, admin[1], username="shenhe", display_name="审核员", password="shenhe123", roles=("审核人",))
    reader = find_user(db.conn, "shenhe")
    other = MainWindow(db=db, user=reader, actor=Actor(reader.username, "界面", tuple(reader.roles)))
    qtbot.addWidget(other)
    assert not other.import_ledger_action.isEnabled() and "只能查看" in other.import_ledger_action.toolTip()

