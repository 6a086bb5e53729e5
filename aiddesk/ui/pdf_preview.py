"""Print preview of a PDF we generated: look at it, print it, or save a copy."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QPointF, QRect, QSize, QSizeF
from PySide6.QtGui import QPageLayout, QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from . import messages


class PdfPreviewDialog(QDialog):
    def __init__(self, *, pdf_path: Path, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.pdf_path = Path(pdf_path)
        self.setWindowTitle(f"打印预览 — {title}")
        self.resize(820, 900)
        self.document = QPdfDocument(self)
        self.document.load(str(self.pdf_path))
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        print_button = QPushButton("打印…")
        print_button.clicked.connect(self.print_document)
        save_button = QPushButton("另存为 PDF…")
        save_button.clicked.connect(self.save_copy)
        close_button = QPushButton("关闭")
        close_button.clicked.connect(self.reject)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(f"共 {self.document.pageCount()} 页"))
        bar.addStretch(1)
        for button in (print_button, save_button, close_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(bar)

    def page_count(self) -> int:
        return self.document.pageCount()

    def print_document(self) -> None:
        printer = QPrinter(QPrinter.HighResolution)
        # A landscape document (the 绩效自评表) prints on landscape paper, not squeezed onto portrait.
        printer.setPageOrientation(page_orientation(self.document))
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.Accepted:
            return
        painter = QPainter()
        if not painter.begin(printer):
            messages.error(self, "无法连接打印机，请检查打印机设置。")
            return
        try:
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                rect = fitted(self.document.pagePointSize(page), painter.viewport().size())
                image = self.document.render(page, rect.size())
                painter.drawImage(QPointF(rect.x(), rect.y()), image)
        finally:
            painter.end()

    def save_copy(self) -> None:
        target, _ = QFileDialog.getSaveFileName(self, "另存为 PDF", str(Path.home() / self.pdf_path.name),
                                                "PDF 文件 (*.pdf)")
        if target:
            try:
                shutil.copyfile(self.pdf_path, target)
            except OSError as err:
                messages.error(self, f"保存失败：{err.strerror or err}")
                return
            messages.info(self, f"已保存到：{target}")


def page_orientation(document: QPdfDocument) -> QPageLayout.Orientation:
    """Landscape when the document's first page is wider than it is tall."""
    size = document.pagePointSize(0) if document.pageCount() else QSizeF()
    return QPageLayout.Landscape if size.width() > size.height() else QPageLayout.Portrait


def fitted(page: QSizeF, area: QSize) -> QRect:
    """The largest rectangle of the page's shape inside ``area``, centred: pages print undistorted."""
    if page.isEmpty() or area.isEmpty():
        return QRect(0, 0, area.width(), area.height())
    scale = min(area.width() / page.width(), area.height() / page.height())
    w, h = round(page.width() * scale), round(page.height() * scale)
    return QRect((area.width() - w) // 2, (area.height() - h) // 2, w, h)
