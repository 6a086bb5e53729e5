"""导入交换表或旧台账: choose a file (and its password), map columns, see the check, import off the GUI thread."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...db import Database
from ...db.audit import Actor
from ...db.units import own_unit
from ...exchange.validate import CHANGED_WARNING, Refused, Removal
from ...reports.common import Cancelled
from ...services.exchange_import import ExchangeImportService, ImportReport, PasswordRequired, WrongPassword
from .. import messages
from ..forms import error_label, field_with_button, show_error, wizard_buttons
from ..worker import describe_error, run_with_progress
from .issues_table import IssuesTable
from .mapping_step import MappingStep
from .password_dialog import PasswordDialog

STEPS = ("选择文件", "对应列", "检查结果", "导入", "结果")
CHOOSE, MAPPING, RESULT, DONE = 0, 1, 2, 3   # pages; step 导入 is the confirmation and progress over 检查结果
IMPORTERS = ("管理员", "经办人")
READ_ONLY = "您的账号只能查看；导入由管理员或经办人办理"
CANCELLED = "已取消，没有导入任何内容"
NO_PASSWORD = "没有输入密码，未读取“{name}”。需要导入时请再点“下一步”，输入发送单位告知的打开密码"
FILE_FILTER = "Excel 或 CSV 文件 (*.xlsx *.xls *.csv);;所有文件 (*)"

KINDS = ("可以导入两种文件：\n"
         "• 交换表：下级单位用本软件“文件 → 导出交换表”生成的工作簿（含“说明”表），导入后归入该单位，"
         "再次导入同一单位同一年度的交换表会替换以前导入的数据；\n"
         "• 旧台账：本单位以前用 Excel 记的台账（没有“说明”表），导入到本单位。表头与格式不同的，"
         "下一步可以逐列对应，程序会记住。\n"
         "导入前会先检查全部内容；有任何错误都不会导入，可以导出问题清单交给填表的人改正。")
IMPORT_PRIVACY = ("交换表和台账含有困难职工的姓名、完整身份证号、银行卡号和电话等个人信息。"
                  "导入后请从U盘等介质上删除，不要通过公共网络或社交软件传送。")
_HINT_STYLE = "color: #666666;"
_NOTICE_STYLE = "color: #8a5300; background: #fff6e0; padding: 6px;"


def _when(iso: str) -> str:
    """2026-11-26T16:07:08 → 2026-11-26 16:07."""
    return iso.replace("T", " ")[:16]


def _rows_text(counts: dict[str, int]) -> str:
    return "、".join(f"{sheet} {n} 行" for sheet, n in counts.items() if n) or "（没有数据行）"


def removal_counts(removal: Removal) -> str:
    """帮扶明细 2 行、帮扶批次 1 行，随之删除电话抽查记录 1 条."""
    text = "、".join(f"{sheet} {len(keys)} 行" for sheet, keys in removal.keys.items())
    if removal.with_them:
        text += "，随之删除" + "、".join(f"{what} {n} 条" for what, n in removal.with_them.items())
    return text


def removal_text(removal: Removal) -> str:
    """Every row an import takes away, by sheet and key, and what goes with them: one line a sheet."""
    lines = [f"{sheet}（{len(keys)} 行）：{'、'.join(keys)}" for sheet, keys in removal.keys.items()]
    if removal.with_them:
        lines.append("随之删除：" + "、".join(f"{what} {n} 条" for what, n in removal.with_them.items()))
    return "\n".join(lines)


class ImportWizard(QDialog):
    """The steps in one dialog with Chinese buttons; ``imported`` holds the rows written, once the import is done."""

    import_written = Signal(dict)  # emitted when the import has been written (the window refreshes)

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("导入交换表或旧台账")
        self._db = db
        self._actor = actor  # the import is audited under the logged-in user
        self.report: ImportReport | None = None
        self.mapping: dict[str, dict[str, str]] = {}  # format sheet → {format header: file header} the user chose
        self.imported: dict[str, int] | None = None
        self.progress = None  # the running job's progress dialog
        self.password_dialog: PasswordDialog | None = None  # open while an encrypted file's password is asked for
        # The opening password of the file being worked on, only in memory: re-checks after choosing columns
        # read the file again. Dropped when another file is chosen, after the import and when the wizard closes.
        self._password: tuple[Path, str] | None = None
        self._busy = False

        self.steps = QLabel()
        self.steps.setTextFormat(Qt.RichText)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._choose_page())
        self.mapping_step = MappingStep()
        self.mapping_step.edited.connect(self._mapping_edited)
        self.pages.addWidget(self.mapping_step)
        self.pages.addWidget(self._result_page())
        self.pages.addWidget(self._done_page())
        self.error = error_label()   # problems on the pages after the first (which has its own, by the file field)

        buttons = wizard_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.steps)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(940, 640)
        self._show(CHOOSE)

    # ---- pages -------------------------------------------------------------------------------

    def _choose_page(self) -> QWidget:
        page = QWidget()
        kinds = QLabel(KINDS)
        kinds.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setPlaceholderText("选择 .xlsx、.xls 或 .csv 文件")
        self.path.textEdited.connect(lambda _t: show_error(self.file_error, None))
        row, _browse = field_with_button(self.path, "选择…", self._browse)
        self.file_error = error_label()
        form = QFormLayout()
        form.addRow("文件", row)
        form.addRow("", self.file_error)
        notice = QLabel(IMPORT_PRIVACY)
        notice.setWordWrap(True)
        notice.setStyleSheet(_NOTICE_STYLE)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(kinds)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addWidget(notice)
        return page

    def _result_page(self) -> QWidget:
        page = QWidget()
        self.changed_label = QLabel()   # 校验码: edited after export; said first, it explains many other issues
        self.changed_label.setWordWrap(True)
        self.changed_label.setStyleSheet(_NOTICE_STYLE)
        self.summary = QFormLayout()
        self.kind_label, self.unit_label, self.year_label, self.rows_label = QLabel(), QLabel(), QLabel(), QLabel()
        for label in (self.unit_label, self.rows_label):
            label.setWordWrap(True)
        self.rows_caption = QLabel("将导入")
        # What the import takes away (a newer export replacing the unit's year, a shorter member list): every key.
        self.removal_caption = QLabel("将删除")
        self.removal_caption.setStyleSheet("color: #c0392b;")
        self.removal_label = QLabel()
        self.removal_label.setWordWrap(True)
        self.removal_label.setStyleSheet("color: #c0392b;")
        self.removal_list = QPlainTextEdit()
        self.removal_list.setReadOnly(True)
        self.removal_list.setMaximumHeight(90)
        self.removal_list.setToolTip("这些是以前导入、而这份表中已没有的记录：导入后将被删除")
        removal = QVBoxLayout()
        removal.setContentsMargins(0, 0, 0, 0)
        removal.addWidget(self.removal_label)
        removal.addWidget(self.removal_list)
        self.summary.addRow("文件类型", self.kind_label)
        self.summary.addRow("单位", self.unit_label)
        self.summary.addRow("年度", self.year_label)
        self.summary.addRow(self.rows_caption, self.rows_label)
        self.summary.addRow(self.removal_caption, removal)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.issues = IssuesTable()
        self.export_button = QPushButton("导出问题清单…")
        self.export_button.setAutoDefault(False)
        self.export_button.setToolTip("把全部错误和提醒存为 Excel 表，交给填表的人逐条改正")
        self.export_button.clicked.connect(self._choose_issues_file)
        self.export_status = QLabel()
        self.export_status.setStyleSheet(_HINT_STYLE)
        bar = QHBoxLayout()
        bar.addWidget(self.verdict, 1)
        bar.addWidget(self.export_status)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.changed_label)
        layout.addLayout(self.summary)
        layout.addLayout(bar)
        layout.addWidget(self.issues, 1)
        return page

    def _done_page(self) -> QWidget:
        page = QWidget()
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.done_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.done_label)
        layout.addStretch(1)
        return page

    # ---- navigation --------------------------------------------------------------------------

    def _show(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        show_error(self.error, None)
        self._update_steps()
        self._update_buttons()

    def _step(self) -> int:
        return {CHOOSE: 0, MAPPING: 1, RESULT: 2, DONE: 4}[self.pages.currentIndex()]

    def _update_steps(self, importing: bool = False) -> None:
        current = 3 if importing else self._step()
        legacy = self.report is not None and self.report.checked.legacy
        parts = []
        for i, name in enumerate(STEPS):
            text = f"{i + 1} {name}"
            if i == 1 and self.report is not None and not legacy:
                parts.append(f"<span style='color:#bbbbbb'>{text}（交换表不需要）</span>")
            elif i == current:
                parts.append(f"<b style='color:#1a5fb4'>{text}</b>")
            else:
                parts.append(f"<span style='color:{'#333333' if i < current else '#999999'}'>{text}</span>")
        self.steps.setText(" &nbsp;›&nbsp; ".join(parts))

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        busy = self._busy
        self.back_button.setVisible(page in (MAPPING, RESULT))
        self.next_button.setVisible(page in (CHOOSE, MAPPING))
        self.import_button.setVisible(page == RESULT)
        self.finish_button.setVisible(page == DONE)
        self.cancel_button.setVisible(page != DONE)
        self.back_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.next_button.setEnabled(not busy and (page != MAPPING or self.mapping_step.problem() is None))
        may = self._actor.may(*IMPORTERS)
        ok = self.report is not None and self.report.ok
        self.import_button.setEnabled(not busy and ok and may)
        self.import_button.setToolTip(READ_ONLY if not may else "" if ok else "有错误，不能导入")
        self.export_button.setEnabled(not busy and self.report is not None and
                                      bool(self.report.errors or self.report.warnings))
        if page == CHOOSE:
            self.next_button.setDefault(True)

    def next(self) -> None:
        if self._busy:
            return
        page = self.pages.currentIndex()
        if page == CHOOSE:
            self.check_file()
        elif page == MAPPING and self.mapping_step.problem() is None:
            self._show_result()

    def back(self) -> None:
        if self._busy:
            return
        page = self.pages.currentIndex()
        if page == RESULT and self.report is not None and self.report.checked.legacy:
            self._show(MAPPING)
        elif page in (MAPPING, RESULT):
            self._show(CHOOSE)

    def reject(self) -> None:
        # A job still running on this dialog's thread must finish first (cancel it through its progress dialog).
        if not self._busy:
            super().reject()

    def done(self, result: int) -> None:
        self._password = None
        super().done(result)

    # ---- step 1: the file --------------------------------------------------------------------

    def _browse(self) -> None:
        start = self.path.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "选择要导入的文件", start, FILE_FILTER)
        if path:
            self.path.setText(path)
            show_error(self.file_error, None)

    def source(self) -> Path | None:
        text = self.path.text().strip().strip('"')   # Windows' 复制路径 wraps the path in quotes
        return Path(text) if text else None

    def check_file(self) -> None:
        """Read and check the chosen file off the GUI thread (a different file starts with no columns chosen)."""
        show_error(self.file_error, None)
        path = self.source()
        if path is None:
            show_error(self.file_error, "请选择要导入的文件")
            return
        if self._password is not None and self._password[0] != path:
            self._password = None  # another file: its own password, if any, is asked for
        same = self.report is not None and self.report.checked.path == path
        # Columns chosen for another file do not apply to this one; they are replaced once this file is read,
        # so a check that is cancelled (or a password prompt) leaves the wizard as it was.
        self._check(path, self.mapping if same else {})

    def _check(self, path: Path, mapping: dict[str, dict[str, str]] | None = None) -> None:
        db, actor = self._db, self._actor
        mapping = {k: dict(v) for k, v in (self.mapping if mapping is None else mapping).items()}
        password = self._password[1] if self._password is not None and self._password[0] == path else None

        def job(progress):
            worker_db = db.connect_for_thread()
            try:
                return ExchangeImportService(worker_db, actor).check(path, mapping=mapping or None, progress=progress,
                                                                     password=password)
            except Cancelled:  # heard between columns: a big workbook stops within a moment
                return None
            finally:
                worker_db.close()

        def done(report: ImportReport | None) -> None:
            self._set_busy(False)
            if report is None:
                self._say("已取消检查")
                return
            self._checked(report)

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            if isinstance(err, PasswordRequired):
                self._ask_password(path, err)
                return
            self._say(describe_error(err))

        self._set_busy(True)
        reading = "正在解密、读取并检查" if password is not None else "正在读取并检查"
        self.progress = run_with_progress(self, title="检查文件", label=f"{reading}“{path.name}” …", job=job,
                                          on_done=done, on_error=failed)

    def _ask_password(self, path: Path, err: PasswordRequired) -> None:
        """Ask for the opening password without blocking (``open``); a wrong one is asked again, with why."""
        self._password = None
        dialog = PasswordDialog(path.name, problem=err.message if isinstance(err, WrongPassword) else None,
                                parent=self)
        self.password_dialog = dialog

        def given() -> None:
            self._password = (path, dialog.take_password())
            self._close_password_dialog()
            self._check(path, self.mapping if self.report is not None and self.report.checked.path == path else {})

        def declined() -> None:
            self._close_password_dialog()
            self._say(NO_PASSWORD.format(name=path.name))

        dialog.accepted.connect(given)
        dialog.rejected.connect(declined)
        dialog.open()

    def _close_password_dialog(self) -> None:
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
            self.password_dialog = None

    def _checked(self, report: ImportReport) -> None:
        self.report = report
        self.mapping = {k: dict(v) for k, v in report.mapping.items()}  # what this file was read with
        if report.checked.legacy:
            self.mapping_step.show_layouts(report.checked.layouts)
            self._show(MAPPING)
        else:
            self._show_result()

    def _say(self, text: str) -> None:
        """A problem, next to the file field on the first page, above the buttons on the others."""
        show_error(self.file_error if self.pages.currentIndex() == CHOOSE else self.error, text)

    # ---- step 2: columns of an old ledger ----------------------------------------------------

    def _mapping_edited(self, sheet: str, chosen: dict) -> None:
        self.mapping[sheet] = dict(chosen)
        path = self.source() if self.report is None else self.report.checked.path
        self._check(path)

    # ---- step 3: the check -------------------------------------------------------------------

    def _show_result(self) -> None:
        report = self.report
        checked = report.checked
        if checked.legacy:
            own = own_unit(self._db.conn)
            self.kind_label.setText("旧台账（没有“说明”表），导入到本单位")
            self.unit_label.setText(f"{own.name}（{own.code}）" if own else "（数据库还没有本单位）")
            self.year_label.setText(f"{checked.year}年（按表中日期推断）" if checked.year else "")
        else:
            own = checked.own_unit
            whose = "本单位" if checked.unit_code == own else "新数据库的本单位" if not own else "下级单位"
            exported = checked.exported_at.replace("T", " ")
            self.kind_label.setText("交换表" + (f"（导出于 {exported}）" if exported else ""))
            self.unit_label.setText(f"{checked.unit_name}（{checked.unit_code}），{whose}" if checked.unit_code
                                    else "（说明表中没有单位）")
            self.year_label.setText(f"{checked.year}年" if checked.year else "（说明表中没有年度）")
        self.rows_caption.setText("将导入" if report.ok else "表中数据")
        self.rows_label.setText(_rows_text(checked.counts()))
        removal = checked.removal if report.ok else Removal()
        self.removal_label.setText(f"以前导入、而这份表中已没有的记录将被删除：{removal_counts(removal)}"
                                   if removal else "")
        self.removal_list.setPlainText(removal_text(removal))
        for widget in (self.removal_caption, self.removal_label, self.removal_list):
            widget.setVisible(bool(removal))
        changed = any(w.message == CHANGED_WARNING for w in report.warnings)
        self.changed_label.setText("注意：" + CHANGED_WARNING + "（校验码不符）。可以导入，但请先与报送单位核实改动是否"
                                   "属实，再决定导入。")
        self.changed_label.setVisible(changed)
        if report.errors:
            self.verdict.setText(f"有{len(report.errors)}处错误，不能导入；请按清单改正后重新导入")
            self.verdict.setStyleSheet("color: #c0392b; font-weight: bold;")
        elif report.warnings:
            self.verdict.setText(f"没有错误，有{len(report.warnings)}条提醒，可以导入；请看过提醒再导入")
            self.verdict.setStyleSheet("color: #8a5300;")
        else:
            self.verdict.setText("检查通过，没有错误和提醒，可以导入")
            self.verdict.setStyleSheet("color: #1e7b34;")
        self.issues.set_issues(report.errors, report.warnings)
        self.issues.errors_only.setChecked(False)
        self.export_status.clear()
        self._show(RESULT)

    def _choose_issues_file(self) -> None:
        source = self.report.checked.path
        suggested = str(source.with_name(f"{source.stem}-问题清单.xlsx"))
        path, _ = QFileDialog.getSaveFileName(self, "导出问题清单", suggested, "Excel 工作簿 (*.xlsx)")
        if path:
            self.export_issues(Path(path))

    def export_issues(self, out: Path) -> None:
        """Write the issue list workbook off the GUI thread (a big ledger can have tens of thousands)."""
        from ...reports.import_issues_xlsx import write_import_issues_xlsx

        out = out if out.suffix.lower() == ".xlsx" else out.with_name(out.name + ".xlsx")
        errors, warnings = list(self.report.errors), list(self.report.warnings)
        source = self.report.checked.path.name

        def done(count: int) -> None:
            self._set_busy(False)
            self.export_status.setText(f"已导出 {count} 条到“{out.name}”")
            messages.info(self, f"问题清单已导出：{out}\n\n"
                                f"共 {count} 条（错误 {len(errors)} 条，提醒 {len(warnings)} 条）。")

        def failed(err: BaseException) -> None:
            self._set_busy(False)
            self._say(describe_error(err))

        self._set_busy(True)
        self.progress = run_with_progress(
            self, title="导出问题清单", label="正在导出问题清单 …",
            job=lambda _report: write_import_issues_xlsx(out, errors, warnings, source=source),
            on_done=done, on_error=failed)

    # ---- step 4: import ----------------------------------------------------------------------

    def confirmation(self) -> str:
        checked = self.report.checked
        rows = _rows_text(checked.counts())
        if checked.legacy:
            own = own_unit(self._db.conn)
            where = f"本单位“{own.name}”" if own else "本单位"
            gone = f"\n\n将删除：{removal_counts(checked.removal)}，明细见“检查结果”。" if checked.removal else ""
            return f"将把旧台账“{checked.path.name}”导入{where}：{rows}。{gone}\n\n确定导入吗？"
        unit = f"{checked.unit_name}（{checked.unit_code}）"
        before = ExchangeImportService(self._db, self._actor).previous(self.report)
        if before is None:
            history = f"这是单位{unit} {checked.year}年的第一次导入。"
        elif before.checksum and before.checksum == checked.checksum:
            history = (f"这份交换表已于{_when(before.imported_at)}由{before.imported_by}导入过，内容相同："
                       "再次导入不会改变任何数据。")
        else:
            history = (f"单位{unit} {checked.year}年的数据已于{_when(before.imported_at)}由{before.imported_by}从"
                       f"“{before.file_name}”导入。")
            if before.exported_at and checked.exported_at and checked.exported_at < before.exported_at:
                history += (f"注意：这份交换表导出于{_when(checked.exported_at)}，比上次导入的那份"
                            f"（导出于{_when(before.exported_at)}）更旧，导入后将以旧数据为准，请核对是否选错了文件。")
        removal = checked.removal
        gone = (f"\n\n将删除（以前导入、而这份表中已没有的）：{removal_counts(removal)}，明细见“检查结果”。"
                if removal else "")
        if checked.own_unit and checked.unit_code != checked.own_unit:
            return (f"{history}\n\n将替换单位{unit} {checked.year}年的数据：以前导入的该单位{checked.year}年资金收支、"
                    f"预算、计划、帮扶批次和明细，以这份交换表为准；档案按表更新。\n\n将导入：{rows}。{gone}\n\n确定导入吗？")
        return f"{history}\n\n将导入单位{unit} {checked.year}年的数据：{rows}。{gone}\n\n确定导入吗？"

    def start_import(self) -> None:
        report = self.report
        if self._busy or report is None or not report.ok:
            return
        if not self._actor.may(*IMPORTERS):
            self._say(READ_ONLY)
            return
        if not messages.ask(self, self.confirmation(), title="确认导入", yes_text="导入"):
            return
        db, actor = self._db, self._actor

        def job(progress):
            worker_db = db.connect_for_thread()
            try:
                # The service reports per sheet; our progress dialog counts rows, and its cancel returns False.
                counts = ExchangeImportService(worker_db, actor).apply(
                    report, progress=lambda _sheet, done, total: progress(done, total))
            finally:
                worker_db.close()
            # The importer asks only every few thousand rows: a cancel can come after everything was written.
            return counts, not progress(1, 1)

        self._set_busy(True)
        self._update_steps(importing=True)
        self.progress = run_with_progress(self, title="导入", label=f"正在导入“{report.checked.path.name}” …",
                                          job=job, on_done=self._imported, on_error=self._import_failed)

    def _imported(self, result: tuple[dict[str, int], bool]) -> None:
        counts, cancelled_late = result
        self._set_busy(False)
        self.imported = dict(counts)
        self._password = None  # written: the file is not read again
        checked = self.report.checked
        if checked.legacy:
            own = own_unit(self._db.conn)
            where = f"本单位{own.name}（{own.code}）" if own else "本单位"
        else:
            where = f"单位{checked.unit_name}（{checked.unit_code}）{checked.year}年"
        lines = "\n".join(f"    {sheet}：{n} 行" for sheet, n in counts.items() if n) or "    （没有数据行）"
        late = "点“取消”时导入已经写完，无法取消。\n\n" if cancelled_late else ""
        self.done_label.setText(f"{late}导入完成。“{checked.path.name}”已导入{where}：\n\n{lines}\n\n"
                                "导入已记入操作日志。请从U盘等介质上删除这份文件。")
        self._show(DONE)
        self.import_written.emit(dict(counts))

    def _import_failed(self, err: BaseException) -> None:
        self._set_busy(False)
        self._update_steps()
        if isinstance(err, Cancelled):
            self._say(CANCELLED)
            messages.info(self, CANCELLED)
        elif isinstance(err, Refused):
            # Checked again as it was to be written, the database had changed (another import, another PC): the
            # list shows what is wrong now, and the import stays refused until the file is checked anew.
            self._show_result()
            self._say(err.message)
            messages.error(self, f"导入前再次检查时发现{len(err.issues)}处错误（数据库在检查之后有了变化），"
                                 "没有导入任何内容。请看“检查结果”中的清单。")
        elif isinstance(err, UserError):
            self._say(err.message)
            messages.error(self, err.message)
        else:
            self._say(describe_error(err))
            messages.error(self, describe_error(err))

    @property
    def busy(self) -> bool:
        """Whether a check, an export or the import is running."""
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.path.setEnabled(not busy)
        self.mapping_step.setEnabled(not busy)
        self._update_buttons()
