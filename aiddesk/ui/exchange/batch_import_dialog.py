"""导入多个交换表: the centre takes in its units' workbooks in one run, each all or nothing, one backup first."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...db import Database
from ...db.audit import Actor
from ...exchange.validate import Issue
from ...reports.common import Cancelled
from ...services.exchange_import import ExchangeImportService, ImportReport, ImportRun, PasswordRequired
from .. import messages
from ..forms import close_buttons, error_label, show_error
from ..worker import Progress, describe_error, run_with_progress
from .import_wizard import FILE_FILTER, IMPORT_PRIVACY, IMPORTERS, READ_ONLY, removal_counts
from .issues_table import IssuesTable

log = logging.getLogger(__name__)

TITLE = "导入多个交换表"
COLUMNS = ("文件", "单位", "年度", "结果", "提醒")
FILE, UNIT, YEAR, RESULT, WARNINGS = range(len(COLUMNS))
SUFFIXES = (".xlsx", ".xls", ".csv")  # what 添加文件夹… takes, as FILE_FILTER offers
# The outcomes of a file in a run; PENDING before it (or when a run stopped before reaching it).
PENDING, IMPORTED, REFUSED, UNREADABLE, PASSWORD, CANCELLED, SKIPPED, FAILED = (
    "pending", "imported", "refused", "unreadable", "password", "cancelled", "skipped", "failed")
WIZARD = "文件 → 导入交换表或旧台账…"
INTRO = ("一次导入各单位报送的多个交换表：逐个检查、导入，每个文件或者全部导入，或者一行也不导入；有错误的文件不导入，"
         "其余照常导入。导入第一个文件前备份一次数据库。设置了打开密码的文件请用“" + WIZARD + "”逐个导入。")
NOTHING = "请先用“添加文件…”或“添加文件夹…”选择要导入的交换表"
ALL_DONE = "列表中的文件都已导入。要导入其他文件，请先添加"
_COLOURS = {IMPORTED: "#1e7b34", REFUSED: "#c0392b", UNREADABLE: "#c0392b", FAILED: "#c0392b", PASSWORD: "#8a5300",
            CANCELLED: "#777777", SKIPPED: "#777777"}
_HINT_STYLE = "color: #666666;"
_NOTICE_STYLE = "color: #8a5300; background: #fff6e0; padding: 6px;"


@dataclass
class FileOutcome:
    """What one file of a run came to: only what the table and the issue list need, not the checked rows."""

    path: Path
    state: str = PENDING
    unit: str = ""                # 省财贸工会（460001）
    year: int | None = None
    imported: dict[str, int] = field(default_factory=dict)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    reason: str = ""              # why it could not be read or imported
    removed: str = ""             # what a replacement took away: 帮扶明细 2 行、帮扶批次 1 行

    @property
    def rows(self) -> int:
        return sum(self.imported.values())

    def result(self) -> str:
        """The 结果 cell."""
        return {PENDING: "", IMPORTED: f"已导入 {self.rows} 行", REFUSED: f"有 {len(self.errors)} 处错误，没有导入",
                UNREADABLE: f"无法读取：{self.reason}", PASSWORD: "需要密码，没有导入", CANCELLED: "已取消，没有导入",
                SKIPPED: "未导入（已取消）", FAILED: f"没有导入：{self.reason}"}[self.state]

    def details(self) -> str:
        """The 结果 cell's tooltip: every sheet's rows, what was removed, or the whole reason and what to do."""
        if self.state == IMPORTED:
            rows = "、".join(f"{sheet} {n} 行" for sheet, n in self.imported.items() if n)
            text = "已导入：" + (rows or "没有数据行")
            return text + (f"\n以前导入、而这份表中已没有的记录已删除：{self.removed}" if self.removed else "")
        if self.state == REFUSED:
            return "双击查看问题，或点“导出问题清单…”交给填表的人改正后再导入"
        if self.state == PASSWORD:
            return f"{self.reason}\n这个文件设置了打开密码，请用“{WIZARD}”导入，导入时输入发送单位告知的密码"
        if self.state == CANCELLED:
            return "点了“取消”，这个文件没有写入任何内容"
        if self.state == SKIPPED:
            return "点了“取消”，没有导入这个文件"
        return self.reason


def outcome_of(report: ImportReport) -> FileOutcome:
    """Summarise an import's report; the caller drops the report (its checked rows can be hundreds of MB)."""
    checked = report.checked
    if checked.legacy:
        unit = "本单位（旧台账）"
    else:
        unit = f"{checked.unit_name}（{checked.unit_code}）" if checked.unit_code else ""
    removed = removal_counts(checked.removal) if report.written and checked.removal else ""
    return FileOutcome(checked.path, IMPORTED if report.written else REFUSED, unit=unit, year=checked.year,
                       imported=dict(report.imported), errors=list(report.errors), warnings=list(report.warnings),
                       removed=removed)


def import_one(run: ImportRun, path: Path, progress) -> FileOutcome:
    """One file of the run: imported, refused for its errors, or not read (no workbook, a password, cancelled)."""
    try:
        report = run.import_file(path, progress=progress)
    except Cancelled:
        return FileOutcome(path, CANCELLED)
    except PasswordRequired as err:  # asked for in the single-file wizard only: a run does not stop for a prompt
        return FileOutcome(path, PASSWORD, reason=err.message)
    except UserError as err:         # Unreadable: no workbook, damaged, too large, not found …
        return FileOutcome(path, UNREADABLE, reason=err.message)
    except OSError as err:           # the file went away or is locked by another program
        return FileOutcome(path, UNREADABLE, reason=describe_error(err))
    return outcome_of(report)


def import_files(db: Database, actor: Actor, paths: list[Path], progress: Progress) -> list[FileOutcome]:
    """The run, on a worker thread with its own connection: each file's outcome is stepped to the GUI once known.

    A cancel stops within the current file (nothing of it written) or, heard after it was written, before the next.
    Anything unexpected stops the run too: it may be about the database, not the file, and would repeat.
    """
    worker_db = db.connect_for_thread()
    outcomes: list[FileOutcome] = []
    try:
        run = ImportRun(ExchangeImportService(worker_db, actor))
        total = len(paths)
        for i, path in enumerate(paths):
            if not progress(i, total):
                break
            progress.say(f"第 {i + 1}/{total} 个文件：{path.name}")
            try:
                outcome = import_one(run, path, lambda _done, _total, i=i: progress(i, total))
            except Exception as err:  # shown in its row; this file's transaction was rolled back
                log.exception("importing %s failed", path)
                outcome = FileOutcome(path, FAILED, reason=describe_error(err))
            outcomes.append(outcome)
            progress.step(outcome)
            if outcome.state in (CANCELLED, FAILED):
                break
        progress(len(outcomes), total)
    finally:
        worker_db.close()
    return outcomes


def _key(path: Path) -> str:
    """The same file however it was reached (relative, another case on Windows)."""
    return os.path.normcase(os.path.abspath(path))


def workbooks_in(folder: Path) -> list[Path]:
    """The .xlsx/.xls/.csv files directly in ``folder``, by name; not Excel's ~$ lock files of open workbooks."""
    return sorted((p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith("~$")),
                  key=lambda p: p.name)


def confirmation(count: int) -> str:
    return (f"将逐个导入这 {count} 个文件：\n\n"
            "• 每个文件或者全部导入，或者一行也不导入；\n"
            "• 有错误的文件不导入，其余照常导入；有错误的可以导出问题清单，改正后再导入；\n"
            "• 某单位某年度以前导入过的，以这次导入的交换表为准替换；\n"
            "• 导入第一个文件前先备份一次数据库（导入前备份），需要时可以从这个备份恢复到导入前。\n\n"
            f"设置了打开密码的文件这次不导入，之后请用“{WIZARD}”逐个导入。\n\n确定开始导入吗？")


def summary(outcomes: list[FileOutcome]) -> str:
    """N 个已导入，M 个有错误没有导入 …, with what to do about the ones not imported."""
    count = {state: sum(o.state == state for o in outcomes) for state in _COLOURS}
    parts = [f"{count[IMPORTED]} 个已导入"]
    for state, words in ((REFUSED, "有错误没有导入"), (UNREADABLE, "无法读取"), (PASSWORD, "需要密码没有导入"),
                         (FAILED, "因意外错误没有导入")):
        if count[state]:
            parts.append(f"{count[state]} 个{words}")
    if count[CANCELLED] + count[SKIPPED]:
        parts.append(f"{count[CANCELLED] + count[SKIPPED]} 个因取消没有导入")
    text = f"共 {len(outcomes)} 个文件：" + "，".join(parts) + "。"
    if count[REFUSED]:
        text += "有错误的文件双击查看问题，或导出问题清单交给填表的人，改正后再导入。"
    if count[PASSWORD]:
        text += f"需要密码的文件请用“{WIZARD}”逐个导入。"
    return text


class IssuesDialog(QDialog):
    """One file's errors and warnings, as the import wizard lists them."""

    def __init__(self, outcome: FileOutcome, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"“{outcome.path.name}”的问题")
        self.issues = IssuesTable()
        self.issues.set_issues(outcome.errors, outcome.warnings)
        layout = QVBoxLayout(self)
        layout.addWidget(self.issues, 1)
        layout.addWidget(close_buttons(self))
        self.resize(900, 480)


class BatchImportDialog(QDialog):
    """The list of files, their outcomes once imported, and the issue lists of the ones refused."""

    import_written = Signal(int)  # after a run that wrote files (how many): the window re-reads everything

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._db = db
        self._actor = actor  # each import is audited under the logged-in user
        self.paths: list[Path] = []
        self.outcomes: dict[str, FileOutcome] = {}  # by _key, once a run reached the file
        self._running: list[Path] = []              # the files of the run going on
        self.progress = None  # the running job's progress dialog
        self.issues_dialog: IssuesDialog | None = None
        self._busy = False

        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.add_button = QPushButton("添加文件…")
        self.add_folder_button = QPushButton("添加文件夹…")
        self.remove_button = QPushButton("移除")
        self.remove_button.setToolTip("从列表中去掉选中的文件（不删除文件本身）")
        self.add_button.clicked.connect(self._browse_files)
        self.add_folder_button.clicked.connect(self._browse_folder)
        self.remove_button.clicked.connect(self.remove_selected)
        tools = QHBoxLayout()
        for button in (self.add_button, self.add_folder_button, self.remove_button):
            tools.addWidget(button)
        tools.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(60)
        for column in range(len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.Stretch if column == RESULT
                                        else QHeaderView.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.show_issues(row))

        # The selected file's whole outcome: a reason too long for its cell is read here, not cut off.
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.detail.setStyleSheet(_HINT_STYLE)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setVisible(False)  # until a run has ended
        notice = QLabel(IMPORT_PRIVACY)
        notice.setWordWrap(True)
        notice.setStyleSheet(_NOTICE_STYLE)
        self.error = error_label()

        self.issues_button = QPushButton("查看问题…")
        self.issues_button.setToolTip("列出选中文件的错误和提醒（也可以双击这一行）")
        self.issues_button.clicked.connect(lambda: self.show_issues(self._current_row()))
        self.export_button = QPushButton("导出问题清单…")
        self.export_button.setToolTip("把选中文件的全部错误和提醒存为 Excel 表，交给填表的人逐条改正")
        self.export_button.clicked.connect(self._choose_issues_file)
        self.export_status = QLabel()
        self.export_status.setStyleSheet(_HINT_STYLE)
        self.start_button = QPushButton("开始导入")
        self.start_button.clicked.connect(self.start)
        self.close_button = QPushButton("关闭")
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.issues_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.export_status)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.close_button)
        for button in (self.add_button, self.add_folder_button, self.remove_button, self.issues_button,
                       self.export_button, self.start_button, self.close_button):
            button.setAutoDefault(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addWidget(self.summary)
        layout.addWidget(notice)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(980, 600)
        self._update_buttons()

    # ---- the list of files -------------------------------------------------------------------

    def add_files(self, paths) -> int:
        """Add files not listed yet, in the order given; how many were new."""
        known = {_key(p) for p in self.paths}
        added = 0
        for path in map(Path, paths):
            if _key(path) in known:
                continue
            known.add(_key(path))
            self.paths.append(path)
            added += 1
        if added:
            show_error(self.error, None)
            self._fill()
        return added

    def add_folder(self, folder: Path) -> int:
        found = workbooks_in(Path(folder))
        if not found:
            show_error(self.error, f"文件夹“{folder}”中没有 .xlsx、.xls 或 .csv 文件（不含下一层文件夹）")
            return 0
        return self.add_files(found)

    def remove_selected(self) -> None:
        if self._busy:
            return
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        self.paths = [p for r, p in enumerate(self.paths) if r not in rows]
        self._fill()

    def _start_folder(self) -> str:
        return str(self.paths[-1].parent) if self.paths else str(Path.home())

    def _browse_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择要导入的交换表（可多选）", self._start_folder(), FILE_FILTER)
        if paths:
            self.add_files(paths)

    def _browse_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择存放交换表的文件夹", self._start_folder())
        if folder:
            self.add_folder(Path(folder))

    def _fill(self) -> None:
        self.table.setRowCount(len(self.paths))
        for row, path in enumerate(self.paths):
            self._show_row(row, self.outcomes.get(_key(path)) or FileOutcome(path))
        self._update_buttons()

    def _show_row(self, row: int, outcome: FileOutcome) -> None:
        texts = (outcome.path.name, outcome.unit, str(outcome.year or ""), outcome.result(),
                 str(len(outcome.warnings)) if outcome.warnings else "")
        colour = _COLOURS.get(outcome.state)
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column == FILE:
                item.setToolTip(str(outcome.path))
            elif column == RESULT:
                item.setToolTip(outcome.details())
                if colour:
                    item.setForeground(QColor(colour))
                if outcome.state in (REFUSED, UNREADABLE, FAILED):
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
            elif column in (YEAR, WARNINGS):
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.table.setItem(row, column, item)

    def rows(self) -> list[tuple[str, ...]]:
        """The table as the user sees it."""
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]

    def _current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if len(rows) == 1 else None

    def _outcome(self, row: int | None) -> FileOutcome | None:
        if row is None or not 0 <= row < len(self.paths):
            return None
        return self.outcomes.get(_key(self.paths[row]))

    # ---- the run -----------------------------------------------------------------------------

    def to_import(self) -> list[Path]:
        """The listed files a run takes: all but those this dialog has imported already."""
        return [p for p in self.paths
                if (o := self.outcomes.get(_key(p))) is None or o.state != IMPORTED]

    def start(self) -> None:
        if self._busy:
            return
        if not self._actor.may(*IMPORTERS):
            show_error(self.error, READ_ONLY)
            return
        paths = self.to_import()
        if not paths:
            show_error(self.error, ALL_DONE if self.paths else NOTHING)
            return
        if not messages.ask(self, confirmation(len(paths)), title="确认导入", yes_text="开始导入"):
            return
        show_error(self.error, None)
        self.export_status.clear()
        for path in paths:  # a file run again (corrected meanwhile) shows its new outcome, not the last one
            self.outcomes.pop(_key(path), None)
        self._fill()
        db, actor = self._db, self._actor
        self._running = paths
        self._set_busy(True)
        self.progress = run_with_progress(
            self, title=TITLE, label=f"第 1/{len(paths)} 个文件：{paths[0].name}",
            job=lambda progress: import_files(db, actor, paths, progress),
            on_done=self._finished, on_error=self._failed, on_step=self._file_done)

    def _file_done(self, outcome: FileOutcome) -> None:
        """A file's outcome as soon as it is known, while the run goes on."""
        key = _key(outcome.path)
        self.outcomes[key] = outcome
        row = next((r for r, p in enumerate(self.paths) if _key(p) == key), None)
        if row is not None:
            self._show_row(row, outcome)

    def _finished(self, outcomes: list[FileOutcome]) -> None:
        for outcome in outcomes:  # each was stepped already; in case a step was not delivered
            self.outcomes.setdefault(_key(outcome.path), outcome)
        self._end_run()

    def _failed(self, err: BaseException) -> None:
        # The job itself failed (its connection could not be opened …): the files reached keep their outcomes.
        self._end_run()
        show_error(self.error, describe_error(err))
        messages.error(self, describe_error(err))

    def _end_run(self) -> None:
        running, self._running = self._running, []
        for path in running:  # not reached: the run was cancelled (or stopped) before them
            self.outcomes.setdefault(_key(path), FileOutcome(path, SKIPPED))
        self._set_busy(False)
        self._fill()
        ran = [self.outcomes[_key(p)] for p in running]
        self.summary.setText(summary(ran))
        self.summary.setVisible(True)
        failed = next((o for o in ran if o.state == FAILED), None)
        if failed is not None:
            messages.error(self, f"导入“{failed.path.name}”时{failed.reason}\n\n其后的文件没有导入。")
        written = sum(o.state == IMPORTED for o in ran)
        if written:
            self.import_written.emit(written)

    # ---- issues ------------------------------------------------------------------------------

    def show_issues(self, row: int | None) -> None:
        """The file's errors and warnings in a table (a double-click on its row)."""
        outcome = self._outcome(row)
        if outcome is None or not (outcome.errors or outcome.warnings):
            return
        if self.issues_dialog is not None:
            self.issues_dialog.deleteLater()
        self.issues_dialog = IssuesDialog(outcome, self)
        self.issues_dialog.open()

    def _choose_issues_file(self) -> None:
        outcome = self._outcome(self._current_row())
        if outcome is None:
            return
        suggested = str(outcome.path.with_name(f"{outcome.path.stem}-问题清单.xlsx"))
        path, _ = QFileDialog.getSaveFileName(self, "导出问题清单", suggested, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_issues(outcome, Path(path))

    def export_issues(self, outcome: FileOutcome, out: Path) -> None:
        """Write the file's issue list workbook off the GUI thread, as the import wizard does."""
        from ...reports.import_issues_xlsx import write_import_issues_xlsx

        out = out if out.suffix.lower() == ".xlsx" else out.with_name(out.name + ".xlsx")
        errors, warnings, source = list(outcome.errors), list(outcome.warnings), outcome.path.name

        def done(count: int) -> None:
            self._set_busy(False)
            self.export_status.setText(f"已导出 {count} 条到“{out.name}”")
            messages.info(self, f"问题清单已导出：{out}\n\n"
                                f"共 {count} 条（错误 {len(errors)} 条，提醒 {len(warnings)} 条）。")

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            show_error(self.error, describe_error(err))

        self._set_busy(True)
        self.progress = run_with_progress(
            self, title="导出问题清单", label="正在导出问题清单 …",
            job=lambda _progress: write_import_issues_xlsx(out, errors, warnings, source=source),
            on_done=done, on_error=failed)

    # ---- state -------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a run or an export is going on."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self._busy
        may = self._actor.may(*IMPORTERS)
        for button in (self.add_button, self.add_folder_button, self.close_button):
            button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.table.selectionModel().selectedRows()))
        self.start_button.setEnabled(not busy and may and bool(self.to_import()))
        self.start_button.setToolTip(READ_ONLY if not may else "")
        outcome = self._outcome(self._current_row())
        self.detail.setText(f"{outcome.path.name}：{outcome.details()}" if outcome is not None else "")
        self.detail.setVisible(outcome is not None)
        has_issues = outcome is not None and bool(outcome.errors or outcome.warnings)
        self.issues_button.setEnabled(not busy and has_issues)
        self.export_button.setEnabled(not busy and has_issues)

    def reject(self) -> None:
        # The run writes on its own thread: it is stopped through its progress dialog's 取消, not by closing.
        if not self._busy:
            super().reject()
