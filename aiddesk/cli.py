"""Command-line entry: opens the app by default; scripted jobs as sub-commands."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import sqlite3
import sys
import unicodedata
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
        message = _visible(cli_words.in_chinese(message))
        if message.rstrip().endswith(("：", ":")):  # the word argparse names is an empty one ("")
            message = message.rstrip() + "“”（一个空白的参数）"
        sys.stderr.write(f"命令行参数有误：{message}\n请用 aiddesk --help 查看用法。\n")
        sys.exit(EXIT_UNREADABLE)


def _parser() -> argparse.ArgumentParser:
    cli_words.install()
    p = _Parser(prog="aiddesk", description="工会帮扶工作台。不带命令时打开程序窗口。")
    p.add_argument("--version", action="version", version=f"工会帮扶工作台 AidDesk {__version__}",
                   help="显示版本号后退出")
    p.add_argument("--db", metavar="PATH", help=f"数据库文件（默认：{default_database()}）；不存在时，导入、导出、备份和"
                                                "生成演示数据会新建，查看、统计、打印和检查则提示找不到")
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
    demo.add_argument("--households", type=_households_argument, default=1431, metavar="N",
                      help=f"档案户数（默认1431，最多{DEMO_MAX:,}）")
    demo.add_argument("--seed", type=int, default=2015, metavar="S", help="随机种子，相同种子生成相同数据")
    prn = sub.add_parser("print", help="打印表格为 PDF")
    what = prn.add_subparsers(dest="form", metavar="表格", required=True)
    arc = what.add_parser("archive", help="困难职工档案登记表")
    arc.add_argument("--household", required=True, action="append", metavar="档案编号或身份证号",
                     help="要打印的档案：档案编号，或户主、家庭成员的身份证号；可重复多次，合并为一个 PDF")
    arc.add_argument("--out", required=True, type=_output(".pdf"), metavar="FILE.pdf", help="输出的 PDF 文件")
    from .services.printing import BATCH_FORMS, NOTICE_FORMS

    for form, title in BATCH_FORMS.items():
        one = what.add_parser(form, help=f"帮扶批次的{title}")
        one.add_argument("--batch", required=True, metavar="批次编号", help="要打印的批次")
        one.add_argument("--out", required=True, type=_output(".pdf"), metavar="FILE.pdf", help="输出的 PDF 文件")
        if form in NOTICE_FORMS:
            one.add_argument("--phone", default="", metavar="电话",
                             help="批次没有异议联系电话时（如从下级单位导入的批次），本次打印使用的号码（不保存到批次）；"
                                  "不给则留一条横线，打印后手写")
    imp = sub.add_parser("import", help="导入交换表或旧台账（全部导入或全部不导入）")
    imp.add_argument("file", nargs="+", metavar="FILE.xlsx",
                     help="下级单位导出的交换表，或本单位的旧 Excel 台账；可以一次给多个文件，逐个导入，每个文件全部导入或全部不导入")
    imp.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    imp.add_argument("--json", action="store_true", help="以 JSON 输出导入行数、错误和提醒")
    imp.add_argument("--password-file", metavar="FILE",
                     help="工作簿设置了打开密码时：写有密码的文本文件（密码为第一行）")
    imp.add_argument("--force", action="store_true", help=force)
    imp.add_argument("--unit", metavar="单位代码", help="旧台账：数据库还没有本单位时，本单位的代码（与 --unit-name 一起）")
    imp.add_argument("--unit-name", metavar="单位名称", help="旧台账：数据库还没有本单位时，本单位的名称")
    imp.add_argument("--mapping", metavar="MAP.json",
                     help='旧台账：列对应，{"工作表名或*": {"台账中的列名": "项目，或空字符串表示不导入"}}')
    imp.add_argument("--year", type=_year_argument, metavar="年度", help="旧台账：台账中看不出年度时，它所属的年度")
    exp = sub.add_parser("export", help="导出某年度的交换表（上报上级单位用，格式见 EXCHANGE.md）")
    exp.add_argument("file", type=_output(".xlsx"), metavar="FILE.xlsx", help="输出的 Excel 工作簿")
    exp.add_argument("--year", required=True, type=_year_argument, metavar="年度")
    exp.add_argument("--password-file", metavar="FILE", help="给导出的工作簿设置打开密码（密码为该文本文件的第一行）")
    rep = sub.add_parser("report", help="统计报表")
    kinds = rep.add_subparsers(dest="report", metavar="报表", required=True)
    funds = kinds.add_parser("funds", help="年度帮扶资金使用情况（资金来源、支出、结余、下级单位）")
    funds.add_argument("--year", required=True, type=_year_argument, metavar="年度")
    funds.add_argument("--unit", metavar="单位代码", help="统计哪个单位（默认本单位）")
    funds.add_argument("--json", action="store_true", help="以 JSON 输出（格式见 EXCHANGE.md）")
    funds.add_argument("--pdf", type=_output(".pdf"), metavar="FILE.pdf", help="同时生成可打印的 PDF 报告")
    funds.add_argument("--xlsx", type=_output(".xlsx"), metavar="FILE.xlsx", help="同时导出 Excel 工作簿")
    dup = kinds.add_parser("duplicates", help="跨单位重复：同一身份证号在两个单位在档，或同年同救助类别由两个单位救助")
    dup.add_argument("--year", required=True, type=_year_argument, metavar="年度")
    dup.add_argument("--json", action="store_true", help="以 JSON 输出（id_number、kind、entries、conclusion）")
    dup.add_argument("--per-unit", metavar="DIR",
                     help="同时按单位导出 Excel 工作簿到这个文件夹（每个单位一个，含该单位涉及的重复及双方情况）")
    sa = kinds.add_parser("self-assessment", help="起草年度自检报告（Word 文档和 PDF，数字取自记录，文字部分留待填写）")
    sa.add_argument("--year", required=True, type=_year_argument, metavar="年度")
    sa.add_argument("--docx", type=_output(".docx"), metavar="FILE.docx", help="输出的 Word 文档（可用 Word 或 WPS 编辑）")
    sa.add_argument("--pdf", type=_output(".pdf"), metavar="FILE.pdf", help="输出的 PDF")
    sa.add_argument("--template", metavar="模板名称", help="引用哪个绩效自评表的得分（默认本单位选用的模板）")
    ev = sub.add_parser("evaluate", help="年度绩效自评表：按记录自动计分，加上已录入的手工评分")
    ev.add_argument("--year", required=True, type=_year_argument, metavar="年度")
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


def _year_argument(text: str) -> int:
    """A year the records can be of: 2000–2100, as the windows' year boxes allow (one rule for every command)."""
    from .services.settings import YEAR_MAX, YEAR_MIN

    try:
        year = int(text)  # also the full-width digits a Chinese input method may type
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是年度，请写阿拉伯数字的年份，如 2026") from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise argparse.ArgumentTypeError(f"年度“{text}”超出范围，请写 {YEAR_MIN} 至 {YEAR_MAX} 之间的年份，如 2026")
    return year


DEMO_MAX = 100_000  # a demo office far larger than any real one; a bigger number would build for days


def _households_argument(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是户数，请写一个整数，如 200") from None
    if not 0 <= n <= DEMO_MAX:
        raise argparse.ArgumentTypeError(f"演示档案户数“{text}”超出范围，请写 0 至 {DEMO_MAX} 之间的整数")
    return n


_KINDS = {".pdf": "PDF 文件", ".xlsx": "Excel 工作簿", ".docx": "Word 文档"}


def _output(suffix: str):
    """An argument type: the name of a file to write as ``suffix`` (a PDF saved as 报告.xlsx opens in nothing)."""

    def output_file(text: str) -> str:
        if Path(text).suffix.lower() != suffix:
            try:
                example = Path(text).with_suffix(suffix).name
            except ValueError:  # no file name at all
                example = f"输出{suffix}"
            raise argparse.ArgumentTypeError(f"这里生成的是{_KINDS[suffix]}，文件名应以 {suffix} 结尾，"
                                             f"“{text}”不是；请改为如 {example}")
        return text

    return output_file


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
    except _FileUnreadable as err:
        _say(err.message)
        return EXIT_UNREADABLE
    except UserError as err:
        _say(err.message)
        return EXIT_REFUSED
    except OSError as err:
        _say(_file_problem(err))
        return EXIT_UNREADABLE
    except sqlite3.Error as err:
        _say(_database_problem(err, db_path))
        return EXIT_REFUSED
    except Exception as err:  # never a traceback in front of a user: what happened, and whom to tell
        _say(f"程序内部出错，命令没有完成（{type(err).__name__}：{err}）。请把这一行和所执行的命令告诉技术支持")
        return EXIT_REFUSED


class _FileUnreadable(UserError):
    """A file named on the command line cannot be read as what it should be: exit code 2, like a missing one."""


def _visible(text: str) -> str:
    """``text`` with control characters (a user's argument may hold any) written out, so one line stays one line."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)


def _say(message: str) -> None:
    """One error line on stderr; it always says something."""
    text = " ".join(_visible(line.strip()) for line in str(message).split("\n") if line.strip())
    text = text or "命令没有完成，原因不明。请把所执行的命令告诉技术支持"
    sys.stderr.write(f"错误：{text}\n")


# What the operating system's errors mean, in words an office reads (its own text is English on many PCs).
_OS_REASONS = {
    errno.ENOENT: "找不到这个文件或文件夹", errno.EACCES: "没有读写权限", errno.EPERM: "没有读写权限",
    errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出了磁盘配额", errno.EROFS: "磁盘是只读的",
    errno.EISDIR: "这是一个文件夹，不是文件", errno.ENOTDIR: "路径中有一级不是文件夹", errno.EEXIST: "文件已存在",
    errno.ENAMETOOLONG: "文件名或路径太长", errno.EINVAL: "文件名无效", errno.EBUSY: "文件正被其他程序使用",
    errno.EIO: "磁盘读写出错（U盘或网络盘可能已断开）", errno.ENXIO: "设备不存在",
}


def _file_problem(err: OSError) -> str:
    reason = _OS_REASONS.get(err.errno) or f"系统提示：{err.strerror or err}"
    where = f"“{err.filename}”" if err.filename else ""
    return f"无法读写文件{where}（{reason}）。请检查文件名、所在文件夹和读写权限后重试"


def _database_problem(err: sqlite3.Error, db_path: Path) -> str:
    """An SQLite error no layer below turned into a message of its own (a damaged page read mid-command, …)."""
    code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
    name = db_path.name
    if code in (11, 26):  # SQLITE_CORRUPT, SQLITE_NOTADB
        return (f"数据库“{name}”已损坏，命令没有完成。请运行 aiddesk --db {db_path} check 查看，"
                "并从最近的备份恢复")
    if code in (10, 13):  # SQLITE_IOERR, SQLITE_FULL
        return f"读写数据库“{name}”时磁盘出错（磁盘可能已满，或U盘、网络盘已断开），命令没有完成。请检查磁盘后重试"
    if code in (5, 6):  # SQLITE_BUSY, SQLITE_LOCKED
        return f"数据库“{name}”正被另一台电脑或另一个程序使用，命令没有完成。请稍后再试"
    if code == 8:  # SQLITE_READONLY
        return f"数据库“{name}”或其所在文件夹是只读的，命令没有完成。请把文件复制到有写权限的文件夹后再试"
    if code == 14:  # SQLITE_CANTOPEN
        return f"无法打开数据库文件“{db_path}”（路径不对或没有读写权限）。请检查 --db 后面的路径"
    return f"数据库“{name}”出错（{err}），命令没有完成。请运行 aiddesk --db {db_path} check 检查数据库"


# Commands that change the database's records, and what the refusal says is not done. backup only copies
# (consistently, through SQLite) and restore takes the lock itself: neither is judged here.
WRITING = {"import": "导入", "demo": "生成演示数据"}
NOT_JUDGED = ("backup", "restore")
# Commands that stamp records or file names with today's date: they warn when this PC's clock is clearly wrong
# (restore too, judged on the database it replaces).
DATED = ("import", "demo", "backup", "export")


def _respect_app_lock(command: str, args: argparse.Namespace, db_path: Path, clock):
    """Take the application lock for a writing command (``import`` but --dry-run, ``demo``); warn or refuse beside
    another holder. Returns an ``app_lock.Holding``: release it when the command ends, also on an error.

    A writer holds the lock for as long as it writes, so a ``restore`` (here or on another PC) sees it and refuses
    rather than swap the database under the import. The GUI holding the lock keeps its own view of the data and its
    own transactions: records written under it would surprise its user, and its checks (a duplicate, a fund
    balance) would be judged on stale data; so a writer is refused unless ``--force``. With ``--force`` it goes on
    beside the holder without taking the lock over (that would turn the holder's window read-only mid-work): the
    holder's lock still keeps a restore out meanwhile. A command-line run cannot watch the lock for minutes to see
    it go stale: any lock counts (see live_holder).
    """
    import socket

    from .db import app_lock

    nothing = app_lock.Holding(None)
    if command in NOT_JUDGED:
        return nothing
    today = clock.today()
    if command in WRITING and not (command == "import" and args.dry_run):
        path = db_path.expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)  # as opening (creating) the database would
        taken = app_lock.acquire(path, _lock_user(WRITING[command]), clock=clock)
        if taken.acquired:
            return app_lock.Holding(taken.lock)
        holder = taken.holder
        if (holder.host, holder.pid) == (socket.gethostname(), os.getpid()):
            return nothing  # this very process holds it already (the lock is not "another program")
        if not args.force:
            raise UserError(f"数据库正由 {_in_use(holder, today)}，"
                            f"命令行现在不能{WRITING[command]}，没有写入任何内容。"
                            f"请等对方关闭程序或命令执行完毕后再执行；{_CRASHED_HOLDER}；"
                            "确认对方不会同时修改时，可加 --force 照样执行")
        sys.stderr.write(app_lock.warning_for(holder, today) + "\n")
        return nothing
    holder = app_lock.live_holder(db_path)
    if holder is not None:
        sys.stderr.write(app_lock.warning_for(holder, today) + "\n")
    return nothing


# How a command-line writer names itself in the lock file: the window of another PC shows who has the database.
_CLI_MARK = "（命令行"


def _lock_user(doing: str):
    from types import SimpleNamespace

    user = _cli_actor().username
    return SimpleNamespace(username=user, display_name=f"{user}{_CLI_MARK}{doing}）")


def _in_use(holder, today: date) -> str:
    """张三（电脑 PC-B，自 10:02 起）在工作台中使用; a command-line holder says what it is doing itself."""
    where = "使用" if _CLI_MARK in holder.display_name else "在工作台中使用"
    return f"{holder.describe(today)}{where}"


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


# Commands that only read the database (and import --dry-run): they never create one (where --db names none, that
# is a mistyped path, whose empty database would tell nothing), and open one this user may only read (a read-only
# file, folder or disk) read-only instead of refusing it.
READING = ("print", "report", "evaluate", "check")


def _only_reads(command: str, args: argparse.Namespace) -> bool:
    return command in READING or (command == "import" and args.dry_run)


def _may_write(path: Path) -> bool:
    """Whether this user may change the file and make its journal beside it (the file's and folder's modes count
    even for an administrator, as open_database judges them)."""
    try:
        return all(p.stat().st_mode & 0o222 and os.access(p, os.W_OK) for p in (path, path.parent))
    except OSError:
        return False


def _open(db_path: Path, clock, *, only_reads: bool):
    from .db import open_database

    if not only_reads:
        return open_database(db_path, clock=clock)
    path = db_path.expanduser()
    if not path.exists():
        raise UserError(f"找不到数据库文件“{db_path}”。请检查 --db 后面的路径是否写对"
                        "（查看、统计、打印和检查不会新建数据库）")
    return open_database(path, create=False, read_only=not _may_write(path), clock=clock,
                         read_only_reason="数据库文件或其所在文件夹是只读的")


def _run_command(command: str, args: argparse.Namespace, db_path: Path) -> int:
    clock = _clock(args)
    if command == "restore":  # the database must not be open while it is replaced
        return _restore(db_path, args, clock)
    writer = _respect_app_lock(command, args, db_path, clock)  # import and demo hold the lock while they write
    try:
        db = _open(db_path, clock, only_reads=_only_reads(command, args))
    except BaseException:
        writer.release()
        raise
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
        writer.release()


def _read_password_file(name: str) -> str:
    """The first line of a text file: a file, not an argument, because command lines show up in process lists
    and shell history. UTF-8 or, as Notepad saves "ANSI" on a Chinese Windows, GBK."""
    with open(name, "rb") as f:
        data = f.read(_PASSWORD_FILE_LIMIT + 1)
    text = _decode_text(data) if len(data) <= _PASSWORD_FILE_LIMIT else None
    if text is None:
        raise _FileUnreadable(f"密码文件“{name}”不是只写了一行密码的文本文件，读不出密码。请用记事本打开它，"
                              "第一行只写密码，另存为 UTF-8 编码后重试")
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise UserError(f"密码文件“{name}”的第一行是空的，请写入打开密码")
    return password


_MAPPING_FILE_LIMIT = 256 * 1024  # a mapping is a few dozen headers; more is some other file named by mistake


def _read_mapping_file(name: str) -> dict[str, dict[str, str]]:
    """--mapping: {"sheet name or *": {"book header": "field", or "" for 不导入}}, checked before anything is read."""
    import json

    path = Path(name)
    try:
        if path.stat().st_size > _MAPPING_FILE_LIMIT:
            raise UserError(f"列对应文件“{name}”太大，不像列对应文件；请核对文件名")
        data = _decode_text(path.read_bytes())
    except OSError as err:
        raise UserError(f"读不了列对应文件“{name}”（{err.strerror or err}）") from None
    try:
        mapping = json.loads(data) if data is not None else None
    except ValueError as err:
        raise UserError(f"列对应文件“{name}”不是有效的 JSON（{err}）；格式为 "
                        '{"工作表名或*": {"台账中的列名": "项目"}}') from None
    if not isinstance(mapping, dict) or not all(
            isinstance(sheet, str) and isinstance(columns, dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items())
            for sheet, columns in mapping.items()):
        raise UserError(f"列对应文件“{name}”的格式不对：应为 "
                        '{"工作表名或*": {"台账中的列名": "项目，或空字符串表示不导入"}}')
    return mapping


_PASSWORD_FILE_LIMIT = 64 * 1024  # a password file is a line; more is some other file named by mistake


def _decode_text(data: bytes) -> str | None:
    """Text as Windows and Linux editors save it (UTF-8 with or without BOM, UTF-16 with BOM, GBK); None if not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


def _import(db, args) -> int:
    """Import one file, or several one after another (a centre's units' books: one 导入前 backup for the run).

    Each file is all or nothing by itself. The exit code is the worst of the files' (2 unreadable, 1 refused);
    ``--json`` prints the EXCHANGE.md object for one file, and a list of them, each with its ``"file"``, for more.
    """
    import json

    from .services.exchange_import import ExchangeImportService, ImportRun

    password = _read_password_file(args.password_file) if args.password_file else None
    if bool(args.unit) != bool(args.unit_name):
        raise UserError("--unit 和 --unit-name 要一起给出：本单位的代码和名称")
    ledger = {"mapping": _read_mapping_file(args.mapping) if args.mapping else None, "year": args.year,
              "unit": (args.unit.strip(), args.unit_name.strip()) if args.unit else None}
    run = ImportRun(ExchangeImportService(db, _cli_actor()))
    several = len(args.file) > 1
    outcomes, codes = [], []
    for name in args.file:
        if several and not args.json:
            print(f"== {name}")
        code, out = _import_one(run, name, args, password, ledger)
        codes.append(code)
        outcomes.append({"file": name, **out} if several else out)
    if args.json:
        print(json.dumps(outcomes if several else outcomes[0], ensure_ascii=False, indent=2))
    elif several:
        done = sum(code == EXIT_OK for code in codes)
        print(f"共 {len(codes)} 个文件：{done} 个" + ("检查通过" if args.dry_run else "已导入")
              + (f"，{len(codes) - done} 个没有导入（见上面各文件的错误）" if done < len(codes) else ""))
    return max(codes)


def _import_one(run, name: str, args, password: str | None, ledger: dict) -> tuple[int, dict]:
    """One file of an ``import``: its exit code and its ``--json`` object (printed here unless ``--json``)."""
    from .services.exchange_import import PasswordRequired, Unreadable, WrongPassword

    try:
        report = run.import_file(Path(name), dry_run=args.dry_run, password=password, **ledger)
    except Unreadable as err:
        message = err.message
        if isinstance(err, PasswordRequired) and not isinstance(err, WrongPassword):
            message += "。命令行导入时，请把密码写在一个文本文件的第一行，加 --password-file 该文件 再次导入"
        if not args.json:
            sys.stderr.write(f"错误：{message}\n")
        return EXIT_UNREADABLE, {"imported": {}, "errors": [{"sheet": "", "row": None, "column": "", "value": name,
                                                           "message": message}], "warnings": []}
    if not args.json:
        for label, issues in (("错误", report.errors), ("提醒", report.warnings)):
            for i in issues:
                where = "".join(p for p in (i.sheet, f"第{i.row}行" if i.row else "",
                                            f"“{i.column}”" if i.column else ""))
                value = f"（{i.value}）" if i.value else ""
                print(f"{label}：{where}{value}：{i.message}" if where or value else f"{label}：{i.message}")
        _print_ledger(report.checked)
        if report.ok:
            done = "检查通过，未写入（--dry-run）" if args.dry_run else "已导入"
            print(f"{done}：" + "，".join(f"{sheet} {n} 行" for sheet, n in report.imported.items()))
            _print_removal(report.checked.removal, dry_run=args.dry_run)
        else:
            print(f"有 {len(report.errors)} 处错误，没有导入任何内容。")
    return (EXIT_OK if report.ok else EXIT_REFUSED), report.as_json()


def _print_ledger(checked) -> None:
    """An old ledger, sheet by sheet: what was read and skipped, and whether its 合计 agrees."""
    if not checked.ledger:
        return
    from .core.money import format_yuan

    for s in checked.ledger:
        agreed = "" if s.total is None else (
            f"；台账合计 {format_yuan(s.total)} 元 {'=' if s.total == s.imported_total else '≠'} "
            f"导入 {format_yuan(s.imported_total)} 元")
        print(f"工作表“{s.sheet}”：表头第{'、'.join(map(str, s.header_rows))}行，读取 {s.read} 行，"
              f"跳过 {len(s.skipped)} 行{agreed}")
    counts = checked.ledger_counts
    if counts:
        print(f"困难职工：新建档案 {counts.get('new', 0)} 户，已在档案中 {counts.get('matched', 0)} 户")


def _print_removal(removal, *, dry_run: bool) -> None:
    """What the import takes away (a newer export replacing a unit's year, a shorter member list), key by key."""
    if not removal:
        return
    print(("将删除" if dry_run else "已删除") + "（以前导入、而这份表中已没有的）：")
    for sheet, keys in removal.keys.items():
        print(f"  {sheet} {len(keys)} 行：" + "、".join(keys))
    if removal.with_them:
        print("  随之删除：" + "、".join(f"{what} {n} 条" for what, n in removal.with_them.items()))


def _backup(db, args) -> int:
    from .services.backups import backup_now

    result = backup_now(db, _cli_actor(), "手动", to=args.to)
    print(result.archive)
    for warning in result.warnings:
        sys.stderr.write(f"提醒：{warning}\n")
    return EXIT_OK


def _restore(db_path: Path, args, clock) -> int:
    from .db import DatabaseOpenError, app_lock, open_database
    from .services.backups import inspect, restore

    actor = _cli_actor()
    if not db_path.absolute().parent.is_dir():  # a new PC: check the backup before making the folder for it
        inspect(Path(args.file))
        db_path.absolute().parent.mkdir(parents=True, exist_ok=True)
    # Replacing the file under a colleague's open window, or under a command-line import or demo still writing,
    # would lose their work: only when nobody holds the lock. One look: a lock left by a program that crashed on
    # another PC counts as held (the CLI cannot watch it).
    taken = app_lock.acquire(db_path, _lock_user("恢复"), clock=clock)
    if not taken.acquired:
        raise UserError(f"数据库正由 {_in_use(taken.holder, clock.today())}，现在不能恢复，没有改动任何文件。"
                        f"请等对方关闭程序或命令执行完毕后再试；{_CRASHED_HOLDER}，再用“文件 → 从备份恢复…”恢复")
    holding = app_lock.Holding(taken.lock)  # kept fresh: copying gigabytes of scans back may take minutes
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
        holding.release()
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
    from .services.printing import BATCH_FORMS, asks_notice_phone, print_batch_form

    batch = BatchService(db, _cli_actor()).find(args.batch)
    phone = getattr(args, "phone", "")  # notices only
    count = print_batch_form(db, batch.id, args.form, Path(args.out), notice_phone=phone)
    print(f"已生成{batch.name}的{BATCH_FORMS[args.form]}（{count}）：{args.out}")
    if asks_notice_phone(batch, args.form):
        print("该批次没有异议联系电话：" + (f"本次按 {phone.strip()} 打印，未保存到批次。" if phone.strip()
                                          else "公示名单上留了横线，请张贴前手写联系电话。"))
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

    from .services.duplicates import AIDED_TWICE, IN_ARCHIVES, duplicates, duplicates_json

    found = duplicates(db, args.year)
    if args.per_unit:
        from .services.duplicate_workbooks import write_unit_workbooks

        folder = Path(args.per_unit).expanduser()
        if not folder.is_dir():
            raise UserError(f"找不到文件夹“{args.per_unit}”，请先建好文件夹再导出")
        written = write_unit_workbooks(found, folder, year=args.year)
        for _unit, path, cases in written:
            sys.stderr.write(f"已导出 {path}（{cases} 项）\n")  # standard output stays the list (or its JSON)
    if args.json:
        print(json.dumps(duplicates_json(found), ensure_ascii=False, indent=2))
        return EXIT_OK
    in_archives = [d for d in found if d.kind == IN_ARCHIVES]
    aided = [d for d in found if d.kind == AIDED_TWICE]

    def open_count(items: list) -> str:
        left = sum(1 for d in items if d.conclusion is None)
        return f"（未处理 {left}）" if items else ""

    print(f"{args.year}年跨单位重复：在档重复 {len(in_archives)} 人{open_count(in_archives)}，"
          f"重复救助 {len(aided)} 项{open_count(aided)}")
    for d in found:
        where = "；".join(f"{e.unit_name}（{e.unit}）{e.record_no or e.archive_no} {e.name}"
                         + (f" {e.amount:.2f}元" if e.amount is not None else "") for e in d.entries)
        label = f"{d.kind}·{d.category}" if d.category else d.kind
        print(f"  {label} {d.id_number}：{where}")
        if d.conclusion:
            c = d.conclusion
            print(f"    处理结论：{d.conclusion_text()}（{c.by}，{c.at.replace('T', ' ')}）")
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
        sys.stderr.write("命令行参数有误：请用 --docx 或 --pdf 指定自检报告的输出文件（可两个都写），"
                         "如 --docx 自检报告.docx\n")
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
