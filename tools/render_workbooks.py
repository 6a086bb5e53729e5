"""Render every workbook the program writes, from a demo database, to PNG pages for a person to look at.

    tools/render-workbooks [--db DEMO.sqlite] [--out DIR] [--year 2026] [--dpi 50] [--only 名称] [FILE.xlsx …]

Each workbook is written by the program's own services from a copy of the database (exports are audited: the
original is never written to), converted to PDF by LibreOffice headless as a printer would lay it out (print
titles, fit to width, page breaks), then each page to a PNG with poppler's pdftoppm. Workbooks given on the
command line are rendered too. Look at the PNGs: nothing cut off, the header repeated on page 2, columns as
wide as the paper. Needs LibreOffice (Debian: apt-get install libreoffice-calc) and poppler-utils.

tests/reports/test_xlsx_layout.py uses :func:`to_pdf` for its rendering check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class RenderError(Exception):
    """LibreOffice or pdftoppm missing or failing, said in words."""


def soffice() -> str | None:
    """The LibreOffice command on this computer, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(workbooks: Sequence[Path], out_dir: Path, *, timeout: float = 300) -> list[Path]:
    """Convert ``workbooks`` to PDF in ``out_dir`` with one headless LibreOffice; returns the PDFs in order.

    LibreOffice runs with a profile of its own, made for this run and removed after it, so that another
    LibreOffice (a person's, another run's) neither blocks it nor is disturbed by it.
    """
    command = soffice()
    if command is None:
        raise RenderError("没有找到 LibreOffice（soffice）：Debian/统信UOS 上请安装 libreoffice-calc")
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = Path(tempfile.mkdtemp(prefix="aiddesk-lo-profile-"))
    try:
        done = subprocess.run(
            [command, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, workbooks)],
            capture_output=True, text=True, timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdfs = [out_dir / f"{Path(w).stem}.pdf" for w in workbooks]
    missing = [p.name for p in pdfs if not p.exists()]
    if done.returncode != 0 or missing:
        raise RenderError(f"LibreOffice 未能转换 {', '.join(missing) or '全部文件'}（退出码 {done.returncode}）：\n"
                          f"{done.stdout}{done.stderr}")
    return pdfs


def to_png(pdf: Path, out_dir: Path, *, dpi: int = 50) -> list[Path]:
    """Each page of ``pdf`` as ``<name>-<page>.png`` in ``out_dir``, at ``dpi``."""
    if shutil.which("pdftoppm") is None:
        raise RenderError("没有找到 pdftoppm：请安装 poppler-utils")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out_dir / pdf.stem)], check=True)
    return sorted(out_dir.glob(f"{pdf.stem}-*.png"), key=lambda p: (len(p.name), p.name))


# ---- the workbooks, from a database ----------------------------------------------------------------

def _writers(db, year: int, folder: Path) -> list[tuple[str, Callable[[], Path]]]:
    """(name, write) of each workbook the program writes for people; ``write()`` writes it into ``folder``."""
    from aiddesk.db.audit import Actor
    from aiddesk.db.batches import list_batches

    actor = Actor("render-workbooks", "命令行")
    batches = list_batches(db.conn, year=year)
    final = [b for b in batches if b["status"] in ("已审批", "已发放", "已核查")]
    paid = [b for b in batches if b["status"] in ("已发放", "已核查")]
    # The longest lists show most: several pages, the header on each.
    biggest = (lambda rows: max(rows, key=lambda b: b["recipients"])["id"] if rows else None)

    def bank() -> Path:
        from aiddesk.services.payments import PaymentService

        out = folder / "代发明细.xlsx"
        PaymentService(db, actor).bank_file(_need(biggest(final), "已审批的批次"), out)
        return out

    def sms() -> Path:
        from aiddesk.services.sms import SmsService

        out = folder / "短信名单.xlsx"
        SmsService(db, actor).export(_need(biggest(paid), "已发放的批次"), out)
        return out

    def call_sheet() -> Path:
        from aiddesk.services.spot_checks import SpotCheckService

        service = SpotCheckService(db, actor)
        draws = [d for b in paid for d in service.draws(b["id"])]
        out = folder / "电话抽查记录表.xlsx"
        service.export_call_sheet(_need(max(draws, key=lambda d: d.size).id if draws else None, "电话抽查"), out)
        return out

    def fund_report() -> Path:
        from aiddesk.services.fund_report_output import export_fund_report

        out = folder / "帮扶资金使用情况报告.xlsx"
        export_fund_report(db, year, out)
        return out

    def evaluation() -> Path:
        from aiddesk.db.units import own_unit
        from aiddesk.reports.evaluation_xlsx import write_evaluation_xlsx
        from aiddesk.services.evaluation import EvaluationService

        service = EvaluationService(db, actor)
        result = service.evaluate(year)
        out = folder / "绩效自评表.xlsx"
        unit = own_unit(db.conn)
        write_evaluation_xlsx(result, service.template(result.template), out, unit_name=unit.name if unit else "")
        return out

    def exchange() -> Path:
        from aiddesk.exchange.export import export_workbook

        out = folder / "交换表.xlsx"
        export_workbook(db, out, year=year, actor=actor)
        return out

    def import_issues() -> Path:
        return _import_issues(db, actor, year, folder)

    def duplicates() -> Path:
        from aiddesk.services.duplicate_workbooks import write_duplicates_xlsx
        from aiddesk.services.duplicates import duplicates as found

        out = folder / "跨单位重复.xlsx"
        write_duplicates_xlsx(found(db, year), out, year=year)
        return out

    return [("银行代发明细", bank), ("短信名单", sms), ("电话抽查记录表", call_sheet), ("帮扶资金使用情况报告", fund_report),
            ("绩效自评表", evaluation), ("导入问题清单", import_issues), ("跨单位重复", duplicates), ("交换表", exchange)]


def _need(value, what: str):
    if value is None:
        raise RenderError(f"数据库中没有{what}")
    return value


def _import_issues(db, actor, year: int, folder: Path) -> Path:
    """The 问题清单 of a real check: the year's own exchange workbook with 明细编号 repeated and amounts in words."""
    from openpyxl import load_workbook

    from aiddesk.exchange.export import export_workbook
    from aiddesk.reports.import_issues_xlsx import write_import_issues_xlsx
    from aiddesk.services.exchange_import import ExchangeImportService

    damaged = folder / "问题交换表.xlsx"
    export_workbook(db, damaged, year=year, actor=actor)
    book = load_workbook(damaged)
    lines = book["帮扶明细"]
    header = [c.value for c in lines[1]]
    no, amount = header.index("明细编号") + 1, header.index("金额") + 1
    for row in range(3, min(lines.max_row, 62) + 1):  # sixty errors: two printed pages
        if row % 2:
            lines.cell(row, no).value = lines.cell(row - 1, no).value
        else:
            lines.cell(row, amount).value = "一千元整"
    book.save(damaged)
    report = ExchangeImportService(db, actor).check(damaged)
    out = folder / "导入问题清单.xlsx"
    write_import_issues_xlsx(out, report.errors, report.warnings, source=damaged.name)
    damaged.unlink()
    return out


def _demo(path: Path) -> None:
    print(f"正在生成演示数据库 {path}（约一分钟）…", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "aiddesk", "--db", str(path), "demo"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/render-workbooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="数据库（默认在输出文件夹中生成演示数据库）")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "aiddesk-workbooks",
                        help="输出文件夹（xlsx/、pdf/、png/）")
    parser.add_argument("--year", type=int, help="年度（默认：数据库中最近一年的批次）")
    parser.add_argument("--dpi", type=int, default=50)
    parser.add_argument("--only", action="append", metavar="名称",
                        help="只渲染名称中含这几个字的工作簿（可重复），如 --only 代发 --only 短信")
    parser.add_argument("files", nargs="*", type=Path, help="另外要渲染的工作簿")
    args = parser.parse_args(argv)

    from aiddesk.core.clock import SystemClock
    from aiddesk.db import open_database
    from aiddesk.db.batches import list_batches

    out = args.out.resolve()
    xlsx_dir, pdf_dir, png_dir = out / "xlsx", out / "pdf", out / "png"
    xlsx_dir.mkdir(parents=True, exist_ok=True)
    source = args.db or out / "demo.sqlite"
    if args.db is None and not source.exists():
        _demo(source)
    work = out / "work.sqlite"  # the exports write audit entries: into a copy, never the original
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, work)
    db = open_database(work, clock=SystemClock())
    written: list[tuple[str, Path]] = []
    failed: list[tuple[str, str]] = []
    try:
        year = args.year or max((b["year"] for b in list_batches(db.conn)), default=None)
        if year is None:
            raise RenderError("数据库中没有任何批次，请用 --year 指定年度")
        for name, write in _writers(db, year, xlsx_dir):
            if args.only and not any(part in name for part in args.only):
                continue
            try:
                written.append((name, write()))
            except Exception as err:  # one workbook failing must not hide the others
                failed.append((name, f"{type(err).__name__}: {err}"))
    finally:
        db.close()
    written += [(Path(f).name, Path(f).resolve()) for f in args.files]
    pdfs = to_pdf([path for _, path in written], pdf_dir)
    for (name, path), pdf in zip(written, pdfs):
        pages = to_png(pdf, png_dir, dpi=args.dpi)
        print(f"{name}：{path.name}，{len(pages)} 页 → {pages[0] if pages else '（无）'} …")
    for name, why in failed:
        print(f"{name}：未能生成：{why}", file=sys.stderr)
    print(f"PNG 在 {png_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        sys.exit(main())
    except RenderError as err:
        print(err, file=sys.stderr)
        sys.exit(2)
