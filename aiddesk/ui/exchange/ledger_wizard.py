"""文件 → 导入旧台账…: choose books, correct each sheet's header and columns, preview what they become (合计 checked),
import them with progress and cancel, then open what was made. Every check and the import run off the GUI thread."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QLabel, QStackedWidget, QVBoxLayout,
                               QWidget)

from ...db import Database, column_mappings
from ...db.audit import Actor
from ...db.batches import find_batch_id
from ...exchange.ledger.book import MAPPING_KIND
from ...services.exchange_import import ImportReport
from .. import messages
from ..forms import error_label, show_error, wizard_buttons
from ..worker import describe_error, run_with_progress
from .import_wizard import FILE_FILTER, IMPORTERS, READ_ONLY
from .ledger.books import CANCELLED, IMPORTED, SKIPPED, CheckSpec, LedgerFile, check_books, import_books
from .ledger.choose_step import ChooseStep
from .ledger.preview_step import PreviewStep
from .ledger.result_step import DoneStep
from .ledger.sheets_step import SheetsStep
from .password_dialog import PasswordDialog

TITLE = "导入旧台账"
STEPS = ("选择台账", "工作表", "预览", "导入", "完成")
CHOOSE, SHEETS, PREVIEW, DONE = range(4)   # pages; step 导入 is the confirmation and progress over 预览
NOTHING = "请先点“添加台账…”选择要导入的台账文件（可以一次选择几本）"
NO_PASSWORD = "需要打开密码，没有输入；要导入时再点“下一步”输入密码"
CANCELLED_TEXT = "已取消，没有导入任何内容"


def _key(path: Path) -> str:
    return os.path.normcase(os.path.abspath(path))


class LedgerWizard(QDialog):
    """The steps in one dialog. ``files`` are the books chosen, each with its latest check and, once imported,
    its outcome. The main window listens to ``import_written`` and to the result page's requests."""

    import_written = Signal()
    archive_requested = Signal(object)   # HouseholdFilter: the archive list showing the new households
    batch_requested = Signal(int)        # a batch's id
    batches_requested = Signal(int)      # the batch list of a year

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._db = db
        self._actor = actor   # the import is audited under the logged-in user
        self.files: list[LedgerFile] = []
        self.progress = None  # the running job's progress dialog
        self.password_dialog: PasswordDialog | None = None
        self._declined: set[int] = set()  # books whose password the user did not give this time
        self._busy = False

        self.steps = QLabel()
        self.steps.setTextFormat(Qt.RichText)
        self.pages = QStackedWidget()
        self.choose_step = ChooseStep()
        self.choose_step.add_button.clicked.connect(self._browse)
        self.choose_step.remove_button.clicked.connect(self.remove_selected)
        self.choose_step.table.itemSelectionChanged.connect(self._update_buttons)
        # Step 1's widgets, as the wizard's own (the file list, its buttons, the line under it).
        self.table, self.file_error = self.choose_step.table, self.choose_step.error
        self.add_button, self.remove_button = self.choose_step.add_button, self.choose_step.remove_button
        self.pages.addWidget(self.choose_step)
        self.sheets_step = SheetsStep()
        self.sheets_step.header_chosen.connect(self._header_chosen)
        self.sheets_step.column_chosen.connect(self._column_chosen)
        self.sheets_step.year_chosen.connect(self._year_chosen)
        self.pages.addWidget(self.sheets_step)
        self.preview_step = PreviewStep()
        self.preview_step.export_requested.connect(self._choose_issues_file)
        self.pages.addWidget(self.preview_step)
        self.done_step = DoneStep()
        self.done_step.archive_requested.connect(self._open_archive)
        self.done_step.batch_requested.connect(self._open_batch)
        self.done_step.batches_requested.connect(self._open_batches)
        self.pages.addWidget(self.done_step)
        self.error = error_label()

        buttons = wizard_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(1180, 760)
        self._show(CHOOSE)

    # ---- step 1: the books -------------------------------------------------------------------

    def _browse(self) -> None:
        start = str(self.files[-1].path.parent) if self.files else str(Path.home())
        paths, _ = QFileDialog.getOpenFileNames(self, "选择要导入的旧台账（可多选）", start, FILE_FILTER)
        if paths:
            self.add_files(paths)

    def add_files(self, paths) -> int:
        """Add books not listed yet, in the order given; how many were new."""
        known = {_key(f.path) for f in self.files}
        added = 0
        for path in map(Path, paths):
            if _key(path) not in known:
                known.add(_key(path))
                self.files.append(LedgerFile(path))
                added += 1
        if added:
            show_error(self.file_error, None)
            self._fill_files()
        return added

    def remove_selected(self) -> None:
        if self._busy:
            return
        rows = self.choose_step.selected_rows()
        self.files = [f for r, f in enumerate(self.files) if r not in rows]
        self._declined.clear()
        self._fill_files()

    def _fill_files(self) -> None:
        self.choose_step.show_files(self.files)
        self._update_buttons()

    def check_files(self) -> None:
        """下一步 on step 1: read and check every book not read yet, ask the passwords needed, then go on."""
        show_error(self.file_error, None)
        if not self.files:
            show_error(self.file_error, NOTHING)
            return
        self._declined.clear()
        self._check([i for i, f in enumerate(self.files) if f.report is None], then=self._books_read)

    def _check(self, indexes: list[int], then) -> None:
        specs = [(i, self.files[i].spec()) for i in indexes]
        if not specs:
            self._ask_passwords(then)
            return
        db, actor = self._db, self._actor

        def read(step) -> None:
            index, result = step
            if isinstance(result, ImportReport):
                self.files[index].take(result)
            else:
                self.files[index].failed(result)
            self._fill_files()

        def done(finished: bool) -> None:
            self._set_busy(False)
            if not finished:
                self._say("已取消检查")
                return
            self._ask_passwords(then)

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            self._say(describe_error(err))

        self._set_busy(True)
        first = specs[0][1].path.name
        self.progress = run_with_progress(
            self, title="检查台账", label=f"正在读取并检查“{first}” …",
            job=lambda progress: check_books(db, actor, specs, progress), on_done=done, on_error=failed,
            on_step=read)

    def _ask_passwords(self, then) -> None:
        """Each book with an opening password, one after another (``open``: nothing blocks); then ``then()``."""
        index = next((i for i, f in enumerate(self.files) if f.locked and i not in self._declined), None)
        if index is None:
            then()
            return
        f = self.files[index]
        dialog = PasswordDialog(f.name, problem=f.problem if f.password is not None else None, parent=self)
        self.password_dialog = dialog

        def given() -> None:
            f.password = dialog.take_password()
            self._close_password_dialog()
            self._check([index], then)

        def declined() -> None:
            self._close_password_dialog()
            self._declined.add(index)
            f.problem = NO_PASSWORD
            self._fill_files()
            self._ask_passwords(then)

        dialog.accepted.connect(given)
        dialog.rejected.connect(declined)
        dialog.open()

    def _close_password_dialog(self) -> None:
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
            self.password_dialog = None

    def _books_read(self) -> None:
        self._fill_files()
        cannot = [f for f in self.files if not f.readable]
        if cannot:
            listed = "；".join(f"“{f.name}”{f.problem or '没有读取'}" for f in cannot)
            self._say(f"{listed}。请移除这些文件（或改正后再点“下一步”）再继续")
            return
        self._show_sheets()

    # ---- step 2: sheets, headers, columns, year ---------------------------------------------

    def _show_sheets(self) -> None:
        self.sheets_step.show_books(self.files, remembered=column_mappings.remembered(self._db.conn, MAPPING_KIND),
                                    today_year=self._db.clock.today().year)
        if self.pages.currentIndex() != SHEETS:
            self._show(SHEETS)
        else:
            self._update_buttons()

    def _recheck(self, index: int, spec: CheckSpec, keep) -> None:
        """Check one book again with a choice changed; ``keep()`` makes the choice the book's once it has read."""
        db, actor = self._db, self._actor
        results: list[object] = []

        def done(finished: bool) -> None:
            self._set_busy(False)
            if not finished or not results:
                self._say("已取消重新检查，仍按修改前的显示")
                self._show_sheets()
                return
            result = results[0]
            if isinstance(result, ImportReport):
                keep()
                self.files[index].take(result)
                show_error(self.error, None)
            else:  # the change could not be read (a header row past the sheet's end …): nothing kept
                self._say(describe_error(result))
            self._show_sheets()

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            self._say(describe_error(err))
            self._show_sheets()

        self._set_busy(True)
        self.progress = run_with_progress(
            self, title="重新检查", label=f"正在按您的修改重新检查“{spec.path.name}” …",
            job=lambda progress: check_books(db, actor, [(index, spec)], progress), on_done=done, on_error=failed,
            on_step=lambda step: results.append(step[1]))

    def _header_chosen(self, index: int, sheet: str, row: int) -> None:
        f = self.files[index]
        rows = {s: r for s, r in f.header_rows.items() if s != sheet}
        if row:
            rows[sheet] = row

        def keep() -> None:
            f.header_rows = rows

        self._recheck(index, f.spec(header_rows=rows), keep)

    def _column_chosen(self, index: int, header: str, field: str) -> None:
        f = self.files[index]
        mapping = {**f.mapping, header: field}

        def keep() -> None:
            f.mapping = mapping

        self._recheck(index, f.spec(mapping=mapping), keep)

    def _year_chosen(self, index: int, year: int) -> None:
        f = self.files[index]

        def keep() -> None:
            f.year = year or None

        self._recheck(index, f.spec(year=year or None), keep)

    # ---- step 3: preview and the issue lists -------------------------------------------------

    def _show_preview(self) -> None:
        self.preview_step.show_books(self._to_import())
        self._show(PREVIEW)

    def _to_import(self) -> list[LedgerFile]:
        return [f for f in self.files if f.readable and (f.outcome is None or f.outcome.state != IMPORTED)]

    def _choose_issues_file(self, f: LedgerFile) -> None:
        suggested = str(f.path.with_name(f"{f.path.stem}-问题清单.xlsx"))
        path, _ = QFileDialog.getSaveFileName(self, "导出问题清单", suggested, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_issues(f, Path(path))

    def export_issues(self, f: LedgerFile, out: Path) -> None:
        """A book's issues as a workbook (sheet, row and column as the book has them), off the GUI thread."""
        from ...reports.import_issues_xlsx import write_import_issues_xlsx

        out = out if out.suffix.lower() == ".xlsx" else out.with_name(out.name + ".xlsx")
        errors, warnings = list(f.report.errors), list(f.report.warnings)
        preview = self.preview_step.book(f)

        def done(count: int) -> None:
            self._set_busy(False)
            preview.export_status.setText(f"已导出 {count} 条到“{out.name}”")
            messages.info(self, f"问题清单已导出：{out}\n\n共 {count} 条（错误 {len(errors)} 条，提醒 {len(warnings)} 条）。"
                                "其中的工作表、行号和列就是台账中的，可以照着逐条改正。")

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            self._say(describe_error(err))

        self._set_busy(True)
        self.progress = run_with_progress(
            self, title="导出问题清单", label="正在导出问题清单 …",
            job=lambda _progress: write_import_issues_xlsx(out, errors, warnings, source=f.name),
            on_done=done, on_error=failed)

    # ---- step 4: import ----------------------------------------------------------------------

    def importable(self) -> bool:
        books = self._to_import()
        return bool(books) and all(f.report.ok for f in books)

    def confirmation(self) -> str:
        books = self._to_import()
        lines = []
        for f in books:
            counts = f.report.checked.ledger_counts
            lines.append(f"•“{f.name}”：新建档案 {counts.get('new', 0)} 户，帮扶明细 "
                         f"{f.report.checked.counts().get('帮扶明细', 0)} 人次" +
                         ("；将替换以前从这本台账导入的部分记录，见“预览”" if f.report.checked.removal else ""))
        return (f"将导入这 {len(books)} 本台账：\n\n" + "\n".join(lines) +
                "\n\n每本台账或者全部导入，或者一行也不导入。导入第一本前先备份一次数据库（导入前备份），"
                "需要时可以从这个备份恢复到导入前。\n\n确定导入吗？")

    def start_import(self) -> None:
        if self._busy or not self.importable():
            return
        if not self._actor.may(*IMPORTERS):
            self._say(READ_ONLY)
            return
        if not messages.ask(self, self.confirmation(), title="确认导入", yes_text="导入"):
            return
        books = [(self.files.index(f), f.spec(), f.report) for f in self._to_import()]
        db, actor = self._db, self._actor

        def book_done(step) -> None:
            index, outcome = step
            self.files[index].outcome = outcome

        self._set_busy(True)
        self._update_steps(importing=True)
        self.progress = run_with_progress(
            self, title="导入", label=f"正在导入“{books[0][1].path.name}” …",
            job=lambda progress: import_books(db, actor, books, progress), on_done=lambda _r: self._imported(),
            on_error=self._import_failed, on_step=book_done)

    def _imported(self) -> None:
        self._set_busy(False)
        ran = [f for f in self.files if f.outcome is not None]
        written = [f for f in ran if f.outcome.state == IMPORTED]
        for f in written:
            f.password = None  # written: the file is not read again
        if not written and all(f.outcome.state in (CANCELLED, SKIPPED) for f in ran):
            for f in ran:
                f.outcome = None
            self._update_steps()
            self._say(CANCELLED_TEXT)
            messages.info(self, CANCELLED_TEXT)
            return
        self.done_step.show_outcomes(ran)
        self._show(DONE)
        if written:
            self.import_written.emit()

    def _import_failed(self, err: BaseException) -> None:
        # The job itself failed (its connection could not be opened …); books written before keep their outcome.
        self._set_busy(False)
        self._update_steps()
        self._say(describe_error(err))
        messages.error(self, describe_error(err))
        if any(f.outcome is not None and f.outcome.state == IMPORTED for f in self.files):
            self.done_step.show_outcomes([f for f in self.files if f.outcome is not None])
            self._show(DONE)
            self.import_written.emit()

    # ---- step 5: open what was made -----------------------------------------------------------

    def _open_archive(self, flt) -> None:
        self.archive_requested.emit(flt)
        self.accept()

    def _open_batches(self, year: int) -> None:
        self.batches_requested.emit(year)
        self.accept()

    def _open_batch(self, code: str) -> None:
        batch_id = find_batch_id(self._db.conn, code)
        if batch_id is not None:
            self.batch_requested.emit(batch_id)

    # ---- navigation --------------------------------------------------------------------------

    def _show(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        show_error(self.error, None)
        self._update_steps()
        self._update_buttons()

    def _update_steps(self, importing: bool = False) -> None:
        current = 3 if importing else {CHOOSE: 0, SHEETS: 1, PREVIEW: 2, DONE: 4}[self.pages.currentIndex()]
        parts = []
        for i, name in enumerate(STEPS):
            text = f"{i + 1} {name}"
            if i == current:
                parts.append(f"<b style='color:#1a5fb4'>{text}</b>")
            else:
                parts.append(f"<span style='color:{'#333333' if i < current else '#999999'}'>{text}</span>")
        self.steps.setText(" &nbsp;›&nbsp; ".join(parts))

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        busy = self._busy
        self.back_button.setVisible(page in (SHEETS, PREVIEW))
        self.next_button.setVisible(page in (CHOOSE, SHEETS))
        self.import_button.setVisible(page == PREVIEW)
        self.finish_button.setVisible(page == DONE)
        self.cancel_button.setVisible(page != DONE)
        self.back_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.next_button.setEnabled(not busy and (page != CHOOSE or bool(self.files)))
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.table.selectionModel().selectedRows()))
        may = self._actor.may(*IMPORTERS)
        ok = page == PREVIEW and self.importable()
        self.import_button.setEnabled(not busy and ok and may)
        self.import_button.setToolTip(READ_ONLY if not may else "" if ok else "有错误的台账不能导入；请改正后再导入，"
                                      "或回到第1步移除有错误的台账")
        self.sheets_step.setEnabled(not busy)
        self.preview_step.setEnabled(not busy)

    def next(self) -> None:
        if self._busy:
            return
        page = self.pages.currentIndex()
        if page == CHOOSE:
            self.check_files()
        elif page == SHEETS:
            self._show_preview()

    def back(self) -> None:
        if self._busy:
            return
        page = self.pages.currentIndex()
        if page == PREVIEW:
            self._show_sheets()
        elif page == SHEETS:
            self._show(CHOOSE)

    def reject(self) -> None:
        # A job still running on this dialog's thread must finish first (cancel it through its progress dialog).
        if not self._busy:
            super().reject()

    def done(self, result: int) -> None:
        for f in self.files:
            f.password = None
        super().done(result)

    def _say(self, text: str) -> None:
        """A problem: under the list of books on the first page, above the buttons on the others."""
        show_error(self.file_error if self.pages.currentIndex() == CHOOSE else self.error, text)

    @property
    def busy(self) -> bool:
        """Whether a check, an export or the import is running."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()
