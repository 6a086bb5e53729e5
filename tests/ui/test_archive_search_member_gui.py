"""The archive list's search box: a family member's ID number, or its last digits, shows the member's household."""

from __future__ import annotations

import os
from datetime import date

from PySide6.QtCore import Qt

from aiddesk.core.idcard import make_id

CHILD_ID = make_id("460100", date(2004, 9, 9), 53)


def test_a_childs_id_number_or_its_tail_in_the_search_box_shows_the_household(window, qtbot, make_household):
    for seq, name in enumerate(["张三", "王芳", "李梅"], start=1):
        h = make_household(seq, name=name)
        if name == "王芳":
            h.members[1].id_number, h.members[1].birth_date = CHILD_ID, date(2004, 9, 9)
        window.archive.save(h)
    view = window.list_view
    view.refresh()
    assert view.model.total == 3
    model = view.model
    for text in (CHILD_ID, CHILD_ID[-6:], CHILD_ID[-4:].lower()):
        view.search.clear()
        qtbot.keyClicks(view.search, text)
        qtbot.waitUntil(lambda: model.total == 1 and model.data(model.index(0, 1), Qt.DisplayRole) == "王芳",
                        timeout=3000)
    if os.environ.get("AIDDESK_SCREENSHOTS"):  # to look at: the list as the clerk sees it
        window.areas.setCurrentWidget(view)
        window.resize(1280, 720)
        qtbot.wait(50)
        window.grab().save(os.path.join(os.environ["AIDDESK_SCREENSHOTS"], "archive_search_member.png"))
