"""Path traversal through 档案编号 and 批次编号 (issue 16, item 14): nothing is written outside the attachments folder.

An imported 档案编号 ``../../…/ESCAPED`` once made the next attachment land outside the data folder (and on Windows
a ``//host/share`` number would send ID-card scans to a network share). Codes are checked on the way in (the
importer, the archive and batch services), files are filed only under safe folder names, and every stored name is
checked to resolve inside the attachments folder — also the names an older database already holds.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError, ValidationError
from aiddesk.core.idcard import make_id
from aiddesk.db.audit import Actor
from aiddesk.services import stored_files
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.exchange_import import ExchangeImportService
from aiddesk.services.payments import PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
HEAD = make_id("460100", date(1975, 3, 2), 31)
HOSTILE = ["../../../../../../ESCAPED", "//host/share", "..", "a/../../ESCAPED", "\\\\host\\share\\x", "C:ESCAPED"]


def files_outside(root: Path, attachment_dir: Path, *hostile: str) -> list[Path]:
    """Files that are not where they belong: under ``root`` (the test's folder) any file but the attachments, the
    database, its backups and the test's own workbooks and scans; and any file in the folder a hostile code would
    have led to (``attachments/../../x`` resolved, ``//host/share`` …)."""
    inside = attachment_dir.resolve()
    stray = [p for p in root.rglob("*") if p.is_file() and not p.resolve().is_relative_to(inside)
             and not p.name.startswith(("office.sqlite", "scan")) and p.suffix not in (".xlsx", ".zip")]
    for code in hostile:
        for folder in {(attachment_dir / code).resolve(), (attachment_dir / code.replace("\\", "/")).resolve()}:
            if folder.is_dir() and not folder.is_relative_to(inside) and not folder.is_relative_to(root):
                stray += [p for p in folder.iterdir() if p.is_file() and len(p.stem) == 16]
    return stray


def book(path: Path, *, archive_no: object = "CM2015001", batch_code: object | None = None) -> Path:
    """A small exchange workbook of 省财贸工会 (460001, a sub-unit of the test office), as another program wrote it."""
    wb = Workbook()
    wb.remove(wb.active)
    manifest = wb.create_sheet("说明")
    for row in (("项", "值"), ("格式版本", 1), ("单位代码", "460001"), ("单位名称", "省财贸工会"),
                ("上级单位代码", "460000"), ("年度", 2015)):
        manifest.append(row)
    households = wb.create_sheet("困难职工档案")
    households.append(["档案编号", "姓名", "身份证号", "困难类别", "档案状态", "建档日期", "所属单位代码"])
    households.append([archive_no, "王芳", HEAD, "深度困难", "在档", date(2015, 3, 2), "460001"])
    if batch_code is not None:
        batches = wb.create_sheet("帮扶批次")
        batches.append(["批次编号", "批次名称", "活动类型", "年度", "发放标准", "发放日期", "状态"])
        batches.append([batch_code, "2015年春节送温暖", "送温暖", 2015, 1000, date(2015, 2, 1), "已发放"])
    wb.save(path)
    return path


@pytest.fixture
def scan(tmp_path) -> Path:
    path = tmp_path / "scan-id-card.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 an ID card")
    return path


# ---- (a) codes are checked on the way in: the importer ---------------------------------------------------------

@pytest.mark.parametrize("hostile", HOSTILE)
def test_an_imported_archive_number_with_path_characters_is_refused(db, actor, tmp_path, hostile):
    report = ExchangeImportService(db, actor).import_file(book(tmp_path / "hostile.xlsx", archive_no=hostile))
    assert not report.written
    [error] = [e.as_dict() for e in report.errors]
    assert (error["sheet"], error["row"], error["column"]) == ("困难职工档案", 2, "档案编号")
    assert "只能用字母、数字、汉字" in error["message"]
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 0


@pytest.mark.parametrize("hostile", ["../../ESCAPED", "//host/share", "NUL"])
def test_an_imported_batch_code_with_path_characters_is_refused(db, actor, tmp_path, hostile):
    report = ExchangeImportService(db, actor).import_file(book(tmp_path / "hostile.xlsx", batch_code=hostile))
    assert not report.written
    assert [(e.sheet, e.column) for e in report.errors] == [("帮扶批次", "批次编号")]
    assert db.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_an_imported_archive_number_is_stored_normalised(db, actor, tmp_path):
    report = ExchangeImportService(db, actor).import_file(book(tmp_path / "ok.xlsx", archive_no="ｃｍ2015-００１"))
    assert report.written, [e.as_dict() for e in report.errors]
    assert [r[0] for r in db.conn.execute("SELECT archive_no FROM households")] == ["CM2015-001"]
    assert ArchiveService(db, actor).find("cm2015-001").name == "王芳"


def test_an_imported_chinese_archive_number_is_kept(db, actor, tmp_path):
    report = ExchangeImportService(db, actor).import_file(book(tmp_path / "ok.xlsx", archive_no="琼工困2015-001"))
    assert report.written, [e.as_dict() for e in report.errors]
    assert [r[0] for r in db.conn.execute("SELECT archive_no FROM households")] == ["琼工困2015-001"]


def test_a_hostile_import_then_an_attachment_writes_nothing_outside(db, actor, tmp_path, scan):
    """The issue's probe, end to end: the number is refused, so there is no household to attach to; and the
    household imported under a good number files its scan inside the attachments folder."""
    service = ExchangeImportService(db, actor)
    assert not service.import_file(book(tmp_path / "a.xlsx", archive_no="../../../../../../ESCAPED")).written
    assert service.import_file(book(tmp_path / "b.xlsx")).written
    archive = ArchiveService(db, actor)
    h = archive.find("CM2015001")
    archive.add_attachment(h.id, "身份证/户口本", scan)
    [att] = archive.attachments(h.id)
    assert att.stored_name.startswith("CM2015001/")
    assert archive.attachment_path(att).read_bytes() == scan.read_bytes()
    assert files_outside(tmp_path, db.attachment_dir, "../../../../../../ESCAPED") == []


# ---- (b) files go only under safe folders: numbers an older version stored unchecked --------------------------

@pytest.mark.parametrize("hostile", HOSTILE)
def test_an_attachment_of_a_household_with_a_hostile_stored_number_stays_inside(db, actor, make_household, tmp_path,
                                                                                 scan, hostile):
    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    db.conn.execute("UPDATE households SET archive_no = ? WHERE id = ?", (hostile, hid))  # as an old import left it
    archive.add_attachment(hid, "身份证/户口本", scan)
    [att] = archive.attachments(hid)
    assert att.stored_name.startswith(f"档案/{hid}/")
    path = archive.attachment_path(att)
    assert path.resolve().is_relative_to(db.attachment_dir.resolve()) and path.read_bytes() == scan.read_bytes()
    assert files_outside(tmp_path, db.attachment_dir, hostile) == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_an_attachment_of_a_batch_with_a_hostile_stored_code_stays_inside(db, actor, make_household, receive,
                                                                          tmp_path, scan, hostile):
    ArchiveService(db, actor).save(make_household(1))
    batch_id = BatchService(db, CLERK).save_draft(Batch(
        name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000", fund_sources=["省总工会经费"],
        standard=Decimal("1000.00"), notice_phone="0898-66123456"))
    db.conn.execute("UPDATE batches SET code = ? WHERE id = ?", (hostile, batch_id))
    pay = PaymentService(db, CLERK)
    pay.attach_to_batch(batch_id, "其他", scan)
    [att] = pay.attachments(batch_id)
    assert att.stored_name.startswith(f"批次/{batch_id}/")
    assert pay.attachment_path(att).read_bytes() == scan.read_bytes()
    assert files_outside(tmp_path, db.attachment_dir, f"批次/{hostile}") == []


def test_a_batch_code_with_path_characters_is_refused_by_the_service(db):
    for hostile in ("../../ESCAPED", "批次/1", "CON", "a\x00b"):
        with pytest.raises(ValidationError) as err:
            BatchService(db, CLERK).save_draft(Batch(
                code=hostile, name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                fund_sources=["省总工会经费"], standard=Decimal("1000.00"), notice_phone="0898-66123456"))
        assert "批次编号" in err.value.problems["code"]
    assert db.conn.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


# ---- reading: a stored name that leads outside is refused, never followed -------------------------------------

@pytest.mark.parametrize("stored_name", ["../../etc/passwd", "/etc/passwd", "//host/share/id.jpg",
                                         "\\\\host\\share\\id.jpg", "C:/Windows/id.jpg", "a/../../outside.jpg", "",
                                         ".", "a/.."])
def test_a_stored_name_outside_the_folder_is_refused(db, actor, make_household, tmp_path, scan, stored_name):
    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    archive.add_attachment(hid, "身份证/户口本", scan)
    db.conn.execute("UPDATE attachments SET stored_name = ?", (stored_name,))  # a tampered or very old row
    [att] = archive.attachments(hid)
    with pytest.raises(UserError, match="不在附件文件夹之内"):
        archive.attachment_path(att)


def test_a_link_inside_the_folder_that_leads_outside_is_refused(db, tmp_path, scan):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    db.attachment_dir.mkdir(parents=True, exist_ok=True)
    (db.attachment_dir / "CM2015001").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UserError, match="不在附件文件夹之内"):
        stored_files.store_file(db.attachment_dir, "CM2015001", scan, [])
    assert list(outside.iterdir()) == []
    with pytest.raises(UserError, match="不在附件文件夹之内"):
        stored_files.stored_path(db.attachment_dir, "CM2015001/0123456789abcdef.jpg")


def test_stored_names_of_the_old_layout_keep_working(db, actor, make_household, scan):
    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    archive.add_attachment(hid, "身份证/户口本", scan)
    [att] = archive.attachments(hid)
    assert att.stored_name == f"460001-2026-0001/{att.sha256[:16]}.jpg"  # as ever: under the 档案编号
    old = db.attachment_dir / "hn0100-2015-0001" / "0123456789abcdef.pdf"  # written by an older version
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old scan")
    assert stored_files.stored_path(db.attachment_dir, "hn0100-2015-0001/0123456789abcdef.pdf").read_bytes() == b"old scan"


@pytest.mark.parametrize("folder", ["../x", "a/../..", "//host", "C:x", "NUL", "a b", "", "批次/", "x\x00"])
def test_store_file_refuses_a_folder_it_could_not_trust(db, scan, folder):
    with pytest.raises(UserError):
        stored_files.store_file(db.attachment_dir, folder, scan, [])
    assert not db.attachment_dir.exists() or not [p for p in db.attachment_dir.rglob("*") if p.is_file()]


def test_an_odd_suffix_is_left_off_the_stored_name(db, tmp_path):
    odd = tmp_path / "扫描件.图 片"
    odd.write_bytes(b"scan")
    f = stored_files.store_file(db.attachment_dir, "档案/1", odd, [])
    assert f.stored_name == f"档案/1/{f.sha256[:16]}"
