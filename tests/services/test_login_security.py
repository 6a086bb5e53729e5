"""Login lockout after repeated wrong passwords, the minimum password length and the idle-lock setting."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from aiddesk.core.errors import UserError
from aiddesk.db import users as repo
from aiddesk.db.settings import set_setting
from aiddesk.services import accounts

PASSWORD = "Mima-口令-2026"
T0 = datetime(2026, 3, 2, 9, 0, 0)


@pytest.fixture
def admin(db):
    return accounts.create_first_admin(db, username="admin", display_name="王主任", password=PASSWORD)


def login_at(at: datetime, db, username: str, password: str):
    """Log in with the database's clock showing ``at``."""
    db.clock.set(at)
    return accounts.login(db, username, password)


def rules():
    return accounts.security_rules()


def fail(db, times: int, at: datetime) -> list[str]:
    messages = []
    for _ in range(times):
        with pytest.raises(UserError) as info:
            login_at(at, db, "admin", "wrong-password")
        messages.append(str(info.value))
    return messages


def test_the_rule_file_holds_the_numbers():
    assert rules() == {"max_failed_logins": 5, "lockout_minutes": 15, "min_password_length": 8,
                       "idle_lock_minutes": 15}


def test_too_many_wrong_passwords_lock_the_account_even_for_the_right_one(db, admin):
    n, minutes = rules()["max_failed_logins"], rules()["lockout_minutes"]
    messages = fail(db, n, T0)
    assert messages[:-1] == ["用户名或密码不正确"] * (n - 1)
    assert "账号已锁定" in messages[-1] and f"{minutes} 分钟后" in messages[-1] and "09:15" in messages[-1]
    stored = repo.find_user(db.conn, "admin")
    assert stored.locked_until == (T0 + timedelta(minutes=minutes)).isoformat()
    # Ten minutes later the right password is still refused, with the time left.
    with pytest.raises(UserError, match="请 5 分钟后"):
        login_at(T0 + timedelta(minutes=10), db, "admin", PASSWORD)
    # After the lockout the right password works and the count starts afresh.
    assert login_at(T0 + timedelta(minutes=minutes, seconds=1), db, "admin", PASSWORD).id == admin.id
    stored = repo.find_user(db.conn, "admin")
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    logged = db.conn.execute("SELECT action, new_values FROM audit_log WHERE action = 'lock'").fetchall()
    assert len(logged) == 1 and "locked_until" in logged[0][1]


def test_a_good_login_resets_the_count(db, admin):
    n = rules()["max_failed_logins"]
    fail(db, n - 1, T0)
    assert repo.find_user(db.conn, "admin").failed_logins == n - 1
    login_at(T0, db, "admin", PASSWORD)
    assert repo.find_user(db.conn, "admin").failed_logins == 0
    assert fail(db, n - 1, T0) == ["用户名或密码不正确"] * (n - 1)  # not locked: the count began again


def test_an_unknown_user_locks_nothing(db, admin):
    for _ in range(rules()["max_failed_logins"] + 1):
        with pytest.raises(UserError, match="用户名或密码不正确"):
            login_at(T0, db, "nobody", "x")
    assert login_at(T0, db, "admin", PASSWORD).id == admin.id


def test_an_administrators_reset_lifts_the_lockout(db, admin, actor):
    accounts.add_user(db, actor, username="clerk", display_name="李经办", password="clerk-pass", roles=("经办人",))
    for _ in range(rules()["max_failed_logins"]):
        with pytest.raises(UserError):
            login_at(T0, db, "clerk", "bad")
    with pytest.raises(UserError, match="已锁定"):
        login_at(T0, db, "clerk", "clerk-pass")
    accounts.change_password(db, actor, repo.find_user(db.conn, "clerk").id, "new-clerk-pass")
    assert login_at(T0, db, "clerk", "new-clerk-pass").username == "clerk"


def test_a_short_password_is_refused_saying_how_long_it_must_be(db, admin, actor):
    need = rules()["min_password_length"]
    short = "a1" * need
    short = short[:need - 1]
    with pytest.raises(UserError, match=f"密码至少{need}位（现在是{need - 1}位）"):
        accounts.add_user(db, actor, username="clerk", display_name="李经办", password=short, roles=("经办人",))
    with pytest.raises(UserError, match=f"至少{need}位"):
        accounts.change_password(db, actor, admin.id, short)
    assert accounts.login(db, "admin", PASSWORD).id == admin.id  # unchanged
    accounts.add_user(db, actor, username="clerk", display_name="李经办", password=short + "z", roles=("经办人",))
    assert accounts.login(db, "clerk", short + "z").username == "clerk"


def test_idle_lock_minutes_come_from_the_setting_else_the_rule_file(db):
    assert accounts.idle_lock_minutes(db) == rules()["idle_lock_minutes"]
    with db.transaction() as conn:
        set_setting(conn, "idle_lock_minutes", "3")
    assert accounts.idle_lock_minutes(db) == 3
