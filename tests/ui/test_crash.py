"""Unexpected errors in the window: a Chinese message and a log entry, never a traceback."""

from __future__ import annotations

from aiddesk.core.errors import UserError
from aiddesk.ui import crash


def test_unexpected_error_is_logged_and_explained(app, monkeypatch, tmp_path):
    shown = []
    monkeypatch.setattr(crash.messages, "error", lambda parent, text, title="": shown.append((title, text)))
    monkeypatch.setattr(crash, "log_path", lambda: tmp_path / "错误日志.txt")
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError as err:
        crash.handle_exception(type(err), err, err.__traceback__)
    title, text = shown[0]
    assert title == "意外错误" and "已保存的数据不受影响" in text and "Traceback" not in text
    assert "ZeroDivisionError: boom" in (tmp_path / "错误日志.txt").read_text(encoding="utf-8")


def test_user_error_shows_its_own_message(app, monkeypatch):
    shown = []
    monkeypatch.setattr(crash.messages, "error", lambda parent, text, title="": shown.append(text))
    err = UserError("找不到该档案，可能已被其他人修改，请刷新列表")
    crash.handle_exception(UserError, err, None)
    assert shown == ["找不到该档案，可能已被其他人修改，请刷新列表"]
