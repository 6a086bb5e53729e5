"""核查 of one paid batch: its SMS notices, its phone spot checks and its checklist, in one window."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import QDialog, QLabel, QTabWidget, QVBoxLayout, QWidget

from ...core.money import format_yuan
from ...db import Database
from ...db.audit import Actor
from ...services.batches import BatchService
from ...services.checklist import ChecklistService
from ...services.problems import ProblemService
from ...services.sms import SmsService
from ...services.spot_checks import SpotCheckService
from .checklist_panel import ChecklistPanel
from .sms_panel import SmsPanel
from .spot_check_panel import SpotCheckPanel
from ..forms import close_buttons


class BatchVerificationDialog(QDialog):
    """The three parts of a batch's 核查; the checklist is re-read whenever another part changed something."""

    def __init__(self, *, db: Database, actor: Actor, batch_id: int, parent: QWidget | None = None):
        super().__init__(parent)
        batch = BatchService(db, actor).get(batch_id)
        lines = BatchService(db, actor).records(batch_id)
        self.setWindowTitle(f"核查 — {batch.name}")
        self.resize(1180, 760)
        header = QLabel(f"<b>{batch.code}　{batch.name}</b>　{batch.activity}　{batch.status}　"
                        f"{len(lines)}人，{format_yuan(sum((r.amount for r in lines), Decimal('0.00')))}元")
        self.sms = SmsPanel(service=SmsService(db, actor), batch_id=batch_id)
        self.spot_checks = SpotCheckPanel(service=SpotCheckService(db, actor), problems=ProblemService(db, actor),
                                          batch_id=batch_id)
        self.checklist = ChecklistPanel(service=ChecklistService(db, actor), batch_id=batch_id)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.sms, "短信通知")
        self.tabs.addTab(self.spot_checks, "电话抽查")
        self.tabs.addTab(self.checklist, "核查清单")
        for part in (self.sms, self.spot_checks):
            part.changed.connect(self.checklist.reload)
        buttons = close_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
