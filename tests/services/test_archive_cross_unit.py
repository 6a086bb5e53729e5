"""一户一档 in the archive form's service: within a unit a refusal, across units a warning the clerk is shown."""

from __future__ import annotations

from datetime import date

import pytest

from aiddesk.core.errors import UserError, ValidationError
from aiddesk.services.archive import ArchiveService
from aiddesk.services.duplicates import IN_ARCHIVES, duplicates


@pytest.fixture
def archive(db, actor):
    return ArchiveService(db, actor)


def test_a_person_open_at_another_unit_is_saved_with_a_warning_per_id_naming_that_unit(archive, make_household, db):
    first = archive.save(make_household(1))                                  # at 460001, head and two members
    result = archive.save(make_household(1, unit_code="460002"))             # the same family at 460002
    assert archive.get(result.household_id).unit_code == "460002"
    crossing = [w for w in result.warnings if w.startswith("跨单位重复")]
    people = [make_household(1).id_number, *(m.id_number for m in make_household(1).members)]
    assert len(crossing) == 3 and all(any(n in w for w in crossing) for n in people)
    head = next(w for w in crossing if people[0] in w)
    assert "（户主）" in head and f"省财贸工会（460001）的在档档案 {first.archive_no}（张三，户主）" in head
    assert "汇总 → 跨单位重复" in head
    spouse = next(w for w in crossing if people[1] in w)
    assert "（家庭成员李四）" in spouse and "（张三，配偶）" in spouse
    found = {d.id_number for d in duplicates(db, 2026) if d.kind == IN_ARCHIVES}
    assert found == set(people)


def test_within_one_unit_it_stays_a_refusal_even_when_another_unit_also_holds_the_person(archive, make_household):
    archive.save(make_household(1, unit_code="460002"))
    first = archive.save(make_household(1))
    with pytest.raises(ValidationError) as info:
        archive.save(make_household(1, name="张三丰", archive_no="460001-2026-0100"))
    assert first.archive_no in info.value.problems["id_number"] and "一户一档" in info.value.problems["id_number"]


def test_reopening_or_undoing_at_one_unit_while_open_at_another_is_allowed(archive, make_household):
    old = archive.save(make_household(1))
    archive.change_status(old.household_id, "注销", on=date(2026, 11, 1), reason="其他")
    other = archive.save(make_household(1, unit_code="460002"))
    warnings = archive.change_status(old.household_id, "在档")
    assert archive.get(old.household_id).archive_status == "在档"
    # Reopened, its three people are news: each warned, naming the other unit's archive.
    assert len(warnings) == 3 and all(w.startswith("跨单位重复") and other.archive_no in w and "省旅游工会" in w
                                      for w in warnings)
    assert archive.change_status(old.household_id, "脱困", on=date(2026, 11, 26), reason="脱困") == []
    archive.undo_status_change(old.household_id, "脱困是误操作")
    assert archive.get(old.household_id).archive_status == "在档"


def test_reopening_is_still_refused_when_the_other_open_archive_is_of_the_same_unit(archive, make_household):
    old = archive.save(make_household(1))
    archive.change_status(old.household_id, "注销", on=date(2026, 11, 1), reason="其他")
    archive.save(make_household(1, unit_code="460002"))
    new = archive.save(make_household(1))
    with pytest.raises(UserError, match=f"不能重新启用.*{new.archive_no}.*一户一档"):
        archive.change_status(old.household_id, "在档")
