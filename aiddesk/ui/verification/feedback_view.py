"""满意度: the answered 意见反馈表 of a year or a batch, the satisfaction rates, recording and printing the forms."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QCompleter, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...core.verification_rules import load_verification_rules
from ...services.feedback import Feedback, FeedbackService, PaidBatch, Recipient, percent
from .. import messages
from ..forms import ERROR_STYLE, error_label, ok_cancel, pick_table, show_error
from ..funds.entry_dialog import HINT_STYLE, date_edit, date_of, default_day

READ_ONLY = "您的账号只能查看反馈情况；登记反馈由经办人、审核人办理"
ALL_BATCHES = "全部（含未指明批次的反馈）"
COLUMNS = ("反馈日期", "档案编号", "姓名", "单位", "帮扶批次", "满意程度", "意见和建议", "登记人")
COMMENT_COLUMN, ANSWER_COLUMN = 6, 5
UNSATISFIED = QColor("#c0392b")


class FeedbackDialog(QDialog):
    """登记反馈: who answered (a recipient of the batch, or an archive number), when, the answer and comments."""

    def __init__(self, *, service: FeedbackService, batch: PaidBatch | None, year: int,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.batch = service, batch
        self.feedback_id: int | None = None
        self.found: Recipient | None = None
        self.setWindowTitle("登记反馈")
        self.setMinimumWidth(520)

        form = QFormLayout()
        self.recipient = QComboBox()
        self.archive_no = QLineEdit()
        self.who = QLabel()
        if batch is not None:
            form.addRow("帮扶批次", QLabel(f"{batch.name}（{batch.code}）"))
            answered = {a.household_id for a in service.answers(batch_id=batch.id)}
            for r in service.recipients(batch.id):
                done = "，已反馈" if r.household_id in answered else ""
                self.recipient.addItem(f"{r.name}（{r.archive_no}，{r.unit_name}{done}）", r.household_id)
            # A batch has hundreds of recipients: type part of a name or number to find one.
            self.recipient.setEditable(True)
            self.recipient.setInsertPolicy(QComboBox.NoInsert)
            self.recipient.completer().setFilterMode(Qt.MatchContains)
            self.recipient.completer().setCompletionMode(QCompleter.PopupCompletion)
            self.recipient.lineEdit().setPlaceholderText("输入姓名或档案编号查找")
            form.addRow("反馈人 *", self.recipient)
            household_field = self.recipient
        else:
            self.archive_no.setPlaceholderText("档案编号或身份证号，回车查找")
            self.archive_no.editingFinished.connect(self.look_up)
            form.addRow("档案编号 *", self.archive_no)
            form.addRow("", self.who)
            household_field = self.archive_no
        self.answered_on = date_edit(default_day(year, service.db.clock.today()))
        self.answer = QComboBox()
        self.answer.addItems(code_list("satisfaction"))
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText("反馈表上“意见和建议”一栏的内容（没有可不填）")
        self.comment.setFixedHeight(self.comment.fontMetrics().lineSpacing() * 4 + 12)
        form.addRow("反馈日期", self.answered_on)
        form.addRow("是否满意 *", self.answer)
        form.addRow("意见和建议", self.comment)
        self.fields = {"household": household_field, "batch_id": household_field, "answered_on": self.answered_on,
                       "answer": self.answer, "comment": self.comment}
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))

    def look_up(self) -> Recipient | None:
        """Find the household typed into the archive-number field and show who it is."""
        self.found = None
        self.who.clear()
        if not self.archive_no.text().strip():
            return None
        try:
            self.found = self.service.find_household(self.archive_no.text())
        except UserError as err:
            self.who.setStyleSheet(ERROR_STYLE)
            self.who.setText(err.message)
            return None
        self.who.setStyleSheet(HINT_STYLE)
        self.who.setText(f"{self.found.name}（{self.found.archive_no}，{self.found.unit_name}）")
        return self.found

    def household_id(self) -> int:
        if self.batch is not None:
            if self.recipient.count() == 0:
                raise UserError("该批次还没有已发放的帮扶对象", field="household")
            # Typed text that matches no one must not fall back on whoever was chosen before.
            index = self.recipient.findText(self.recipient.currentText())
            if index < 0:
                raise UserError("请从列表中选择反馈人（可输入姓名或档案编号查找）", field="household")
            return self.recipient.itemData(index)
        found = self.look_up() if self.found is None else self.found
        if found is None:
            self.service.find_household(self.archive_no.text())  # raises the message saying what is wrong
        return found.household_id

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            self.feedback_id = self.service.record(
                self.household_id(), answered_on=date_of(self.answered_on), answer=self.answer.currentText(),
                comment=self.comment.toPlainText(), batch_id=self.batch.id if self.batch else None)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.accept()
        return True


class FeedbackView(QWidget):
    """The answers of a year or a batch with the satisfaction rates; 登记反馈 and the printed forms."""

    def __init__(self, *, service: FeedbackService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self._batches: list[PaidBatch] = []
        self._answers: list[Feedback] = []
        self._tmp = tempfile.TemporaryDirectory(prefix="aiddesk-feedback-")

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(service.db.clock.today().year)
        self.year.setSuffix(" 年")
        self.batch = QComboBox()
        self.batch.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.record_button = QPushButton("登记反馈…")
        self.record_button.clicked.connect(self.record)
        bar = QHBoxLayout()
        for label, widget in (("年度", self.year), ("帮扶批次", self.batch)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.record_button)

        self.rates = QLabel()
        self.rates.setWordWrap(True)
        self.rates.setTextInteractionFlags(Qt.TextSelectableByMouse)
        satisfied = "＋".join(load_verification_rules().satisfied_answers)
        rule = QLabel(f"满意率＝（{satisfied}）÷ 答复份数；按反馈日期计入年度。")
        rule.setWordWrap(True)
        rule.setStyleSheet(HINT_STYLE)

        self.table = pick_table(COLUMNS, stretch=COMMENT_COLUMN, min_width=64)

        self.copies = QSpinBox()
        self.copies.setRange(1, 500)
        self.copies.setSuffix(" 份")
        self.blank_button = QPushButton("打印空白反馈表")
        self.blank_button.clicked.connect(self.print_blank)
        self.filled_button = QPushButton("打印本批次预填反馈表")
        self.filled_button.setToolTip("为所选批次每户已发放的帮扶对象各打印一份，预填姓名、帮扶项目、金额和发放日期")
        self.filled_button.clicked.connect(self.print_filled)
        self.summary = QLabel()
        prints = QHBoxLayout()
        prints.addWidget(self.summary, 1)
        prints.addWidget(QLabel("空白表"))
        prints.addWidget(self.copies)
        prints.addWidget(self.blank_button)
        prints.addWidget(self.filled_button)

        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(bar)
        layout.addWidget(self.rates)
        layout.addWidget(rule)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(prints)

        self.year.valueChanged.connect(lambda _y: self.reload())
        self.batch.currentIndexChanged.connect(lambda _i: self._show())
        self.reload()

    # ---- showing ----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the year's batches and answers again, keeping the chosen batch if it is still offered."""
        keep = self.batch_id()
        try:
            self._batches = self.service.batches(self.year.value())
        except UserError as err:
            show_error(self.error, err)
            return
        self.batch.blockSignals(True)
        self.batch.clear()
        self.batch.addItem(ALL_BATCHES, None)
        for b in self._batches:
            _, answered, rate = self.service.rate(batch_id=b.id)
            self.batch.addItem(f"{b.name}（{b.code}）— 满意率 {percent(rate)}，{answered} 份", b.id)
        index = self.batch.findData(keep) if keep is not None else 0
        self.batch.setCurrentIndex(max(index, 0))
        self.batch.blockSignals(False)
        self._show()

    def _show(self) -> None:
        year, batch_id = self.year.value(), self.batch_id()
        satisfied, answered, rate = self.service.rate(year)
        text = f"{year}年满意率：{percent(rate)}（满意及基本满意 {satisfied} 份 / 答复 {answered} 份）"
        if batch_id is not None:
            b_satisfied, b_answered, b_rate = self.service.rate(batch_id=batch_id)
            text += f"；本批次满意率：{percent(b_rate)}（{b_satisfied} / {b_answered}）"
        self.rates.setText(text)
        self._answers = self.service.answers(year=year if batch_id is None else None, batch_id=batch_id)
        self.table.setRowCount(len(self._answers))
        for r, a in enumerate(self._answers):
            values = (a.answered_on.isoformat(), a.archive_no, a.name, a.unit_name, a.batch_name or "（未指明）",
                      a.answer, a.comment, a.recorded_by)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == COMMENT_COLUMN and value:
                    item.setToolTip(value)
                if c == ANSWER_COLUMN and value not in load_verification_rules().satisfied_answers:
                    item.setForeground(UNSATISFIED)
                self.table.setItem(r, c, item)
        self.summary.setText(f"共 {len(self._answers)} 份反馈" if self._answers
                             else "还没有登记反馈：收回意见反馈表后点“登记反馈”逐份录入。")
        may = self.service.may_record
        self.record_button.setEnabled(may)
        self.record_button.setToolTip("" if may else READ_ONLY)
        self.filled_button.setEnabled(batch_id is not None)

    def batch_id(self) -> int | None:
        return self.batch.currentData() if self.batch.count() else None

    def chosen_batch(self) -> PaidBatch | None:
        batch_id = self.batch_id()
        return next((b for b in self._batches if b.id == batch_id), None)

    def choose_batch(self, batch_id: int | None) -> None:
        self.batch.setCurrentIndex(max(self.batch.findData(batch_id), 0))

    def answer_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]

    # ---- actions -------------------------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally (freed once control returns to Qt); tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()
        return accepted

    def record(self) -> bool:
        dialog = FeedbackDialog(service=self.service, batch=self.chosen_batch(), year=self.year.value(), parent=self)
        if not self.run_dialog(dialog):
            return False
        self.reload()  # the batch list shows each batch's rate
        return True

    def write_forms(self, path: Path, household_ids: list[int] | None, *, batch_id: int | None = None,
                    copies: int = 1) -> int:
        """Write 意见反馈表 to ``path`` here and now (the GUI does it off-thread); None: blank forms."""
        from ...services.feedback import print_feedback_forms

        return print_feedback_forms(self.service.db, household_ids, Path(path), batch_id=batch_id, copies=copies)

    def print_blank(self) -> None:
        self._print(None, batch_id=None, copies=self.copies.value(), title="意见反馈表（空白）")

    def print_filled(self) -> None:
        b = self.chosen_batch()
        if b is None:
            messages.info(self, "请先选择一个帮扶批次。")
            return
        ids = [r.household_id for r in self.service.recipients(b.id)]
        if not ids:
            messages.info(self, f"批次“{b.name}”还没有已发放的帮扶对象。")
            return
        self._print(ids, batch_id=b.id, copies=1, title=f"意见反馈表（{b.name}，{len(ids)}户）")

    def _print(self, household_ids: list[int] | None, *, batch_id: int | None, copies: int, title: str) -> None:
        from ...services.feedback import print_feedback_forms
        from ..worker import describe_error, run_with_progress

        total = copies if household_ids is None else len(household_ids) * copies
        out = Path(self._tmp.name) / f"{title}.pdf"
        db = self.service.db

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return print_feedback_forms(worker_db, household_ids, out, batch_id=batch_id, copies=copies,
                                            progress=lambda i: report(i, total))
            finally:
                worker_db.close()

        run_with_progress(self, title="打印意见反馈表", label=f"正在生成 {total} 份意见反馈表 …", job=job,
                          on_done=lambda count: self.open_preview(out, title),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def open_preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog  # QtPdf loads on first preview

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()
