"""Chinese line breaking in printed paragraphs: no line starts with a full-width comma or other closing mark."""

from __future__ import annotations

from pypdf import PdfReader

from aiddesk.reports.common import NO_LINE_START, para, styles
from aiddesk.reports.fonts import register_fonts


def test_no_line_of_a_long_plain_paragraph_starts_with_closing_punctuation(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate

    font = register_fonts()
    text = "".join(f"第{i}项资金{'拨' * (i % 7)}付，其中中央财政{i}万元；省财政{i * 3}万元、" for i in range(1, 60)) + "。"
    out = tmp_path / "lines.pdf"
    SimpleDocTemplate(str(out), pagesize=A4).build([para(text, styles(font)["body"])])
    lines = [line for page in PdfReader(out).pages for line in page.extract_text().splitlines() if line.strip()]
    assert len(lines) > 10
    assert [line for line in lines if line.strip()[0] in NO_LINE_START] == []
