"""User accounts: the first administrator, login, hashed passwords, roles and the last administrator."""

from __future__ import annotations

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.passwords import verify_password
from aiddesk.db import users as repo
from aiddesk.services import accounts

PASSWORD = "Mima-口令-2026"


@pytest.fixture
def admin(db):
    return accounts.create_first_admin(db, username="admin", display_name="王主任", password=PASSWORD)


def all_bytes(db) -> bytes:
    """Everything of the database on disk: the file and its write-ahead log."""
    data = db.path.read_bytes()
    wal = db.path.with_name(db.path.name + "-wal")
    if wal.exists():
        data += wal.read_bytes()
    return data


def test_first_admin_flow(db, actor):
    assert accounts.needs_first_admin(db)
    user = accounts.create_first_admin(db, username="  admin ", display_name="王主任", password=PASSWORD)
    assert (user.username, user.display_name, user.active) == ("admin", "王主任", True)
    assert user.has_role("管理员") and user.has_role("经办人")
    assert not accounts.needs_first_admin(db)
    with pytest.raises(UserError, match="已有用户账号"):
        accounts.create_first_admin(db, username="second", display_name="李四", password=PASSWORD)
    assert [u.username for u in repo.all_users(db.conn)] == ["admin"]
    entry = db.conn.execute("SELECT user, table_name, row_key, action FROM audit_log"
                            " WHERE table_name = 'users'").fetchone()
    assert tuple(entry) == ("admin", "users", "admin", "insert")


def test_login_ok(db, admin):
    user = accounts.login(db, "admin", PASSWORD)
    assert user.id == admin.id and user.has_role("管理员")
    assert accounts.login(db, " admin ", PASSWORD).id == admin.id


def test_bad_password_and_unknown_user_give_the_same_message(db, admin):
    with pytest.raises(UserError) as bad_password:
        accounts.login(db, "admin", PASSWORD + "x")
    with pytest.raises(UserError) as unknown:
        accounts.login(db, "nobody", PASSWORD)
    with pytest.raises(UserError) as empty:
        accounts.login(db, "admin", "")
    assert str(bad_password.value) == str(unknown.value) == str(empty.value) == "用户名或密码不正确"
    assert bad_password.value.field == unknown.value.field


def test_inactive_user_cannot_log_in(db, actor, admin):
    uid = accounts.add_user(db, actor, username="clerk", display_name="李经办", password="clerk-pass",
                            roles=("经办人",))
    accounts.update_user(db, actor, uid, display_name="李经办", roles=("经办人",), active=False)
    with pytest.raises(UserError, match="停用"):
        accounts.login(db, "clerk", "clerk-pass")
    with pytest.raises(UserError, match="用户名或密码不正确"):
        accounts.login(db, "clerk", "wrong-pass")  # a wrong password does not reveal the account exists


def test_password_is_stored_hashed_only(db, actor, admin):
    accounts.add_user(db, actor, username="clerk", display_name="李经办", password="clerk-Secret-9", roles=("经办人",))
    accounts.change_password(db, actor, admin.id, "新的-Passw0rd")
    stored = {u.username: u.password_hash for u in repo.all_users(db.conn)}
    assert all(h.startswith("scrypt$") for h in stored.values())
    assert verify_password("新的-Passw0rd", stored["admin"])
    assert not verify_password(PASSWORD, stored["admin"])
    data = all_bytes(db)
    assert stored["admin"].encode() in data  # we are looking at the right bytes
    for plain in (PASSWORD, "clerk-Secret-9", "新的-Passw0rd"):
        assert plain.encode("utf-8") not in data
        assert plain.encode("utf-16-le") not in data
    # Not in the audit log either.
    log = " ".join(str(tuple(r)) for r in db.conn.execute("SELECT * FROM audit_log"))
    assert "scrypt$" not in log
    for plain in (PASSWORD, "clerk-Secret-9", "新的-Passw0rd"):
        assert plain not in log
    # After a checkpoint everything is in the main file: still only hashes.
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = db.path.read_bytes()
    assert stored["clerk"].encode() in data
    for plain in (PASSWORD, "clerk-Secret-9", "新的-Passw0rd"):
        assert plain.encode("utf-8") not in data


def test_same_password_gets_different_hashes(db, actor, admin):
    accounts.add_user(db, actor, username="clerk", display_name="李经办", password=PASSWORD, roles=("经办人",))
    hashes = [u.password_hash for u in repo.all_users(db.conn)]
    assert len(set(hashes)) == 2  # salted


def test_duplicate_username_is_refused(db, actor, admin):
    with pytest.raises(UserError) as info:
        accounts.add_user(db, actor, username=" admin", display_name="另一个", password="other-pass", roles=("经办人",))
    assert info.value.field == "username" and "已存在" in str(info.value)
    assert len(repo.all_users(db.conn)) == 1


@pytest.mark.parametrize("password, reason", [("1234567", "至少8位（现在是7位）"), ("", "至少8位"),
                                             ("11111111", "同一个数字")])
def test_weak_password_is_refused(db, actor, admin, password, reason):
    with pytest.raises(UserError) as info:
        accounts.add_user(db, actor, username="clerk", display_name="李经办", password=password, roles=("经办人",))
    assert info.value.field == "password" and reason in str(info.value)
    with pytest.raises(UserError, match=reason):
        accounts.change_password(db, actor, admin.id, password)
    assert repo.find_user(db.conn, "clerk") is None
    assert accounts.login(db, "admin", PASSWORD).id == admin.id  # unchanged


def test_weak_first_admin_is_refused(db):
    with pytest.raises(UserError, match="至少8位"):
        accounts.create_first_admin(db, username="admin", display_name="王主任", password="abc")
    assert accounts.needs_first_admin(db)


def test_missing_names_are_refused(db, actor, admin):
    with pytest.raises(UserError) as info:
        accounts.add_user(db, actor, username="  ", display_name="李经办", password="clerk-pass", roles=("经办人",))
    assert info.value.field == "username"
    with pytest.raises(UserError) as info:
        accounts.add_user(db, actor, username="clerk", display_name=" ", password="clerk-pass", roles=("经办人",))
    assert info.value.field == "display_name"


def test_last_admin_cannot_be_removed(db, actor, admin):
    with pytest.raises(UserError, match="至少要保留一个启用的管理员"):
        accounts.update_user(db, actor, admin.id, display_name="王主任", roles=("经办人",), active=True)
    with pytest.raises(UserError, match="至少要保留一个启用的管理员"):
        accounts.update_user(db, actor, admin.id, display_name="王主任", roles=("管理员", "经办人"), active=False)
    assert repo.find_user(db.conn, "admin").roles == ("管理员", "经办人")
    assert repo.find_user(db.conn, "admin").active

    # With a second active administrator, the first may step down.
    second = accounts.add_user(db, actor, username="boss2", display_name="赵副主任", password="boss2-pass",
                               roles=("管理员",))
    accounts.update_user(db, actor, admin.id, display_name="王主任", roles=("经办人",), active=True)
    assert repo.find_user(db.conn, "admin").roles == ("经办人",)
    # … and now the second is the last one.
    with pytest.raises(UserError):
        accounts.update_user(db, actor, second, display_name="赵副主任", roles=("审核人",), active=True)


def test_inactive_admin_does_not_count_as_remaining(db, actor, admin):
    other = accounts.add_user(db, actor, username="boss2", display_name="赵副主任", password="boss2-pass",
                              roles=("管理员",))
    accounts.update_user(db, actor, other, display_name="赵副主任", roles=("管理员",), active=False)
    with pytest.raises(UserError, match="管理员"):
        accounts.update_user(db, actor, admin.id, display_name="王主任", roles=("经办人",), active=True)


@pytest.mark.parametrize("roles", [(), ("超级用户",), ("经办人", "superuser")])
def test_role_validation_on_add(db, actor, admin, roles):
    with pytest.raises(UserError) as info:
        accounts.add_user(db, actor, username="clerk", display_name="李经办", password="clerk-pass", roles=roles)
    assert info.value.field == "roles" and "管理员" in str(info.value)
    assert repo.find_user(db.conn, "clerk") is None


@pytest.mark.parametrize("roles", [(), ("超级用户",)])
def test_role_validation_on_update(db, actor, admin, roles):
    uid = accounts.add_user(db, actor, username="clerk", display_name="李经办", password="clerk-pass",
                            roles=("经办人",))
    with pytest.raises(UserError) as info:
        accounts.update_user(db, actor, uid, display_name="李经办", roles=roles, active=True)
    assert info.value.field == "roles"
    assert repo.find_user(db.conn, "clerk").roles == ("经办人",)


def test_add_user_with_valid_roles_and_audit(db, actor, admin):
    uid = accounts.add_user(db, actor, username="rev", display_name="钱审核", password="review-pass",
                            roles=("审核人", "审批人"))
    user = repo.find_user(db.conn, "rev")
    assert user.id == uid and user.roles == ("审核人", "审批人") and user.active
    row = db.conn.execute("SELECT user, via, new_values FROM audit_log WHERE row_key = 'rev'").fetchone()
    assert (row["user"], row["via"]) == (actor.username, actor.via)
    assert "审核人" in row["new_values"] and "review-pass" not in row["new_values"]


def test_roles_are_enforced_by_the_services_not_only_the_window(db, make_household):
    from aiddesk.core.errors import UserError
    from aiddesk.db.audit import Actor
    from aiddesk.db.units import Unit
    from aiddesk.services import accounts, units
    from aiddesk.services.archive import ArchiveService
    from aiddesk.services.settings import save_dibao_line

    clerk = Actor("jingban", "界面", ("经办人",))
    reviewer = Actor("shenhe", "界面", ("审核人",))
    with pytest.raises(UserError, match="管理员"):
        accounts.add_user(db, clerk, username="x", display_name="某某", password="secret99", roles=("经办人",))
    with pytest.raises(UserError, match="管理员"):
        units.save_unit(db, clerk, Unit("460009", "某工会", "基层", "460000"), new=True)
    with pytest.raises(UserError, match="管理员"):
        save_dibao_line(db, clerk, "460100", 2026, "800")
    with pytest.raises(UserError, match="经办人"):
        ArchiveService(db, reviewer).save(make_household(1))
    assert ArchiveService(db, clerk).save(make_household(1)).archive_no  # the clerk may


def test_only_an_administrator_resets_someone_elses_password(db, actor):
    from aiddesk.core.errors import UserError
    from aiddesk.db.audit import Actor
    from aiddesk.services import accounts

    user_id = accounts.add_user(db, actor, username="jingban", display_name="李经办", password="old-pass1",
                                roles=("经办人",))
    other_id = accounts.add_user(db, actor, username="shenhe", display_name="王审核", password="old-pass2",
                                 roles=("审核人",))
    clerk = Actor("jingban", "界面", ("经办人",))
    accounts.change_password(db, clerk, user_id, "new-pass1")  # their own: allowed
    assert accounts.login(db, "jingban", "new-pass1").username == "jingban"
    with pytest.raises(UserError, match="管理员"):
        accounts.change_password(db, clerk, other_id, "hacked-1")
    assert accounts.login(db, "shenhe", "old-pass2").username == "shenhe"
