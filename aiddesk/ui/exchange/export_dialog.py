"""导出交换表: the year's exchange workbook for the unit above, written off the GUI thread with a cancel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QCheckBox, QDialog, QFileDialog, QFormLayout, QLabel, QLineEdit,
                               QSpinBox, QVBoxLayout, QWidget)

from ...db import Database
from ...db.audit import Actor
from ...db.units import own_unit
from .. import messages
from ..forms import error_label, field_with_button, ok_cancel, show_error
from ..worker import describe_error, run_with_progress

PRIVACY = ("导出的工作簿含有困难职工的姓名、完整身份证号、银行卡号和电话等个人信息，"
           "请设置打开密码并只报送给上级工会（密码请另行告知，不要与文件一起发送）。")


class ExportDialog(QDialog):
    """Year and file; 导出 writes the workbook with a progress dialog; ``result`` holds what was written."""

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("导出交换表")
        self._db = db
        self._actor = actor  # the export is audited under the logged-in user
        self.result = None
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self._db.clock.today().year)
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self._suggest_name)
        self.path = QLineEdit()
        file_row, _browse = field_with_button(self.path, "选择…", self._browse)
        form = QFormLayout()
        form.addRow("年度", self.year)
        form.addRow("保存为", file_row)
        # An opening password: Excel and WPS ask for it before showing anything.
        self.encrypt = QCheckBox("设置打开密码")
        self.password = QLineEdit()
        self.repeat = QLineEdit()
        for edit in (self.password, self.repeat):
            edit.setEchoMode(QLineEdit.Password)
            edit.setEnabled(False)  # until 设置打开密码 is ticked
        self.encrypt.toggled.connect(self.password.setEnabled)
        self.encrypt.toggled.connect(self.repeat.setEnabled)
        form.addRow("", self.encrypt)
        form.addRow("打开密码", self.password)
        form.addRow("再次输入密码", self.repeat)
        notice = QLabel(PRIVACY)
        notice.setWordWrap(True)
        notice.setStyleSheet("color: #8a5300; background: #fff6e0; padding: 6px;")
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("按《帮扶数据交换表》格式导出本单位一个年度的档案、资金、批次、明细和核查记录，报送上级工会。"))
        layout.addLayout(form)
        layout.addWidget(notice)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "导出"))
        self.resize(620, 320)
        self._suggest_name()

    def _suggest_name(self) -> None:
        unit = own_unit(self._db.conn)
        name = f"{unit.name if unit else '本单位'}{self.year.value()}年帮扶数据交换表.xlsx"
        folder = Path(self.path.text()).parent if self.path.text() else Path.home()
        self.path.setText(str(folder / name))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出交换表", self.path.text(), "Excel 工作簿 (*.xlsx)")
        if path:
            self.path.setText(path)

    def target(self) -> Path:
        path = Path(self.path.text().strip())
        return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")

    def try_accept(self) -> None:
        show_error(self.error, None)
        if not self.path.text().strip():
            show_error(self.error, "请选择保存位置")
            return
        out = self.target()
        if not out.parent.is_dir():
            show_error(self.error, f"文件夹“{out.parent}”不存在，请重新选择保存位置")
            return
        password = None
        if self.encrypt.isChecked():
            password = self.password.text()
            if not password:
                show_error(self.error, "请输入打开密码，或取消勾选“设置打开密码”")
                return
            if password != self.repeat.text():
                self.password.clear()
                self.repeat.clear()
                show_error(self.error, "两次输入的密码不一致，请重新输入")
                return
        self.export(out, self.year.value(), password=password)

    def export(self, out: Path, year: int, *, password: str | None = None) -> None:
        """Write the workbook off the GUI thread; the dialog closes when it is done."""
        from ...exchange.export import export_workbook  # openpyxl loads on first export

        db, actor = self._db, self._actor

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return export_workbook(worker_db, out, year=year, progress=report, actor=actor, password=password)
            finally:
                worker_db.close()

        def done(result) -> None:
            self.result = result
            rows = "、".join(f"{sheet}{n}行" for sheet, n in result.rows.items() if n)
            locked = "\n\n已设置打开密码，请把密码另行告知接收人。" if password else ""
            messages.info(self, f"已导出：{out}\n\n{rows or '（没有数据行）'}{locked}")
            self.accept()

        run_with_progress(self, title="导出交换表", label=f"正在导出{year}年交换表 …", job=job, on_done=done,
                          on_error=lambda err: show_error(self.error, describe_error(err)))
