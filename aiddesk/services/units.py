"""Units: the office's own unit and its sub-unit tree, edited by an administrator."""

from __future__ import annotations

from dataclasses import asdict

from ..core.codes import code_list
from ..core.errors import UserError
from ..db import Database
from ..db import units as repo
from ..db.audit import Actor, record


def _check(unit: repo.Unit) -> None:
    if not unit.code.strip():
        raise UserError("请填写单位代码", field="code")
    if not unit.name.strip():
        raise UserError("请填写单位名称", field="name")
    if unit.level not in code_list("unit_level"):
        raise UserError(f"请选择层级：{'、'.join(code_list('unit_level'))}", field="level")


def save_unit(db: Database, actor: Actor, unit: repo.Unit, *, new: bool) -> None:
    """Add or edit a unit; the first unit of an empty database becomes the office's own."""
    actor.require("管理员")
    unit.code, unit.name = unit.code.strip(), unit.name.strip()
    unit.parent_code = (unit.parent_code or "").strip() or None
    _check(unit)
    with db.transaction() as conn:
        old = repo.get_unit(conn, unit.code)
        if unit.parent_code and repo.get_unit(conn, unit.parent_code) is None:
            raise UserError(f"上级单位代码“{unit.parent_code}”不存在，请先添加上级单位", field="parent_code")
        if new:
            if old:
                raise UserError(f"单位代码“{unit.code}”已被“{old.name}”使用", field="code")
            if repo.own_unit(conn) is None:
                unit.is_own = True
            elif not unit.parent_code:
                raise UserError("请选择上级单位", field="parent_code")
            repo.insert_unit(conn, unit)
            record(conn, actor, table="units", key=unit.code, action="insert", new=asdict(unit))
            return
        if old is None:
            raise UserError("该单位已不存在")
        if not unit.parent_code and not old.is_own:
            raise UserError("请选择上级单位", field="parent_code")
        if unit.parent_code and unit.parent_code in repo.subtree_codes(conn, unit.code):
            raise UserError("不能把单位放到它自己的下级单位之下", field="parent_code")
        unit.is_own = old.is_own
        repo.update_unit(conn, unit)
        record(conn, actor, table="units", key=unit.code, action="update", old=asdict(old), new=asdict(unit))


def delete_unit(db: Database, actor: Actor, code: str) -> None:
    actor.require("管理员")
    with db.transaction() as conn:
        unit = repo.get_unit(conn, code)
        if unit is None:
            return
        if unit.is_own:
            raise UserError("本单位不能删除")
        if repo.unit_in_use(conn, code):
            raise UserError(f"“{unit.name}”下还有档案或下级单位，不能删除")
        repo.delete_unit(conn, code)
        record(conn, actor, table="units", key=code, action="delete", old=asdict(unit))
