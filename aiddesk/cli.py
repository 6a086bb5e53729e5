"""Command-line entry: opens the app by default; scripted jobs as sub-commands."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import date, datetime
from pathlib import Path

from . import __version__, cli_words
from .core.errors import UserError
from .paths import default_database

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse with its usage errors in Chinese and exit code 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.print_usage(sys.stderr)
        sys.stderr.write(f"命令行参数有误：{cli_words.in_chinese(message)}\n请用 aiddesk --help 查看用法。\n")
        sys.exit(EXIT_UNREADABLE)


def _parser() -> argparse.ArgumentParser:
    cli_words.install()
    p = _Parser(prog="aiddesk", description="工会帮扶工作台。不带命令时打开程序窗口。")
    p.add_argument("--version", action="version", version=f"工会帮扶工作台 AidDesk {__version__}",
                   help="显示版本号后退出")
    p.add_argument("--db", metavar="PATH", help=f"数据库文件（默认：{default_database()}）；不存在时新建")
    p.add_argument("--today", type=_day_argument, metavar="YYYY-MM-DD",
                   help="本机日期不对时，按这一天作为今天执行本次命令（新记录、备份文件名的日期按它记下，"
                        "时间仍按本机时钟）；写在命令之前，如 aiddesk --today 2026-11-26 import 交换表.xlsx")
    sub = p.add_subparsers(dest="command", metavar="命令")
    gui = sub.add_parser("gui", help="打开程序窗口（默认）")
    # Hidden: CI and installers check a packaged build starts (window opens, then quits) without a login.
    gui.add_argument("--smoke-test", type=float, nargs="?", const=1.0, metavar="SECONDS", help=argparse.SUPPRESS)
    force = ("即使数据库正在工作台中使用（本机或另一台电脑上打开着），也照样写入；"
             "默认拒绝。请先确认对方不会同时修改")
    demo = sub.add_parser("demo", help="生成演示数据库（单位、档案、账号）")
    demo.add_argument("--force", action="store_true", help=force)
    demo.add_argument("--households", type=int, default=1431, metavar="N", help="档案户数（默认1431）")
    demo.add_argument("--seed", type=int, default=2015, metavar="S", help="随机种子，相同种子生成相同数据")
    prn = sub.add_parser("print", help="打印表格为 PDF")
    what = prn.add_subparsers(dest="form", metavar="表格")
    arc = what.add_parser("archive", help="困难职工档案登记表")
    arc.add_argument("--household", required=True, action="append", metavar="档案编号或身份证号",
                     help="要打印的档案；可重复多次，合并为一个 PDF")
    arc.add_argument("--out", required=True, metavar="FILE.pdf", help="输出的 PDF 文件")
    from .services.printing import BATCH_FORMS

    for form, title in BATCH_FORMS.items():
        one = what.add_parser(form, help=f"帮扶批次的{title}")
        one.add_argument("--batch", required=True, metavar="批次编号", help="要打印的批次")
        one.add_argument("--out", required=True, metavar="FILE.pdf", help="输出的 PDF 文件")
    imp = sub.add_parser("import", help="导入交换表或旧台账（全部导入或全部不导入）")
    imp.add_argument("file", metavar="FILE.xlsx", help="下级单位导出的交换表，或本单位的旧 Excel 台账")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入行数、错误和提醒")
    imp.add_argument("--password-file", metavar="FILE",
                     help="工作簿设置了打开密码时：写有密码的文本文件（密码为第一行）")
    imp.add_argument("--force", action="store_true", help=force)
    exp = sub.add_parser("export", help="导出某年度的交换表（上报上级单位用，格式见 EXCHANGE.md）")
    exp.add_argument("file", metavar="FILE.xlsx", help="输出的 Excel 工作簿")
    exp.add_argument("--year", required=True, type=int, metavar="年度")
    exp.add_argument("--password-file", metavar="FILE", help="给导出的工作簿设置打开密码（密码为该文本文件的第一行）")
    rep = sub.add_parser("report", help="统计报表")
    kinds = rep.add_subparsers(dest="report", metavar="报表")
    funds = kinds.add_parser("funds", help="年度帮扶资金使用情况（资金来源、支出、结余、下级单位）")
    funds.add_argument("--year", required=True, type=int, metavar="年度")
    funds.add_argument("--unit", metavar="单位代码", help="统计哪个单位（默认本单位）")
    funds.add_argument("--json", action="store_true", help="以 JSON 输出（格式见 EXCHANGE.md）")
    funds.add_argument("--pdf", metavar="FILE.pdf", help="同时生成可打印的 PDF 报告")
    funds.add_argument("--xlsx", metavar="FILE.xlsx", help="同时导出 Excel 工作簿")
    dup = kinds.add_parser("duplicates", help="跨单位重复：同一身份证号在两个单位在档，或同年同救助类别由两个单位救助")
    dup.add_argument("--year", required=True, type=int, metavar="年度")
    dup.add_argument("--json", action="store_true", help="以 JSON 输出（id_number、kind、entries）")
    sa = kinds.add_parser("self-assessment", help="起草年度自检报告（Word 文档和 PDF，数字取自记录，文字部分留待填写）")
    sa.add_argument("--year", required=True, type=int, metavar="年度")
    sa.add_argument("--docx", metavar="FILE.docx", help="输出的 Word 文档（可用 Word 或 WPS 编辑）")
    sa.add_argument("--pdf", metavar="FILE.pdf", help="输出的 PDF")
    sa.add_argument("--template", metavar="模板名称", help="引用哪个绩效自评表的得分（默认本单位选用的模板）")
    ev = sub.add_parser("evaluate", help="年度绩效自评表：按记录自动计分，加上已录入的手工评分")
    ev.add_argument("--year", required=True, type=int, metavar="年度")
    ev.add_argument("--template", metavar="模板名称", help="评价模板（默认：本单位选定的模板）")
    ev.add_argument("--json", action="store_true", help="以 JSON 输出各行得分及其依据")
    bak = sub.add_parser("backup", help="立即备份数据库和附件（默认备份到数据库旁的“<名称>_备份”文件夹）")
    bak.add_argument("--to", metavar="DIR", help="备份到这个文件夹")
    res = sub.add_parser("restore", help="从备份恢复：先校验备份，当前数据库改名保留在原处")
    res.add_argument("file", metavar="FILE", help="备份文件（.zip）")
    sub.add_parser("check", help="完整性检查：操作日志防篡改校验、数据库文件、附件校验值、资金余额")
    return p


def _day_argument(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是日期，请写成 年-月-日，如 2026-11-26") from None


def _clock(args: argparse.Namespace):
    """The PC's clock, or with ``--today`` the PC's clock moved to that day, for this one run."""
    from .core.clock import ShiftedClock, SystemClock

    system = SystemClock()
    if args.today is None:
        return system
    return ShiftedClock(args.today - system.today(), base=system)


def _cli_actor():
    from .db.audit import Actor

    try:
        user = getpass.getuser()
    except Exception:  # no login name (some services): still audit something meaningful
        user = "unknown"
    return Actor(user, "命令行")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db_path = Path(args.db) if args.db else default_database()
    command = args.command or "gui"
    if command == "gui" and getattr(args, "smoke_test", None) is not None:
        from .ui.smoke import run_smoke_test

        return run_smoke_test(db_path, args.smoke_test)
    if command == "gui" and args.today is not None:
        sys.stderr.write("错误：--today 只用于命令行命令。打开程序窗口时，如本机日期明显不对，"
                         "程序会在登录后请您确认今天的日期。\n")
        return EXIT_UNREADABLE
    if command == "gui":
        from .ui.app import run_gui

        return run_gui(db_path)
    try:
        return _run_command(command, args, db_path)
    except UserError as err:
        sys.stderr.write(f"错误：{err.message}\n")
        return EXIT_REFUSED
    except OSError as err:
        sys.stderr.write(f"错误：无法读写文件（{err.strerror or err}）：{err.filename or ''}\n")
        return EXIT_UNREADABLE


# Commands that change the database's records, and what the refusal says is not done. backup only copies
# (consistently, through SQLite) and restore takes the lock itself: neither is judged here.
WRITING = {"import": "导入", "demo": "生成演示数据"}
NOT_JUDGED = ("backup", "restore")
# Commands that stamp records or file names with today's date: they warn when this PC's clock is clearly wrong
# (restore too, judged on the database it replaces).
DATED = ("import", "demo", "backup", "export")


def _respect_app_lock(command: str, args: argparse.Namespace, db_path: Path, today: date) -> None:
    """Refuse a writing command while another program holds the application lock, unless ``--force``; warn otherwise.

    The GUI holding the lock keeps its own view of the data and its own transactions: records written
    under it would surprise its user, and its checks (a duplicate, a fund balance) would be judged on stale data.
    A command-line run cannot watch the lock for minutes to see it go stale: any lock counts (see live_holder).
    """
    from .db import app_lock

    if command in NOT_JUDGED:
        return
    holder = app_lock.live_holder(db_path)
    if holder is None:
        return
    writes = command in WRITING and not (command == "import" and args.dry_run)
    if writes and not args.force:
        raise UserError(f"数据库正由 {holder.describe(today)}在工作台中使用，"
                        f"命令行现在不能{WRITING[command]}，没有写入任何内容。"
                        f"请等对方关闭程序后再执行；{_CRASHED_HOLDER}；"
                        "确认对方不会同时修改时，可加 --force 照样执行")
    sys.stderr.write(app_lock.warning_for(holder, today) + "\n")


# What to do about a lock whose program crashed on another PC: the command line cannot tell it from a live one.
_CRASHED_HOLDER = ("如果对方的工作台已异常退出（死机、断网），请在本机打开工作台并选“只读打开”，"
                   "锁文件几分钟没有更新后本机会自动接管")


def _warn_if_clock_wrong(conn, clock) -> None:
    """On stderr, before a command writes dates: this PC's date is clearly wrong against the newest record."""
    from .core.clock_check import clock_problem, clock_rules
    from .db.clock_facts import newest_record_time

    newest = newest_record_time(conn)
    problem = clock_problem(clock.today(), newest.date() if newest else None, clock_rules())
    if problem:
        sys.stderr.write(f"警告：{problem}本次命令写入的日期将按 {clock.today():%Y-%m-%d} 记下；如这不是今天，"
                         "请先改正本机日期，或在命令前加 --today 实际日期（如 aiddesk --today YYYY-MM-DD …）再执行。\n")


def _run_command(command: str, args: argparse.Namespace, db_path: Path) -> int:
    from .db import open_database

    clock = _clock(args)
    if command == "restore":  # the database must not be open while it is replaced
        return _restore(db_path, args, clock)
    _respect_app_lock(command, args, db_path, clock.today())
    db = open_database(db_path, clock=clock)
    if command in ("print", "report", "evaluate"):  # PDFs: fonts dropped beside the database draw rare characters
        from .reports.glyphs import set_database_folder

        set_database_folder(db.path.parent)
    try:
        if command in DATED and not (command == "import" and args.dry_run):
            _warn_if_clock_wrong(db.conn, clock)
        if command == "backup":
            return _backup(db, args)
        if command == "demo":
            return _demo(db, args)
        if command == "print" and args.form == "archive":
            return _print_archive(db, args)
        if command == "print" and args.form:
            return _print_batch_form(db, args)
        if command == "report" and args.report == "funds":
            return _report_funds(db, args)
        if command == "report" and args.report == "duplicates":
            return _report_duplicates(db, args)
        if command == "report" and args.report == "self-assessment":
            return _report_self_assessment(db, args)
        if command == "import":
            return _import(db, args)
        if command == "export":
            return _export(db, args)
        if command == "evaluate":
            return _evaluate(db, args)
        if command == "check":
            return _check(db)
        _parser().parse_args([command, "--help"])
        return EXIT_UNREADABLE
    finally:
        db.close()


def _read_password_file(name: str) -> str:
    """The first line of a text file: a file, not an argument, because command lines show up in process lists
    and shell history."""
    lines = Path(name).read_text(encoding="utf-8-sig").splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise UserError(f"密码文件“{name}”的第一行是空的，请写入打开密码")
    return password


def _import(db, args) -> int:
    import json

    from .services.exchange_import import ExchangeImportService, PasswordRequired, Unreadable, WrongPassword

    password = _read_password_file(args.password_file) if args.password_file else None
    try:
        report = ExchangeImportService(db, _cli_actor()).import_file(Path(args.file), dry_run=args.dry_run,
                                                                     password=password)
    except Unreadable as err:
        message = err.message
        if isinstance(err, PasswordRequired) and not isinstance(err, WrongPassword):
            message += "。命令行导入时，请把密码写在一个文本文件的第一行，加 --password-file 该文件 再次导入"
        if args.json:
            print(json.dumps({"imported": {}, "errors": [{"sheet": "", "row": None, "column": "", "value": args.file,
                                                          "message": message}], "warnings": []},
                             ensure_ascii=False, indent=2))
        else:
            sys.stderr.write(f"错误：{message}\n")
        return EXIT_UNREADABLE
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for label, issues in (("错误", report.errors), ("提醒", report.warnings)):
            for i in issues:
                where = "".join(p for p in (i.sheet, f"第{i.row}行" if i.row else "",
                                            f"“{i.column}”" if i.column else ""))
                value = f"（{i.value}）" if i.value else ""
                print(f"{label}：{where}{value}：{i.message}")
        if report.ok:
            done = "检查通过，未写入（--dry-run）" if args.dry_run else "已导入"
            print(f"{done}：" + "，".join(f"{sheet} {n} 行" for sheet, n in report.imported.items()))
        else:
            print(f"有 {len(report.errors)} 处错误，没有导入任何内容。")
    return EXIT_OK if report.ok else EXIT_REFUSED


def _backup(db, args) -> int:
    from .services.backups import backup_now

    result = backup_now(db, _cli_actor(), "手动", to=args.to)
    print(result.archive)
    for warning in result.warnings:
        sys.stderr.write(f"提醒：{warning}\n")
    return EXIT_OK


def _restore(db_path: Path, args, clock) -> int:
    from .db import DatabaseOpenError, app_lock, open_database
    from .services.backups import restore

    actor = _cli_actor()
    # Replacing the file under a colleague's open window would lose their work: only when nobody holds it.
    # One look: a lock left by a program that crashed on another PC counts as held (the CLI cannot watch it).
    taken = app_lock.acquire(db_path, actor.username, clock=clock)
    if not taken.acquired:
        raise UserError(f"数据库正由 {taken.holder.describe(clock.today())}在工作台中使用，现在不能恢复。"
                        f"请等对方关闭程序后再试；{_CRASHED_HOLDER}，再用“文件 → 从备份恢复…”恢复")
    try:
        if db_path.exists():
            try:
                current = open_database(db_path, create=False, read_only=True, clock=clock)
            except DatabaseOpenError:
                pass  # a file restore is about to replace: nothing to judge the clock by
            else:
                try:
                    _warn_if_clock_wrong(current.conn, clock)
                finally:
                    current.close()
        aside = restore(db_path, Path(args.file), actor, clock)
    finally:
        taken.lock.release()
    print(f"已从“{args.file}”恢复数据库“{db_path}”。")
    if aside:
        print(f"恢复前的数据库已保留为：{aside}")
    return EXIT_OK


def _export(db, args) -> int:
    from .exchange.export import export_workbook

    password = _read_password_file(args.password_file) if args.password_file else None
    result = export_workbook(db, Path(args.file), year=args.year, actor=_cli_actor(), password=password)
    print(f"已导出{result.year}年交换表：{result.path}")
    for sheet, rows in result.rows.items():
        print(f"  {sheet} {rows} 行")
    for reason, rows in result.left_out.items():
        print(f"  未导出：{reason} {rows} 行")
    print(f"校验码 {result.checksum}")
    if password:
        print("已设置打开密码，请把密码另行告知接收人")
    return EXIT_OK


def _check(db) -> int:
    from .services.integrity import all_checks

    checks = all_checks(db)
    for check in checks:
        print(f"{check.name}：{'通过' if check.passed else '问题'}")
        for problem in check.problems:
            print(f"  {problem}")
    return EXIT_OK if all(c.passed for c in checks) else 1


def _demo(db, args) -> int:
    from .services.demo import build_demo

    def progress(done: int, total: int) -> None:
        if done % 200 == 0 or done == total:
            sys.stderr.write(f"\r正在生成演示档案 {done}/{total} …")
            sys.stderr.flush()

    summary = build_demo(db, households=args.households, seed=args.seed, progress=progress)
    sys.stderr.write("\n")
    print(f"演示数据库已生成：{db.path}")
    print(f"单位 {summary.units} 个，档案 {summary.households} 户，涉及人口 {summary.people} 人。")
    print("演示账号（用户名 / 密码 / 角色）：")
    for username, password, roles in summary.accounts:
        print(f"  {username} / {password} / {'、'.join(roles)}")
    return EXIT_OK


def _print_archive(db, args) -> int:
    from .services.archive import ArchiveService
    from .services.printing import print_archive_forms

    service = ArchiveService(db, _cli_actor())
    ids = [service.find(key).id for key in args.household]
    count = print_archive_forms(db, ids, Path(args.out))
    print(f"已生成 {count} 份困难职工档案登记表：{args.out}")
    return EXIT_OK


def _print_batch_form(db, args) -> int:
    from .services.batches import BatchService
    from .services.printing import BATCH_FORMS, print_batch_form

    batch = BatchService(db, _cli_actor()).find(args.batch)
    count = print_batch_form(db, batch.id, args.form, Path(args.out))
    print(f"已生成{batch.name}的{BATCH_FORMS[args.form]}（{count}）：{args.out}")
    return EXIT_OK


def _report_funds(db, args) -> int:
    import json

    from .core.money import format_wan
    from .services.fund_report import fund_report

    report = fund_report(db, args.year, unit_code=args.unit)
    if args.pdf or args.xlsx:
        from .services.fund_report_output import export_fund_report, print_fund_report

        outputs = ((args.pdf, print_fund_report, "PDF 报告"), (args.xlsx, export_fund_report, "Excel 工作簿"))
        for out, write, what in outputs:
            if out:
                write(db, args.year, Path(out), unit_code=args.unit)
                sys.stderr.write(f"已生成{what}：{out}\n")
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return EXIT_OK
    spent, sub, overall = report.spending.total, report.subunit_spending().total, report.overall().total
    rate = f"{report.arrival_rate * 100:.2f}%" if report.arrival_rate is not None else "未录入预算"
    print(f"{report.unit_name}（{report.unit_code}）{report.year}年帮扶资金")
    print(f"  预算 {format_wan(report.budget)}万元，到位率 {rate}")
    print(f"  收入 {format_wan(report.income)}万元，支出 {format_wan(spent.amount)}万元（{spent.count}人次），"
          f"结余 {format_wan(report.balance)}万元")
    print(f"  下级单位：拨付 {format_wan(report.subunit_allocated)}万元，使用 {format_wan(sub.amount)}万元"
          f"（{sub.count}人次），结余 {format_wan(report.subunit_balance)}万元")
    print(f"  总计 {format_wan(overall.amount)}万元，{overall.count}人次")
    return EXIT_OK


def _report_duplicates(db, args) -> int:
    import json

    from .services.duplicates import AIDED_TWICE, IN_ARCHIVES, duplicates

    found = duplicates(db, args.year)
    if args.json:
        print(json.dumps([d.to_json() for d in found], ensure_ascii=False, indent=2))
        return EXIT_OK
    in_archives = [d for d in found if d.kind == IN_ARCHIVES]
    aided = [d for d in found if d.kind == AIDED_TWICE]
    print(f"{args.year}年跨单位重复：在档重复 {len(in_archives)} 人，重复救助 {len(aided)} 项")
    for d in found:
        where = "；".join(f"{e.unit_name}（{e.unit}）{e.record_no or e.archive_no} {e.name}"
                         + (f" {e.amount:.2f}元" if e.amount is not None else "") for e in d.entries)
        label = f"{d.kind}·{d.category}" if d.category else d.kind
        print(f"  {label} {d.id_number}：{where}")
    return EXIT_OK


def _evaluate(db, args) -> int:
    import json

    from .services.evaluation import EvaluationService, result_to_json

    result = EvaluationService(db, _cli_actor()).evaluate(args.year, args.template)
    if args.json:
        print(json.dumps(result_to_json(result), ensure_ascii=False, indent=2))
        return EXIT_OK
    auto = [i for i in result.items if i.applicable and i.row.rule.kind == "auto" and i.score is not None]
    manual = [i for i in result.items if i.applicable and i.score is not None and i not in auto]
    skipped = [i for i in result.items if not i.applicable]
    print(f"{result.year}年绩效自评（{result.template}）")
    unfinished = f"（尚有{len(result.missing)}项未评分，不是最终结果）" if result.missing else ""
    print(f"  自评总分 {result.total}分，等级：{result.grade}{unfinished}")
    print(f"  共{len(result.items)}项：按记录自动计分{len(auto)}项，手工评分{len(manual)}项，不适用{len(skipped)}项"
          f"，尚未评分{len(result.missing)}项")
    if skipped:
        points = sum(i.row.weight for i in skipped)
        print(f"  不适用{points.normalize():f}分，总分按其余分值折算为100分")
    shown = 5
    for key in result.missing[:shown]:
        print(f"  尚未评分：{key}")
    if len(result.missing) > shown:
        print(f"  ……另有{len(result.missing) - shown}项未评分，加 --json 可查看每一项及其依据")
    return EXIT_OK


def _report_self_assessment(db, args) -> int:
    from .services.self_assessment import draft_report

    if not (args.docx or args.pdf):
        sys.stderr.write("请用 --docx 或 --pdf 指定输出文件\n")
        return EXIT_UNREADABLE
    draft = draft_report(db, args.year, args.docx, args.pdf, template=args.template)
    for out in (args.docx, args.pdf):
        if out:
            print(f"已生成自检报告：{out}")
    left = len(draft.placeholders())
    if left:
        print(f"报告中有 {left} 处【请填写】或【缺少数据】，请在 Word/WPS 中补充后再上报。")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
