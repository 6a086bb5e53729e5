"""SMS notices of a paid batch: templates, the list for the SMS platform, senders, the platform's delivery report."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import NamedTuple, Protocol

from ..atomic import write_atomically
from ..core.batch import Batch
from ..core.batch_workflow import PAID
from ..core.codes import check_code
from ..core.errors import UserError
from ..core.money import from_fen, to_fen
from ..core.phone import MOBILE, normalise_phone
from ..core.sms import (FAILED, SENT, UNSENT, amount_text, check_template, date_text, load_delivery_words, measure,
                        render)
from ..db import Database
from ..db import batches as batch_repo
from ..db import column_mappings
from ..db import sms as repo
from ..db.audit import Actor, record
from ..db.column_mappings import MappingField
from ..db.units import own_unit
from ..exchange.table_files import find_header, read_sheets, readable
from ..paths import resource

# Who edits templates, exports the lists (they carry phone numbers) and records delivery.
STAFF = ("经办人", "审核人", "管理员")

REPORT_KIND = "短信回执"
REPORT_FIELDS = (MappingField("phone", "手机号码", True), MappingField("status", "发送状态", True),
                 MappingField("reason", "失败原因", False))

LIST_SHEET = "短信名单"
LIST_HEADERS = ("序号", "姓名", "手机号码", "短信内容", "字数", "条数")
NO_MOBILE_SHEET = "无有效手机号"
NO_MOBILE_HEADERS = ("序号", "姓名", "档案编号", "登记的电话", "说明")

# A preview before any batch of the activity exists: a made-up person of typical length.
SAMPLE_NAME = "王晓梅"
SAMPLE_AMOUNT_FEN = 100000
SAMPLE_METHOD = "会员服务卡"
SAMPLE_PHONE = "0898-66123456"
# Header rows are looked for among the first rows only: above them a report may carry a title and its date.
HEADER_SEARCH_ROWS = 10
SHOWN_ROWS = 8  # row numbers listed in one warning before "等N行"


# ---- what the service hands out ------------------------------------------------------------

class Preview(NamedTuple):
    message: str
    chars: int
    segments: int


@dataclass(frozen=True)
class SmsMessage:
    """One notice to one recipient: the line it is about, where it goes and what it says."""

    record_id: int
    name: str
    phone: str
    text: str
    chars: int
    segments: int


@dataclass(frozen=True)
class NoMobile:
    """A recipient the SMS cannot reach: what is on file and why it is no use."""

    record_id: int
    name: str
    archive_no: str
    on_file: str
    why: str


@dataclass(frozen=True)
class SmsList:
    batch_id: int
    rows: tuple[SmsMessage, ...]
    no_mobile: tuple[NoMobile, ...]

    @property
    def segments(self) -> int:
        """SMS billed for the whole list."""
        return sum(m.segments for m in self.rows)


@dataclass(frozen=True)
class SendResult:
    """What a gateway says about one message it was given."""

    record_id: int
    ok: bool
    error: str = ""


class SmsSender(Protocol):
    """Something that sends the messages: a file for the SMS platform today, a gateway one day.

    It returns what it knows about delivery, or nothing when delivery comes later (the platform's report).
    """

    def send(self, messages: list[SmsMessage]) -> list[SendResult]: ...


@dataclass(frozen=True)
class SendOutcome:
    messages: int          # messages handed to the sender
    sent: int              # results saying delivered
    failed: int            # results saying failed
    files: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SmsLine:
    """A line of the batch as the SMS panel lists it."""

    record_id: int
    name: str
    archive_no: str
    on_file: str           # the phone on the household's archive
    mobile: str            # that phone as a valid mobile, or ""
    status: str
    at: str | None
    error: str


@dataclass(frozen=True)
class SmsSummary:
    total: int
    with_mobile: int
    no_mobile: int
    sent: int
    failed: int
    unsent: int

    @classmethod
    def of(cls, lines: Sequence[SmsLine]) -> SmsSummary:
        mobile = sum(1 for x in lines if x.mobile)
        status = [x.status for x in lines]
        return cls(len(lines), mobile, len(lines) - mobile, status.count(SENT), status.count(FAILED),
                   status.count(UNSENT))


@dataclass(frozen=True)
class SmsFailure:
    record_id: int
    batch_id: int
    batch_code: str
    batch_name: str
    year: int
    name: str
    archive_no: str
    phone: str
    error: str
    at: str | None


@dataclass(frozen=True)
class ReportRow:
    number: int                 # the row as Excel shows it (a CSV's record number)
    values: tuple[str, ...]


@dataclass(frozen=True)
class ReportFile:
    """A delivery report as read: its headers (row ``header_row``) and the non-empty rows below them."""

    name: str
    headers: tuple[str, ...]
    rows: tuple[ReportRow, ...]
    header_row: int = 1

    def column(self, header: str) -> int:
        return self.headers.index(header)


@dataclass(frozen=True)
class ImportResult:
    rows: int                              # data rows read
    matched: int                           # lines of the batch the report speaks about
    sent: int                              # of those, delivered
    failed: int                            # of those, failed
    pending: int                           # of those, no receipt yet (left as they were)
    changed: int                           # lines whose status this import changed
    warnings: tuple[str, ...] = ()
    unmatched: tuple[tuple[int, str], ...] = ()      # (row, phone) matching no line
    unknown_words: tuple[str, ...] = ()              # statuses not in the word list, taken as failures

    def summary(self) -> str:
        text = (f"回执共 {self.rows} 行，对应本批次 {self.matched} 人：已送达 {self.sent} 人，发送失败 {self.failed} 人"
                + (f"，尚无回执 {self.pending} 人" if self.pending else "")
                + f"。本次更新了 {self.changed} 人的发送状态。")
        if self.unmatched:
            text += f"另有 {len(self.unmatched)} 行的号码不在本批次名单中，未处理。"
        return text


@dataclass(frozen=True)
class ExportResult:
    rows: int
    no_mobile: int
    files: tuple[Path, ...]
    segments: int = 0


# ---- files for the SMS platform -------------------------------------------------------------------

class FileExportSender:
    """The default sender: writes the list for the SMS platform (.xlsx or .csv by suffix) and reports no delivery.

    A .csv is uploaded to the platform as it is, so the people without a valid mobile go to a file beside it
    (``…-无有效手机号.csv``) instead of a section in it that the platform would try to send to.
    """

    def __init__(self, path: str | Path, *, no_mobile: Sequence[NoMobile] = ()):
        self.path = Path(path)
        self.no_mobile = tuple(no_mobile)
        self.files: tuple[Path, ...] = ()
        list_format(self.path)  # refuse an unknown suffix before anything is sent

    def send(self, messages: list[SmsMessage]) -> list[SendResult]:
        if list_format(self.path) == "xlsx":
            _write_xlsx(self.path, messages, self.no_mobile)
            self.files = (self.path,)
        else:
            _write_csv(self.path, LIST_HEADERS, _list_rows(messages))
            self.files = (self.path,)
            if self.no_mobile:
                other = no_mobile_path(self.path)
                _write_csv(other, NO_MOBILE_HEADERS, _no_mobile_rows(self.no_mobile))
                self.files += (other,)
        return []


def list_format(path: Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UserError("短信名单只能导出为 Excel 工作簿（.xlsx）或 CSV 文件（.csv），请换一个文件名")
    return suffix[1:]


def no_mobile_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}-{NO_MOBILE_SHEET}{path.suffix}")


def _list_rows(messages: Sequence[SmsMessage]) -> list[list]:
    return [[i, m.name, m.phone, m.text, m.chars, m.segments] for i, m in enumerate(messages, start=1)]


def _no_mobile_rows(people: Sequence[NoMobile]) -> list[list]:
    return [[i, p.name, p.archive_no, p.on_file, p.why] for i, p in enumerate(people, start=1)]


def _write_csv(path: Path, headers: Sequence[str], rows: list[list]) -> None:
    def build(tmp: str) -> None:
        # utf-8-sig: the BOM is how Excel and WPS know the file is UTF-8 and not GBK.
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(headers)
            writer.writerows(rows)

    write_atomically(path, build, opened_in=" Excel ")


def _write_xlsx(path: Path, messages: Sequence[SmsMessage], no_mobile: Sequence[NoMobile]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from ..reports.xlsx_layout import fit_columns, fit_heights, print_setup

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EFEFEF")
    wrapped, top = Alignment(wrap_text=True, vertical="top"), Alignment(vertical="top")
    wb = Workbook()
    wb.properties.creator = "AidDesk"
    for ws, headers, rows, text_cols in (
            (wb.active, LIST_HEADERS, _list_rows(messages), (3,)),
            (wb.create_sheet(NO_MOBILE_SHEET), NO_MOBILE_HEADERS, _no_mobile_rows(no_mobile), (3, 4))):
        ws.append(list(headers))
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(horizontal="center")
        for r, values in enumerate(rows, start=2):
            for c, value in enumerate(values, start=1):
                cell = ws.cell(r, c, value)
                if c in text_cols:  # phone numbers and archive numbers stay text: Excel would make them numbers
                    cell.value = str(value)
                    cell.data_type, cell.number_format = "s", "@"
                # A message wraps over lines: the rest of its row reads from the top with it.
                cell.alignment = wrapped if headers[c - 1] in ("短信内容", "说明") else top
        # The platform reads the cells as they are: only widths, heights and print setup are ours to choose.
        fit_columns(ws)
        fit_heights(ws)
        print_setup(ws, title_rows=(1, 1))
    wb.active.title = LIST_SHEET
    if not no_mobile:
        wb[NO_MOBILE_SHEET].cell(2, 2, "本次名单中的人员都有有效手机号码")
    write_atomically(path, wb.save, opened_in=" Excel ")


# ---- reading a delivery report ------------------------------------------------------------------

def _report_phone(text: str) -> str:
    """The digits of a phone as a report writes it: 138 1234 5678, +8613812345678, ="13812345678", '13812345678."""
    text = text.strip()
    if text.startswith('="') and text.endswith('"'):
        text = text[2:-1]
    return normalise_phone(text.lstrip("'"))


def _rows_text(numbers: Sequence[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:SHOWN_ROWS])
    return f"第{shown}行" + (f"等{len(numbers)}行" if len(numbers) > SHOWN_ROWS else "")


# ---- the service -------------------------------------------------------------------------------

@cache
def _default_templates() -> dict[str, str]:
    try:
        with open(resource("verification", "sms_templates.json"), encoding="utf-8") as f:
            data = json.load(f)
        return {k: check_template(v) for k, v in data.items() if not k.startswith("_")}
    except (OSError, ValueError, AttributeError, UserError) as err:
        raise UserError("默认短信模板文件 resources/verification/sms_templates.json 有误"
                        f"（{err}），请改正后重启程序") from None


class SmsService:
    """SMS notices; every change is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    @property
    def may_write(self) -> bool:
        """Whether this user may edit templates, export lists and record delivery (the command line always may)."""
        return self.actor.may(*STAFF)

    # ---- templates -----------------------------------------------------------------------

    def default_template(self, activity: str) -> str:
        check_code("activity", activity, "活动类型")
        defaults = _default_templates()
        return defaults.get(activity) or defaults["其他"]

    def template(self, activity: str) -> str:
        """The office's edited template for the activity, else the default from resources."""
        return repo.get_template(self.db.conn, activity) or self.default_template(activity)

    def is_custom(self, activity: str) -> bool:
        return repo.get_template(self.db.conn, activity) is not None

    def save_template(self, activity: str, text: str) -> None:
        """Keep the office's template for the activity; the default text itself is stored as no edit at all."""
        self.actor.require(*STAFF)
        default = self.default_template(activity)
        text = check_template(text)
        if text == default:
            self.reset_template(activity)
            return
        with self.db.transaction() as conn:
            old = repo.get_template(conn, activity)
            repo.save_template(conn, activity, text, by=self.actor.username, at=self.db.clock.stamp())
            record(conn, self.actor, table="sms_templates", key=activity, action="insert" if old is None else "update",
                   old=None if old is None else {"template": old}, new={"template": text})

    def reset_template(self, activity: str) -> None:
        """Back to the default template of resources/verification/sms_templates.json."""
        self.actor.require(*STAFF)
        check_code("activity", activity, "活动类型")
        with self.db.transaction() as conn:
            old = repo.get_template(conn, activity)
            if old is None:
                return
            repo.delete_template(conn, activity)
            record(conn, self.actor, table="sms_templates", key=activity, action="delete",
                   old={"template": old}, new={"template": "（恢复默认）"})

    def preview(self, subject: int | str, text: str) -> Preview:
        """``text`` filled in for the first line of batch ``subject`` (an id), or a sample of activity ``subject``."""
        conn = self.db.conn
        if isinstance(subject, str):
            check_code("activity", subject, "活动类型")
            values = self._sample(subject, phone=repo.latest_notice_phone(conn, subject))
        else:
            b = self._batch(subject)
            line = repo.first_line(conn, b.id)
            values = self._values(b, line) if line is not None else self._sample(
                b.activity, phone=b.notice_phone, amount_fen=to_fen(b.standard))
        m = measure(render(text, values))
        return Preview(m.text, m.chars, m.segments)

    def _sample(self, activity: str, *, phone: str, amount_fen: int | None = None) -> dict[str, str]:
        return {"姓名": SAMPLE_NAME, "金额": amount_text(from_fen(amount_fen or SAMPLE_AMOUNT_FEN)),
                "发放日期": date_text(self.db.clock.today()), "发放方式": SAMPLE_METHOD, "单位": self._office(),
                "咨询电话": phone or SAMPLE_PHONE}

    def _values(self, b: Batch, line, office: str | None = None) -> dict[str, str]:
        paid = line["paid_on"] or (b.paid_on.isoformat() if b.paid_on else None)
        return {"姓名": line["recipient_name"], "金额": amount_text(from_fen(line["amount_fen"])),
                "发放日期": date_text(date.fromisoformat(paid) if paid else self.db.clock.today()),
                "发放方式": line["payment_method"], "单位": office or self._office(),
                "咨询电话": b.notice_phone or SAMPLE_PHONE}

    def _office(self) -> str:
        unit = own_unit(self.db.conn)
        if unit is None:
            raise UserError("还没有设置本单位，请先在“管理 → 单位管理”中设置")
        return unit.name

    def batch(self, batch_id: int) -> Batch:
        return self._batch(batch_id)

    def is_paid(self, batch: Batch) -> bool:
        """Whether the batch's money went out, so its notices may be sent (已发放 or 已核查)."""
        return batch.status in PAID

    def _batch(self, batch_id: int) -> Batch:
        b = batch_repo.get_batch(self.db.conn, batch_id)
        if b is None:
            raise UserError("找不到该帮扶批次，请刷新列表")
        return b

    def _paid_batch(self, batch_id: int) -> Batch:
        b = self._batch(batch_id)
        if b.status not in PAID:
            raise UserError(f"批次“{b.name}”处于“{b.status}”状态。到账短信在资金发放后才能发送："
                            "请先在批次中登记发放（已发放），再导出短信名单或导入发送回执")
        return b

    # ---- the list ------------------------------------------------------------------------------

    def lines(self, batch_id: int) -> list[SmsLine]:
        """Every valid line of the batch with its phone on file and its 短信通知 status."""
        out = []
        for r in repo.batch_lines(self.db.conn, batch_id):
            mobile = normalise_phone(r["phone"] or "")
            out.append(SmsLine(r["id"], r["recipient_name"], r["archive_no"], r["phone"] or "",
                               mobile if MOBILE.fullmatch(mobile) else "", r["sms_status"], r["sms_at"],
                               r["sms_error"]))
        return out

    def summary(self, batch_id: int) -> SmsSummary:
        return SmsSummary.of(self.lines(batch_id))

    def messages(self, batch_id: int, *, failed_only: bool = False) -> SmsList:
        """The notices of a paid batch: one per line with a valid mobile; the others listed apart.

        ``failed_only``: just the lines whose SMS failed, to send again (to the phone now on file).
        """
        b = self._paid_batch(batch_id)
        template, office = self.template(b.activity), self._office()
        rows, others = [], []
        for line in repo.batch_lines(self.db.conn, b.id):
            if failed_only and line["sms_status"] != FAILED:
                continue
            on_file = line["phone"] or ""
            mobile = normalise_phone(on_file)
            if MOBILE.fullmatch(mobile):
                m = measure(render(template, self._values(b, line, office)))
                rows.append(SmsMessage(line["id"], line["recipient_name"], mobile, m.text, m.chars, m.segments))
            else:
                others.append(NoMobile(line["id"], line["recipient_name"], line["archive_no"], on_file,
                                       _why_no_mobile(on_file, mobile)))
        return SmsList(b.id, tuple(rows), tuple(others))

    def export(self, batch_id: int, path: str | Path, *, failed_only: bool = False) -> ExportResult:
        """Write the list for the SMS platform (.xlsx or .csv by suffix); marks nothing as sent.

        The file carries phone numbers: who exported it, and where, is on record.
        """
        self.actor.require(*STAFF)
        path = Path(path)
        list_format(path)
        sms = self.messages(batch_id, failed_only=failed_only)
        sender = FileExportSender(path, no_mobile=sms.no_mobile)
        outcome = self._send(sms, sender, action="export", failed_only=failed_only)
        return ExportResult(len(sms.rows), len(sms.no_mobile), outcome.files, sms.segments)

    def send(self, batch_id: int, sender: SmsSender, *, failed_only: bool = False) -> SendOutcome:
        """Hand the batch's notices to ``sender``; what it reports about delivery is recorded in one transaction."""
        self.actor.require(*STAFF)
        return self._send(self.messages(batch_id, failed_only=failed_only), sender, action="send",
                          failed_only=failed_only)

    def _send(self, sms: SmsList, sender: SmsSender, *, action: str, failed_only: bool) -> SendOutcome:
        if not sms.rows:
            raise UserError("本批次没有发送失败、需要重发的短信" if failed_only else
                            "本批次的领取人都没有有效的手机号码，没有可发送的短信。请在档案中补录手机号码")
        b = self._batch(sms.batch_id)
        if action == "export":
            # A local file: written inside the transaction, so the file and the record of it go together.
            with self.db.transaction() as conn:
                return self._record_sending(conn, b, sms, sender, sender.send(list(sms.rows)), action, failed_only)
        # A gateway may take its time on the network: the database is not held locked meanwhile.
        results = sender.send(list(sms.rows))
        with self.db.transaction() as conn:
            return self._record_sending(conn, b, sms, sender, results, action, failed_only)

    def _record_sending(self, conn, b: Batch, sms: SmsList, sender: SmsSender, results: list[SendResult],
                        action: str, failed_only: bool) -> SendOutcome:
        ids = {m.record_id for m in sms.rows}
        strangers = [r.record_id for r in results if r.record_id not in ids]
        if strangers:
            raise UserError(f"短信发送接口返回了不属于本次名单的结果（明细 {strangers[:5]}），未记录任何发送结果。"
                            "请联系技术支持检查发送接口")
        latest = {r.record_id: r for r in results}  # a message tried twice: its last result stands
        repo.set_statuses(conn, [(i, SENT if r.ok else FAILED, "" if r.ok else (r.error.strip() or "发送失败"))
                                 for i, r in latest.items()], at=self.db.clock.stamp())
        sent = sum(1 for r in latest.values() if r.ok)
        files = tuple(getattr(sender, "files", ()))
        new = {"kind": "短信重发名单" if failed_only else "短信名单", "messages": len(sms.rows),
               "no_mobile": len(sms.no_mobile), "sender": type(sender).__name__}
        if files:
            new["files"] = [str(f) for f in files]
        if results:
            new.update(sent=sent, failed=len(latest) - sent)
        record(conn, self.actor, table="batches" if action == "export" else "aid_records", key=b.code,
               action=action, new=new)
        return SendOutcome(len(sms.rows), sent, len(latest) - sent, files)

    # ---- the platform's delivery report -----------------------------------------------------------

    def report_fields(self) -> tuple[MappingField, ...]:
        return REPORT_FIELDS

    def read_report(self, path: str | Path) -> ReportFile:
        """Headers and rows of a delivery report (.xlsx, .csv in UTF-8 or GBK; .xls with python-calamine).

        The header row is the first of the first 10 rows holding a header we know (one remembered for
        短信回执, or a usual name such as 手机号码 or 状态); failing that, the first row with two or more
        filled cells. Rows above it (a title, the export date) are skipped, and so are empty rows.
        Of several sheets, the first with a known header is read.
        """
        path = Path(path)
        if not path.is_file():
            raise UserError(f"找不到文件“{path}”")
        if not readable(path):
            raise UserError(f"“{path.name}”不是回执文件：请选择短信平台导出的 .xlsx 或 .csv 文件")
        sheets = read_sheets(path)
        known = set(column_mappings.remembered(self.db.conn, REPORT_KIND))
        words = load_delivery_words()

        def is_known(header: str) -> bool:
            return header in known or words.known_header(header)

        try:
            chosen = find_header(sheets, is_known, search_rows=HEADER_SEARCH_ROWS)
        finally:
            sheets.close()  # an Excel file stays open (locked, on Windows) until its reader is closed
        if chosen is None:
            raise UserError(f"“{path.name}”中没有找到表头行（应有“手机号码”“发送状态”等列名），"
                            "请确认选择的是短信平台的发送回执")
        grid, header_at = chosen
        raw = grid[header_at - 1][1]
        width = max((i + 1 for i, v in enumerate(raw) if v), default=0)
        headers, seen = [], set()
        for i, value in enumerate(raw[:width]):
            base = value.strip() or f"第{i + 1}列"
            name, k = base, 1
            while name in seen:  # two columns under one name could not be told apart in the mapping
                k += 1
                name = f"{base}（{k}）"
            seen.add(name)
            headers.append(name)
        rows = tuple(ReportRow(n, tuple((list(row) + [""] * width)[:width]))
                     for n, row in grid[header_at:] if any(v.strip() for v in row[:width]))
        if not rows:
            raise UserError(f"“{path.name}”中表头下面没有数据行，请确认回执文件是否完整")
        return ReportFile(path.name, tuple(headers), rows, header_at)

    def guess_mapping(self, headers: Sequence[str]) -> dict[str, str]:
        """field → header: the mapping remembered for 短信回执 first, then the usual names."""
        taken = column_mappings.mapping_for(self.db.conn, REPORT_KIND, headers)
        return load_delivery_words().guess(list(headers), taken)

    def apply_report(self, batch_id: int, report: ReportFile, mapping: dict[str, str], *,
                     remember: bool = True) -> ImportResult:
        """Set 已发送 / 发送失败 on the lines the report speaks about, matched by phone number; all or nothing.

        Of several rows for one number, one delivered is enough (a resend that got through). A line once
        delivered stays 已发送 whatever an older report says. Rows whose number is in no line, statuses not in
        the word list (taken as failures) and rows without a receipt yet come back as warnings.
        """
        self.actor.require(*STAFF)
        mapping = {k: v for k, v in mapping.items() if v}
        columns = self._columns(report, mapping)
        words = load_delivery_words()
        with self.db.transaction() as conn:
            b = self._paid_batch(batch_id)
            lines = repo.batch_lines(conn, b.id)
            by_phone: dict[str, list] = {}
            for line in lines:
                mobile = normalise_phone(line["phone"] or "")
                if MOBILE.fullmatch(mobile):
                    by_phone.setdefault(mobile, []).append(line)

            verdicts: dict[str, list[tuple[str | None, str]]] = {}
            unmatched: list[tuple[int, str]] = []
            no_phone, no_status = [], []
            unknown: dict[str, list[int]] = {}
            pending: dict[str, list[int]] = {}
            for row in report.rows:
                phone_text = row.values[columns["phone"]]
                status = row.values[columns["status"]].strip()
                reason = row.values[columns["reason"]].strip() if "reason" in columns else ""
                phone = _report_phone(phone_text)
                if not phone:
                    no_phone.append(row.number)
                    continue
                if phone not in by_phone:
                    unmatched.append((row.number, phone_text.strip()))
                    continue
                outcome, known = words.classify(status)
                if not status:
                    no_status.append(row.number)
                elif not known:
                    unknown.setdefault(status, []).append(row.number)
                elif outcome is None:
                    pending.setdefault(status, []).append(row.number)
                verdicts.setdefault(phone, []).append((outcome, reason or status))
            if not verdicts:
                raise UserError(f"回执“{report.name}”中的号码与本批次名单一个也对不上，没有导入任何内容。"
                                "请确认选择的是本批次的发送回执，并检查“手机号码”对应的列是否选对")

            updates, kept = [], []
            sent = failed = waiting = matched = 0
            for phone, said in verdicts.items():
                outcomes = [o for o, _ in said]
                outcome = SENT if SENT in outcomes else FAILED if FAILED in outcomes else None
                error = next((e for o, e in reversed(said) if o == FAILED), "") if outcome == FAILED else ""
                for line in by_phone[phone]:
                    matched += 1
                    if outcome is None:
                        waiting += 1
                        continue
                    if outcome == FAILED and line["sms_status"] == SENT:
                        kept.append(line["recipient_name"])
                        sent += 1
                        continue
                    sent += outcome == SENT
                    failed += outcome == FAILED
                    if (line["sms_status"], line["sms_error"]) != (outcome, error):
                        updates.append((line["id"], outcome, error))
            repo.set_statuses(conn, updates, at=self.db.clock.stamp())
            if remember:
                column_mappings.remember(conn, REPORT_KIND, mapping, report.headers)
            record(conn, self.actor, table="aid_records", key=b.code, action="import",
                   new={"file": report.name, "kind": REPORT_KIND, "rows": len(report.rows), "matched": matched,
                        "sent": sent, "failed": failed, "changed": len(updates)})

        warnings = [f"{_rows_text([n])}：号码“{p}”不在本批次名单中，未处理" for n, p in unmatched]
        if no_phone:
            warnings.append(f"{_rows_text(no_phone)}没有手机号码，未处理")
        if no_status:
            warnings.append(f"{_rows_text(no_status)}没有发送状态，未改变这些人的发送状态")
        for word, numbers in pending.items():
            warnings.append(f"{_rows_text(numbers)}的状态“{word}”表示还没有回执，未改变这些人的发送状态；"
                            "请稍后下载新的回执再导入")
        for word, numbers in unknown.items():
            warnings.append(f"{_rows_text(numbers)}的状态“{word}”不是已知的回执状态，已按发送失败处理。"
                            "如它其实表示已送达，请联系管理员将它加入回执词表后重新导入")
        if kept:
            warnings.append(f"{'、'.join(kept[:SHOWN_ROWS])}{'等' if len(kept) > SHOWN_ROWS else ''}"
                            f"{len(kept)}人此前已有送达回执，本次回执为发送失败，仍记为已发送")
        return ImportResult(len(report.rows), matched, sent, failed, waiting, len(updates), tuple(warnings),
                            tuple(unmatched), tuple(unknown))

    def _columns(self, report: ReportFile, mapping: dict[str, str]) -> dict[str, int]:
        """field → column index of the confirmed mapping, or a message saying what is missing."""
        labels = {f.key: f.label for f in REPORT_FIELDS}
        stray = [k for k in mapping if k not in labels]
        if stray:
            raise UserError(f"无法识别的字段：{'、'.join(stray)}")
        missing = [f.label for f in REPORT_FIELDS if f.required and f.key not in mapping]
        if missing:
            raise UserError(f"请为“{'”“'.join(missing)}”选择回执文件中对应的列", field=next(
                f.key for f in REPORT_FIELDS if f.required and f.key not in mapping))
        twice = {h for h in mapping.values() if list(mapping.values()).count(h) > 1}
        if twice:
            raise UserError(f"“{'、'.join(twice)}”这一列被选给了两个字段，请每列只对应一个字段")
        absent = [(labels[k], h) for k, h in mapping.items() if h not in report.headers]
        if absent:
            raise UserError("回执文件中没有这些列：" + "、".join(f"“{h}”（{label}）" for label, h in absent)
                            + f"。文件中的列有：{'、'.join(report.headers)}。请重新选择对应的列，没有导入任何内容")
        return {k: report.column(h) for k, h in mapping.items()}

    # ---- figures ---------------------------------------------------------------------------------

    def failures(self, year: int | None = None, batch_id: int | None = None) -> list[SmsFailure]:
        """Lines whose SMS failed (of batches not void): the to-do list, and what a resend list holds."""
        return [SmsFailure(r["id"], r["batch_id"], r["batch_code"], r["batch_name"], r["year"], r["recipient_name"],
                           r["archive_no"], r["phone"] or "", r["sms_error"], r["sms_at"])
                for r in repo.failed_lines(self.db.conn, year=year, batch_id=batch_id)]

    def coverage(self, batch_id: int) -> tuple[int, int]:
        """(lines with 已发送, valid lines) of the batch."""
        counts = repo.status_counts(self.db.conn, batch_id)
        return counts.get(SENT, 0), sum(counts.values())


def _why_no_mobile(on_file: str, digits: str) -> str:
    if not on_file.strip():
        return "档案中没有登记电话，请补录手机号码，或电话、当面告知"
    if digits.startswith("0") and digits.isdigit():
        return "登记的是座机，不能接收短信，请电话告知"
    return "登记的号码不是有效的手机号码，请核对后补录"

