"""The drafted self-assessment report (自检报告) as an A4 PDF: the same blocks as the .docx, in the bundled font.

Placeholders are shaded as in the .docx: yellow where the office writes, pink where a figure is missing.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.enums import TA_JUSTIFY, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer

from . import self_assessment_sections as ss
from .common import ReportDocument, Title, draw_footer, styles, write_atomically
from .fonts import register_fonts

SIZE = 12
SHADE = {ss.FILL: "#FFF2A8", ss.MISSING: "#F8C8D8"}


def write_self_assessment_pdf(report: ss.Draft, out: Path) -> None:
    """Write ``report`` as an A4 PDF at ``out`` (atomically: an old file survives a failure)."""
    font = register_fonts()
    st = _styles(font)
    story: list[Flowable] = []
    last: list[Flowable] = []          # the last section (七、下步打算) and the sign-off
    for block in report.blocks:
        if block.kind == ss.H1:
            story += last
            last = []
        last += _block(block, font, st)
    # The unit's name and the date never stand alone on a last page: they go with the last section.
    story.append(KeepTogether(last))
    name = report.title
    unit = report.facts.unit_name

    def footer(canvas, page, pages):
        draw_footer(canvas, font, left=unit, centre=f"{report.facts.year}年度自检报告（草稿）", page=page, pages=pages)

    write_atomically(out, lambda tmp: ReportDocument(tmp, title=name, author=unit, footer=footer).build(story))


def markup(text: str) -> str:
    """``text`` as Paragraph markup: escaped, each placeholder shaded."""
    out = []
    for piece, kind in ss.runs(text):
        piece = escape(piece)
        out.append(f'<span backColor="{SHADE[kind]}">{piece}</span>' if kind else piece)
    return "".join(out)


def _styles(font: str) -> dict[str, ParagraphStyle]:
    st = styles(font)
    base = ParagraphStyle("sa_body", parent=st["value"], fontSize=SIZE, leading=SIZE * 1.75,
                          firstLineIndent=2 * SIZE, alignment=TA_JUSTIFY)
    st["sa_body"] = base
    st["sa_salutation"] = ParagraphStyle("sa_salutation", parent=base, firstLineIndent=0, spaceBefore=2 * mm)
    st["sa_h1"] = ParagraphStyle("sa_h1", parent=base, fontSize=SIZE + 1, leading=(SIZE + 1) * 1.75,
                                 spaceBefore=2 * mm, keepWithNext=1)
    # A heading never stands alone at the foot of a page: it goes with what follows.
    st["sa_h2"] = ParagraphStyle("sa_h2", parent=base, keepWithNext=1)
    st["sa_sign"] = ParagraphStyle("sa_sign", parent=base, alignment=TA_RIGHT, firstLineIndent=0,
                                   rightIndent=2 * SIZE)
    return st


def _block(block: ss.Block, font: str, st: dict) -> list[Flowable]:
    if block.kind == ss.TITLE:
        return [Title(block.text, font=font, size=17), Spacer(1, 6 * mm)]
    if block.kind in (ss.H1, ss.H2):
        return [Paragraph(markup(block.text), st[f"sa_{block.kind}"])]
    if block.kind == ss.SIGN:
        lead = [Spacer(1, 8 * mm)] if not block.text.startswith("【") else []
        return [*lead, Paragraph(markup(block.text), st["sa_sign"])]
    style = st["sa_salutation"] if block.kind == ss.SALUTATION else st["sa_body"]
    return [Paragraph(markup(block.text), style)]
