"""Saving an archive: a member's 关系 typed as the family says it is saved as its standard name, the word kept and
logged; the sex a word needs (子女) comes from the member's ID number."""

from __future__ import annotations

import pytest

from aiddesk.core.errors import ValidationError
from aiddesk.services.archive import ArchiveService


@pytest.fixture
def archive(db, actor):
    return ArchiveService(db, actor)


def relations(archive, household_id: int) -> list[tuple[str, str]]:
    return [(m.relation, m.relation_as_written) for m in archive.get(household_id).members]


def test_a_familys_word_is_saved_as_the_standard_name_and_the_word_is_kept_and_logged(archive, make_household):
    h = make_household(1)
    h.members[0].relation = "老婆"
    h.members[1].relation = "子女"  # 张小明: his ID number says 男
    saved = archive.save(h)
    assert relations(archive, saved.household_id) == [("妻", "老婆"), ("子", "子女")]
    [entry] = archive.history(saved.household_id)
    assert "李四（妻，台账写作“老婆”，" in entry.new["members"]

    again = archive.get(saved.household_id)
    again.members[0].relation = "妻子"  # another word for the same relation: a change, logged
    archive.save(again)
    assert relations(archive, saved.household_id)[0] == ("妻", "妻子")
    [update] = [e for e in archive.history(saved.household_id) if e.action == "update"]
    assert "台账写作“老婆”" in update.old["members"] and "台账写作“妻子”" in update.new["members"]


def test_a_member_cannot_be_the_head_himself(archive, make_household):
    h = make_household(1)
    h.members[0].relation = "本人"
    with pytest.raises(ValidationError) as info:
        archive.save(h)
    assert info.value.problems["members.1.relation"].startswith("第1位家庭成员：“本人”是户主本人")


def test_permit_numbers_are_saved_for_the_head_and_members(archive, make_household):
    h = make_household(1, id_number="810000199408230021", gender="", hukou_area_code="")
    h.members[0].id_number = "932682198501010017"
    h.members[0].relation = "丈夫"
    saved = archive.get(archive.save(h).household_id)
    assert (saved.id_number, saved.gender, saved.birth_date.isoformat(), saved.hukou_area_code) == (
        "810000199408230021", "女", "1994-08-23", "810000")
    assert (saved.members[0].id_number, saved.members[0].gender, saved.members[0].relation) == (
        "932682198501010017", "男", "夫")
