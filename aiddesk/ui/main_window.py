"""The main window: the 工作台, the archive, batches, the fund ledger and report, and the administration menus."""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QMainWindow, QTabWidget, QToolBar, QWidget

from .. import __version__
from ..db import Database
from ..db.audit import Actor
from ..db.units import all_units
from ..db.users import User
from ..services.archive import EDITORS, ArchiveService
from ..services.batches import BatchService
from . import messages
from .archive.history_dialog import HistoryDialog
from .archive.household_form import HouseholdDialog
from .archive.list_view import ArchiveListView
from .archive.status_dialog import StatusDialog
from .idle_lock import IdleLock
from .batches.batch_list import BatchListView
from .pdf_preview import PdfPreviewDialog
from .worker import describe_error, run_with_progress

VERIFY, LEDGER, REPORT, EVALUATE, CENTRE = "核查", "资金台账", "资金报告", "绩效自评", "汇总"
IMPORTERS = ("管理员", "经办人")
IMPORT_READ_ONLY = "您的账号只能查看；导入交换表或旧台账由管理员或经办人办理"


class MainWindow(QMainWindow):
    def __init__(self, *, db: Database, user: User, actor: Actor):
        super().__init__()
        self.db = db
        self.user = user
        self.actor = Actor(actor.username, actor.via, tuple(user.roles))
        self.archive = ArchiveService(db, self.actor)
        self.batches = BatchService(db, self.actor)
        self.setWindowTitle(f"工会帮扶工作台 — {db.path.name}")
        self.resize(1280, 760)
        self.list_view = ArchiveListView(db=db, parent=self)
        self.batch_list = BatchListView(db=db, parent=self)
        self.batch_list.open_requested.connect(self.open_batch)
        self.batch_list.new_requested.connect(lambda: self.open_batch(None))
        self.batch_list.verify_requested.connect(self.verify_batch)
        self.areas = QTabWidget()
        self.home = self._home_page()
        self.areas.addTab(self.home, "工作台")
        self.areas.addTab(self.list_view, "困难职工档案")
        self.areas.addTab(self.batch_list, "帮扶批次")
        # The ledger and the report are built when first opened: start-up pays only for what it shows.
        self._lazy: dict[str, QWidget | None] = {VERIFY: None, LEDGER: None, REPORT: None, EVALUATE: None,
                                                    CENTRE: None}
        for title in self._lazy:
            self.areas.addTab(QWidget(), title)
        self.areas.currentChanged.connect(self._area_shown)
        self.setCentralWidget(self.areas)
        self.count_label = QLabel()
        self.statusBar().addWidget(self.count_label, 1)
        self.statusBar().addPermanentWidget(QLabel(f"用户：{user.display_name}（{'、'.join(user.roles)}）"))
        self.count_label.setText(self.list_view.counts_text)
        self.count_label.setVisible(False)  # the archive list's counts, shown with the archive
        self.list_view.counts_changed.connect(self.count_label.setText)
        self.list_view.open_requested.connect(self.edit_household)
        self._build_actions()
        self._tmp = tempfile.TemporaryDirectory(prefix="aiddesk-print-")
        # Personal data must not stay on an unattended screen: lock after idle_lock_minutes without input.
        self.idle_lock = IdleLock(self, db=db, username=user.username)

    def _action(self, text: str, slot, shortcut: str | None = None) -> QAction:
        action = QAction(text, self)
        action.triggered.connect(lambda checked=False: slot())
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        return action

    def _build_actions(self) -> None:
        can_edit = bool(set(EDITORS) & set(self.user.roles))
        is_admin = "管理员" in self.user.roles
        self.new_action = self._action("新建档案", self.new_household, "Ctrl+N")
        self.edit_action = self._action("查看/修改", lambda: self.edit_household(self._selected_id()))
        self.status_action = self._action("状态变更（转在档/脱困/注销）", self.change_status)
        self.print_action = self._action("打印登记表", self.print_selected, "Ctrl+P")
        self.history_action = self._action("修改记录", self.show_history)
        for action in (self.new_action, self.status_action):
            action.setEnabled(can_edit)
        toolbar = self.archive_toolbar = QToolBar("档案")
        toolbar.setObjectName("archiveToolbar")
        toolbar.setMovable(False)
        for action in (self.new_action, self.edit_action, self.status_action, self.print_action,
                       self.history_action):
            toolbar.addAction(action)
        self.addToolBar(toolbar)
        toolbar.setVisible(False)  # the window opens on the 工作台; the archive's tools show with the archive

        menu = self.menuBar()
        file_menu = menu.addMenu("文件")
        self.import_action = self._action("导入交换表或旧台账…", self.import_exchange)
        self.import_several_action = self._action("导入多个交换表…", self.import_several)  # a centre's units' books
        self.import_ledger_action = self._action("导入旧台账…", self.import_ledgers)  # an office's own old books
        if not self.actor.may(*IMPORTERS):
            for action in (self.import_action, self.import_several_action, self.import_ledger_action):
                action.setEnabled(False)
                action.setToolTip(IMPORT_READ_ONLY)
        file_menu.setToolTipsVisible(True)  # menus hide action tooltips unless asked: readers see why it is grey
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.import_several_action)
        file_menu.addAction(self.import_ledger_action)
        self.export_action = self._action("导出交换表…", self.export_exchange)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        from . import backup_actions  # issue 8: backups

        self.backup_action = self._action("立即备份…", lambda: backup_actions.backup_now(self))
        self.backup_action.setEnabled(self.actor.may("管理员", "经办人"))
        self.restore_action = self._action("从备份恢复…", lambda: backup_actions.restore_from_backup(self))
        self.restore_action.setEnabled(is_admin)
        self.backup_settings_action = self._action("备份设置…", lambda: backup_actions.edit_backup_settings(self))
        for action in (self.backup_action, self.restore_action, self.backup_settings_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("退出", self.close, "Ctrl+Q"))
        archive_menu = menu.addMenu("档案")
        for action in (self.new_action, self.edit_action, self.status_action, self.print_action,
                       self.history_action):
            archive_menu.addAction(action)
        admin_menu = menu.addMenu("管理")
        self.units_action = self._action("单位管理", self.manage_units)
        self.users_action = self._action("用户管理", self.manage_users)
        self.dibao_action = self._action("低保标准", self.manage_dibao)
        self.rules_action = self._action("困难类别建议规则", self.choose_rule_set)
        self.calendar_action = self._action("节假日", self.manage_calendar)
        self.sources_action = self._action("资金来源", self.manage_fund_sources)
        from .integrity_dialog import run_integrity_check

        self.check_action = self._action("完整性检查…", lambda: run_integrity_check(self))
        for action in (self.units_action, self.users_action, self.dibao_action, self.rules_action,
                       self.calendar_action, self.sources_action, self.check_action):
            action.setEnabled(is_admin)
            admin_menu.addAction(action)
        help_menu = menu.addMenu("帮助")
        help_menu.addAction(self._action("关于", self.about))

    # ---- archive actions ------------------------------------------------------

    def new_household(self) -> None:
        units = all_units(self.db.conn)
        if not units:
            messages.error(self, "还没有任何单位。请先在“管理 → 单位管理”中添加本单位。")
            return
        dialog = HouseholdDialog(service=self.archive, units=units, parent=self)
        if dialog.exec() == QDialog.Accepted and dialog.result_:
            self.list_view.refresh(dialog.result_.household_id)

    def _selected_id(self) -> int | None:
        household_id = self.list_view.current_id()
        if household_id is None:
            messages.info(self, "请先在列表中选中一户档案。")
        return household_id

    def edit_household(self, household_id: int | None) -> None:
        if household_id is None:
            return
        household = self.archive.get(household_id)
        dialog = HouseholdDialog(service=self.archive, units=all_units(self.db.conn), household=household,
                                 parent=self)
        if not set(EDITORS) & set(self.user.roles):
            dialog.save_button.setEnabled(False)
            dialog.save_button.setToolTip("您的账号只能查看档案")
        if dialog.exec() == QDialog.Accepted:
            self.list_view.refresh(household_id)

    def change_status(self) -> None:
        household_id = self._selected_id()
        if household_id is None:
            return
        dialog = StatusDialog(service=self.archive, household=self.archive.get(household_id), parent=self)
        if dialog.exec() == QDialog.Accepted:
            self.list_view.refresh(household_id)

    def show_history(self) -> None:
        household_id = self._selected_id()
        if household_id is None:
            return
        h = self.archive.get(household_id)
        HistoryDialog(title=f"{h.name}（{h.archive_no}）", entries=self.archive.history(household_id),
                      parent=self).exec()

    def print_selected(self) -> None:
        """Print the selected households' registration forms into one PDF, off the GUI thread."""
        from ..services.printing import print_archive_forms  # reportlab loads only when printing

        ids = self.list_view.selected_ids()
        if not ids:
            messages.info(self, "请先在列表中选中要打印的档案（可按住 Ctrl 或 Shift 多选）。")
            return
        out = Path(self._tmp.name) / (f"困难职工档案登记表-{len(ids)}户.pdf")
        db = self.db

        def job(report):
            worker_db = db.connect_for_thread()
            try:
                return print_archive_forms(worker_db, ids, out, progress=lambda i: report(i, len(ids)))
            finally:
                worker_db.close()

        run_with_progress(
            self, title="打印登记表", label=f"正在生成 {len(ids)} 户的登记表 …", job=job,
            on_done=lambda count: self.open_preview(out, f"困难职工档案登记表（{count}户）"),
            on_error=lambda err: messages.error(self, describe_error(err)))

    def open_preview(self, pdf: Path, title: str) -> None:
        PdfPreviewDialog(pdf_path=pdf, title=title, parent=self).exec()

    # ---- the 工作台, the ledger and the report ---------------------------------------

    def _home_page(self) -> QWidget:
        from .dashboard.home_page import HomePage

        home = HomePage(db=self.db, actor=self.actor, parent=self)
        home.archive_requested.connect(self.show_archive)
        home.batch_requested.connect(self.open_batch)
        home.ledger_requested.connect(self.show_ledger)
        return home

    def area(self, title: str) -> QWidget:
        """The tab called ``title``, built on first use for the ledger and the report."""
        index = next(i for i in range(self.areas.count()) if self.areas.tabText(i) == title)
        if title in self._lazy and self._lazy[title] is None:
            widget = self._build_area(title)
            self._lazy[title] = widget
            current = self.areas.currentIndex()
            self.areas.blockSignals(True)  # swapping the placeholder is not the user switching tabs
            self.areas.removeTab(index)
            self.areas.insertTab(index, widget, title)
            self.areas.setCurrentIndex(current)
            self.areas.blockSignals(False)
        return self.areas.widget(index)

    def _build_area(self, title: str) -> QWidget:
        if title == VERIFY:
            from .verification.verification_area import VerificationArea

            area = VerificationArea(db=self.db, actor=self.actor, parent=self)
            area.household_requested.connect(self.edit_household)
            area.batch_requested.connect(self.open_batch)
            return area
        if title == LEDGER:
            from ..services.funds import FundService
            from .funds.ledger_view import LedgerView

            view = LedgerView(service=FundService(self.db, self.actor), parent=self)
            view.changed.connect(self.home.reload)
            return view
        if title == CENTRE:
            from .exchange.centre_area import CentreArea

            area = CentreArea(db=self.db, actor=self.actor, parent=self)
            area.household_requested.connect(self.edit_household)
            area.batch_requested.connect(self.open_batch)
            area.import_requested.connect(self.import_several)
            return area
        if title == EVALUATE:
            from .evaluation.evaluation_page import EvaluationPage

            return EvaluationPage(db=self.db, actor=self.actor, parent=self)
        from .funds.report_page import FundReportPage

        return FundReportPage(db=self.db, parent=self)

    def _area_shown(self, index: int) -> None:
        title = self.areas.tabText(index)
        on_archive = self.areas.widget(index) is self.list_view
        self.archive_toolbar.setVisible(on_archive)
        self.count_label.setVisible(on_archive)
        if title in self._lazy:
            widget = self.area(title)
            self.areas.setCurrentWidget(widget)
            if hasattr(widget, "reload"):
                widget.reload()  # payments or entries made elsewhere since it was last shown
        elif self.areas.widget(index) is self.home:
            self.home.reload()

    def show_archive(self, flt) -> None:
        self.areas.setCurrentWidget(self.list_view)
        self.list_view.show_filter(flt)

    def show_ledger(self, source: str) -> None:
        ledger = self.area(LEDGER)
        self.areas.setCurrentWidget(ledger)
        ledger.show_source(source)

    # ---- aid batches -------------------------------------------------------------

    def open_batch(self, batch_id: int | None) -> None:
        from .batches.batch_dialog import BatchDialog  # loaded on first use, not at start-up

        dialog = BatchDialog(service=self.batches, units=all_units(self.db.conn), batch_id=batch_id, parent=self)
        dialog.exec()
        self.batch_list.reload()
        self.home.reload()

    def verify_batch(self, batch_id: int) -> None:
        from .verification.batch_verification import BatchVerificationDialog  # loaded on first use

        BatchVerificationDialog(db=self.db, actor=self.actor, batch_id=batch_id, parent=self).exec()
        self.batch_list.reload()
        self.home.reload()

    # ---- exchange with the unit above -----------------------------------------------

    def export_exchange(self) -> None:
        from .exchange.export_dialog import ExportDialog

        ExportDialog(db=self.db, actor=self.actor, parent=self).exec()

    def import_exchange(self) -> None:
        wizard = self.import_wizard()
        wizard.setAttribute(Qt.WA_DeleteOnClose)  # it holds the whole checked workbook in memory
        wizard.exec()

    def import_wizard(self):
        """The import wizard, wired so the window shows the new rows as soon as they are written."""
        from .exchange.import_wizard import ImportWizard

        wizard = ImportWizard(db=self.db, actor=self.actor, parent=self)
        wizard.import_written.connect(lambda _counts: self.reload_everything())
        return wizard

    def import_several(self) -> None:
        dialog = self.batch_import_dialog()
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.exec()

    def batch_import_dialog(self):
        """导入多个交换表, wired so the window shows the new rows once a run has written any."""
        from .exchange.batch_import_dialog import BatchImportDialog

        dialog = BatchImportDialog(db=self.db, actor=self.actor, parent=self)
        dialog.import_written.connect(lambda _files: self.reload_everything())
        return dialog

    def import_ledgers(self) -> None:
        wizard = self.ledger_wizard()
        wizard.setAttribute(Qt.WA_DeleteOnClose)  # it holds the checked books in memory
        wizard.exec()

    def ledger_wizard(self):
        """导入旧台账, wired so the window shows what it made and opens it from the result page."""
        from .exchange.ledger_wizard import LedgerWizard

        wizard = LedgerWizard(db=self.db, actor=self.actor, parent=self)
        wizard.import_written.connect(self.reload_everything)
        wizard.archive_requested.connect(self.show_archive)
        wizard.batch_requested.connect(self.open_batch)
        wizard.batches_requested.connect(self.show_batches)
        return wizard

    def show_batches(self, year: int) -> None:
        self.batch_list.year.setValue(year)  # reloads the list
        self.areas.setCurrentWidget(self.batch_list)

    def reload_everything(self) -> None:
        """Re-read every area after an import: it can add units, archives, batches, entries and checks."""
        self.list_view.reload_units()
        self.list_view.refresh()
        self.batch_list.reload()
        self.home.reload()
        for widget in self._lazy.values():
            if widget is not None and hasattr(widget, "reload"):
                widget.reload()

    # ---- administration ---------------------------------------------------------

    def manage_units(self) -> None:
        from .admin.units_dialog import UnitsDialog

        UnitsDialog(db=self.db, actor=self.actor, parent=self).exec()
        self.list_view.reload_units()
        self.list_view.refresh()

    def manage_users(self) -> None:
        from .admin.users_dialog import UsersDialog

        UsersDialog(db=self.db, actor=self.actor, parent=self).exec()

    def manage_dibao(self) -> None:
        from .admin.dibao_dialog import DibaoDialog

        DibaoDialog(db=self.db, actor=self.actor, parent=self).exec()

    def manage_calendar(self) -> None:
        from .admin.calendar_dialog import CalendarDialog

        CalendarDialog(db=self.db, actor=self.actor, parent=self).exec()

    def manage_fund_sources(self) -> None:
        from ..services.funds import FundService
        from .admin.fund_sources_dialog import FundSourcesDialog

        FundSourcesDialog(service=FundService(self.db, self.actor), parent=self).exec()
        if self._lazy[LEDGER] is not None:
            self._lazy[LEDGER].reload()  # its source filter lists a newly added source

    def choose_rule_set(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        from ..core.income import available_rule_sets
        from ..services.settings import set_rule_set

        rules = available_rule_sets()
        titles = [r.title for r in rules]
        current = next((i for i, r in enumerate(rules) if r.id == self.archive.rule_set_id()), 0)
        title, ok = QInputDialog.getItem(self, "困难类别建议规则", "计算建议类别时使用的规则：", titles, current, False)
        if ok:
            set_rule_set(self.db, self.actor, rules[titles.index(title)].id)

    def about(self) -> None:
        messages.info(self, f"工会帮扶工作台 {__version__}\n\n数据库：{self.db.path}\n"
                            f"附件文件夹：{self.db.attachment_dir}", "关于")

    def closeEvent(self, event) -> None:
        self._tmp.cleanup()
        super().closeEvent(event)
