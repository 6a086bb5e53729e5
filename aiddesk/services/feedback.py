"""满意度: record answered 意见反馈表, the satisfaction rate per year and per batch, print the forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..core.codes import code_list
from ..core.errors import UserError, ValidationError
from ..core.money import from_fen
from ..core.verification_rules import load_verification_rules
from ..db import Database
from ..db import batches as batch_repo
from ..db import feedback as repo
from ..db import households as household_repo
from ..db.audit import Actor, record
from ..db.units import get_unit, own_unit

# Who hands out and records the forms.
STAFF = ("经办人", "审核人", "管理员")
RATE_PLACES = Decimal("0.0001")   # a rate is kept to 0.01 %
MAX_COPIES = 500

Feedback = repo.Feedback


@dataclass(frozen=True)
class PaidBatch:
    id: int
    code: str
    name: str
    activity: str
    paid_on: date | None


@dataclass(frozen=True)
class Recipient:
    """A household that received aid in a batch: who may answer about it."""

    household_id: int
    name: str
    archive_no: str
    unit_name: str


def percent(rate: Decimal | None) -> str:
    """0.9667 → ``96.7%`` (as the year figures show rates); None (nobody answered) → ``—``."""
    if rate is None:
        return "—"
    return f"{(rate * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


class FeedbackService:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    @property
    def may_record(self) -> bool:
        """Whether this user may write here (else the view shows its lists with the write buttons greyed out)."""
        return self.actor.may(*STAFF)

    # ---- recording -----------------------------------------------------------------------

    def record(self, household_id: int, *, answered_on: date, answer: str, comment: str = "",
               batch_id: int | None = None) -> int:
        """Record one answered form (about ``batch_id``'s aid, or the work in general); returns its id."""
        self.actor.require(*STAFF)
        today = self.db.clock.today()
        comment = (comment or "").strip()
        problems = {}
        if answered_on is None:
            problems["answered_on"] = "请填写反馈日期"
        elif answered_on > today:
            problems["answered_on"] = "反馈日期不能晚于今天"
        answers = code_list("satisfaction")
        if answer not in answers:
            problems["answer"] = f"请选择满意程度：{'、'.join(answers)}"
        if problems:
            raise ValidationError(problems)
        conn = self.db.conn
        with self.db.transaction():
            h = household_repo.get_household(conn, household_id)
            if h is None:
                raise UserError("找不到该档案，可能已被删除，请刷新")
            if batch_id is not None:
                self._check_batch_answer(conn, h, batch_id, answered_on)
            earlier = repo.earlier_answer(conn, household_id, batch_id=batch_id, answered_on=answered_on)
            if earlier is not None:
                about = f"对“{earlier.batch_name}”" if batch_id is not None else f"{answered_on.isoformat()}"
                raise UserError(f"{h.name}（{h.archive_no}）{about}的反馈已经登记过（{earlier.answer}，"
                                f"{earlier.answered_on.isoformat()}），同一份反馈表不要重复登记")
            feedback_id = repo.insert_feedback(conn, household_id=household_id, batch_id=batch_id,
                                               answered_on=answered_on, answer=answer, comment=comment,
                                               recorded_by=self.actor.username, recorded_at=self.db.clock.stamp())
            record(conn, self.actor, table="feedback", key=f"{h.archive_no}/{feedback_id}", action="insert",
                   new={"answered_on": answered_on.isoformat(), "answer": answer, "comment": comment,
                        "batch_id": batch_id}, household_id=household_id, effective=answered_on)
        return feedback_id

    @staticmethod
    def _check_batch_answer(conn, h, batch_id: int, answered_on: date) -> None:
        """An answer about a batch comes from a household paid in it, after the payment."""
        b = batch_repo.get_batch(conn, batch_id)
        if b is None:
            raise UserError("找不到该帮扶批次，请刷新", field="batch_id")
        if b.status == "已作废":
            raise UserError(f"批次“{b.name}”已作废，不能登记对它的反馈", field="batch_id")
        lines = repo.household_lines(conn, batch_id, h.id)
        if not lines:
            raise UserError(f"{h.name}（{h.archive_no}）在批次“{b.name}”中没有有效的帮扶明细，"
                            "请核对档案编号或所选批次", field="batch_id")
        paid = [date.fromisoformat(r["paid_on"]) for r in lines if r["paid_on"]]
        if not paid:
            raise UserError(f"{h.name}在批次“{b.name}”中的帮扶资金尚未登记发放，发放后再登记反馈", field="batch_id")
        if answered_on < min(paid):
            raise UserError(f"反馈日期早于发放日期 {min(paid).isoformat()}，请核对", field="answered_on")

    # ---- reading -------------------------------------------------------------------------

    def rate(self, year: int | None = None, batch_id: int | None = None) -> tuple[int, int, Decimal | None]:
        """(satisfied, answered, satisfied ÷ answered or None if nobody answered); satisfied per the rules."""
        satisfied, answered = repo.count_answers(self.db.conn, satisfied=load_verification_rules().satisfied_answers,
                                                 year=year, batch_id=batch_id)
        if not answered:
            return satisfied, answered, None
        return satisfied, answered, (Decimal(satisfied) / Decimal(answered)).quantize(RATE_PLACES, ROUND_HALF_UP)

    def answers(self, year: int | None = None, batch_id: int | None = None) -> list[Feedback]:
        return repo.list_feedback(self.db.conn, year=year, batch_id=batch_id)

    def batches(self, year: int) -> list[PaidBatch]:
        """The year's batches with aid paid out: the ones people can answer about."""
        return [PaidBatch(r["id"], r["code"], r["name"], r["activity"],
                          date.fromisoformat(r["paid_on"]) if r["paid_on"] else None)
                for r in repo.paid_batches(self.db.conn, year)]

    def recipients(self, batch_id: int) -> list[Recipient]:
        """Households with a paid valid line in the batch, once each, in list order."""
        seen: dict[int, Recipient] = {}
        for r in repo.household_lines(self.db.conn, batch_id):
            if r["paid_on"] and r["household_id"] not in seen:
                seen[r["household_id"]] = Recipient(r["household_id"], r["name"], r["archive_no"], r["unit_name"])
        return list(seen.values())

    def find_household(self, key: str) -> Recipient:
        """A household by 档案编号 or 身份证号."""
        from ..core.text import normalise

        key = normalise(key or "").strip().upper()
        if not key:
            raise UserError("请填写档案编号或身份证号", field="household")
        household_id = household_repo.find_household_id(self.db.conn, key)
        h = household_repo.get_household(self.db.conn, household_id) if household_id is not None else None
        if h is None:
            raise UserError(f"找不到档案编号或身份证号为“{key}”的档案", field="household")
        unit = get_unit(self.db.conn, h.unit_code)
        return Recipient(h.id, h.name, h.archive_no, unit.name if unit else h.unit_code)


# ---- printing -------------------------------------------------------------------------------

def print_feedback_forms(db: Database, household_ids: list[int] | None, out: Path, *, batch_id: int | None = None,
                         copies: int = 1, progress: Callable[[int], bool] | None = None) -> int:
    """Write 意见反馈表 into one PDF: blank (``household_ids`` None) or one per household, ``copies`` each.

    With ``batch_id`` the forms name the batch; a household's form also says what it received
    (amount, date, how). Returns the number of forms written.
    """
    from ..reports.feedback_form import FeedbackFormItem, write_feedback_forms

    if not 1 <= copies <= MAX_COPIES:
        raise UserError(f"份数应在 1 到 {MAX_COPIES} 之间", field="copies")
    conn = db.conn
    office = own_unit(conn)
    batch = None
    if batch_id is not None:
        batch = batch_repo.get_batch(conn, batch_id)
        if batch is None:
            raise UserError("找不到该帮扶批次，请刷新")
    aid = batch.name if batch else ""
    unit_names: dict[str, str] = {}

    def unit_name(code: str) -> str:
        if code not in unit_names:
            unit = get_unit(conn, code)
            unit_names[code] = unit.name if unit else code
        return unit_names[code]

    def items():
        if household_ids is None:
            for _ in range(copies):
                yield FeedbackFormItem(aid=aid)
            return
        for household_id in household_ids:
            h = household_repo.get_household(conn, household_id)
            if h is None:
                continue
            amount = paid_on = method = None
            if batch is not None:
                lines = repo.household_lines(conn, batch.id, household_id)
                if not lines:
                    raise UserError(f"{h.name}（{h.archive_no}）在批次“{batch.name}”中没有有效的帮扶明细，"
                                    "不能打印预填该批次的反馈表")
                # One aid split over two fund sources is two lines: the household received their sum.
                amount = from_fen(sum(r["amount_fen"] for r in lines))
                dates = sorted({r["paid_on"] for r in lines if r["paid_on"]})
                paid_on = date.fromisoformat(dates[-1]) if dates else None
                method = "、".join(dict.fromkeys(r["payment_method"] for r in lines))
            item = FeedbackFormItem(name=h.name, archive_no=h.archive_no, unit_name=unit_name(h.unit_code),
                                    phone=h.phone, address=h.address, aid=aid, amount=amount, paid_on=paid_on,
                                    payment_method=method or "")
            for _ in range(copies):
                yield item

    return write_feedback_forms(out, items(), office_name=office.name if office else "",
                                year=batch.year if batch else db.clock.today().year,
                                printed_on=db.clock.today(), progress=progress)
