"""The year's performance self-evaluation (绩效自评): templates, manual scores, 不适用 rows, evidence files, totals.

Templates come from two places: the bundled ones in ``resources/evaluation/*.json`` (read-only) and the
office's copies kept in the database, which it edits. Names are unique across both. A year's manual
scores, 不适用 marks and evidence files are kept per template and row (``Row.key``); automatic rows are
scored from the records (:mod:`aiddesk.services.evaluation_figures`) each time the table is evaluated.
Every change is one audited transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from ..core.errors import UserError, ValidationError
from ..core.evaluation import (EvaluationResult, Figure, ManualScore, Row, Template, check_manual_score,
                               check_template, evaluate, load_template_file, template_from_data,
                               template_to_data)
from ..db import Database
from ..db import evaluation as repo
from ..db.audit import Actor, record
from ..db.settings import get_setting, set_setting
from ..paths import resource
from .evaluation_figures import evaluation_figures
from .stored_files import store_file, stored_path

# Who enters scores, 不适用 marks and evidence; who copies, edits and deletes templates.
SCORERS = ("经办人", "审核人", "管理员")
EDITORS = ("管理员", "经办人")
# The settings key of the office's chosen template, and the bundled one used until it chooses.
TEMPLATE_SETTING = "evaluation_template"
DEFAULT_TEMPLATE_FILE = "hainan_2015"
EVIDENCE_FOLDER = "绩效自评"


@dataclass(frozen=True)
class TemplateInfo:
    """A template and where it comes from."""

    template: Template
    bundled: bool                   # shipped in resources/evaluation (read-only)
    file_stem: str = ""             # bundled: its file name without .json (e.g. hainan_2015)
    based_on: str = ""              # a copy: the template it was copied from
    updated_by: str = ""
    updated_at: str = ""

    @property
    def name(self) -> str:
        return self.template.name


@cache
def _bundled_in(folder: Path) -> tuple[tuple[str, Template], ...]:
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            out.append((path.stem, load_template_file(path)))
        except (OSError, ValueError, UserError):
            raise UserError(f"评价模板文件 resources/evaluation/{path.name} 有误，请改正后重启程序") from None
    return tuple(out)


def bundled_templates() -> list[tuple[str, Template]]:
    """(file stem, template) of every template shipped with the program, in file-name order."""
    folder = resource("evaluation")
    return list(_bundled_in(folder)) if folder.is_dir() else []


class EvaluationService:
    """One office's self-evaluation; each change is one audited transaction."""

    def __init__(self, db: Database, actor: Actor):
        self.db = db
        self.actor = actor

    # ---- templates -------------------------------------------------------------------------

    def template_infos(self) -> list[TemplateInfo]:
        """The bundled templates (file-name order), then the office's copies (name order)."""
        out = [TemplateInfo(t, True, file_stem=stem) for stem, t in bundled_templates()]
        names = {i.name for i in out}
        for s in repo.list_templates(self.db.conn):
            if s.name in names:
                continue  # cannot happen through this service: a copy never takes a bundled name
            out.append(TemplateInfo(template_from_data(s.data), False, based_on=s.based_on,
                                    updated_by=s.updated_by, updated_at=s.updated_at))
        return out

    def templates(self) -> list[Template]:
        return [i.template for i in self.template_infos()]

    def template_info(self, name: str) -> TemplateInfo:
        name = (name or "").strip()
        infos = self.template_infos()
        for i in infos:
            if i.name == name:
                return i
        for i in infos:  # a bundled template may also be named by its file (hainan_2015)
            if i.bundled and i.file_stem == name:
                return i
        raise UserError(f"找不到评价模板“{name}”")

    def template(self, name: str) -> Template:
        return self.template_info(name).template

    def is_bundled(self, name: str) -> bool:
        return self.template_info(name).bundled

    def may_edit_templates(self) -> bool:
        return self.actor.may(*EDITORS)

    def may_score(self) -> bool:
        return self.actor.may(*SCORERS)

    def default_template_name(self) -> str:
        """The office's chosen template; until it chooses, the bundled 海南 2015 table, else the first."""
        infos = self.template_infos()
        if not infos:
            raise UserError("没有可用的评价模板：resources/evaluation 中缺少模板文件")
        chosen = get_setting(self.db.conn, TEMPLATE_SETTING)
        for i in infos:
            if chosen and i.name == chosen:
                return i.name
        return next((i.name for i in infos if i.bundled and i.file_stem == DEFAULT_TEMPLATE_FILE), infos[0].name)

    def set_default_template(self, name: str) -> None:
        """The template the office scores its years with (the page and the command line start with it)."""
        self.actor.require(*EDITORS)
        name = self.template(name).name
        with self.db.transaction() as conn:
            old = get_setting(conn, TEMPLATE_SETTING)
            set_setting(conn, TEMPLATE_SETTING, name)
            record(conn, self.actor, table="settings", key=TEMPLATE_SETTING, action="update",
                   old={"value": old}, new={"value": name})

    def copy_template(self, name: str, new_name: str) -> Template:
        """A copy of ``name`` under ``new_name``, kept in the database for the office to edit."""
        self.actor.require(*EDITORS)
        source = self.template(name)
        new_name = (new_name or "").strip()
        if not new_name:
            raise ValidationError({"name": "请填写新模板的名称"})
        self._check_free(new_name)
        copy = replace(source, name=new_name)
        with self.db.transaction() as conn:
            repo.put_template(conn, new_name, template_to_data(copy), based_on=source.name,
                              user=self.actor.username, now=self.db.clock.stamp())
            record(conn, self.actor, table="evaluation_templates", key=new_name, action="insert",
                   new={"based_on": source.name, "rows": len(copy.rows)})
        return copy

    def save_template(self, template: Template, *, replaces: str | None = None) -> None:
        """Save a copy (new or edited); refused with the problems unless every weight adds up.

        ``replaces``: the copy's name before this edit, when the edit renames it (its years' scores move along).
        """
        self.actor.require(*EDITORS)
        template = replace(template, name=template.name.strip())
        check_template(template)
        old_name = (replaces or template.name).strip()
        if self._bundled_name(old_name) or self._bundled_name(template.name):
            raise UserError(f"“{template.name}”是程序自带的模板，不能修改；请先复制一份再编辑")
        conn = self.db.conn
        old = repo.get_template(conn, old_name)
        if replaces and old is None:
            raise UserError(f"找不到评价模板“{old_name}”，可能已被删除，请刷新")
        if template.name != old_name or old is None:
            self._check_free(template.name)
        data = template_to_data(template)
        with self.db.transaction() as conn:
            if old is not None and template.name != old_name:
                repo.delete_template(conn, old_name)
                for table in ("evaluation_scores", "evaluation_attachments"):
                    conn.execute(f"UPDATE {table} SET template = ? WHERE template = ?", (template.name, old_name))
                if get_setting(conn, TEMPLATE_SETTING) == old_name:
                    set_setting(conn, TEMPLATE_SETTING, template.name)
            repo.put_template(conn, template.name, data, based_on=old.based_on if old else "",
                              user=self.actor.username, now=self.db.clock.stamp())
            record(conn, self.actor, table="evaluation_templates", key=template.name,
                   action="insert" if old is None else "update",
                   old=None if old is None else {"name": old_name, "data": old.data},
                   new={"name": template.name, "data": data})

    def delete_template(self, name: str) -> None:
        """Delete a copy nobody has scored with (bundled templates stay)."""
        self.actor.require(*EDITORS)
        if self._bundled_name(name):
            raise UserError(f"“{name}”是程序自带的模板，不能删除")
        with self.db.transaction() as conn:
            old = repo.get_template(conn, name)
            if old is None:
                raise UserError(f"找不到评价模板“{name}”")
            years = repo.template_in_use(conn, name)
            if years:
                raise UserError(f"模板“{name}”已用于{'、'.join(f'{y}年' for y in years)}的自评"
                                "（已有得分、不适用标记或证明材料），不能删除")
            repo.delete_template(conn, name)
            if get_setting(conn, TEMPLATE_SETTING) == name:
                set_setting(conn, TEMPLATE_SETTING, "")
            record(conn, self.actor, table="evaluation_templates", key=name, action="delete",
                   old={"based_on": old.based_on, "data": old.data})

    def _bundled_name(self, name: str) -> bool:
        return any(t.name == name for _, t in bundled_templates())

    def _check_free(self, name: str) -> None:
        if self._bundled_name(name) or repo.get_template(self.db.conn, name) is not None:
            raise ValidationError({"name": f"已有名为“{name}”的模板，请换一个名称"})

    # ---- a year's entries ----------------------------------------------------------------------

    def scores(self, year: int, template: str) -> dict[str, repo.ScoreEntry]:
        """row key → the year's manual score / 不适用 entry under ``template``."""
        return repo.scores(self.db.conn, year, self.template(template).name)

    def set_score(self, year: int, template: str, row_key: str, score: Decimal | str | None,
                  evidence: str = "") -> None:
        """A manual score with its evidence note (None clears it). On an automatic row it counts only
        while the records give no figure."""
        self.actor.require(*SCORERS)
        t, row = self._row(template, row_key)
        value = _decimal(score)
        if value is not None:
            check_manual_score(row, value)
        evidence = (evidence or "").strip()
        with self.db.transaction() as conn:
            old = repo.get_score(conn, year, t.name, row.key)
            if old is not None and old.not_applicable:
                raise UserError(f"“{row.key}”已标记为不适用；如需评分，请先取消不适用")
            repo.put_score(conn, year, t.name, row.key, score=value, evidence=evidence if value is not None else "",
                           not_applicable=False, user=self.actor.username, now=self.db.clock.stamp())
            record(conn, self.actor, table="evaluation_scores", key=f"{year}/{t.name}/{row.key}",
                   action="update" if old is not None else "insert", old=_entry_audit(old),
                   new={"score": None if value is None else f"{value:f}",
                        "evidence": evidence if value is not None else ""})

    def set_not_applicable(self, year: int, template: str, row_key: str, flag: bool, reason: str = "") -> None:
        """Mark a row 不适用 (with the reason: its weight drops out and the total is rescaled to 100), or unmark it.

        Marking it drops a manual score entered before; unmarking leaves the row to be scored again.
        """
        self.actor.require(*SCORERS)
        t, row = self._row(template, row_key)
        reason = (reason or "").strip()
        if flag and len(reason) < 2:
            raise ValidationError({"reason": "请写明不适用的理由，例如“本年度未开展金秋助学活动”"})
        with self.db.transaction() as conn:
            old = repo.get_score(conn, year, t.name, row.key)
            if flag:
                repo.put_score(conn, year, t.name, row.key, score=None, evidence=reason, not_applicable=True,
                               user=self.actor.username, now=self.db.clock.stamp())
                new = {"not_applicable": True, "reason": reason}
            else:
                if old is None or not old.not_applicable:
                    return
                repo.put_score(conn, year, t.name, row.key, score=None, evidence="", not_applicable=False,
                               user=self.actor.username, now=self.db.clock.stamp())
                new = {"not_applicable": False}
            record(conn, self.actor, table="evaluation_scores", key=f"{year}/{t.name}/{row.key}",
                   action="update" if old is not None else "insert", old=_entry_audit(old), new=new)

    # ---- evidence files ------------------------------------------------------------------------------

    def attachments(self, year: int, template: str, row_key: str | None = None) -> list[repo.EvidenceFile]:
        return repo.attachments(self.db.conn, year, self.template(template).name, row_key)

    def attachment_path(self, att: repo.EvidenceFile) -> Path:
        """Where the file is; a UserError for a stored name that would lead outside the attachments folder."""
        return stored_path(self.db.attachment_dir, att.stored_name)

    def attach_evidence(self, year: int, template: str, row_key: str, path: str | Path) -> int:
        """Copy a file into the attachments folder as evidence for the row's score; its id."""
        self.actor.require(*SCORERS)
        t, row = self._row(template, row_key)
        created: list[Path] = []
        try:
            with self.db.transaction() as conn:
                f = store_file(self.db.attachment_dir, f"{EVIDENCE_FOLDER}/{year}", path, created)
                att_id = repo.insert_attachment(conn, year=year, template=t.name, row_key=row.key,
                                                original_name=f.original_name, stored_name=f.stored_name,
                                                sha256=f.sha256, size=f.size, added_at=self.db.clock.stamp(),
                                                added_by=self.actor.username)
                record(conn, self.actor, table="evaluation_attachments", key=f"{year}/{t.name}/{row.key}/{att_id}",
                       action="insert", new={"file": f.original_name, "sha256": f.sha256, "size": f.size})
        except BaseException:
            for p in created:  # the row rolled back; the copied file goes too
                p.unlink(missing_ok=True)
            raise
        return att_id

    def remove_attachment(self, attachment_id: int) -> None:
        """Take an evidence file off its row (the file stays while another row still uses it)."""
        self.actor.require(*SCORERS)
        with self.db.transaction() as conn:
            att = repo.get_attachment(conn, attachment_id)
            if att is None:
                raise UserError("找不到该证明材料，请刷新")
            repo.delete_attachment(conn, attachment_id)
            record(conn, self.actor, table="evaluation_attachments",
                   key=f"{att.year}/{att.template}/{att.row_key}/{att.id}", action="delete",
                   old={"file": att.original_name, "sha256": att.sha256})
            unused = not repo.stored_name_in_use(conn, att.stored_name)
        if unused:
            try:
                path = stored_path(self.db.attachment_dir, att.stored_name)
            except UserError:
                return  # a stored name leading outside the attachments folder: never delete there
            path.unlink(missing_ok=True)

    # ---- scoring -----------------------------------------------------------------------------------------

    def figures(self, year: int) -> dict[str, Figure]:
        """The automatic indicators of ``year`` (compute once, pass to :meth:`evaluate` while editing)."""
        return evaluation_figures(self.db, year)

    def evaluate(self, year: int, template: str | None = None, *, figures: dict[str, Figure] | None = None) -> EvaluationResult:
        """The table of ``year`` under ``template`` (default: the office's): every row's score and its basis."""
        t = self.template(template or self.default_template_name())
        if figures is None:
            figures = self.figures(year)
        entries = repo.scores(self.db.conn, year, t.name)
        files: dict[str, list[str]] = {}
        for att in repo.attachments(self.db.conn, year, t.name):
            files.setdefault(att.row_key, []).append(att.original_name)
        manual = {}
        for key, e in entries.items():
            if e.score is not None and not e.not_applicable:
                evidence = e.evidence or "（未填写依据）"
                if key in files:
                    evidence += f"；证明材料：{'、'.join(files[key])}"
                manual[key] = ManualScore(e.score, evidence)
        not_applicable = {k for k, e in entries.items() if e.not_applicable}
        result = evaluate(t, year, figures=figures, manual=manual, not_applicable=not_applicable)
        items = tuple(replace(i, basis=f"不适用（{entries[i.row.key].evidence}）：不计分，总分按其余分值折算为100分")
                      if not i.applicable and entries[i.row.key].evidence else i for i in result.items)
        return replace(result, items=items)

    # ---- helpers ------------------------------------------------------------------------------------------

    def _row(self, template: str, row_key: str) -> tuple[Template, Row]:
        t = self.template(template)
        row = next((r for r in t.rows if r.key == row_key), None)
        if row is None:
            raise UserError(f"模板“{t.name}”中没有指标“{row_key}”，请刷新")
        return t, row


def _decimal(value: Decimal | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({"score": f"得分“{value}”不是数字"}) from None
    if not d.is_finite():
        raise ValidationError({"score": f"得分“{value}”不是数字"})
    return d


def _entry_audit(e: repo.ScoreEntry | None) -> dict | None:
    if e is None:
        return None
    return {"score": None if e.score is None else f"{e.score:f}", "evidence": e.evidence,
            "not_applicable": e.not_applicable}




def result_to_json(result: EvaluationResult) -> dict:
    """The table as the command line prints it: weights, scores and the total as decimal strings."""
    return {
        "year": result.year,
        "template": result.template,
        "total": _dec(result.total),
        "grade": result.grade,
        "items": [{"path": list(i.row.path), "weight": _dec(i.row.weight),
                   "score": None if i.score is None else _dec(i.score),
                   "rule": i.row.rule.kind, "basis": i.basis} for i in result.items],
    }


def _dec(value: Decimal) -> str:
    """Two places, rounded half up (scores are kept exact; the total is rounded once, from the exact sum)."""
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"

