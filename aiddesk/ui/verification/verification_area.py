"""The 核查 area of the main window: the year's home visits, satisfaction, open problems and figures."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ...db import Database
from ...db.audit import Actor
from ...services.feedback import FeedbackService
from ...services.home_visits import HomeVisitService
from ...services.problems import ProblemService
from .feedback_view import FeedbackView
from .figures_view import FiguresView
from .problems_view import ProblemsView
from .visits_view import VisitsView


class VerificationArea(QWidget):
    """Passes on requests to open an archive or a batch; the main window knows where those live."""

    household_requested = Signal(int)
    batch_requested = Signal(int)

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.visits = VisitsView(service=HomeVisitService(db, actor))
        self.feedback = FeedbackView(service=FeedbackService(db, actor))
        self.problems = ProblemsView(service=ProblemService(db, actor))
        self.figures = FiguresView(db=db)
        self.tabs = QTabWidget()
        for widget, title in ((self.problems, "问题跟踪"), (self.visits, "入户走访"), (self.feedback, "满意度"),
                              (self.figures, "年度核查指标")):
            self.tabs.addTab(widget, title)
        self.visits.household_requested.connect(self.household_requested)
        self.problems.household_requested.connect(self.household_requested)
        self.problems.batch_requested.connect(self.batch_requested)
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.tabs)

    def reload(self) -> None:
        widget = self.tabs.currentWidget()
        if hasattr(widget, "reload"):
            widget.reload()
