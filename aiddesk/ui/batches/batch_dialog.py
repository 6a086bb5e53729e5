"""One aid batch: its details, its recipients, and its steps from 草稿 to 已发放."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QMenu, QToolButton,
                               QInputDialog,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
                               QScrollArea, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ...core.batch import Batch
from ...core.batch_workflow import CLERK_ROLES, NEEDS_REASON, allowed_actions, may_take
from ...core.codes import code_list
from ...core.errors import UserError, ValidationError
from ...core.money import format_yuan, parse_yuan
from ...core.workdays import load_notice_rules
from ...db.batches import transitions
from ...db.household_list import HouseholdFilter
from ...db.units import Unit, subtree_codes
from ...services.batches import BatchService
from ...services.payments import PaymentService
from ...services.printing import (BATCH_FORMS, asks_notice_phone, keeps_notice_phone, print_batch_form,
                                  save_notice_phone)
from .. import messages
from ..forms import close_buttons, error_label, pick_table, show_error

LINE_COLUMNS = ("明细编号", "姓名", "身份证号", "救助类别", "资金来源", "金额（元）", "发放方式", "特批")
ALL = "全部"


def _parse_date(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise UserError(f"{label}“{text}”不是日期，请按 2026-11-20 的格式填写") from None


class BatchDialog(QDialog):
    """Edit a draft, choose recipients, and take the batch through its workflow."""

    def __init__(self, *, service: BatchService, units: list[Unit], batch_id: int | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.units = units
        self.batch_id = batch_id
        self.resize(980, 680)
        self.tabs = QTabWidget()
        details = QScrollArea()
        details.setWidgetResizable(True)
        details.setWidget(self._details_page())
        self.tabs.addTab(details, "批次信息")
        self.tabs.addTab(self._lines_page(), "帮扶名单")
        self.tabs.addTab(self._workflow_page(), "审批流程")
        close = close_buttons(self)
        layout = QVBoxLayout(self)
        self.header = QLabel()
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(close)
        self.refresh()

    # ---- pages ------------------------------------------------------------------

    def _details_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：2026年两节送温暖")
        self.activity = QComboBox()
        self.activity.addItems(code_list("activity"))
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self.service.db.clock.today().year)
        self.unit = QComboBox()
        for unit in self.units:
            self.unit.addItem(f"{unit.name}（{unit.code}）", unit.code)
        self.sources = QListWidget()
        sources = self.service.fund_sources()
        for source in sources:
            item = QListWidgetItem(source)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.sources.addItem(item)
        self.sources.setFixedHeight(len(sources) * 20 + 8)
        self.standard = QLineEdit()
        self.standard.setPlaceholderText("每户金额，如 1000；金秋助学按下表")
        self.student_standards = QTableWidget(len(code_list("education_level")), len(code_list("student_kind")))
        self.student_standards.setVerticalHeaderLabels(code_list("education_level"))
        self.student_standards.setHorizontalHeaderLabels(code_list("student_kind"))
        self.student_standards.setFixedHeight(len(code_list("education_level")) * 30 + 30)
        self.student_standards.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.plan_text = QPlainTextEdit()
        self.plan_text.setMaximumHeight(60)
        self.plan_text.setPlaceholderText("送温暖等集中帮扶没有个人申请时，须有活动方案并经审批")
        self.plan_kind = QComboBox()
        self.plan_kind.addItems(["", *code_list("plan_approval_kind")])
        self.plan_by = QLineEdit()
        self.plan_on = QLineEdit()
        self.plan_on.setPlaceholderText("2026-11-20")
        self.notice_days = QSpinBox()
        self.notice_days.setRange(1, 30)
        self.notice_days.setValue(load_notice_rules().notice_working_days)
        self.notice_days.setSuffix(" 个工作日")
        self.notice_phone = QLineEdit()
        self.details_error = error_label()
        self.save_button = QPushButton("保存批次")
        self.save_button.clicked.connect(self.save_details)
        for label, widget in (("批次名称 *", self.name), ("活动类型 *", self.activity), ("年度", self.year),
                              ("所属单位", self.unit), ("资金来源 *", self.sources), ("发放标准（元/户）", self.standard),
                              ("金秋助学标准（元）", self.student_standards), ("活动方案", self.plan_text),
                              ("方案审批方式", self.plan_kind), ("方案审批人/会议", self.plan_by),
                              ("方案审批日期", self.plan_on), ("公示天数", self.notice_days),
                              ("异议联系电话", self.notice_phone)):
            form.addRow(label, widget)
        form.addRow(self.details_error)
        form.addRow(self.save_button)
        return page

    def _lines_page(self) -> QWidget:
        page = QWidget()
        self.lines = pick_table(LINE_COLUMNS, stretch=7)
        self.lines.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.lines_summary = QLabel()
        self.add_button = QPushButton("按条件添加对象…")
        self.add_button.clicked.connect(self.add_from_filter)
        self.line_button = QPushButton("逐户添加申请…")
        self.line_button.clicked.connect(self.add_line)
        self.remove_button = QPushButton("移出名单…")
        self.remove_button.clicked.connect(self.remove_selected)
        self.method_button = QPushButton("发放方式…")
        self.method_button.clicked.connect(self.ask_payment_method)
        self.paid_button = QPushButton("登记选中人员已发放")
        self.paid_button.setToolTip("按人登记已发放（现金须有签字的实名制签领表）；全部登记后批次即为已发放")
        self.paid_button.clicked.connect(self.mark_selected_paid)
        self.correct_button = QPushButton("更正金额…")
        self.correct_button.setToolTip("审批后不能修改名单；由审批人新增更正明细并写明理由")
        self.correct_button.clicked.connect(self.ask_correction)
        bar = QHBoxLayout()
        bar.addWidget(self.add_button)
        bar.addWidget(self.line_button)
        bar.addWidget(self.remove_button)
        bar.addWidget(self.method_button)
        bar.addWidget(self.correct_button)
        bar.addWidget(self.paid_button)
        bar.addStretch(1)
        self.objections = pick_table(("收到日期", "对象", "异议内容", "处理结果"), stretch=2)
        self.objections.setMaximumHeight(150)
        self.object_button = QPushButton("登记异议…")
        self.object_button.clicked.connect(self.ask_objection)
        self.resolve_button = QPushButton("处理异议…")
        self.resolve_button.clicked.connect(self.ask_resolution)
        objection_bar = QHBoxLayout()
        objection_bar.addWidget(QLabel("公示期间收到的异议（选中名单中的人后登记，即记在此人名下）"))
        objection_bar.addStretch(1)
        objection_bar.addWidget(self.object_button)
        objection_bar.addWidget(self.resolve_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.lines, 1)
        layout.addWidget(self.lines_summary)
        layout.addLayout(bar)
        layout.addLayout(objection_bar)
        layout.addWidget(self.objections)
        return page

    def _workflow_page(self) -> QWidget:
        page = QWidget()
        self.steps = pick_table(("时间", "操作人", "从", "到", "理由"), stretch=4)
        self.actions_bar = QHBoxLayout()
        self.workflow_error = error_label()
        self.notice_start = QLineEdit()
        self.notice_start.setPlaceholderText("留空为今天，如 2026-11-26")
        self.paid_on = QLineEdit()
        self.paid_on.setPlaceholderText("留空为今天，如 2026-12-08")
        notice_row = QFormLayout()
        notice_row.addRow("公示开始日期（审核通过时）", self.notice_start)
        notice_row.addRow("发放日期（登记发放时）", self.paid_on)
        self.print_button = QToolButton()
        self.print_button.setText("打印…")
        self.print_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.print_button)
        for form, title in BATCH_FORMS.items():
            menu.addAction(title, lambda f=form, t=title: self.print_form(f, t))
        self.print_button.setMenu(menu)
        self.bank_button = QPushButton("导出银行代发文件…")
        self.bank_button.clicked.connect(self.export_bank_file)
        self.second_button = QPushButton("开始再公示")
        self.second_button.clicked.connect(self.start_second_notice)
        self.attach_button = QPushButton("添加附件…")
        self.attach_button.setToolTip("如已签字的实名制签领表、医疗费用单据、录取通知书")
        self.attach_button.clicked.connect(self.choose_attachment)
        output = QHBoxLayout()
        output.addWidget(self.print_button)
        output.addWidget(self.bank_button)
        output.addWidget(self.second_button)
        output.addWidget(self.attach_button)
        output.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.steps, 1)
        layout.addLayout(output)
        layout.addLayout(notice_row)
        layout.addWidget(self.workflow_error)
        layout.addLayout(self.actions_bar)
        return page

    # ---- showing ---------------------------------------------------------------------

    def refresh(self) -> None:
        b = self.service.get(self.batch_id) if self.batch_id else None
        draft = b is None or b.status == "草稿"
        self.setWindowTitle(f"帮扶批次 — {b.name}（{b.code}）" if b else "新建帮扶批次")
        self.header.setText(f"批次编号：{b.code}    状态：{b.status}    经办人：{b.clerk}" if b
                            else "填写批次信息并保存后，即可添加帮扶对象。")
        for widget in (self.name, self.activity, self.year, self.unit, self.sources, self.standard,
                       self.student_standards, self.plan_text, self.plan_kind, self.plan_by, self.plan_on,
                       self.notice_days, self.notice_phone, self.save_button):
            widget.setEnabled(draft)
        self.tabs.setTabEnabled(1, b is not None)
        self.tabs.setTabEnabled(2, b is not None)
        if b is None:
            return
        self.notice_start.setEnabled(b.status == "审核中")
        self.second_button.setEnabled(b.status == "已审批" and b.second_notice_start is None)
        self.paid_on.setEnabled(b.status == "已审批")
        self.attach_button.setEnabled(b.status not in ("已作废",))
        self._show_details(b)
        self._show_lines(b)
        self._show_workflow(b)

    def _show_details(self, b: Batch) -> None:
        self.name.setText(b.name)
        self.activity.setCurrentText(b.activity)
        self.year.setValue(b.year)
        self.unit.setCurrentIndex(max(self.unit.findData(b.unit_code), 0))
        for i in range(self.sources.count()):
            item = self.sources.item(i)
            item.setCheckState(Qt.Checked if item.text() in b.fund_sources else Qt.Unchecked)
        self.standard.setText("" if b.standard is None else str(b.standard))
        for r, level in enumerate(code_list("education_level")):
            for c, kind in enumerate(code_list("student_kind")):
                amount = b.student_standards.get((level, kind))
                self.student_standards.setItem(r, c, QTableWidgetItem("" if amount is None else str(amount)))
        self.plan_text.setPlainText(b.plan_text)
        self.plan_kind.setCurrentText(b.plan_approval_kind)
        self.plan_by.setText(b.plan_approved_by)
        self.plan_on.setText(b.plan_approved_on.isoformat() if b.plan_approved_on else "")
        self.notice_days.setValue(b.notice_days or load_notice_rules().notice_working_days)
        self.notice_phone.setText(b.notice_phone)

    def _show_lines(self, b: Batch) -> None:
        lines = self.service.records(b.id)
        self._line_ids = [r.id for r in lines]
        self.lines.setRowCount(len(lines))
        for i, r in enumerate(lines):
            special = "；".join(text for text in (
                f"特批：{r.override_reason}（{r.override_by}）" if r.override_reason else "",
                f"更正：{r.correction_reason}" if r.correction_reason else "") if text)
            for col, value in enumerate((r.record_no, r.recipient_name, r.recipient_id_number, r.aid_category,
                                         r.fund_source, format_yuan(r.amount), r.payment_method, special)):
                self.lines.setItem(i, col, QTableWidgetItem(value))
        total = sum((r.amount for r in lines), Decimal("0.00"))
        self.lines_summary.setText(f"名单共 {len(lines)} 人次，合计 {format_yuan(total)} 元")
        payments = PaymentService(self.service.db, self.service.actor)
        self._objections = payments.objections(b.id)
        names = {r.id: r.recipient_name for r in self.service.records(b.id, include_removed=True)}
        self.objections.setRowCount(len(self._objections))
        for i, o in enumerate(self._objections):
            for col, value in enumerate((o.received_on.isoformat(), names.get(o.aid_record_id, "（未指明）"),
                                         o.content, f"{o.outcome}：{o.outcome_note}" if o.outcome else "待处理")):
                self.objections.setItem(i, col, QTableWidgetItem(value))
        noticing = b.status == "公示中" or (b.status == "已审批" and b.second_notice_start is not None)
        self.object_button.setEnabled(noticing)
        self.resolve_button.setEnabled(noticing and any(not o.outcome for o in self._objections))
        editable = b.status in ("草稿", "公示中")
        self.add_button.setEnabled(b.status == "草稿" and b.activity not in ("临时救助", "医疗救助"))
        self.line_button.setEnabled(b.status == "草稿")
        self.remove_button.setEnabled(editable)
        self.method_button.setEnabled(b.status not in ("已发放", "已核查", "已作废"))
        self.correct_button.setEnabled(b.status == "已审批")
        self.paid_button.setEnabled(b.status == "已审批")

    def _show_workflow(self, b: Batch) -> None:
        steps = transitions(self.service.db.conn, b.id)
        self.steps.setRowCount(len(steps))
        for i, s in enumerate(steps):
            for col, value in enumerate((s["at"].replace("T", " "), s["user"], s["from_status"], s["to_status"],
                                         s["reason"])):
                self.steps.setItem(i, col, QTableWidgetItem(value))
        while self.actions_bar.count():
            widget = self.actions_bar.takeAt(0).widget()
            if widget:
                widget.deleteLater()
        self.action_buttons: dict[str, QPushButton] = {}
        for target, name in allowed_actions(b.status):
            button = QPushButton(name)
            if not may_take(b.status, target, self.service.actor.roles):
                button.setEnabled(False)
                button.setToolTip("您的账号没有这一步的权限")
            button.clicked.connect(lambda checked=False, t=target, n=name: self.run_action(t, n))
            self.actions_bar.addWidget(button)
            self.action_buttons[name] = button
        self.actions_bar.addStretch(1)

    # ---- actions ------------------------------------------------------------------------

    def collect(self) -> Batch:
        b = self.service.get(self.batch_id) if self.batch_id else Batch()
        b.name = self.name.text()
        b.activity = self.activity.currentText()
        b.year = self.year.value()
        b.unit_code = self.unit.currentData() or ""
        b.fund_sources = [self.sources.item(i).text() for i in range(self.sources.count())
                          if self.sources.item(i).checkState() == Qt.Checked]
        b.standard = parse_yuan(self.standard.text()) if self.standard.text().strip() else None
        b.student_standards = {}
        for r, level in enumerate(code_list("education_level")):
            for c, kind in enumerate(code_list("student_kind")):
                item = self.student_standards.item(r, c)
                if item and item.text().strip():
                    b.student_standards[(level, kind)] = parse_yuan(item.text())
        b.plan_text = self.plan_text.toPlainText().strip()
        b.plan_approval_kind = self.plan_kind.currentText()
        b.plan_approved_by = self.plan_by.text().strip()
        b.plan_approved_on = _parse_date(self.plan_on.text(), "方案审批日期")
        b.notice_days = self.notice_days.value()
        b.notice_phone = self.notice_phone.text().strip()
        return b

    def save_details(self) -> bool:
        try:
            self.batch_id = self.service.save_draft(self.collect())
        except ValidationError as err:
            show_error(self.details_error, "；".join(err.problems.values()))
            return False
        except UserError as err:
            show_error(self.details_error, err)
            return False
        show_error(self.details_error, None)
        self.refresh()
        return True

    def add_from_filter(self) -> None:
        dialog = AddFromFilterDialog(units=self.units, batch=self.service.get(self.batch_id),
                                     subtree=lambda code: subtree_codes(self.service.db.conn, code), parent=self)
        if dialog.exec() == QDialog.Accepted:
            try:
                amount = dialog.amount()
            except UserError as err:
                messages.error(self, err.message)
                return
            self.add_with(dialog.filter(), amount, dialog.fund_source())

    def add_line(self) -> None:
        from ...services.archive import ArchiveService
        from .line_dialog import LineDialog

        dialog = LineDialog(service=self.service, archive=ArchiveService(self.service.db, self.service.actor),
                            batch=self.service.get(self.batch_id), parent=self)
        if dialog.exec() == QDialog.Accepted:
            self.refresh()

    def add_with(self, flt: HouseholdFilter, amount: Decimal | None, fund_source: str | None) -> str:
        """Add the filter's households and say what happened (also used by tests)."""
        try:
            result = self.service.add_from_filter(self.batch_id, flt, amount=amount, fund_source=fund_source)
        except UserError as err:
            messages.error(self, err.message)
            return err.message
        text = f"已加入 {result.added} 户。"
        if result.refused:
            shown = "\n".join(f"{r.name}（{r.archive_no}）：{'；'.join(p.message for p in r.problems)}"
                              for r in result.refused[:20])
            more = f"\n……另有 {len(result.refused) - 20} 户" if len(result.refused) > 20 else ""
            text += f"\n{len(result.refused)} 户未加入：\n{shown}{more}"
        self.refresh()
        messages.info(self, text)
        return text

    def ask_objection(self) -> None:
        content, ok = QInputDialog.getText(self, "登记异议", "反映的情况：")
        if ok:
            row = self.lines.currentRow()
            self.record_objection(content, self._line_ids[row] if row >= 0 else None)

    def record_objection(self, content: str, record_id: int | None) -> bool:
        b = self.service.get(self.batch_id)
        try:
            PaymentService(self.service.db, self.service.actor).record_objection(
                self.batch_id, received_on=self.service.db.clock.today(), content=content, record_id=record_id,
                notice="公示" if b.status == "公示中" else "再公示")
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        return True

    def ask_resolution(self) -> None:
        open_ones = [o for o in self._objections if not o.outcome]
        row = self.objections.currentRow()
        chosen = self._objections[row] if 0 <= row < len(self._objections) and not self._objections[row].outcome \
            else open_ones[0]
        outcome, ok = QInputDialog.getItem(self, "处理异议", f"“{chosen.content}”的处理结果：",
                                           code_list("objection_outcome"), 0, False)
        if not ok:
            return
        note, ok = QInputDialog.getText(self, "处理异议", "核实情况和处理意见：")
        if ok:
            self.resolve_objection(chosen.id, outcome, note)

    def resolve_objection(self, objection_id: int, outcome: str, note: str) -> bool:
        try:
            PaymentService(self.service.db, self.service.actor).resolve_objection(objection_id, outcome, note)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        return True

    def _selected_line(self) -> int | None:
        row = self.lines.currentRow()
        if row < 0:
            messages.info(self, "请先在名单中选中一人。")
            return None
        return self._line_ids[row]

    def ask_payment_method(self) -> None:
        record_id = self._selected_line()
        if record_id is None:
            return
        method, ok = QInputDialog.getItem(self, "发放方式", "发放方式：", code_list("payment_method"), 0, False)
        if not ok:
            return
        card = ""
        if method != "现金":
            card, ok = QInputDialog.getText(self, "发放方式", "卡号（留空则沿用档案中的卡号）：")
            if not ok:
                return
        self.set_payment_method(record_id, method, card)

    def set_payment_method(self, record_id: int, method: str, card: str = "") -> bool:
        try:
            PaymentService(self.service.db, self.service.actor).set_payment_method(record_id, method, card)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        return True

    def mark_selected_paid(self) -> None:
        rows = sorted({i.row() for i in self.lines.selectionModel().selectedRows()})
        if not rows:
            messages.info(self, "请先在名单中选中已发放的人员（可按住 Ctrl 或 Shift 多选）。")
            return
        try:
            paid_on = self.paid_date()
        except UserError as err:
            messages.error(self, err.message)
            return
        self.mark_paid([self._line_ids[r] for r in rows], paid_on)

    def paid_date(self) -> date:
        return _parse_date(self.paid_on.text(), "发放日期") or self.service.db.clock.today()

    def mark_paid(self, record_ids: list[int], paid_on: date) -> bool:
        try:
            result = PaymentService(self.service.db, self.service.actor).mark_paid(
                self.batch_id, paid_on=paid_on, record_ids=record_ids)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        messages.info(self, f"已登记 {result.marked} 人已发放" + ("，批次已全部发放。" if result.finished
                                                            else f"，还有 {result.remaining} 人未登记。"))
        return True

    def ask_correction(self) -> None:
        record_id = self._selected_line()
        if record_id is None:
            return
        amount, ok = QInputDialog.getText(self, "更正金额", "更正后的金额（元）：")
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "更正金额", "更正理由：")
        if ok:
            self.correct(record_id, amount, reason)

    def correct(self, record_id: int, amount: str, reason: str) -> bool:
        try:
            self.service.correct_line(record_id, amount=parse_yuan(amount), reason=reason)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        return True

    def remove_selected(self) -> None:
        row = self.lines.currentRow()
        if row < 0:
            messages.info(self, "请先选中要移出的人。")
            return
        reason, ok = QInputDialog.getText(self, "移出名单", "移出原因（如：公示期间异议成立）：")
        if ok:
            self.remove_line(self._line_ids[row], reason)

    def remove_line(self, record_id: int, reason: str) -> bool:
        try:
            self.service.remove_record(record_id, reason)
        except UserError as err:
            messages.error(self, err.message)
            return False
        self.refresh()
        return True

    def run_action(self, target: str, name: str, reason: str | None = None) -> bool:
        """One workflow step; a reason is asked for where the step needs one."""
        if reason is None and name in NEEDS_REASON:
            reason, ok = QInputDialog.getText(self, name, f"请填写{name}的理由：")
            if not ok:
                return False
        try:
            if target == "已发放":  # paying checks the cash lines' signed lists, then closes the batch
                PaymentService(self.service.db, self.service.actor).mark_paid(self.batch_id, paid_on=self.paid_date())
                warnings = []
            else:
                start = _parse_date(self.notice_start.text(), "公示开始日期") if target == "公示中" else None
                warnings = self.service.transition(self.batch_id, target, reason=reason or "", notice_start=start)
        except UserError as err:
            show_error(self.workflow_error, err)
            return False
        show_error(self.workflow_error, None)
        self.refresh()
        if warnings:
            messages.info(self, "\n".join(warnings))
        return True


    def print_form(self, form: str, title: str) -> None:
        """Build the form off the GUI thread, then show it in the print preview.

        A notice of a batch without 异议联系电话 first asks for the number (or a line to write it in).
        """
        import tempfile

        from ..worker import describe_error, run_with_progress

        phone = ""
        b = self.service.get(self.batch_id)
        if asks_notice_phone(b, form):
            phone = self.ask_notice_phone(b)
            if phone is None:
                return
        out = Path(tempfile.mkdtemp(prefix="aiddesk-print-")) / f"{title}.pdf"
        db, batch_id = self.service.db, self.batch_id

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return print_batch_form(worker_db, batch_id, form, out, progress=lambda i: report(i, 0),
                                        notice_phone=phone)
            finally:
                worker_db.close()

        run_with_progress(self, title=f"打印{title}", label=f"正在生成{title} …", job=job,
                          on_done=lambda count: self.preview(out, title),
                          on_error=lambda err: messages.error(self, describe_error(err)))

    def ask_notice_phone(self, b: Batch) -> str | None:
        """The number the notice prints ("" for a line to write in), saved on the batch where the rule allows;
        None when the user cancelled."""
        from .notice_phone_dialog import NoticePhoneDialog

        actor = self.service.actor
        kept = keeps_notice_phone(actor, b)
        why = ("" if kept else "您的账号不能修改批次信息" if not actor.may(*CLERK_ROLES)
               else f"批次已是“{b.status}”，记录不再修改")
        dialog = NoticePhoneDialog(batch_name=b.name, kept=kept, why_not_kept=why, parent=self)
        if dialog.exec() != QDialog.Accepted:
            return None
        phone = dialog.phone()
        if phone and kept:
            try:
                if save_notice_phone(self.service.db, actor, b.id, phone):
                    self.refresh()
            except UserError as err:
                messages.error(self, err.message)
                return None
        return phone

    def preview(self, pdf: Path, title: str) -> None:
        from ..pdf_preview import PdfPreviewDialog

        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()

    def start_second_notice(self) -> bool:
        try:
            warnings = self.service.start_second_notice(self.batch_id)
        except UserError as err:
            show_error(self.workflow_error, err)
            return False
        b = self.service.get(self.batch_id)
        self.refresh()
        messages.info(self, "\n".join([f"再公示期：{b.second_notice_start} 至 {b.second_notice_end}，结束后才能发放。",
                                         *warnings]))
        return True

    def choose_attachment(self) -> None:
        kind, ok = QInputDialog.getItem(self, "添加附件", "附件类型：", code_list("aid_attachment_kind"), 0, False)
        if not ok:
            return
        path, _ = QFileDialog.getOpenFileName(self, "选择文件", str(Path.home()),
                                              "扫描件 (*.jpg *.jpeg *.png *.pdf *.tif *.tiff);;所有文件 (*)")
        if path:
            row = self.lines.currentRow()
            self.attach(kind, Path(path), self._line_ids[row] if row >= 0 and self.tabs.currentIndex() == 1 else None)

    def attach(self, kind: str, path: Path, record_id: int | None = None) -> bool:
        """Attach a scan to a line, or (no line chosen) to the whole batch, e.g. the signed cash list."""
        payments = PaymentService(self.service.db, self.service.actor)
        try:
            if record_id is None:
                payments.attach_to_batch(self.batch_id, kind, path)
            else:
                payments.attach_to_line(record_id, kind, path)
        except UserError as err:
            messages.error(self, err.message)
            return False
        messages.info(self, f"已添加附件：{kind}（{path.name}）")
        return True

    def export_bank_file(self) -> None:
        b = self.service.get(self.batch_id)
        target, _ = QFileDialog.getSaveFileName(self, "导出银行代发文件", str(Path.home() / f"{b.name}-代发明细.xlsx"),
                                                "Excel 工作簿 (*.xlsx)")
        if target:
            self.write_bank_file(Path(target))

    def write_bank_file(self, target: Path) -> bool:
        try:
            count = PaymentService(self.service.db, self.service.actor).bank_file(self.batch_id, target)
        except UserError as err:
            messages.error(self, err.message)
            return False
        messages.info(self, f"已导出 {count} 条代发明细：{target}")
        return True


class AddFromFilterDialog(QDialog):
    """Which archived households to add, at what amount, from which fund source."""

    def __init__(self, *, units: list[Unit], batch: Batch, subtree, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("按条件添加帮扶对象")
        self._subtree = subtree  # unit code → the unit and every unit below it
        self.unit = QComboBox()
        self.unit.addItem(ALL, "")
        for unit in units:
            self.unit.addItem(f"{unit.name}（{unit.code}）", unit.code)
        self.category = QComboBox()
        self.category.addItems([ALL, *code_list("hardship_category")])
        self.cause = QComboBox()
        self.cause.addItems([ALL, *code_list("hardship_cause")])
        self.migrant = QComboBox()
        self.migrant.addItems([ALL, "农民工", "非农民工"])
        self.amount_edit = QLineEdit("" if batch.standard is None else str(batch.standard))
        self.source = QComboBox()
        self.source.addItems(batch.fund_sources)
        form = QFormLayout(self)
        form.addRow(QLabel("只添加在档的档案（临时救助也包括临时档案）；不符合规定的会列出原因。"))
        for label, widget in (("单位（含下级）", self.unit), ("困难类别", self.category), ("致困原因", self.cause),
                              ("农民工", self.migrant), ("每户金额（元）", self.amount_edit), ("资金来源", self.source)):
            form.addRow(label, widget)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("添加")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def filter(self) -> HouseholdFilter:
        unit = self.unit.currentData()
        return HouseholdFilter(
            unit_codes=tuple(self._subtree(unit)) if unit else (),
            category="" if self.category.currentText() == ALL else self.category.currentText(),
            cause="" if self.cause.currentText() == ALL else self.cause.currentText(),
            migrant={"农民工": True, "非农民工": False}.get(self.migrant.currentText()))

    def amount(self) -> Decimal | None:
        return parse_yuan(self.amount_edit.text()) if self.amount_edit.text().strip() else None

    def fund_source(self) -> str | None:
        return self.source.currentText() or None
