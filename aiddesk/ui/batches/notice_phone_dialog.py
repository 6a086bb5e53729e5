"""异议联系电话: asked before printing the notice of a batch that has none — a number, or a line to write it in."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...core.errors import UserError
from ...services.printing import clean_notice_phone
from ..forms import error_label, show_error

BLANK_TEXT = "留空，打印后手写"
EMPTY = f"请填写联系电话，或点“{BLANK_TEXT}”"


class NoticePhoneDialog(QDialog):
    """The number for this notice; :meth:`phone` is "" when the user chose a line to write it in.

    ``kept`` says where the number goes (the caller decides, by role and batch state): saved on the batch, or
    printed this once; the dialog says which before the user types.
    """

    def __init__(self, *, batch_name: str, kept: bool, why_not_kept: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("异议联系电话")
        self._phone = ""
        about = QLabel(f"批次“{batch_name}”没有填写异议联系电话（从下级单位导入的批次没有这一项）。"
                       "公示名单要写明群众有异议时拨打的电话，请填写本次公示受理异议的号码。")
        about.setWordWrap(True)
        self.number = QLineEdit()
        self.number.setPlaceholderText("如 0898-66123456")
        self.number.textEdited.connect(lambda _t: show_error(self.error, None))
        where = ("号码将保存到本批次，以后打印不再询问。" if kept
                 else f"号码只用于这次打印，不保存到批次{f'（{why_not_kept}）' if why_not_kept else ''}。")
        self.where = QLabel(where)
        self.where.setWordWrap(True)
        self.error = error_label()
        self.buttons = QDialogButtonBox()
        self.print_button = self.buttons.addButton("打印", QDialogButtonBox.AcceptRole)
        self.blank_button = self.buttons.addButton(BLANK_TEXT, QDialogButtonBox.ActionRole)
        self.cancel_button = self.buttons.addButton("取消", QDialogButtonBox.RejectRole)
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.try_accept)
        self.blank_button.clicked.connect(self.accept_blank)
        self.cancel_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("异议联系电话", self.number)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.where)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.number.setFocus()
        self.resize(480, self.sizeHint().height())

    def try_accept(self) -> None:
        try:
            phone = clean_notice_phone(self.number.text())
        except UserError as err:
            show_error(self.error, err)
            return
        if not phone:
            show_error(self.error, EMPTY)
            return
        self._phone = phone
        self.accept()

    def accept_blank(self) -> None:
        self._phone = ""
        self.accept()

    def phone(self) -> str:
        return self._phone
