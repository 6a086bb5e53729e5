"""工作表 step of 导入旧台账: per book and sheet its kind, its top rows with the header highlighted (another row can be
pointed at), each column's field in a drop-down with example values, and the rows skipped with why."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPlainTextEdit,
                               QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QToolButton,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ....core.text import normalise
from ....exchange.ledger import columns as cols
from ....exchange.ledger import layout as lay
from ....exchange.validate import _text
from .books import PAYING_KINDS, LedgerFile, reconciliation, skipped_rows

NOT_IMPORTED = "（不导入）"
UNRECOGNISED = "没有认出，不导入"
BELOW_HEADER = 12      # data rows shown under the header
EXAMPLES = 3           # example values per column
NO_YEAR = 1989         # the year box's "not given" (shown as 未填写)
_HEADER_BRUSH = QBrush(QColor("#d6e6f8"))
_SKIPPED_COLOUR = QColor("#999999")
_RED, _ORANGE, _GREEN = QColor("#c0392b"), QColor("#a05a00"), QColor("#1e7b34")
_HINT_STYLE = "color: #666666;"
COLUMNS = ("列", "表头", "导入为", "说明", "示例（前几行）")
LETTER, HEADER, FIELD, NOTE, EXAMPLE = range(len(COLUMNS))


@dataclass(frozen=True)
class ColumnState:
    """One column of a sheet as the check read it."""

    index: int
    header: str
    choice: str        # the drop-down's value: a field, a member column ("配偶姓名"), or "" (不导入)
    note: str
    colour: QColor | None = None


def member_choice(slot: cols.MemberSlot, attribute: str) -> str:
    """The field a member column is chosen as: "配偶姓名", "子女1身份证号", "家庭成员关系" (columns.py reads it back)."""
    return f"{slot.slot}{attribute}"


def member_label(slot: cols.MemberSlot, attribute: str) -> str:
    if slot.rows:
        return f"成员（分行）：{attribute}"
    return f"成员 {slot.slot}：{attribute}"


def column_states(layout: lay.SheetLayout, colmap: cols.ColumnMap, chosen: dict[str, str],
                  remembered: dict[str, str]) -> list[ColumnState]:
    """Each column with a header: what it is imported as, and why (the user's choice, an earlier one, its name)."""
    fields = {i: f for f, i in colmap.fields.items()}
    twins = {i: (f, at) for f, at in colmap.twins for i in at}
    members = {i: (slot, a) for slot in colmap.members for a, i in slot.columns.items()}
    unmapped = {i for i, _h in colmap.unmapped}
    chosen_keys = {normalise(h) for h in chosen}
    remembered_keys = {normalise(h) for h in remembered}
    out = []
    for i, header in enumerate(layout.headers):
        if not header.strip():
            continue  # a column without a header cannot be named in a mapping: nothing to choose
        key = normalise(header)
        by = ("按您的选择" if key in chosen_keys else "按以前导入时的选择" if key in remembered_keys
              else "按表头认出")
        if i in twins:
            f, at = twins[i]
            others = "、".join(f"{get_column_letter(j + 1)}列" for j in at if j != i)
            out.append(ColumnState(i, header, f, f"与{others}都是“{f}”：请把其中不导入的一列选为{NOT_IMPORTED}", _RED))
        elif i in fields:
            out.append(ColumnState(i, header, fields[i], by))
        elif i in members:
            slot, a = members[i]
            out.append(ColumnState(i, header, member_choice(slot, a), by))
        elif i in unmapped:
            named = cols.field_of(header)
            if named in colmap.fields:  # left out for another column the user (or the office before) chose
                other = get_column_letter(colmap.fields[named] + 1)
                out.append(ColumnState(i, header, "", f"“{named}”已由{other}列导入，这一列不导入", _ORANGE))
            else:
                out.append(ColumnState(i, header, "", UNRECOGNISED, _ORANGE))
        else:  # 序号, 签字 … or chosen 不导入
            out.append(ColumnState(i, header, "", "按您的选择：不导入" if key in chosen_keys
                                   else "不需要导入（序号、签字等）"))
    return out


def top_rows(layout: lay.SheetLayout, *, at_least: int = 30) -> list[tuple[int, list[str], str, str]]:
    """The sheet's first rows as (row number, cells, role, why): the rows above the header, the header row(s) and
    the rows under it, to row ``at_least`` or BELOW_HEADER rows under the header, whichever is further."""
    out = [(r.number, [_text(v) for v in r.values], r.role, r.why) for r in layout.before]
    numbers = layout.header_rows
    if len(numbers) == 1:
        out.append((numbers[0], list(layout.headers), lay.HEADER, "表头"))
    else:  # "group/sub" back into the group row (its text once over the columns it spans) and the sub row
        upper, lower, last = [], [], None
        for h in layout.headers:
            group, slash, sub = h.partition("/")
            if slash:
                upper.append("" if group == last else group)
                lower.append(sub)
                last = group
            else:
                upper.append(h)
                lower.append("")
                last = None
        out += [(numbers[0], upper, lay.HEADER, "表头"), (numbers[1], lower, lay.HEADER, "表头")]
    last_shown = max(numbers[-1] + BELOW_HEADER, at_least)
    out += [(r.number, [_text(v) for v in r.values], r.role, r.why) for r in layout.rows if r.number <= last_shown]
    return out


def examples(layout: lay.SheetLayout, index: int) -> str:
    values = []
    for row in layout.rows:
        if row.role == lay.DATA and index < len(row.values) and _text(row.values[index]):
            values.append(_text(row.values[index]))
            if len(values) == EXAMPLES:
                break
    return "；".join(values)


class SheetsStep(QWidget):
    """The tree of books and sheets on the left, the chosen sheet on the right.

    Every change is a signal with the book's index; the wizard checks the book again and calls :meth:`show_books`.
    """

    header_chosen = Signal(int, str, int)    # book, sheet, the row the user pointed at (0: found by the program)
    column_chosen = Signal(int, str, str)    # book, the column's header, the field ("" 不导入)
    year_chosen = Signal(int, int)           # book, 台账所属年度 (0: not given)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.files: list[LedgerFile] = []
        self.remembered: dict[str, str] = {}
        self.current: tuple[int, str] | None = None   # (book, sheet) shown
        self.combos: dict[str, QComboBox] = {}        # header → its drop-down, for the sheet shown

        intro = QLabel("请逐表核对：表头是否找对（蓝色的行），各列导入为哪一项。表头不对的，在“表的前几行”中选中表头所在"
                       "的行，点“设为表头”；列没有认出或认错的，在“导入为”中选择。同一本台账中表头相同的列一起改，"
                       "导入后程序记住这些选择，下次自动选好。每次修改都会重新检查这本台账。")
        intro.setWordWrap(True)
        intro.setStyleSheet(_HINT_STYLE)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["台账 / 工作表", "类型"])
        self.tree.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.tree.header().setStretchLastSection(False)
        self.tree.setMinimumWidth(260)
        self.tree.currentItemChanged.connect(lambda item, _old: self._select(item))

        # The book: its year where nothing in it says.
        self.book_label = QLabel()
        self.book_label.setWordWrap(True)
        self.year_label = QLabel("台账所属年度")
        self.year_box = QSpinBox()
        self.year_box.setSpecialValueText("未填写")
        self.year_box.setSuffix(" 年")
        self.year_button = QPushButton("按此年度重新检查")
        self.year_button.setAutoDefault(False)
        self.year_button.clicked.connect(self._year_given)
        self.year_hint = QLabel("表中的标题和填报日期没有写年份：没有建档日期、也没有发放日期的户，按这一年的1月1日建档")
        self.year_hint.setWordWrap(True)
        self.year_hint.setStyleSheet(_HINT_STYLE)
        year_row = QHBoxLayout()
        for w in (self.year_label, self.year_box, self.year_button):
            year_row.addWidget(w)
        year_row.addWidget(self.year_hint, 1)

        # The sheet.
        self.sheet_label = QLabel()
        self.sheet_label.setWordWrap(True)
        self.sheet_label.setTextFormat(Qt.RichText)
        self.rows_table = QTableWidget()
        self.rows_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.rows_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.rows_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.rows_table.setWordWrap(False)
        self.rows_table.verticalHeader().setDefaultSectionSize(22)
        self.rows_table.horizontalHeader().setDefaultSectionSize(96)
        self.rows_table.itemSelectionChanged.connect(self._update_header_buttons)
        self.header_button = QPushButton("设为表头")
        self.header_button.setToolTip("把选中的行作为表头（两行表头时选上面一行），重新检查这一表")
        self.header_button.clicked.connect(self._header_pointed)
        self.found_button = QPushButton("恢复自动找到的表头")
        self.found_button.clicked.connect(self._header_reset)
        for button in (self.header_button, self.found_button):
            button.setAutoDefault(False)
        rows_bar = QHBoxLayout()
        rows_caption = QLabel("表的前几行（蓝色为表头，灰色为跳过的行）")
        rows_caption.setStyleSheet(_HINT_STYLE)
        rows_bar.addWidget(rows_caption, 1)
        rows_bar.addWidget(self.header_button)
        rows_bar.addWidget(self.found_button)

        self.columns_table = QTableWidget(0, len(COLUMNS))
        self.columns_table.setHorizontalHeaderLabels(list(COLUMNS))
        self.columns_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.columns_table.setSelectionMode(QAbstractItemView.NoSelection)
        self.columns_table.verticalHeader().setVisible(False)
        self.columns_table.verticalHeader().setDefaultSectionSize(26)
        header = self.columns_table.horizontalHeader()
        for column, width in ((LETTER, 36), (HEADER, 150), (FIELD, 230), (NOTE, 230)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width)
        header.setStretchLastSection(True)

        self.skipped_button = QToolButton()
        self.skipped_button.setCheckable(True)
        self.skipped_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.skipped_button.setArrowType(Qt.RightArrow)
        self.skipped_button.setAutoRaise(True)
        self.skipped_button.toggled.connect(self._toggle_skipped)
        self.skipped_list = QPlainTextEdit()
        self.skipped_list.setReadOnly(True)
        self.skipped_list.setMaximumHeight(90)
        self.skipped_list.setVisible(False)
        self.sheet_errors = QLabel()
        self.sheet_errors.setWordWrap(True)
        self.sheet_errors.setStyleSheet("color: #c0392b;")

        top = QWidget()
        top_box = QVBoxLayout(top)
        top_box.setContentsMargins(0, 0, 0, 0)
        top_box.addLayout(rows_bar)
        top_box.addWidget(self.rows_table, 1)
        bottom = QWidget()
        bottom_box = QVBoxLayout(bottom)
        bottom_box.setContentsMargins(0, 0, 0, 0)
        bottom_box.addWidget(self.columns_table, 1)
        bottom_box.addWidget(self.sheet_errors)
        bottom_box.addWidget(self.skipped_button)
        bottom_box.addWidget(self.skipped_list)
        split = QSplitter(Qt.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setChildrenCollapsible(False)
        split.setSizes([220, 300])

        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(self.book_label)
        right_box.addLayout(year_row)
        right_box.addWidget(self.sheet_label)
        right_box.addWidget(split, 1)
        self.right = right

        body = QSplitter(Qt.Horizontal)
        body.addWidget(self.tree)
        body.addWidget(right)
        body.setChildrenCollapsible(False)
        body.setStretchFactor(1, 1)
        body.setSizes([270, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(body, 1)

    # ---- what is shown -----------------------------------------------------------------------

    def show_books(self, files: list[LedgerFile], *, remembered: dict[str, str], today_year: int) -> None:
        """The books as last checked; the sheet shown stays shown where it still exists."""
        self.files = files
        self.remembered = remembered
        self.year_box.setRange(NO_YEAR, today_year)
        keep = self.current
        self.tree.blockSignals(True)
        self.tree.clear()
        first = kept = None
        for b, f in enumerate(files):
            if not f.readable:
                continue
            book = QTreeWidgetItem([f.name, ""])
            font = QFont(book.font(0))
            font.setBold(True)
            book.setFont(0, font)
            book.setData(0, Qt.UserRole, (b, ""))
            book.setToolTip(0, str(f.path))
            self.tree.addTopLevelItem(book)
            wrong = {e.sheet for e in f.report.errors}
            for layout, colmap in f.report.checked.ledger_sheets:
                item = QTreeWidgetItem([layout.name, cols.KIND_LABELS[colmap.kind]])
                item.setData(0, Qt.UserRole, (b, layout.name))
                item.setToolTip(0, layout.name)
                if layout.name in wrong:
                    item.setForeground(0, _RED)
                    item.setToolTip(0, f"{layout.name}：这一表有错误")
                book.addChild(item)
                if first is None:
                    first = item
                if keep == (b, layout.name):
                    kept = item
            book.setExpanded(True)
            book.setFirstColumnSpanned(True)  # a book's name is long; its sheets have the kinds
        self.tree.blockSignals(False)
        chosen_item = kept if kept is not None else first
        if chosen_item is not None:
            self.tree.blockSignals(True)  # shown once, below
            self.tree.setCurrentItem(chosen_item)
            self.tree.blockSignals(False)
            self._select(chosen_item)
        self.right.setVisible(chosen_item is not None)

    def _select(self, item: QTreeWidgetItem | None) -> None:
        if item is None:
            return
        b, sheet = item.data(0, Qt.UserRole)
        if not sheet:  # a book's row: its first sheet
            if item.childCount():
                self.tree.setCurrentItem(item.child(0))
            return
        self.current = (b, sheet)
        f = self.files[b]
        layout, colmap = next((lo, cm) for lo, cm in f.report.checked.ledger_sheets if lo.name == sheet)
        self._show_book(f)
        self._show_sheet(f, layout, colmap)

    def _show_book(self, f: LedgerFile) -> None:
        checked = f.report.checked
        errors = len(f.report.errors)
        self.book_label.setText(f"<b>{f.name}</b>：{len(checked.ledger_sheets)} 张表，"
                                + (f"<span style='color:#c0392b'>有 {errors} 处错误</span>" if errors
                                   else "没有错误"))
        asks = not f.names_its_year() or f.year is not None or f.lacks_year()
        for w in (self.year_label, self.year_box, self.year_button, self.year_hint):
            w.setVisible(asks)
        self.year_box.setValue(f.year or NO_YEAR)
        lacking = f.lacks_year()
        self.year_hint.setStyleSheet("color: #c0392b;" if lacking else _HINT_STYLE)
        self.year_hint.setText("请填写台账所属年度：有的户既没有建档日期，也没有发放日期，表中也没有写年份。"
                               if lacking else "表中的标题和填报日期没有写年份：没有建档日期、也没有发放日期的户，"
                               "按这一年的1月1日建档")

    def _show_sheet(self, f: LedgerFile, layout: lay.SheetLayout, colmap: cols.ColumnMap) -> None:
        summary = next((s for s in f.report.checked.ledger if s.sheet == layout.name), None)
        rows = " 和 ".join(f"第{n}行" for n in layout.header_rows)
        chosen = "（您指定的）" if layout.name in f.header_rows else ""
        data = sum(1 for r in layout.rows if r.role == lay.DATA)
        skipped = skipped_rows(layout)
        parts = [(f"<b>{layout.name}</b>：{cols.KIND_LABELS[colmap.kind]}，表头在{rows}{chosen}，"
                  f"数据 {data} 行，跳过 {len(skipped)} 行")]
        if colmap.kind == cols.NONE:
            parts.append("<span style='color:#c0392b'>没有认出姓名和身份证号列，这一表不会导入：表头找错了的，在下面"
                         "“表的前几行”中选中表头所在的行，点“设为表头”；列没有认出的，在“导入为”中选择</span>")
        if summary is not None and summary.kind in PAYING_KINDS:
            text, agrees = reconciliation(summary)
            colour = {True: "#1e7b34", False: "#c0392b", None: "#333333"}[agrees]
            parts.append(f"<span style='color:{colour}'>{text}</span>")
        self.sheet_label.setText("。".join(parts))
        self._fill_rows(layout)
        self._fill_columns(f, layout, colmap)
        errors = [e for e in f.report.errors if e.sheet == layout.name]
        if errors:
            first = errors[0]
            where = (f"第{first.row}行" if first.row else "") + (f"“{first.column}”" if first.column else "")
            more = f"这一表有 {len(errors)} 处错误，第一处" if len(errors) > 1 else "这一表有 1 处错误"
            self.sheet_errors.setText(f"{more}：{where}：{first.message}" if where else f"{more}：{first.message}")
            self.sheet_errors.setToolTip("全部错误见“预览”中的问题清单，可导出")
        self.sheet_errors.setVisible(bool(errors))
        self.skipped_button.setText(f"跳过的行（{len(skipped)}）")
        self.skipped_list.setPlainText("\n".join(f"第{n}行：{why}" for n, why in skipped))
        self.found_button.setVisible(layout.name in f.header_rows)

    def _fill_rows(self, layout: lay.SheetLayout) -> None:
        rows = top_rows(layout)
        width = max((len(cells) for _n, cells, _r, _w in rows), default=0)
        width = max(width, len(layout.headers))
        t = self.rows_table
        t.clearContents()
        t.setRowCount(len(rows))
        t.setColumnCount(width)
        t.setHorizontalHeaderLabels([get_column_letter(c + 1) for c in range(width)])
        t.setVerticalHeaderLabels([str(n) for n, *_rest in rows])
        self.row_numbers = [n for n, *_rest in rows]
        bold = QFont(t.font())
        bold.setBold(True)
        for r, (number, cells, role, why) in enumerate(rows):
            for c in range(width):
                item = QTableWidgetItem(cells[c] if c < len(cells) else "")
                if len(item.text()) > 8:
                    item.setToolTip(item.text())
                if role == lay.HEADER and number in layout.header_rows:
                    item.setBackground(_HEADER_BRUSH)
                    item.setFont(bold)
                elif role != lay.DATA:
                    item.setForeground(_SKIPPED_COLOUR)
                    item.setToolTip(f"跳过：{why}" + (f"。{item.text()}" if item.text() else ""))
                t.setItem(r, c, item)
        self._update_header_buttons()

    def _fill_columns(self, f: LedgerFile, layout: lay.SheetLayout, colmap: cols.ColumnMap) -> None:
        states = column_states(layout, colmap, f.mapping, self.remembered)
        t = self.columns_table
        t.clearContents()
        t.setRowCount(len(states))
        self.combos = {}
        for r, s in enumerate(states):
            letter = QTableWidgetItem(get_column_letter(s.index + 1))
            letter.setTextAlignment(Qt.AlignCenter)
            t.setItem(r, LETTER, letter)
            name = QTableWidgetItem(s.header)
            name.setToolTip(s.header)
            t.setItem(r, HEADER, name)
            note = QTableWidgetItem(s.note)
            note.setToolTip(s.note + ("。要导入的，在“导入为”中选择它是哪一项" if s.note == UNRECOGNISED else ""))
            if s.colour is not None:
                note.setForeground(s.colour)
            t.setItem(r, NOTE, note)
            sample = QTableWidgetItem(examples(layout, s.index))
            sample.setToolTip(sample.text())
            t.setItem(r, EXAMPLE, sample)
            combo = self._combo(colmap, s.choice)
            combo.currentIndexChanged.connect(
                lambda _i, combo=combo, header=s.header: self._column_changed(header, combo))
            t.setCellWidget(r, FIELD, combo)
            self.combos[s.header] = combo

    def _combo(self, colmap: cols.ColumnMap, choice: str) -> QComboBox:
        """The fields a column can be imported as: the person's, the payment's, this sheet's member columns."""
        combo = QComboBox()
        combo.setMaxVisibleItems(24)
        combo.addItem(NOT_IMPORTED, "")
        combo.insertSeparator(combo.count())
        for f in (*cols.PERSON_FIELDS, cols.RELATION):
            combo.addItem(f, f)
        combo.insertSeparator(combo.count())
        for f in cols.PAYMENT_FIELDS:
            combo.addItem(f, f)
        if colmap.members:
            combo.insertSeparator(combo.count())
            for slot in colmap.members:
                for a in cols.MEMBER_ATTRIBUTES:
                    combo.addItem(member_label(slot, a), member_choice(slot, a))
        at = combo.findData(choice)
        if at < 0:  # a member column the list above does not name
            combo.addItem(choice, choice)
            at = combo.count() - 1
        combo.setCurrentIndex(at)
        return combo

    # ---- what the user does ------------------------------------------------------------------

    def choose(self, header: str, field: str) -> None:
        """Set a column's drop-down as the user would (the wizard then checks the book again)."""
        combo = self.combos[header]
        combo.setCurrentIndex(combo.findData(field))

    def _column_changed(self, header: str, combo: QComboBox) -> None:
        if self.current is not None:
            self.column_chosen.emit(self.current[0], header, combo.currentData() or "")

    def point_at_row(self, number: int) -> None:
        """Select the row ``number`` (as Excel shows it) in the top rows and make it the header."""
        self.rows_table.selectRow(self.row_numbers.index(number))
        self._header_pointed()

    def _selected_row(self) -> int | None:
        rows = self.rows_table.selectionModel().selectedRows() if self.rows_table.selectionModel() else []
        return self.row_numbers[rows[0].row()] if rows else None

    def _update_header_buttons(self) -> None:
        number = self._selected_row()
        current = self._layout()
        self.header_button.setEnabled(number is not None and current is not None
                                      and number != current.header_rows[0])

    def _layout(self) -> lay.SheetLayout | None:
        if self.current is None:
            return None
        b, sheet = self.current
        return next((lo for lo, _cm in self.files[b].report.checked.ledger_sheets if lo.name == sheet), None)

    def _header_pointed(self) -> None:
        number = self._selected_row()
        if number is not None and self.current is not None:
            self.header_chosen.emit(self.current[0], self.current[1], number)

    def _header_reset(self) -> None:
        if self.current is not None:
            self.header_chosen.emit(self.current[0], self.current[1], 0)

    def _year_given(self) -> None:
        if self.current is not None:
            value = self.year_box.value()
            self.year_chosen.emit(self.current[0], 0 if value == NO_YEAR else value)

    def _toggle_skipped(self, shown: bool) -> None:
        self.skipped_button.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)
        self.skipped_list.setVisible(shown)
