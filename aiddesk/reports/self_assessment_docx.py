"""The drafted self-assessment report (自检报告) as a Word document the office edits in Word or WPS.

Real styles, so that the office's own edits keep the look: ``Normal`` in 仿宋 (三号, two characters'
first-line indent, fixed 28-point lines, as official documents are set), ``Heading 1`` in 黑体,
``Heading 2`` in 楷体, the title in a style of its own. Placeholders are highlighted: yellow where
the office writes (【请填写：…】), pink where the records had no figure (【缺少数据：…】).
A4 with official-document margins; the page number in the footer (— 1 —).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..atomic import write_atomically
from . import self_assessment_sections as ss

BODY_FONT, HEADING_FONT, H2_FONT, TITLE_FONT, LATIN_FONT = "仿宋", "黑体", "楷体", "宋体", "Times New Roman"
BODY_SIZE, TITLE_SIZE = Pt(16), Pt(22)        # 三号, 二号
LINE = Pt(28)
TITLE_STYLE = "报告标题"
HIGHLIGHT = {ss.FILL: WD_COLOR_INDEX.YELLOW, ss.MISSING: WD_COLOR_INDEX.PINK}


def write_self_assessment_docx(report: ss.Draft, out: Path) -> None:
    """Write ``report`` as a .docx at ``out`` (atomically: an old file survives a failure)."""
    doc = build_document(report)
    write_atomically(out, lambda tmp: doc.save(tmp), opened_in="Word 或 WPS")


def build_document(report: ss.Draft):
    doc = Document()
    _page(doc)
    _styles(doc)
    props = doc.core_properties
    props.title, props.author, props.comments = report.title, report.facts.unit_name, "AidDesk 根据记录起草"
    for block in report.blocks:
        _block(doc, block)
    return doc


# ---- page --------------------------------------------------------------------------------------

def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    _run(footer, "— ", size=Pt(14), font=LATIN_FONT)
    _page_field(footer)
    _run(footer, " —", size=Pt(14), font=LATIN_FONT)


def _page_field(paragraph) -> None:
    """A PAGE field (Word and WPS both update it on opening and printing)."""
    parts = [("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)]
    for kind, text in parts:
        run = paragraph.add_run()
        _fonts(run, LATIN_FONT, LATIN_FONT)
        run.font.size = Pt(14)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


# ---- styles ------------------------------------------------------------------------------------

def _styles(doc) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    _style_font(normal, BODY_FONT, BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.first_line_indent = Pt(32)            # two characters of 三号
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    for name, font in (("Heading 1", HEADING_FONT), ("Heading 2", H2_FONT)):
        style = styles[name]
        _style_font(style, font, BODY_SIZE)
        style.font.bold = False
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        f = style.paragraph_format
        f.first_line_indent = Pt(32)
        f.left_indent = Pt(0)
        f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
        f.space_before = Pt(6) if name == "Heading 1" else Pt(0)
        f.space_after = Pt(0)
        f.keep_with_next = True

    title = styles.add_style(TITLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    title.base_style = normal
    title.next_paragraph_style = normal
    _style_font(title, TITLE_FONT, TITLE_SIZE)
    title.font.bold = True
    f = title.paragraph_format
    f.alignment = WD_ALIGN_PARAGRAPH.CENTER
    f.first_line_indent = Pt(0)
    f.line_spacing_rule, f.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(36)
    f.space_after = Pt(24)


def _style_font(style, east_asia: str, size) -> None:
    style.font.name = LATIN_FONT
    style.font.size = size
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)
    # Heading styles of the default template take their fonts from the theme: without dropping the
    # theme attributes Word would show them in the theme's font rather than 黑体.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _fonts(run, latin: str, east_asia: str) -> None:
    run.font.name = latin
    rpr = run._r.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


# ---- blocks ------------------------------------------------------------------------------------

def _block(doc, block: ss.Block) -> None:
    if block.kind == ss.TITLE:
        p = doc.add_paragraph(style=TITLE_STYLE)
        for i, line in enumerate(block.text.split("\n")):
            if i:
                p.add_run().add_break()
            p.add_run(line)
        return
    style = {ss.H1: "Heading 1", ss.H2: "Heading 2"}.get(block.kind, "Normal")
    p = doc.add_paragraph(style=style)
    if block.kind == ss.SALUTATION:
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.space_before = Pt(6)
    elif block.kind == ss.SIGN:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.first_line_indent = Pt(0)
        p.paragraph_format.right_indent = Pt(32)
        if block.text and not block.text.startswith("【"):
            p.paragraph_format.space_before = Pt(28)
    for text, kind in ss.runs(block.text):
        run = p.add_run(text)
        if kind:
            run.font.highlight_color = HIGHLIGHT[kind]


def _run(paragraph, text: str, *, size, font: str):
    run = paragraph.add_run(text)
    _fonts(run, font, font)
    run.font.size = size
    return run
