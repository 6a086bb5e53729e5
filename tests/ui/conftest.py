"""GUI fixtures: the Qt application set up as the real one (Chinese, bundled font)."""

from __future__ import annotations

import pytest

from aiddesk.db.audit import Actor
from aiddesk.services import accounts


@pytest.fixture(autouse=True)
def said(monkeypatch):
    """Every message box a test triggers, as (kind, text); none may block a headless run."""
    from aiddesk.ui import messages

    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(messages, "error", lambda parent, text, title="": shown.append(("error", text)))
    monkeypatch.setattr(messages, "info", lambda parent, text, title="": shown.append(("info", text)))
    monkeypatch.setattr(messages, "ask", lambda parent, text, **kw: shown.append(("ask", text)) or True)
    return shown


@pytest.fixture(autouse=True)
def app(qapp):
    from aiddesk.ui.app import setup_application

    return setup_application()


@pytest.fixture
def admin(db):
    user = accounts.create_first_admin(db, username="admin", display_name="王管理", password="admin123")
    return user, Actor(user.username, "界面", tuple(user.roles))


@pytest.fixture
def window(app, qtbot, db, admin):
    from aiddesk.ui.main_window import MainWindow

    user, actor = admin
    w = MainWindow(db=db, user=user, actor=actor)
    qtbot.addWidget(w)
    w.show()
    return w
