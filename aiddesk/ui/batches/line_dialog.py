"""One individual aid line: an application for 临时/医疗救助, or a student for 金秋助学."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...core.batch import AidRecord, Batch
from ...core.codes import code_list
from ...core.errors import UserError
from ...core.household import Household
from ...core.money import parse_yuan
from ...core.relations import is_child
from ...services.archive import ArchiveService
from ...services.batches import BatchService
from ..forms import error_label, ok_cancel, show_error


class LineDialog(QDialog):
    """Find the household, fill in the line; the checks run when it is added."""

    def __init__(self, *, service: BatchService, archive: ArchiveService, batch: Batch, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.archive, self.batch = service, archive, batch
        self.household: Household | None = None
        self.line_id: int | None = None
        self.setWindowTitle(f"添加帮扶对象 — {batch.name}")
        self.setMinimumWidth(560)
        self.key = QLineEdit()
        self.key.setPlaceholderText("档案编号或身份证号")
        find = QPushButton("查找档案")
        find.clicked.connect(self.find_household)
        self.found = QLabel("（请先查找档案）")
        self.recipient = QComboBox()
        self.amount = QLineEdit()
        self.payment = QComboBox()
        self.payment.addItems(code_list("payment_method"))
        self.source = QComboBox()
        self.source.addItems(batch.fund_sources)
        self.applied_on = QLineEdit(self.service.db.clock.today().isoformat())
        self.override = QLineEdit()
        self.override.setPlaceholderText("仅审批人特批超标或重复帮扶时填写理由")
        top = QHBoxLayout()
        top.addWidget(self.key, 1)
        top.addWidget(find)
        form = QFormLayout()
        form.addRow("档案", top)
        form.addRow("", self.found)
        form.addRow("领取人", self.recipient)
        form.addRow("金额（元）*", self.amount)
        form.addRow("发放方式", self.payment)
        form.addRow("资金来源", self.source)
        form.addRow("申请日期", self.applied_on)
        form.addRow("特批理由", self.override)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._medical_box())
        layout.addWidget(self._student_box())
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "加入名单"))
        self.medical.setVisible(batch.activity == "医疗救助")
        self.student.setVisible(batch.activity == "金秋助学")

    def _medical_box(self) -> QGroupBox:
        self.medical = QGroupBox("医疗救助（县级以上医院）")
        form = QFormLayout(self.medical)
        self.hospital, self.diagnosis = QLineEdit(), QLineEdit()
        self.total_cost, self.reimbursed, self.self_paid = QLineEdit(), QLineEdit(), QLineEdit()
        for label, widget in (("医院", self.hospital), ("诊断", self.diagnosis), ("医疗总费用（元）", self.total_cost),
                              ("已报销（元）", self.reimbursed), ("个人自付（元）", self.self_paid)):
            form.addRow(label, widget)
        return self.medical

    def _student_box(self) -> QGroupBox:
        self.student = QGroupBox("金秋助学（学生须为本户子女）")
        form = QFormLayout(self.student)
        self.student_member = QComboBox()
        self.school, self.major = QLineEdit(), QLineEdit()
        self.level = QComboBox()
        self.level.addItems(code_list("education_level"))
        self.kind = QComboBox()
        self.kind.addItems(code_list("student_kind"))
        self.enrolled = QSpinBox()
        self.enrolled.setRange(2000, 2100)
        self.enrolled.setValue(self.batch.year or self.service.db.clock.today().year)
        for label, widget in (("学生", self.student_member), ("学校", self.school), ("专业", self.major),
                              ("学历层次", self.level), ("新生/在校生", self.kind), ("入学年份", self.enrolled)):
            form.addRow(label, widget)
        return self.student

    def find_household(self) -> bool:
        try:
            h = self.archive.find(self.key.text())
        except UserError as err:
            show_error(self.error, err)
            return False
        show_error(self.error, None)
        self.household = h
        self.found.setText(f"{h.name}（{h.archive_no}，{h.hardship_category}，{h.archive_status}）")
        self.recipient.clear()
        self.recipient.addItem(f"{h.name}（户主）", h.id_number)
        self.student_member.clear()
        for m in h.members:
            self.recipient.addItem(f"{m.name}（{m.relation}）", m.id_number)
            if is_child(m.relation) and m.id_number:
                self.student_member.addItem(m.name, (m.name, m.id_number))
        return True

    def _money(self, edit: QLineEdit):
        return parse_yuan(edit.text()) if edit.text().strip() else None

    def try_accept(self) -> bool:
        try:
            if self.household is None:
                raise UserError("请先输入档案编号或身份证号并查找档案")
            amount = self._money(self.amount)
            if amount is None:
                raise UserError("请填写金额", field="amount")
            line = AidRecord(household_id=self.household.id, recipient_id_number=self.recipient.currentData() or "",
                             amount=amount, payment_method=self.payment.currentText(),
                             fund_source=self.source.currentText(),
                             application_date=date.fromisoformat(self.applied_on.text().strip())
                             if self.applied_on.text().strip() else None)
            if self.batch.activity == "医疗救助":
                line.hospital, line.diagnosis = self.hospital.text().strip(), self.diagnosis.text().strip()
                line.total_cost, line.reimbursed = self._money(self.total_cost), self._money(self.reimbursed)
                line.self_paid = self._money(self.self_paid)
            if self.batch.activity == "金秋助学":
                if self.student_member.currentData() is None:
                    raise UserError("该户没有登记子女的身份证号，请先在档案的家庭成员中补录")
                line.student_name, line.student_id_number = self.student_member.currentData()
                line.school, line.major = self.school.text().strip(), self.major.text().strip()
                line.education_level, line.student_kind = self.level.currentText(), self.kind.currentText()
                line.enrollment_year = self.enrolled.value()
            self.line_id = self.service.add_line(self.batch.id, line, override_reason=self.override.text())
        except ValueError:
            show_error(self.error, "申请日期请按 2026-11-20 的格式填写")
            return False
        except UserError as err:
            show_error(self.error, err)
            return False
        self.accept()
        return True
