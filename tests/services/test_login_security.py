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


# --- A read-only session (the second PC, or one whose database another PC took over) -----------------------------

def _read_only(db):
    """The same file opened as the second PC does: SQLite itself refuses every write."""
    from aiddesk.db import open_database

    return open_database(db.path, read_only=True, read_only_reason="王主任（电脑 PC-01）正在使用", clock=db.clock)


def test_a_read_only_session_counts_wrong_passwords_and_locks_with_the_login_messages(db, admin):
    n, minutes = rules()["max_failed_logins"], rules()["lockout_minutes"]
    ro = _read_only(db)
    try:
        messages = fail(ro, n, T0)
        assert messages[:-1] == ["用户名或密码不正确"] * (n - 1)
        assert "账号已锁定" in messages[-1] and f"{minutes} 分钟后" in messages[-1] and "09:15" in messages[-1]
        assert not any("只读" in m for m in messages)
        # Locked: the right password too is refused, with the time left, never with a read-only error.
        with pytest.raises(UserError, match="请 5 分钟后") as info:
            login_at(T0 + timedelta(minutes=10), ro, "admin", PASSWORD)
        assert "只读" not in str(info.value)
        # Once the lockout has run out the right password opens the session, and the count starts afresh.
        assert login_at(T0 + timedelta(minutes=minutes, seconds=1), ro, "admin", PASSWORD).id == admin.id
        assert fail(ro, n - 1, T0 + timedelta(minutes=20)) == ["用户名或密码不正确"] * (n - 1)
        assert login_at(T0 + timedelta(minutes=20), ro, "admin", PASSWORD).id == admin.id
    finally:
        ro.close()
    # The file was not touched: the writable PC's count is its own.
    assert repo.find_user(db.conn, "admin").failed_logins == 0


def test_a_read_only_session_lets_the_right_password_in_after_a_wrong_one(db, admin):
    ro = _read_only(db)
    try:
        with pytest.raises(UserError, match="^用户名或密码不正确$"):
            login_at(T0, ro, "admin", "wrong-password")
        assert login_at(T0, ro, "admin", PASSWORD).id == admin.id
    finally:
        ro.close()


def test_a_read_only_session_logs_in_although_the_file_holds_failures_it_cannot_reset(db, admin):
    n = rules()["max_failed_logins"]
    fail(db, 2, T0)  # two wrong passwords on the writable PC
    ro = _read_only(db)
    try:
        # Those two count towards the read-only session's limit: n - 2 more lock it.
        messages = fail(ro, n - 2, T0)
        assert messages[:-1] == ["用户名或密码不正确"] * (n - 3) and "账号已锁定" in messages[-1]
        # After the lockout the right password opens the session though the file's count cannot be reset, …
        later = T0 + timedelta(minutes=rules()["lockout_minutes"], seconds=1)
        assert login_at(later, ro, "admin", PASSWORD).id == admin.id
        # … and the count starts afresh: the file's two no longer count here.
        assert fail(ro, n - 1, later) == ["用户名或密码不正确"] * (n - 1)
        assert login_at(later, ro, "admin", PASSWORD).id == admin.id
    finally:
        ro.close()
    assert repo.find_user(db.conn, "admin").failed_logins == 2  # the file untouched


def test_a_lockout_stored_by_the_writable_pc_holds_on_the_read_only_one(db, admin):
    fail(db, rules()["max_failed_logins"], T0)
    ro = _read_only(db)
    try:
        with pytest.raises(UserError, match="账号已锁定.*请 15 分钟后"):
            login_at(T0, ro, "admin", PASSWORD)
    finally:
        ro.close()


def test_a_session_switched_to_read_only_counts_in_memory_and_keeps_the_lockout_when_writable_again(db, admin):
    n = rules()["max_failed_logins"]
    db.set_read_only("张三（电脑 PC-办公室2）已接管")
    messages = fail(db, n, T0)
    assert "账号已锁定" in messages[-1] and not any("只读" in m or "接管" in m for m in messages)
    db.read_only = False  # the other PC has gone: writable again, but the lockout this process counted stands
    with pytest.raises(UserError, match="账号已锁定"):
        login_at(T0 + timedelta(minutes=1), db, "admin", PASSWORD)


def test_an_administrators_reset_lifts_a_read_only_sessions_lockout(db, admin, actor):
    ro = _read_only(db)
    try:
        fail(ro, rules()["max_failed_logins"], T0)
        accounts.change_password(db, actor, admin.id, "Xin-mima-2026")
        assert login_at(T0, ro, "admin", "Xin-mima-2026").id == admin.id
    finally:
        ro.close()
