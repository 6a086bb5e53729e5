"""The household form (困难职工档案), grouped as the national form groups it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QDate, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QGridLayout, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QScrollArea, QSpinBox, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError, ValidationError
from ...core.household import Household, Member
from ...core.idcard import parse_id
from ...core.relations import standard_names
from ...core.labels import label
from ...core.money import parse_yuan
from ...core.proofs import missing_proofs
from ...db.units import Unit
from ...services.archive import ArchiveService, SaveResult
from .. import messages
from ..forms import ERROR_STYLE, error_label

TABS = ("户主信息", "家庭收入", "家庭成员", "致困原因", "银行卡", "附件", "审核")
# Which tab shows each field, so an error can bring its tab forward.
FIELD_TAB = {
    **{f: 0 for f in ("name", "id_number", "gender", "ethnicity", "political_status", "health", "disability",
                      "work_status", "is_migrant_worker", "phone", "employer", "employer_type", "unit_code",
                      "hukou_type", "marital_status", "housing_type", "address", "hukou_area_code", "birth_date")},
    **{f: 1 for f in ("monthly_income", "other_annual_income", "rigid_expenses", "hardship_costs",
                      "household_size", "hardship_category")},
    "members": 2, "main_cause": 3, "secondary_causes": 3, "bank_name": 4, "bank_card": 4,
    "created_date": 6, "archive_status": 6, "reviewed_by": 6,
}
MEMBER_COLUMNS = (("name", "姓名"), ("relation", "与户主关系"), ("id_number", "身份证号"), ("gender", "性别"),
                  ("health", "健康状况"), ("identity", "身份"), ("monthly_income", "月收入（元）"),
                  ("employer_or_school", "单位或学校"))
MEMBER_CODES = {"gender": "gender", "health": "health", "identity": "member_identity"}
# The word a book wrote for a member's relation rides on its combo box, kept while the relation stays the one loaded.
_WRITTEN, _LOADED = "relation_as_written", "relation_loaded"
BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "交通银行", "中国邮政储蓄银行",
         "海南农村信用社", "海南银行")


def _combo(list_name: str, *, blank: bool = True) -> QComboBox:
    box = QComboBox()
    box.addItems(([""] if blank else []) + code_list(list_name))
    return box


def _relation_combo(m: Member) -> QComboBox:
    """The member's relation: the GB/T 4761-2008 names to choose from, or a word as the family says it (老婆, 子女),
    which saving turns into its standard name. A relation loaded with the book's own word shows that word."""
    box = QComboBox()
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.NoInsert)
    box.addItems(["", *standard_names()])
    box.view().setMinimumWidth(box.view().sizeHintForColumn(0) + 24)  # 孙子、孙女、外孙子、外孙女 whole in the list
    box.setCurrentText(m.relation or "")
    box.setProperty(_WRITTEN, m.relation_as_written or "")
    box.setProperty(_LOADED, m.relation or "")
    box.setToolTip(f"台账原写法：{m.relation_as_written}" if m.relation_as_written else
                   "可选国家标准的家庭关系名称，也可直接输入常用说法（如 老婆、儿子、子女），保存时换成标准名称")
    return box


def _id_kind(text: str, today: date) -> str:
    """The kind of document a typed ID number is (居民身份证, 台湾居民居住证 …), "" while it is no valid number."""
    try:
        return parse_id(text, today=today).kind if text.strip() else ""
    except UserError:
        return ""


def _set_combo(box: QComboBox, value: str) -> None:
    index = box.findText(value or "")
    if index < 0 and value:
        box.addItem(value)  # an old value no longer in the code list still shows
        index = box.findText(value)
    box.setCurrentIndex(max(index, 0))


class HouseholdDialog(QDialog):
    """Enter or change one household; saving goes through ArchiveService (validated, audited)."""

    def __init__(self, *, service: ArchiveService, units: list[Unit], household: Household | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.original = household or Household(archive_status="临时", created_date=service.db.clock.today(),
                                               created_by=service.actor.username,
                                               unit_code=units[0].code if units else "")
        self.pending: list[tuple[str, Path]] = []
        self.result_: SaveResult | None = None
        self.fields: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        h = self.original
        self.setWindowTitle(f"困难职工档案 — {h.name} {h.archive_no}" if h.id else "新建困难职工档案")
        self.resize(900, 680)

        self.tabs = QTabWidget()
        builders = (self._head_tab, self._income_tab, self._members_tab, self._causes_tab, self._bank_tab,
                    self._attachments_tab, self._review_tab)
        for title, build in zip(TABS, builders):
            page = QWidget()
            build(page)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setWidget(page)
            self.tabs.addTab(scroll, title)

        status = f"档案编号：{h.archive_no or '（保存后自动生成）'}    档案状态：{h.archive_status}"
        self.summary = QLabel()
        self.summary.setObjectName("errorSummary")
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.Save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(status))
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self._load(h, units)

    # ---- building the tabs -----------------------------------------------------

    def _row(self, form: QFormLayout, key: str, text: str, widget: QWidget) -> QWidget:
        """A labelled field with its own error line beneath it."""
        error = error_label()
        box = QWidget()
        inner = QVBoxLayout(box)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.setSpacing(1)
        inner.addWidget(widget)
        inner.addWidget(error)
        form.addRow(text, box)
        self.fields[key] = widget
        self.errors[key] = error
        return widget

    def _head_tab(self, page: QWidget) -> None:
        grid = QGridLayout(page)
        left, right = QFormLayout(), QFormLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        self._row(left, "name", "姓名 *", QLineEdit())
        id_edit = QLineEdit()
        id_edit.setPlaceholderText("18位，末位可为X；旧15位号码自动升级；也可填港澳台居民居住证、外国人永久居留身份证号码")
        id_edit.editingFinished.connect(self._id_entered)
        # The kind of document the number is, beside it: a 居住证 or 永居证 number is right, and should look it.
        self.id_kind_label = QLabel()
        self.id_kind_label.setObjectName("idKind")
        self.id_kind_label.setStyleSheet("color: #555;")
        id_box = QWidget()
        id_row = QHBoxLayout(id_box)
        id_row.setContentsMargins(0, 0, 0, 0)
        id_row.addWidget(id_edit, 1)
        id_row.addWidget(self.id_kind_label)
        self._row(left, "id_number", "身份证号 *", id_box)
        self.fields["id_number"] = id_edit
        self._row(left, "gender", "性别", _combo("gender"))
        self.birth_label = QLabel("（由身份证号得出）")
        left.addRow("出生日期", self.birth_label)
        self._row(left, "ethnicity", "民族", _combo("ethnicity"))
        self._row(left, "political_status", "政治面貌", _combo("political_status"))
        self._row(left, "health", "健康状况", _combo("health"))
        self._row(left, "disability", "残疾类别", _combo("disability"))
        self._row(left, "work_status", "工作状态", _combo("work_status"))
        self._row(left, "is_migrant_worker", "是否农民工", QCheckBox("是农民工"))
        self._row(right, "phone", "手机号码", QLineEdit()).setPlaceholderText("手机11位，或带区号的座机 0898-66123456")
        self._row(right, "unit_code", "所属单位 *", QComboBox())
        self._row(right, "employer", "工作单位", QLineEdit())
        self._row(right, "employer_type", "单位性质", _combo("employer_type"))
        self._row(right, "hukou_type", "户口类型", _combo("hukou_type"))
        self._row(right, "marital_status", "婚姻状况", _combo("marital_status"))
        self._row(right, "housing_type", "住房类型", _combo("housing_type"))
        self._row(right, "address", "家庭住址", QLineEdit())
        self._row(right, "hukou_area_code", "户口所在地区划代码", QLineEdit()).setPlaceholderText(
            "6位，如 460100；留空则取身份证号前6位")
        grid.setRowStretch(1, 1)

    def _income_tab(self, page: QWidget) -> None:
        layout = QVBoxLayout(page)
        form = QFormLayout()
        layout.addLayout(form)
        for key, text in (("monthly_income", "户主本人月收入（元）"), ("other_annual_income", "家庭其他年收入（元）"),
                          ("rigid_expenses", "刚性支出（元/年，如医疗、学费）"),
                          ("hardship_costs", "当年致困支出（元，意外致困用）")):
            edit = self._row(form, key, text, QLineEdit())
            edit.setPlaceholderText("0.00")
        size = self._row(form, "household_size", "家庭人口（含户主）", QSpinBox())
        size.setRange(1, 30)
        self._row(form, "hardship_category", "困难类别 *", _combo("hardship_category"))
        buttons = QHBoxLayout()
        suggest = QPushButton("计算人均收入并给出建议类别")
        suggest.clicked.connect(self.show_suggestion)
        self.adopt_button = QPushButton("采用建议类别")
        self.adopt_button.setEnabled(False)
        self.adopt_button.clicked.connect(self._adopt_suggestion)
        buttons.addWidget(suggest)
        buttons.addWidget(self.adopt_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.suggestion_view = QTextBrowser()
        self.suggestion_view.setObjectName("suggestion")
        self.suggestion_view.setPlaceholderText("填好收入、家庭成员和致困原因后，点击上面的按钮查看计算过程和建议类别。"
                                                "建议只供参考，类别由您决定。")
        layout.addWidget(self.suggestion_view, 1)
        self._suggested: str | None = None

    def _members_tab(self, page: QWidget) -> None:
        layout = QVBoxLayout(page)
        self.members_table = QTableWidget(0, len(MEMBER_COLUMNS))
        self.members_table.setHorizontalHeaderLabels([t for _, t in MEMBER_COLUMNS])
        self.members_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.members_table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.members_table.horizontalHeader().setStretchLastSection(True)
        for i, width in enumerate((80, 90, 170, 55, 80, 70, 95)):
            self.members_table.setColumnWidth(i, width)
        self.fields["members"] = self.members_table
        self.members_table.itemChanged.connect(self._member_item_changed)
        error = error_label()
        self.errors["members"] = error
        buttons = QHBoxLayout()
        add = QPushButton("添加成员")
        add.clicked.connect(lambda: self.add_member_row(Member()))
        remove = QPushButton("删除选中成员")
        remove.clicked.connect(self._remove_member)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout.addWidget(QLabel("家庭成员（不含户主）。家庭人口会随成员自动增加。"))
        layout.addWidget(self.members_table, 1)
        layout.addWidget(error)
        layout.addLayout(buttons)

    def _causes_tab(self, page: QWidget) -> None:
        form = QFormLayout(page)
        self._row(form, "main_cause", "主要致困原因 *", _combo("hardship_cause"))
        box = QWidget()
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        self.secondary_checks: list[QCheckBox] = []
        for i, cause in enumerate(code_list("hardship_cause")):
            check = QCheckBox(cause)
            grid.addWidget(check, i // 2, i % 2)
            self.secondary_checks.append(check)
        self._row(form, "secondary_causes", "次要致困原因（最多3项）", box)

    def _bank_tab(self, page: QWidget) -> None:
        form = QFormLayout(page)
        bank = QComboBox()
        bank.setEditable(True)
        bank.addItems(["", *BANKS])
        self._row(form, "bank_name", "开户银行", bank)
        self._row(form, "bank_card", "银行卡号（会员服务卡）", QLineEdit())

    def _attachments_tab(self, page: QWidget) -> None:
        layout = QVBoxLayout(page)
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        layout.addWidget(self.missing_label)
        self.attachments_table = QTableWidget(0, 4)
        self.attachments_table.setHorizontalHeaderLabels(["类型", "文件名", "添加时间", "添加人"])
        self.attachments_table.horizontalHeader().setStretchLastSection(True)
        self.attachments_table.setColumnWidth(0, 130)
        self.attachments_table.setColumnWidth(1, 260)
        self.attachments_table.setColumnWidth(2, 150)
        self.attachments_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.attachments_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.attachments_table.doubleClicked.connect(self._open_attachment)
        layout.addWidget(self.attachments_table, 1)
        row = QHBoxLayout()
        self.attachment_kind = _combo("attachment_kind", blank=False)
        add = QPushButton("添加文件…")
        add.clicked.connect(self._choose_attachment)
        row.addWidget(QLabel("材料类型"))
        row.addWidget(self.attachment_kind)
        row.addWidget(add)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(QLabel("双击一行可打开文件。文件会复制到数据库旁的附件文件夹中保存。"))

    def _review_tab(self, page: QWidget) -> None:
        form = QFormLayout(page)
        created = self._row(form, "created_date", "建档日期", QDateEdit())
        created.setCalendarPopup(True)
        created.setDisplayFormat("yyyy-MM-dd")
        self._row(form, "archive_status", "档案状态", QComboBox())
        self.created_by_label = QLabel()
        form.addRow("建档人", self.created_by_label)
        self._row(form, "reviewed_by", "审核人", QLineEdit())
        opinion = self._row(form, "union_opinion", "工会意见", QPlainTextEdit())
        opinion.setFixedHeight(70)
        note = self._row(form, "note", "备注", QPlainTextEdit())
        note.setFixedHeight(70)

    # ---- loading and collecting ---------------------------------------------------

    def _load(self, h: Household, units: list[Unit]) -> None:
        f = self.fields
        for unit in units:
            f["unit_code"].addItem(f"{unit.name}（{unit.code}）", unit.code)
        f["unit_code"].setCurrentIndex(max(f["unit_code"].findData(h.unit_code), 0))
        for key in ("name", "id_number", "phone", "employer", "address", "hukou_area_code", "bank_card",
                    "reviewed_by"):
            f[key].setText(getattr(h, key) or "")
        self.id_kind_label.setText(_id_kind(h.id_number or "", self.service.db.clock.today()))
        for key in ("gender", "ethnicity", "political_status", "health", "disability", "work_status",
                    "employer_type", "hukou_type", "marital_status", "housing_type", "hardship_category",
                    "main_cause"):
            _set_combo(f[key], getattr(h, key))
        f["bank_name"].setCurrentText(h.bank_name or "")
        f["is_migrant_worker"].setChecked(h.is_migrant_worker)
        for key in ("monthly_income", "other_annual_income", "rigid_expenses", "hardship_costs"):
            value = getattr(h, key)
            f[key].setText("" if not value else str(value))
        f["household_size"].setValue(max(h.household_size, 1))
        for check in self.secondary_checks:
            check.setChecked(check.text() in h.secondary_causes)
        for m in h.members:
            self.add_member_row(m)
        statuses = [h.archive_status] if h.id else ["临时", "在档"]
        f["archive_status"].addItems(statuses)
        _set_combo(f["archive_status"], h.archive_status)
        f["archive_status"].setEnabled(h.id is None)
        f["archive_status"].setToolTip("已建档案的状态请在列表中用“脱困/注销/转为在档”办理")
        created = h.created_date or self.service.db.clock.today()
        f["created_date"].setDate(QDate(created.year, created.month, created.day))
        f["union_opinion"].setPlainText(h.union_opinion or "")
        f["note"].setPlainText(h.note or "")
        self.created_by_label.setText(h.created_by or self.service.actor.username)
        self.birth_label.setText(h.birth_date.isoformat() if h.birth_date else "（由身份证号得出）")
        self._refresh_attachments()
        # What proofs are required depends on the category and the causes.
        for box in (f["hardship_category"], f["main_cause"]):
            box.currentIndexChanged.connect(self._refresh_attachments)
        for check in self.secondary_checks:
            check.toggled.connect(self._refresh_attachments)

    def add_member_row(self, m: Member) -> int:
        table = self.members_table
        row = table.rowCount()
        table.insertRow(row)
        for col, (key, _) in enumerate(MEMBER_COLUMNS):
            if key == "relation":
                table.setCellWidget(row, col, _relation_combo(m))
            elif key in MEMBER_CODES:
                box = _combo(MEMBER_CODES[key])
                _set_combo(box, getattr(m, key))
                table.setCellWidget(row, col, box)
            else:
                value = getattr(m, key)
                text = "" if value in (None, Decimal("0.00")) else str(value)
                item = QTableWidgetItem(text)
                if key == "id_number":
                    item.setToolTip(_id_kind(text, self.service.db.clock.today()))
                table.setItem(row, col, item)
        size = self.fields["household_size"]
        if size.value() < row + 2:
            size.setValue(row + 2)
        return row

    def _member_item_changed(self, item: QTableWidgetItem) -> None:
        """A member's ID number says its kind of document in its tooltip (居民身份证, 港澳居民居住证 …)."""
        if item.column() == [k for k, _ in MEMBER_COLUMNS].index("id_number"):
            kind = _id_kind(item.text(), self.service.db.clock.today())
            if item.toolTip() != kind:  # setting it is a change too: once
                item.setToolTip(kind)

    def _remove_member(self) -> None:
        rows = sorted({i.row() for i in self.members_table.selectionModel().selectedRows()}, reverse=True)
        for row in rows:
            self.members_table.removeRow(row)

    def member_cell(self, row: int, key: str) -> str:
        col = [k for k, _ in MEMBER_COLUMNS].index(key)
        widget = self.members_table.cellWidget(row, col)
        if isinstance(widget, QComboBox):
            return widget.currentText()
        item = self.members_table.item(row, col)
        return item.text().strip() if item else ""

    def set_member_cell(self, row: int, key: str, value: str) -> None:
        col = [k for k, _ in MEMBER_COLUMNS].index(key)
        widget = self.members_table.cellWidget(row, col)
        if isinstance(widget, QComboBox) and widget.isEditable():
            widget.setCurrentText(value)  # the relation: a word need not be in the list
        elif isinstance(widget, QComboBox):
            _set_combo(widget, value)
        else:
            self.members_table.setItem(row, col, QTableWidgetItem(value))

    def collect(self) -> Household:
        """The household as entered; money fields that are not amounts raise ValidationError."""
        f = self.fields
        problems: dict[str, str] = {}

        def money(key: str, text: str, where: str = "") -> Decimal:
            if not text.strip():
                return Decimal("0.00")
            try:
                return parse_yuan(text)
            except UserError as err:
                problems[key] = f"{where}{err.message}"
                return Decimal("0.00")

        h = replace(self.original, members=[], secondary_causes=[])
        for key in ("name", "id_number", "phone", "employer", "address", "hukou_area_code", "bank_card",
                    "reviewed_by"):
            setattr(h, key, f[key].text().strip())
        for key in ("gender", "ethnicity", "political_status", "health", "disability", "work_status",
                    "employer_type", "hukou_type", "marital_status", "housing_type", "hardship_category",
                    "main_cause", "archive_status"):
            setattr(h, key, f[key].currentText())
        h.bank_name = f["bank_name"].currentText().strip()
        h.unit_code = f["unit_code"].currentData() or ""
        h.is_migrant_worker = f["is_migrant_worker"].isChecked()
        for key in ("monthly_income", "other_annual_income", "rigid_expenses", "hardship_costs"):
            setattr(h, key, money(key, f[key].text()))
        h.household_size = f["household_size"].value()
        h.secondary_causes = [c.text() for c in self.secondary_checks if c.isChecked()]
        qd = f["created_date"].date()
        h.created_date = date(qd.year(), qd.month(), qd.day())
        h.union_opinion = f["union_opinion"].toPlainText().strip()
        h.note = f["note"].toPlainText().strip()
        h.birth_date = None  # always derived from the ID number on save
        old_members = {m.id_number: m for m in self.original.members if m.id_number}
        for row in range(self.members_table.rowCount()):
            values = {key: self.member_cell(row, key) for key, _ in MEMBER_COLUMNS}
            if not any(values.values()):
                continue  # an empty row added by mistake
            relation_box = self.members_table.cellWidget(row, [k for k, _ in MEMBER_COLUMNS].index("relation"))
            unchanged = values["relation"] == relation_box.property(_LOADED)
            m = Member(name=values["name"], relation=values["relation"], id_number=values["id_number"],
                       relation_as_written=relation_box.property(_WRITTEN) if unchanged else "",
                       gender=values["gender"], health=values["health"], identity=values["identity"],
                       employer_or_school=values["employer_or_school"],
                       monthly_income=money(f"members.{row + 1}.monthly_income", values["monthly_income"],
                                            f"第{row + 1}位家庭成员："))
            previous = old_members.get(m.id_number)
            m.birth_date = previous.birth_date if previous else None
            h.members.append(m)
        if problems:
            raise ValidationError(problems)
        return h

    # ---- actions -------------------------------------------------------------------

    def _id_entered(self) -> None:
        """Fill sex and birth date from the ID number at once, and say what is wrong if anything."""
        text = self.fields["id_number"].text().strip()
        if not text:
            return
        try:
            info = parse_id(text, today=self.service.db.clock.today())
        except UserError as err:
            self.id_kind_label.clear()
            self._show_errors({"id_number": err.message})
            return
        self._clear_error("id_number")
        self.fields["id_number"].setText(info.number)
        self.id_kind_label.setText(info.kind)
        _set_combo(self.fields["gender"], info.gender)  # the ID number is authoritative
        self.birth_label.setText(info.birth_date.isoformat())
        if not self.fields["hukou_area_code"].text() and info.area_code:  # a 永居证 names no 户口所在地
            self.fields["hukou_area_code"].setText(info.area_code)

    def show_suggestion(self) -> None:
        """Show the per-capita arithmetic and the suggested category; the user decides."""
        try:
            suggestion = self.service.suggest(self.collect())
        except ValidationError as err:
            self._show_errors(err.problems)
            return
        except UserError as err:
            self.suggestion_view.setPlainText(err.message)
            self.adopt_button.setEnabled(False)
            return
        self._suggested = suggestion.category
        verdict = suggestion.category or "不符合建档条件（按收入）"
        self.suggestion_view.setPlainText("\n".join([*suggestion.explanation, "", f"建议类别：{verdict}",
                                                     "（建议仅供参考，困难类别由经办人根据实际情况决定。）"]))
        current = self.fields["hardship_category"].currentText()
        self.adopt_button.setEnabled(bool(suggestion.category) and suggestion.category != current)

    def _adopt_suggestion(self) -> None:
        if self._suggested:
            _set_combo(self.fields["hardship_category"], self._suggested)
            self.adopt_button.setEnabled(False)

    def _choose_attachment(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "选择证明材料文件", str(Path.home()),
                                                "证明材料 (*.jpg *.jpeg *.png *.pdf *.tif *.tiff *.bmp);;所有文件 (*)")
        for path in paths:
            self.queue_attachment(self.attachment_kind.currentText(), Path(path))

    def queue_attachment(self, kind: str, path: Path) -> None:
        """Add a file to be attached when the form is saved (same transaction as the household)."""
        self.pending.append((kind, path))
        self._refresh_attachments()

    def _refresh_attachments(self) -> None:
        existing = self.service.attachments(self.original.id) if self.original.id else []
        self._existing = existing
        table = self.attachments_table
        table.setRowCount(0)
        rows = [(a.kind, a.original_name, a.added_at.replace("T", " "), a.added_by) for a in existing]
        rows += [(kind, path.name, "（保存时添加）", self.service.actor.username) for kind, path in self.pending]
        for values in rows:
            row = table.rowCount()
            table.insertRow(row)
            for col, value in enumerate(values):
                table.setItem(row, col, QTableWidgetItem(value))
        kinds = {a.kind for a in existing} | {k for k, _ in self.pending}
        category = self.fields["hardship_category"].currentText()
        causes = [self.fields["main_cause"].currentText(), *(c.text() for c in self.secondary_checks if c.isChecked())]
        missing = missing_proofs(category, tuple(c for c in causes if c), kinds) if category else []
        self.missing_label.setText(f"缺少材料（资料不全）：{'、'.join(missing)}" if missing else "必备证明材料已齐全。")
        self.missing_label.setStyleSheet(ERROR_STYLE if missing else "color: #1e7e34;")

    def _open_attachment(self, index) -> None:
        if index.row() < len(self._existing):
            path = self.service.attachment_path(self._existing[index.row()])
        else:
            path = self.pending[index.row() - len(self._existing)][1]
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def try_save(self) -> bool:
        """Validate and save in one transaction; on refusal show each problem next to its field."""
        self._clear_errors()
        try:
            result = self.service.save_with_attachments(self.collect(), self.pending)
        except ValidationError as err:
            self._show_errors(err.problems)
            return False
        except UserError as err:
            self.summary.setText(err.message)
            return False
        self.result_ = result
        if result.warnings:
            messages.info(self, "已保存。请注意：\n" + "\n".join(result.warnings))
        self.accept()
        return True

    def _clear_error(self, key: str) -> None:
        if key in self.errors:
            self.errors[key].clear()
            self.errors[key].hide()

    def _clear_errors(self) -> None:
        for key in self.errors:
            self._clear_error(key)
        self.summary.clear()

    def _show_errors(self, problems: dict[str, str]) -> None:
        first_tab = None
        for key, message in problems.items():
            target = "members" if key.startswith("members") else key
            if target in self.errors:
                error = self.errors[target]
                error.setText((error.text() + "\n" if error.text() else "") + message)
                error.show()
            tab = FIELD_TAB.get(target)
            if first_tab is None and tab is not None:
                first_tab = tab
        lines = [f"{label(k)}：{m}" if not m.startswith(("第", label(k))) else m for k, m in problems.items()]
        self.summary.setText("请修改以下内容后再保存：\n" + "\n".join(lines))
        if first_tab is not None:
            self.tabs.setCurrentIndex(first_tab)
