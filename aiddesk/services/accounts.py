"""User accounts: the first administrator, login, adding users and changing passwords."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from ..core.codes import code_list
from ..core.errors import UserError
from ..core.rule_files import read_rules
from ..core.passwords import check_password_strength, hash_password, verify_password
from ..db import Database
from ..db import users as repo
from ..db.audit import Actor, record
from ..db.connection import DatabaseBusyError, ReadOnlyError
from ..db.settings import get_setting

# The numbers in resources/rules/security.json, each a whole number of at least 1.
RULE_KEYS = ("max_failed_logins", "lockout_minutes", "min_password_length", "idle_lock_minutes")


@cache  # read once per run
def security_rules() -> dict[str, int]:
    """Lockout, password length and idle-lock numbers from ``resources/rules/security.json``."""
    data = read_rules("security.json", "安全规则")
    bad = [k for k in RULE_KEYS if not isinstance(data.get(k), int) or data[k] < 1]
    if bad:
        raise UserError(f"规则文件 security.json 中的 {'、'.join(bad)} 应为大于 0 的整数，"
                        "请修正 resources/rules 中的该文件")
    return {k: data[k] for k in RULE_KEYS}


def idle_lock_minutes(db: Database) -> int:
    """Minutes without input before the window locks: the database's setting, else the rule file's default."""
    text = get_setting(db.conn, "idle_lock_minutes", "")
    return int(text) if text.strip().isdigit() and int(text) > 0 else security_rules()["idle_lock_minutes"]


def password_problem(password: str) -> str | None:
    """A Chinese reason a new password is refused, or None."""
    need = security_rules()["min_password_length"]
    if len(password) < need:
        return f"密码至少{need}位（现在是{len(password)}位），请设置更长的密码"
    return check_password_strength(password)


def needs_first_admin(db: Database) -> bool:
    """True on an empty database: the first start asks for an administrator account."""
    return repo.count_users(db.conn) == 0


def _check_new_user(username: str, display_name: str, password: str, roles: tuple[str, ...]) -> None:
    if not username.strip():
        raise UserError("请填写用户名", field="username")
    if not display_name.strip():
        raise UserError("请填写姓名", field="display_name")
    weak = password_problem(password)
    if weak:
        raise UserError(weak, field="password")
    _check_roles(roles)


def _check_roles(roles: tuple[str, ...]) -> None:
    unknown = [r for r in roles if r not in code_list("role")]
    if unknown or not roles:
        raise UserError(f"请至少选择一个角色：{'、'.join(code_list('role'))}", field="roles")


def add_user(db: Database, actor: Actor, *, username: str, display_name: str, password: str,
             roles: tuple[str, ...]) -> int:
    """Add an account; only an administrator may."""
    actor.require("管理员")
    _check_new_user(username, display_name, password, roles)
    with db.transaction() as conn:
        if repo.find_user(conn, username.strip()):
            raise UserError(f"用户名“{username}”已存在，请换一个", field="username")
        user_id = repo.insert_user(conn, username=username.strip(), display_name=display_name.strip(),
                                   password_hash=hash_password(password), roles=roles, created_at=db.clock.stamp())
        record(conn, actor, table="users", key=username.strip(), action="insert",
               new={"display_name": display_name.strip(), "roles": "、".join(roles)})
    return user_id


def create_first_admin(db: Database, *, username: str, display_name: str, password: str) -> repo.User:
    """The administrator account of a new database; refused once any account exists."""
    if not needs_first_admin(db):
        raise UserError("已有用户账号，不能再创建初始管理员")
    add_user(db, Actor(username.strip()), username=username, display_name=display_name, password=password,
             roles=("管理员", "经办人"))
    return repo.find_user(db.conn, username.strip())


def login(db: Database, username: str, password: str) -> repo.User:
    """The user, if the password is right; too many wrong ones in a row lock the account for a while.

    The count is kept in the users table; a session that cannot write there (the second PC, read-only, or a
    database another PC has just taken over) keeps it in this process instead (:class:`_Held`), with the same
    limit, lockout and messages.
    """
    now = db.clock.now()
    user = repo.find_user(db.conn, username.strip())
    # The same message whether the name or the password is wrong: no hint to a guesser.
    if user is None:
        raise UserError("用户名或密码不正确")
    if user.locked_until and now < datetime.fromisoformat(user.locked_until):
        raise _locked(datetime.fromisoformat(user.locked_until), now)
    held = _held(db, user)
    if held.locked_until and now < held.locked_until:
        raise _locked(held.locked_until, now)
    if not verify_password(password, user.password_hash):
        _count_failure(db, user, held, now)
        raise UserError("用户名或密码不正确")
    if not user.active:
        raise UserError("该账号已停用，请联系管理员")
    held.failures, held.locked_until = 0, None
    if user.failed_logins or user.locked_until:
        held.forgiven = (user.failed_logins, user.locked_until)  # until the file's count can be reset, ignore it
        if not db.read_only:
            try:
                with db.transaction() as conn:
                    repo.set_login_failures(conn, user.id, 0, None)
                held.forgiven = None
            except (ReadOnlyError, DatabaseBusyError):
                pass  # the password was right: the reset waits for a login that can write
    return user


def _locked(until: datetime, now: datetime) -> UserError:
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return UserError(f"密码连续输错次数过多，账号已锁定。请 {minutes} 分钟后（{until:%H:%M} 以后）再试，"
                     "或请管理员重设密码")


@dataclass
class _Held:
    """Wrong passwords this process has seen for one account and could not store in the file."""

    failures: int = 0                   # not yet in the file
    locked_until: datetime | None = None
    # The file's (failed_logins, locked_until) that a good login here could not reset (read-only): not counted.
    forgiven: tuple[int, str | None] | None = None


# Per process, by database file, user name and password hash: an administrator's new password starts afresh.
_HELD: dict[tuple[str, str, str], _Held] = {}
_HELD_LOCK = threading.Lock()


def _held(db: Database, user: repo.User) -> _Held:
    with _HELD_LOCK:
        return _HELD.setdefault((str(db.path), user.username, user.password_hash), _Held())


def _stored_failures(user: repo.User, held: _Held) -> int:
    """The wrong passwords the file holds for ``user`` that still count (a lockout that ran out starts afresh)."""
    if user.locked_until or held.forgiven == (user.failed_logins, user.locked_until):
        return 0
    return user.failed_logins


def _count_failure(db: Database, user: repo.User, held: _Held, now: datetime) -> None:
    """One more wrong password; the one that reaches the limit locks the account (and is logged if it can be)."""
    rules = security_rules()
    failures = _stored_failures(user, held) + held.failures + 1
    locking = failures >= rules["max_failed_logins"]
    until = now + timedelta(minutes=rules["lockout_minutes"])
    if not db.read_only:
        try:
            with db.transaction() as conn:
                if not locking:
                    repo.set_login_failures(conn, user.id, failures, None)
                else:
                    repo.set_login_failures(conn, user.id, 0, until.isoformat(timespec="seconds"))
                    record(conn, Actor(user.username), table="users", key=user.username, action="lock",
                           new={"locked_until": until.isoformat(timespec="seconds"), "failed_logins": failures})
            held.failures, held.forgiven = 0, None
            if locking:
                raise _locked(until, now)
            return
        except (ReadOnlyError, DatabaseBusyError):
            pass  # taken over or busy just now: count here, as a read-only session does
    # Read-only: the file cannot hold the count, this process does (and cannot write the lockout to the log).
    if not locking:
        held.failures += 1
        return
    held.failures, held.locked_until = 0, until
    held.forgiven = (user.failed_logins, user.locked_until)  # the file's count went into this lockout
    raise _locked(until, now)


def update_user(db: Database, actor: Actor, user_id: int, *, display_name: str, roles: tuple[str, ...],
                active: bool) -> None:
    actor.require("管理员")
    _check_roles(roles)
    with db.transaction() as conn:
        users = {u.id: u for u in repo.all_users(conn)}
        old = users[user_id]
        admins_left = [u for u in users.values() if u.active and "管理员" in u.roles and u.id != user_id]
        if not admins_left and ("管理员" not in roles or not active):
            raise UserError("至少要保留一个启用的管理员账号")
        repo.update_user(conn, user_id, display_name=display_name, roles=roles, active=active)
        record(conn, actor, table="users", key=old.username, action="update",
               old={"display_name": old.display_name, "roles": "、".join(old.roles), "active": old.active},
               new={"display_name": display_name, "roles": "、".join(roles), "active": active})


def change_password(db: Database, actor: Actor, user_id: int, new_password: str) -> None:
    """A user changes their own password; an administrator may reset anyone's."""
    weak = password_problem(new_password)
    if weak:
        raise UserError(weak, field="password")
    with db.transaction() as conn:
        user = next((u for u in repo.all_users(conn) if u.id == user_id), None)
        if user is None:
            raise UserError("该用户不存在，请刷新列表")
        if user.username != actor.username:
            actor.require("管理员")
        repo.set_password_hash(conn, user_id, hash_password(new_password))
        # The log says that it changed, never what to.
        record(conn, actor, table="users", key=user.username, action="update",
               old={"password": "******"}, new={"password": "（已修改）"})
