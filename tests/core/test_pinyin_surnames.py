"""Names keyed as they are read: 尉 as a surname is wèi (yù only in 尉迟), compound surnames are one surname, and the
surnames read otherwise than their characters (都 dū, 卜 bǔ, 黑 hè …) sort and search by that reading."""

from __future__ import annotations

import json

import pytest

from aiddesk.core.pinyin import pinyin_keys
from aiddesk.db.household_list import HouseholdFilter, list_households
from aiddesk.paths import resource
from aiddesk.services.archive import ArchiveService


def first(name: str) -> tuple[str, str]:
    """The first variant of each key: the one the list sorts on."""
    initials, full = pinyin_keys(name)
    return initials.split()[0], full.split()[0]


@pytest.mark.parametrize(("name", "initials", "full"), [
    ("尉迟恭", "ycg", "yuchigong"), ("尉红", "wh", "weihong"), ("单雄信", "sxx", "shanxiongxin"), ("都丽", "dl", "duli"),
    ("万俟卨", "mqx", "moqixie"), ("长孙无忌", "zswj", "zhangsunwuji"), ("澹台灭明", "ttmm", "tantaimieming"),
    ("单于夫罗", "cyfl", "chanyufuluo"), ("张三", "zs", "zhangsan"),
])
def test_a_name_sorts_by_its_surname_reading(name, initials, full):
    assert first(name) == (initials, full)


@pytest.mark.parametrize(("surname", "reading"), [
    ("都", "du"), ("卜", "bu"), ("黑", "he"), ("佴", "nai"), ("祭", "zhai"), ("乜", "nie"), ("炅", "gui"), ("粘", "nian"),
    ("蕃", "pi"), ("角", "jue"), ("尉", "wei"), ("单", "shan"), ("曾", "zeng"),
])
def test_a_single_surname_reads_as_a_surname(surname, reading):
    assert first(surname + "明")[1] == reading + "ming"


def test_every_compound_surname_is_keyed_as_one_surname():
    with open(resource("codes", "surname_readings.json"), encoding="utf-8") as f:
        compounds = json.load(f)["compound"]
    for surname in ("欧阳", "司马", "上官", "诸葛", "皇甫", "尉迟", "万俟", "澹台", "长孙", "公孙", "令狐", "宇文", "慕容",
                    "司徒", "东方"):
        syllables = compounds[surname].split()
        assert first(surname + "明") == ("".join(s[0] for s in syllables) + "m", "".join(syllables) + "ming"), surname


def test_a_two_character_name_is_a_surname_and_a_given_name():
    assert first("欧阳") == ("oy", "ouyang")
    assert first("尉迟")[1] == "weichi"  # 尉 as a single surname, 迟 its given name


def test_the_characters_other_readings_still_find_the_name():
    initials, full = pinyin_keys("尉迟恭")
    assert "wcg" in initials.split() and "weichigong" in full.split()  # read character by character
    initials, full = pinyin_keys("曾小单")
    assert initials.split() == ["zxd", "cxd"] and full.split()[0] == "zengxiaodan"


def test_the_search_finds_names_by_their_surname_reading_and_zs_still_finds_zhang_san(db, actor, make_household):
    archive = ArchiveService(db, actor)
    for seq, name in enumerate(("张三", "尉迟恭", "尉红", "都丽", "万俟卨"), start=1):
        archive.save(make_household(seq, name=name))

    def found(text: str) -> list[str]:
        return sorted(r["name"] for r in list_households(db.conn, HouseholdFilter(text=text, today=db.clock.today())))

    assert found("zs") == ["张三"]
    assert found("ycg") == ["尉迟恭"] and found("yuchi") == ["尉迟恭"]
    assert found("wh") == ["尉红"] and found("weihong") == ["尉红"]
    assert found("duli") == ["都丽"] and found("moqi") == ["万俟卨"]
    by_name = [r["name"] for r in list_households(db.conn, HouseholdFilter(today=db.clock.today()), sort="name")]
    assert by_name == ["都丽", "万俟卨", "尉红", "尉迟恭", "张三"]  # du, mo, wei, yu, zhang
