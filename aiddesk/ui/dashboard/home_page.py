"""The 工作台 page: to-dos, batches in progress, balances, this year's spending (a chart) and archive counts.

Every figure is a link: to the archive list, a batch, the ledger, or the paid lines it adds up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from PySide6.QtCore import QMargins, Qt, QTimer, Signal
from PySide6.QtWidgets import (QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QStyle, QStyleOptionButton, QStylePainter, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.money import format_yuan
from ...db import Database
from ...db.audit import Actor
from ...services.dashboard import (OVERDUE, SOON, UNSET, ArchiveCounts, BatchProgress,
                                   CategorySpending, Dashboard, Todo, dashboard)
from .aid_records_dialog import AidRecordsDialog

WEEKDAYS = "一二三四五六日"
LINK_COLOR, DANGER, WARNING, MUTED = "#1d5fb4", "#c0392b", "#b9770e", "#6b7785"
PAID_COLOR, PLAN_COLOR = "#2e75b6", "#c9d6e3"

STYLE = f"""
#page {{ background: #f3f5f8; }}
QFrame#card {{ background: white; border: 1px solid #dce2ea; border-radius: 6px; }}
QLabel#cardTitle {{ font-size: 15px; font-weight: bold; color: #1f2d3d; }}
QLabel#head {{ color: {MUTED}; }}
QLabel#note {{ color: {MUTED}; font-size: 12px; }}
QPushButton#link {{ border: none; background: transparent; color: {LINK_COLOR}; padding: 1px 3px;
                    text-align: right; }}
QPushButton#link[align="left"] {{ text-align: left; }}
QPushButton#link[tone="danger"] {{ color: {DANGER}; }}
QPushButton#link:hover {{ text-decoration: underline; }}
QPushButton#link:focus {{ border: 1px dotted {LINK_COLOR}; }}
"""


class HomePage(QWidget):
    """The 工作台; the window decides what a link opens, and calls ``reload`` when the tab is shown again.

    Signals: ``archive_requested(HouseholdFilter)``, ``batch_requested(batch id)``,
    ``ledger_requested(fund source, "" for all)``. The paid lines behind a spending figure open
    here, in :class:`AidRecordsDialog` (``records_dialog``).
    """

    archive_requested = Signal(object)
    batch_requested = Signal(int)
    ledger_requested = Signal(str)

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.actor = actor
        self.data: Dashboard | None = None
        self.records_dialog: AidRecordsDialog | None = None
        self.chart = None  # the spending chart (a QChart) once there is something to draw
        self._columns: QBoxLayout | None = None
        self._two_columns_need = 0
        self.problem_label: QLabel | None = None  # what keeps the figures from showing (a broken rules file)
        # The links of the figures shown, for the window and tests to find.
        self.balance_links: dict[tuple[str, str], QPushButton] = {}   # (source or "合计", column)
        self.spending_links: dict[tuple[str, str], QPushButton] = {}  # (category or "合计", "amount" / "count")
        self.batch_links: dict[int, QPushButton] = {}
        self.archive_links: dict[tuple[str, str], QPushButton] = {}   # (category, status); "" for 合计
        self.todo_links: list[tuple[Todo, QPushButton]] = []

        self.setObjectName("page")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.title = QLabel()
        self.title.setObjectName("cardTitle")
        self.refresh_button = QPushButton("刷新")
        self.refresh_button.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.setContentsMargins(12, 8, 12, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.refresh_button)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setStyleSheet("QScrollArea { background: transparent; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.scroll)
        self.reload()

    # ---- public -----------------------------------------------------------------------

    def reload(self) -> None:
        """Read the figures again and rebuild the page, keeping the scroll position."""
        today = self._db.clock.today()
        problem = ""
        try:
            self.data = dashboard(self._db, today=today)
        except UserError as err:
            # A broken rules file must not keep the window from opening: say so where the figures would be.
            self.data, problem = None, str(err)
        unit = f"{self.data.unit_name} · " if self.data and self.data.unit_name else ""
        self.title.setText(f"工作台　{unit}{today.year}年{today.month}月{today.day}日 星期{WEEKDAYS[today.weekday()]}")
        position = self.scroll.verticalScrollBar().value()
        for registry in (self.balance_links, self.spending_links, self.batch_links, self.archive_links):
            registry.clear()
        self.todo_links.clear()
        self.chart = None
        old = self.scroll.takeWidget()
        if old is not None:
            # Later, not now: reload may run inside a click on one of the old page's links.
            old.deleteLater()
        self.scroll.setWidget(self._build(self.data) if self.data else self._problem(problem))
        self._arrange()
        # Once the new page is laid out: until then the scroll range is that of an empty page.
        QTimer.singleShot(0, self, lambda: self.scroll.verticalScrollBar().setValue(position))

    def show_records(self, *, aid_category: str = "", fund_source: str = "") -> AidRecordsDialog | None:
        """Open the paid lines of this year behind a spending figure ("": all categories / sources)."""
        if self.data is None or not self.data.unit_code:
            return None
        if self.records_dialog is not None:
            self.records_dialog.close()
            self.records_dialog.deleteLater()
        dialog = AidRecordsDialog(db=self._db, year=self.data.year, unit_code=self.data.unit_code,
                                  aid_category=aid_category, fund_source=fund_source, parent=self)
        dialog.batch_requested.connect(self.batch_requested)
        self.records_dialog = dialog
        dialog.open()
        return dialog

    # ---- the page ------------------------------------------------------------------------

    def _build(self, d: Dashboard) -> QWidget:
        page = QWidget()
        page.setObjectName("page")
        left, right = QVBoxLayout(), QVBoxLayout()
        for column in (left, right):
            column.setSpacing(10)
        left.addWidget(self._todos_card(d))
        left.addWidget(self._batches_card(d))
        left.addWidget(self._archives_card(d.archives))
        left.addStretch(1)
        right.addWidget(self._balances_card(d))
        right.addWidget(self._spending_card(d))
        right.addStretch(1)
        self._columns = QBoxLayout(QBoxLayout.LeftToRight, page)
        self._columns.setContentsMargins(12, 6, 12, 12)
        self._columns.setSpacing(10)
        self._columns.addLayout(left, 11)
        self._columns.addLayout(right, 9)
        margins = self._columns.contentsMargins()
        self._two_columns_need = (left.minimumSize().width() + right.minimumSize().width() + margins.left()
                                  + margins.right() + self._columns.spacing())
        return page

    def _problem(self, text: str) -> QWidget:
        page = QWidget()
        page.setObjectName("page")
        card, body = _card("工作台无法显示")
        self.problem_label = QLabel(text)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(f"color: {DANGER};")
        body.addWidget(self.problem_label)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 6, 12, 12)
        layout.addWidget(card)
        layout.addStretch(1)
        self._columns = None
        return page

    def _arrange(self) -> None:
        # Side by side when there is room; on a small screen one under the other, never cut off.
        if self._columns is not None:
            # The page's own width, less a scroll bar: the viewport has not been resized yet here.
            room = self.width() - self.scroll.verticalScrollBar().sizeHint().width()
            wide = room >= self._two_columns_need
            self._columns.setDirection(QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def _todos_card(self, d: Dashboard) -> QFrame:
        card, body = _card("待办")
        if not d.todos:
            body.addWidget(_note("今天没有待办事项。"))
        for todo in d.todos:
            line = QHBoxLayout()
            line.setSpacing(6)
            line.addWidget(_badge(*{OVERDUE: ("紧急", DANGER), SOON: ("临近", WARNING)}.get(
                todo.urgency, ("待办", MUTED))))
            link = _link(todo.text, lambda checked=False, t=todo: self._open_todo(t), left=True,
                         danger=todo.urgency == OVERDUE)
            line.addWidget(link, 1)
            body.addLayout(line)
            self.todo_links.append((todo, link))
        return card

    def _batches_card(self, d: Dashboard) -> QFrame:
        card, body = _card("进行中的批次")
        if not d.batches:
            body.addWidget(_note("没有进行中的批次。"))
            return card
        grid = _grid(body)
        for col, text in enumerate(("批次", "状态", "人数", "金额（元）", "下一节点", "剩余")):
            grid.addWidget(_head(text, right=col in (2, 3)), 0, col)
        for row, b in enumerate(d.batches, start=1):
            open_batch = (lambda checked=False, i=b.id: self.batch_requested.emit(i))
            name = _link(b.name, open_batch, left=True, tip=f"{b.code}（{b.status}），点击打开批次")
            self.batch_links[b.id] = name
            grid.addWidget(name, row, 0)
            stage = b.stage + (f"，{b.open_objections}条异议" if b.open_objections else "")
            grid.addWidget(QLabel(stage), row, 1)
            people = f"{b.paid_people}/{b.people}" if b.paid_people else str(b.people)
            grid.addWidget(_link(people, open_batch, tip="已发放/名单人数" if b.paid_people else "名单人数"), row, 2)
            grid.addWidget(_link(format_yuan(b.amount), open_batch), row, 3)
            grid.addWidget(QLabel(_deadline_text(b)), row, 4)
            grid.addWidget(_remaining(b), row, 5)
        grid.setColumnStretch(0, 1)
        return card

    def _archives_card(self, counts: ArchiveCounts) -> QFrame:
        card, body = _card("困难职工档案")
        if not counts.total:
            body.addWidget(_note("还没有档案。"))
            return card
        grid = _grid(body)
        grid.addWidget(_head("困难类别"), 0, 0)
        columns = [*counts.statuses, ""]
        for col, status in enumerate(columns, start=1):
            grid.addWidget(_head(status or "合计", right=True), 0, col)
        for row, category in enumerate([*counts.categories, ""], start=1):
            grid.addWidget(QLabel(category or "合计") if category else _bold("合计"), row, 0)
            for col, status in enumerate(columns, start=1):
                if category and status:
                    n = counts.count(category, status)
                elif category:
                    n = counts.row_total(category)
                else:
                    n = counts.column_total(status) if status else counts.total
                flt = ArchiveCounts.filter_for(category, status)
                if n and flt is not None:
                    link = _link(str(n), lambda checked=False, f=flt: self.archive_requested.emit(f),
                                 tip=f"{category or '全部类别'} · {status or '全部状态'}：{n}户，点击查看名单",
                                 bold=not category or not status)
                    self.archive_links[(category, status)] = link
                    grid.addWidget(link, row, col)
                else:
                    grid.addWidget(_figure(str(n), muted=not n), row, col)
        grid.setColumnStretch(0, 1)
        if UNSET in counts.categories:
            body.addWidget(_note(f"“{UNSET}”为困难类别不在代码表中的档案，请在档案列表中逐户核对。"))
        return card

    def _balances_card(self, d: Dashboard) -> QFrame:
        card, body = _card(f"{d.year}年资金结余（元）")
        if not d.unit_code:
            body.addWidget(_note("还没有设置本单位，请先在“管理 → 单位管理”中设置本单位。"))
            return card
        if not d.balances:
            body.addWidget(_note(f"{d.year}年还没有资金收支记录。"))
            return card
        passed = any(b.passed for b in d.balances)
        columns = [("income", "收入"), *([("passed", "下拨下级")] if passed else []), ("spent", "已发放"),
                   ("balance", "结余")]
        grid = _grid(body)
        grid.addWidget(_head("资金来源"), 0, 0)
        for col, (_, text) in enumerate(columns, start=1):
            grid.addWidget(_head(text, right=True), 0, col)
        total = d.balance_total
        for row, b in enumerate([*d.balances, total], start=1):
            is_total = b is total
            source = "" if is_total else b.fund_source
            grid.addWidget(_bold("合计") if is_total else QLabel(b.fund_source), row, 0)
            for col, (key, _) in enumerate(columns, start=1):
                amount = b.balance if key == "balance" else getattr(b, key)
                if key == "spent":
                    slot = (lambda checked=False, s=source: self.show_records(fund_source=s))
                    tip = f"{b.count}人次，点击查看发放明细"
                else:
                    slot = (lambda checked=False, s=source: self.ledger_requested.emit(s))
                    tip = f"点击查看{source or '全部资金来源'}的台账"
                link = _link(format_yuan(amount), slot, tip=tip, bold=is_total or key == "balance",
                             danger=key == "balance" and amount < 0)
                self.balance_links[(b.fund_source, key)] = link
                grid.addWidget(link, row, col)
        grid.setColumnStretch(0, 1)
        body.addWidget(_note("收入含上年结转、扣除调出。点击金额查看台账；点击已发放查看发放明细。"))
        return card

    def _spending_card(self, d: Dashboard) -> QFrame:
        card, body = _card(f"{d.year}年支出（按救助类别）")
        if not d.spending:
            body.addWidget(_note(f"{d.year}年还没有发放记录，也没有制定救助计划。"))
            return card
        body.addWidget(self._chart(d.spending))
        planned = any(s.planned_amount is not None for s in d.spending)
        grid = _grid(body)
        heads = ["救助类别", "已发放（元）", "人次", *(["全年计划（元）", "完成"] if planned else [])]
        for col, text in enumerate(heads):
            grid.addWidget(_head(text, right=col > 0), 0, col)
        total = d.spending_total
        for row, s in enumerate([*d.spending, total], start=1):
            is_total = s is total
            category = "" if is_total else s.category
            grid.addWidget(_bold("合计") if is_total else QLabel(s.category), row, 0)
            slot = (lambda checked=False, c=category: self.show_records(aid_category=c))
            for col, (key, text) in enumerate((("amount", format_yuan(s.amount)), ("count", str(s.count))), start=1):
                if not s.count:  # nothing paid: no list behind it
                    grid.addWidget(_figure(text, muted=True, bold=is_total), row, col)
                    continue
                link = _link(text, slot, tip=f"点击查看{category or '全部'}发放明细", bold=is_total)
                self.spending_links[(s.category, key)] = link
                grid.addWidget(link, row, col)
            if planned:
                plan = s.planned_amount
                grid.addWidget(_figure(format_yuan(plan) if plan is not None else "—", bold=is_total), row, 3)
                grid.addWidget(_figure(_rate(s), bold=is_total), row, 4)
        grid.setColumnStretch(0, 1)
        return card

    def _chart(self, spending: tuple[CategorySpending, ...]) -> QWidget:
        # QtCharts is heavy: it loads with the first chart, not with the main window.
        from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
        from PySide6.QtGui import QColor, QPainter

        def wan(amount: Decimal) -> float:
            # Drawing only: bars need floats; every figure shown as text stays Decimal.
            return float((amount / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

        paid = QBarSet("已发放（万元）")
        paid.setColor(QColor(PAID_COLOR))
        paid.setLabelColor(QColor("#1f2d3d"))  # the theme's default label colour does not show on white
        paid.append([wan(s.amount) for s in spending])
        paid.clicked.connect(lambda index: self.show_records(aid_category=spending[index].category))
        series = QBarSeries()
        series.append(paid)
        top = max(wan(s.amount) for s in spending)
        if any(s.planned_amount is not None for s in spending):
            plan = QBarSet("全年计划（万元）")
            plan.setColor(QColor(PLAN_COLOR))
            plan.setLabelColor(QColor(MUTED))
            plan.append([wan(s.planned_amount or Decimal(0)) for s in spending])
            series.append(plan)
            top = max(top, max(wan(s.planned_amount or Decimal(0)) for s in spending))
        series.setLabelsVisible(True)
        series.setLabelsPosition(QBarSeries.LabelsOutsideEnd)
        series.setLabelsFormat("@value")
        chart = QChart()
        chart.addSeries(series)
        chart.setBackgroundVisible(False)
        chart.setMargins(QMargins(0, 0, 0, 0))
        chart.legend().setAlignment(Qt.AlignBottom)
        x = QBarCategoryAxis()
        x.append([s.category for s in spending])
        y = QValueAxis()
        y.setRange(0, top * 1.15 or 1.0)  # room above the highest bar for its label
        y.applyNiceNumbers()
        y.setLabelFormat("%.0f")
        chart.addAxis(x, Qt.AlignBottom)
        chart.addAxis(y, Qt.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        view = QChartView(chart)
        view.setRenderHint(QPainter.Antialiasing)
        view.setMinimumHeight(230)
        view.setToolTip("点击“已发放”的柱子查看该类别的发放明细")
        view.setStyleSheet("background: transparent;")
        self.chart = chart
        return view

    # ---- links ------------------------------------------------------------------------------

    def _open_todo(self, todo: Todo) -> None:
        if todo.batch_id is not None:
            self.batch_requested.emit(todo.batch_id)
        elif todo.archive_filter is not None:
            self.archive_requested.emit(todo.archive_filter)


# ---- pieces ----------------------------------------------------------------------------------

def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(14, 10, 14, 12)
    layout.setSpacing(6)
    label = QLabel(title)
    label.setObjectName("cardTitle")
    layout.addWidget(label)
    return card, layout


def _grid(body: QVBoxLayout) -> QGridLayout:
    grid = QGridLayout()
    grid.setHorizontalSpacing(14)
    grid.setVerticalSpacing(2)
    body.addLayout(grid)
    return grid


class _Link(QPushButton):
    """A figure or name that opens what is behind it; a long left-aligned one is cut with … (text() stays whole)."""

    def paintEvent(self, event) -> None:
        if self.property("align") != "left":
            super().paintEvent(event)
            return
        option = QStyleOptionButton()
        self.initStyleOption(option)
        option.text = self.fontMetrics().elidedText(self.text(), Qt.ElideRight, max(self.width() - 10, 0))
        QStylePainter(self).drawControl(QStyle.CE_PushButton, option)


def _link(text: str, slot, *, left: bool = False, tip: str = "", bold: bool = False,
          danger: bool = False) -> QPushButton:
    button = _Link(text)
    button.setObjectName("link")
    button.setProperty("align", "left" if left else "right")
    button.setProperty("tone", "danger" if danger else "")
    button.setCursor(Qt.PointingHandCursor)
    button.setFlat(True)
    button.setToolTip("\n".join(t for t in (text if left else "", tip) if t))
    if bold:
        font = button.font()
        font.setBold(True)
        button.setFont(font)
    if left:
        # Long to-do texts share the width instead of widening the page.
        button.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        button.setMinimumWidth(120)
    button.clicked.connect(slot)
    return button


def _head(text: str, *, right: bool = False) -> QLabel:
    label = QLabel(text)
    label.setObjectName("head")
    label.setAlignment((Qt.AlignRight if right else Qt.AlignLeft) | Qt.AlignVCenter)
    return label


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("note")
    label.setWordWrap(True)
    return label


def _bold(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _figure(text: str, *, muted: bool = False, bold: bool = False) -> QLabel:
    """A figure with nothing behind it (a zero, a plan), aligned like the links beside it."""
    label = _bold(text) if bold else QLabel(text)
    label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
    label.setContentsMargins(0, 0, 4, 0)
    if muted:
        label.setStyleSheet(f"color: {MUTED};")
    return label


def _badge(text: str, color: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignCenter)
    label.setFixedWidth(40)
    label.setStyleSheet(f"color: white; background: {color}; border-radius: 3px; padding: 1px 0; font-size: 12px;")
    return label


def _deadline_text(b: BatchProgress) -> str:
    if b.deadline is None:
        return "—"
    on = b.deadline.on
    return f"{b.deadline.what} {on.month}月{on.day}日" if on.year == b.year else f"{b.deadline.what} {on.isoformat()}"


def _remaining(b: BatchProgress) -> QLabel:
    label = QLabel(b.deadline.remaining if b.deadline else "")
    if b.urgency == OVERDUE:
        label.setStyleSheet(f"color: {DANGER}; font-weight: bold;")
    elif b.urgency == SOON:
        label.setStyleSheet(f"color: {WARNING}; font-weight: bold;")
    return label


def _rate(s: CategorySpending) -> str:
    if not s.planned_amount:
        return "—"
    return f"{(s.amount * 100 / s.planned_amount).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
