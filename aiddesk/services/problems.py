"""Problems found in verification: listing them and resolving each with a written reason."""

from __future__ import annotations

from datetime import date

from ..core.errors import UserError, ValidationError
from ..db import Database
from ..db import problems as repo
from ..db.audit import Actor, record

# Who follows a problem up and closes it.
STAFF = ("经办人", "审核人", "管理员")


class ProblemService:
    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    def problems(self, *, open_only: bool = False, batch_id: int | None = None,
                 year: int | None = None) -> list[repo.Problem]:
        return repo.list_problems(self.db.conn, open_only=open_only, batch_id=batch_id, year=year)

    def get(self, problem_id: int) -> repo.Problem:
        p = repo.get_problem(self.db.conn, problem_id)
        if p is None:
            raise UserError("找不到该问题记录，请刷新")
        return p

    def resolve(self, problem_id: int, resolution: str, *, on: date | None = None) -> None:
        """Close a problem with what was done about it (补发、更正、核实无误 …)."""
        self.actor.require(*STAFF)
        resolution = (resolution or "").strip()
        if len(resolution) < 4:
            raise ValidationError({"resolution": "请写明处理结果，例如“已核实：系银行卡换卡，已于12月5日补发到新卡”"})
        on = on or self.db.clock.today()
        if on > self.db.clock.today():
            raise ValidationError({"resolved_on": "处理日期不能晚于今天"})
        with self.db.transaction() as conn:
            p = self.get(problem_id)
            if not p.is_open:
                raise UserError(f"该问题已于{p.resolved_on.isoformat()}由{p.resolved_by}处理完毕")
            if on < p.opened_on:
                raise ValidationError({"resolved_on": f"处理日期不能早于发现日期 {p.opened_on.isoformat()}"})
            repo.resolve_problem(conn, problem_id, resolved_on=on, resolved_by=self.actor.username,
                                 resolution=resolution)
            record(conn, self.actor, table="problems", key=str(problem_id), action="update",
                   old={"resolution": ""}, new={"resolution": resolution, "resolved_on": on.isoformat()},
                   household_id=p.household_id, effective=on)
