"""The exchange workbook is what Excel writes: its package beside one saved by Excel, and read by every reader.

The reference is tests/data/excel_made.xlsx (saved by Excel 2016 on Simplified Chinese Windows; its source and
licence in tests/data/excel_made.md). Each check is made on both files, so it is a check of what Excel does,
not only of what we do. Our workbook is a demo office's year, exported as a clerk exports it.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from aiddesk.core.clock import FixedClock
from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.exchange import format as fmt
from aiddesk.exchange import xlsx_stream as xs
from aiddesk.exchange.export import export_workbook
from aiddesk.services.demo import build_demo

EXCEL_MADE = Path(__file__).resolve().parent.parent / "data" / "excel_made.xlsx"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
DOC = "application/vnd.openxmlformats-officedocument"
KINDS = {f"{DOC}.spreadsheetml.sheet.main+xml": "workbook", f"{DOC}.spreadsheetml.worksheet+xml": "sheet",
         f"{DOC}.spreadsheetml.styles+xml": "styles", f"{DOC}.theme+xml": "theme",
         f"{DOC}.spreadsheetml.sharedStrings+xml": "shared strings",
         "application/vnd.openxmlformats-package.core-properties+xml": "core properties",
         f"{DOC}.extended-properties+xml": "app properties"}


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> tuple[Path, int]:
    """A demo office's year (120 households, its batches, checks and ledger), exported: (workbook, year)."""
    folder = tmp_path_factory.mktemp("conformance")
    db = open_database(folder / "office.sqlite", clock=FixedClock(date(2026, 12, 7)))
    try:
        build_demo(db, households=120, seed=11, attachments=False)
        number = db.conn.execute("SELECT MAX(year) FROM batches").fetchone()[0]
        export_workbook(db, folder / "year.xlsx", year=number, actor=Actor("测试员", "命令行"))
    finally:
        db.close()
    return folder / "year.xlsx", number


@pytest.fixture(scope="module")
def ours(year) -> Path:
    return year[0]


# ---- the package ------------------------------------------------------------------------------------------

def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def xml(path: Path, part: str) -> ElementTree.Element:
    return ElementTree.fromstring(parts(path)[part])


def part_kinds(path: Path) -> dict[str, str]:
    """Each part named in [Content_Types].xml → its kind (of those a workbook is made of)."""
    types = xml(path, "[Content_Types].xml")
    return {o.get("PartName").lstrip("/"): KINDS[o.get("ContentType")] for o in types.iter(f"{TYPES}Override")
            if o.get("ContentType") in KINDS}


def sheet_parts(path: Path) -> list[str]:
    return sorted(name for name, kind in part_kinds(path).items() if kind == "sheet")


@pytest.mark.parametrize("made_by", ["excel", "us"])
def test_content_types_is_the_first_part_of_the_zip(made_by, ours):
    path = EXCEL_MADE if made_by == "excel" else ours
    with zipfile.ZipFile(path) as z:
        assert z.namelist()[0] == "[Content_Types].xml"


def test_the_package_has_the_kinds_of_part_excel_writes(ours):
    excel, mine = part_kinds(EXCEL_MADE), part_kinds(ours)
    assert set(excel.values()) >= set(KINDS.values())  # Excel's file has each (and a few more of its own)
    assert set(mine.values()) == set(KINDS.values())
    assert len(sheet_parts(ours)) == len(fmt.SHEETS) + 1  # the 说明 sheet and the format's sheets
    assert set(mine) <= set(parts(ours))  # every part named is in the zip


def test_the_workbook_has_workbook_properties_and_calculation_properties_in_excels_order(ours):
    for path in (EXCEL_MADE, ours):
        order = [child.tag.removeprefix(MAIN) for child in xml(path, "xl/workbook.xml") if child.tag.startswith(MAIN)]
        wanted = ["workbookPr", "bookViews", "sheets", "calcPr"]
        assert [tag for tag in order if tag in wanted] == wanted, path.name
    book = xml(ours, "xl/workbook.xml")
    assert book.find(f"{MAIN}workbookPr").get("date1904") in (None, "0", "false")  # the 1900 date system
    assert book.find(f"{MAIN}calcPr").get("calcId")


def test_the_font_is_songti_with_the_charset_chinese_excel_writes(ours):
    def fonts(path: Path) -> list[dict[str, str]]:
        styles = xml(path, "xl/styles.xml")
        return [{child.tag.removeprefix(MAIN): child.get("val", "") for child in font}
                for font in styles.find(f"{MAIN}fonts")]

    excel_default = fonts(EXCEL_MADE)[0]
    assert excel_default["name"] == "宋体" and excel_default["charset"] == "134"  # GB2312, as Excel writes it
    mine = fonts(ours)
    assert [f["name"] for f in mine] == ["宋体", "宋体"] and "b" in mine[1]  # body and bold header
    assert {f["charset"] for f in mine} == {excel_default["charset"]}
    assert {f["sz"] for f in mine} == {excel_default["sz"]}


def test_the_theme_is_a_theme_with_the_chinese_body_font(ours):
    theme = xml(ours, "xl/theme/theme1.xml")
    a = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
    minor = theme.find(f"{a}themeElements/{a}fontScheme/{a}minorFont")
    assert {f.get("script"): f.get("typeface") for f in minor.iter(f"{a}font")}["Hans"] == "宋体"
    rels = parts(ours)["xl/_rels/workbook.xml.rels"].decode()
    assert 'Target="theme/theme1.xml"' in rels


def string_cells(path: Path) -> int:
    return sum(len(re.findall(rb'<c [^>]*\bt="s"', parts(path)[sheet])) for sheet in sheet_parts(path))


@pytest.mark.parametrize("made_by", ["excel", "us"])
def test_the_shared_strings_count_is_the_number_of_string_cells(made_by, ours):
    path = EXCEL_MADE if made_by == "excel" else ours
    table = xml(path, "xl/sharedStrings.xml")
    unique = len(table.findall(f"{MAIN}si"))
    assert int(table.get("uniqueCount")) == unique
    assert int(table.get("count")) == string_cells(path)
    assert int(table.get("count")) > unique  # texts repeat: 姓名 in the header, 低保户 in many rows …


def used_range(sheet: bytes) -> str:
    """The range a sheet's cells span, from their references (what <dimension> must say)."""
    refs = re.findall(rb'<c r="([A-Z]+)(\d+)"', sheet)
    letters = max((r[0] for r in refs), key=lambda c: (len(c), c)).decode()
    return f"A1:{letters}{max(int(r[1]) for r in refs)}"


@pytest.mark.parametrize("made_by", ["excel", "us"])
def test_every_sheet_says_its_size_before_its_rows(made_by, ours):
    path = EXCEL_MADE if made_by == "excel" else ours
    for name in sheet_parts(path):
        sheet = parts(path)[name]
        dimension = ElementTree.fromstring(sheet).find(f"{MAIN}dimension")
        if b"<c " not in sheet:  # an empty sheet of Excel's says "A1"
            assert dimension.get("ref") == "A1"
            continue
        assert dimension.get("ref") == used_range(sheet), name
        assert sheet.index(b"<dimension") < sheet.index(b"<cols") < sheet.index(b"<sheetData")


# ---- the readers ------------------------------------------------------------------------------------------

def test_openpyxl_read_only_sees_the_size_and_the_cells_of_every_sheet(ours):
    normal = load_workbook(ours)
    fast = load_workbook(ours, read_only=True)
    assert fast.sheetnames == [fmt.MANIFEST, *(s.name for s in fmt.SHEETS)]
    for sheet in fmt.SHEETS:
        full, streamed = normal[sheet.name], fast[sheet.name]
        assert streamed.max_column == len(sheet.columns), sheet.name
        assert streamed.max_row == full.max_row == sum(1 for _ in full.iter_rows()), sheet.name
        assert [list(r) for r in streamed.iter_rows(values_only=True)] == \
            [list(r) for r in full.iter_rows(values_only=True)], sheet.name
    fast.close()


def test_calamine_reads_the_cells_openpyxl_reads(ours):
    normal = load_workbook(ours)
    book = CalamineWorkbook.from_path(str(ours))
    for sheet in fmt.SHEETS:
        rows = book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        expected = [["" if v is None else v.date() if isinstance(v, datetime) else v for v in row]
                    for row in normal[sheet.name].iter_rows(values_only=True)]
        assert rows == expected, sheet.name


@pytest.mark.parametrize("engine", ["openpyxl", "calamine"])
def test_pandas_reads_every_sheet_with_its_headers_and_rows(engine, ours):
    import pandas  # a test dependency (pyproject.toml), imported here: only this test pays for it

    frames = pandas.read_excel(ours, sheet_name=None, engine=engine, dtype=str)
    assert list(frames) == [fmt.MANIFEST, *(s.name for s in fmt.SHEETS)]
    normal = load_workbook(ours)
    for sheet in fmt.SHEETS:
        frame = frames[sheet.name]
        assert list(frame.columns) == list(sheet.headers), sheet.name
        assert len(frame) == normal[sheet.name].max_row - 1, sheet.name
    households = frames[fmt.HOUSEHOLDS.name]
    ids = households["身份证号"].dropna()
    assert len(ids) and all(re.fullmatch(r"\d{17}[\dX]", i) for i in ids)  # text, never a number in E notation


# ---- what the writer writes -------------------------------------------------------------------------------

def test_column_widths_fit_the_codes_and_stop_at_the_cap(ours):
    book = load_workbook(ours)
    for sheet in fmt.SHEETS:
        ws = book[sheet.name]
        for i, column in enumerate(sheet.columns):
            letter = xs.column_letter(i)
            texts = [str(c.value.date() if isinstance(c.value, datetime) else c.value)
                     for (c,) in ws.iter_rows(min_col=i + 1, max_col=i + 1) if c.value is not None]
            widest = max(map(xs.display_width, texts))
            width = ws.column_dimensions[letter].width
            assert width >= min(widest, xs.WIDTH_CAP), (sheet.name, column.header, width, widest)
            assert width <= max(xs.WIDTH_CAP, xs.display_width(column.header) + 2), (sheet.name, column.header)
    # The codes the issue found cut off in 10.8-wide columns are shown whole.
    records = book[fmt.AID_RECORDS.name]
    assert records.column_dimensions["A"].width >= len(records["A2"].value) + 1  # 明细编号, e.g. 23 characters
    assert book[fmt.HOUSEHOLDS.name].column_dimensions["A"].width >= len(book[fmt.HOUSEHOLDS.name]["A2"].value) + 1


def test_a_column_is_as_wide_as_its_widest_text_a_chinese_character_counting_two(tmp_path):
    assert [xs.display_width(t) for t in ("HN0100-2018-0001", "海口市美兰区", "海口市第40号", "“")] == [16, 12, 12, 2]
    path = tmp_path / "t.xlsx"
    write(path, [xs.TEXT, xs.TEXT_KEPT, xs.FEN, xs.DATE, xs.TEXT],
          [["海南省海口市美兰区海甸岛五西路", "460100198001010073", 123456789, "2026-11-26", "短"],
           ["短", "1", 5, None, "长" * 80]])
    widths = [load_workbook(path)["数据"].column_dimensions[c].width for c in "ABCDE"]
    assert widths == [15 * 2 + 2, 18 + 2, len("1234567.89") + 2, 10 + 2, xs.WIDTH_CAP]


def test_the_checksum_is_shown_whole(ours):
    manifest = load_workbook(ours)[fmt.MANIFEST]
    checksum = next(row[1] for row in manifest.iter_rows(values_only=True) if row[0] == "校验码")
    assert manifest.column_dimensions["B"].width >= len(checksum)


def write(path: Path, types: list[str], rows: list[list[object]]) -> list[list[str]]:
    with xs.StreamingWorkbook(str(path), ["数据"]) as book:
        sheet = book.sheet("数据", types)
        sheet.header([f"列{i}" for i in range(len(types))])
        texts = [sheet.row(r) for r in rows]
        book.close_sheet()
    return texts


def test_days_before_march_1900_are_written_as_their_text_and_later_days_as_excel_serials(tmp_path):
    """Excel's serial 60 is a 1900-02-29 that never was; LibreOffice counts without it, so before 1900-03-01
    a serial means another day in each: such a day goes out as text, which every reader reads the same."""
    path = tmp_path / "t.xlsx"
    days = ["1899-12-31", "1900-01-01", "1900-02-28", "1900-03-01", "2026-11-26"]
    texts = write(path, [xs.DATE], [[d] for d in days])
    assert [t[0] for t in texts] == days  # the 校验码 is computed over the same texts either way
    sheet = parts(path)["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="A5" s="4"><v>61</v></c>' in sheet  # 1900-03-01: Excel's serial 61
    assert '<c r="A6" s="4"><v>46352</v></c>' in sheet
    got = [c.value for (c,) in load_workbook(path)["数据"].iter_rows(min_row=2)]
    assert got == ["1899-12-31", "1900-01-01", "1900-02-28", datetime(1900, 3, 1), datetime(2026, 11, 26)]
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("数据").to_python()[1:]
    assert [r[0] for r in rows] == ["1899-12-31", "1900-01-01", "1900-02-28", date(1900, 3, 1), date(2026, 11, 26)]


def test_a_text_longer_than_a_cell_holds_is_refused_saying_where(tmp_path):
    with pytest.raises(xs.CellTooLong) as caught:
        write(tmp_path / "t.xlsx", [xs.TEXT, xs.TEXT], [["HN01", "短"], ["HN02", "长" * 32768]])
    err = caught.value
    assert (err.sheet, err.row, err.column, err.index, err.key, err.length) == ("数据", 3, "B", 1, "HN02", 32768)
    # 32 767 characters fit; a rare character beyond the BMP is two of Excel's (UTF-16 units).
    write(tmp_path / "ok.xlsx", [xs.TEXT], [["长" * 32767]])
    with pytest.raises(xs.CellTooLong):
        write(tmp_path / "rare.xlsx", [xs.TEXT], [["𠮷" * 16384]])


def test_an_export_with_a_note_longer_than_a_cell_holds_is_refused_naming_sheet_row_and_column(db, actor,
                                                                                              make_household,
                                                                                              tmp_path):
    """The forms and the import keep a 备注 to 500 characters (core/field_rules.py); a longer one can only be in
    the database from outside the program (an old version, a hand-edited file). The export says where it is."""
    from aiddesk.services.archive import ArchiveService

    service = ArchiveService(db, actor)
    with pytest.raises(UserError, match="备注"):
        service.save(make_household(1, note="备" * 40_000))
    for i in (1, 2):
        service.save(make_household(i))
    archive_no = db.conn.execute("SELECT archive_no FROM households ORDER BY archive_no DESC").fetchone()[0]
    with db.transaction() as c:
        c.execute("UPDATE households SET note = ? WHERE archive_no = ?", ("备" * 40_000, archive_no))
    out = tmp_path / "year.xlsx"
    with pytest.raises(UserError) as caught:
        export_workbook(db, out, year=2026, actor=actor)
    message = str(caught.value)
    column = xs.column_letter(fmt.HOUSEHOLDS.headers.index("备注"))
    assert f"“困难职工档案”表第3行（档案编号 {archive_no}）第{column}列“备注”有40000个字" in message
    assert "32767" in message and "改短后再导出" in message
    assert [p.name for p in tmp_path.iterdir() if ".xlsx" in p.name] == []  # nothing half-written is left
