"""编辑短信模板: the text with its placeholders, a live preview for a real recipient, and its length in SMS."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (QDialog, QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from ...core.errors import UserError
from ...core.sms import PLACEHOLDERS, segment_rule_text
from ...services.sms import SmsService
from ..forms import error_label, ok_cancel, show_error

HINT_STYLE = "color: #666666;"
LONG_STYLE = "color: #b35c00;"   # more than one SMS: it costs more, worth a look
EDITOR_LINES = 5


class TemplateDialog(QDialog):
    """Edits the template of one 活动类型; 保存 calls ``SmsService.save_template``.

    The preview is the message of the batch's first recipient when ``batch_id`` is given, else a sample person.
    """

    def __init__(self, *, service: SmsService, activity: str, batch_id: int | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.activity, self.batch_id = service, activity, batch_id
        self.setWindowTitle(f"编辑短信模板 — {activity}")
        self.resize(640, 440)

        intro = QLabel(f"模板中的占位符在发送时换成每个人的信息。点下面的按钮可在光标处插入占位符。"
                       f"短信按字数计费：{segment_rule_text()}，汉字、字母、数字、标点都算1个字。")
        intro.setWordWrap(True)
        intro.setStyleSheet(HINT_STYLE)

        self.placeholder_buttons: dict[str, QPushButton] = {}
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for name in PLACEHOLDERS:
            button = QPushButton("{" + name + "}")
            button.setAutoDefault(False)
            button.setToolTip(f"在光标处插入 {{{name}}}")
            button.clicked.connect(lambda _checked=False, n=name: self.insert_placeholder(n))
            self.placeholder_buttons[name] = button
            buttons.addWidget(button)
        buttons.addStretch(1)

        self.editor = QPlainTextEdit()
        self.editor.setPlainText(service.template(activity))
        # An SMS has no lines to scroll along: the text wraps at the edge.
        self.editor.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.editor.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.editor.setMinimumHeight(QFontMetrics(self.editor.font()).lineSpacing() * EDITOR_LINES + 12)
        self.editor.textChanged.connect(self.update_preview)

        self.preview_label = QLabel()
        self.preview_label.setWordWrap(True)
        self.preview_label.setMinimumHeight(QFontMetrics(self.preview_label.font()).lineSpacing() * 3)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        who = "本批次第一位领取人" if batch_id is not None else "示例人员"
        preview_box = QGroupBox(f"预览（以{who}的信息）")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.preview_label)
        preview_layout.addWidget(self.count_label)

        self.reset_button = QPushButton("恢复默认")
        self.reset_button.setAutoDefault(False)
        self.reset_button.setToolTip("换回程序自带的默认模板（保存后生效）")
        self.reset_button.clicked.connect(self.restore_default)
        self.error = error_label()
        bottom = QHBoxLayout()
        bottom.addWidget(self.reset_button)
        bottom.addStretch(1)
        bottom.addWidget(ok_cancel(self, "保存"))

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.editor, 1)
        layout.addWidget(preview_box)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.update_preview()

    def text(self) -> str:
        return self.editor.toPlainText()

    def insert_placeholder(self, name: str) -> None:
        self.editor.insertPlainText("{" + name + "}")
        self.editor.setFocus()

    def restore_default(self) -> None:
        self.editor.setPlainText(self.service.default_template(self.activity))

    def update_preview(self) -> None:
        """Refill the preview and the count from the text as it is now; an unknown placeholder is said at once."""
        subject = self.batch_id if self.batch_id is not None else self.activity
        try:
            p = self.service.preview(subject, self.text())
        except UserError as err:
            self.preview_label.setText("")
            self.count_label.setText("")
            show_error(self.error, err)
            return
        show_error(self.error, None)
        self.preview_label.setText(p.message)
        if p.segments > 1:
            self.count_label.setText(f"共 {p.chars} 字，超过一条短信，按 {p.segments} 条计费")
            self.count_label.setStyleSheet(LONG_STYLE)
        else:
            self.count_label.setText(f"共 {p.chars} 字，1 条短信")
            self.count_label.setStyleSheet(HINT_STYLE)

    def try_accept(self) -> bool:
        try:
            self.service.save_template(self.activity, self.text())
        except UserError as err:
            show_error(self.error, err)
            return False
        self.accept()
        return True
