"""关系 as books write it: GB/T 4761-2008's names kept, the words ledgers use turned into them, the word kept."""

from __future__ import annotations

import json

import pytest

from aiddesk.core.errors import UserError
from aiddesk.core.relations import Relation, code_of, kept, relation_of, standard_names
from aiddesk.paths import resource


def table() -> dict:
    with open(resource("codes", "relations.json"), encoding="utf-8") as f:
        return json.load(f)


def test_the_list_is_gbt_4761_2008_in_code_order_without_the_head_himself():
    names = standard_names()
    assert names[:12] == ["配偶", "夫", "妻", "子", "独生子", "长子", "次子", "三子", "四子", "五子", "养子或继子", "女婿"]
    assert "本人" not in names and "户主" not in names
    assert [code_of(n) for n in ("配偶", "妻", "子", "女", "孙子", "父母", "父亲", "母亲", "公公", "婆婆", "岳父", "岳母",
                                 "继父或养父", "继母或养母", "其他父母关系", "兄弟姐妹", "其他", "非亲属")] == [
        "10", "12", "20", "30", "41", "50", "51", "52", "53", "54", "55", "56", "57", "58", "59", "70", "80", "99"]
    codes = [code_of(n) for n in names]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) == 82
    assert code_of("老婆") == ""


@pytest.mark.parametrize("name", standard_names())
def test_every_standard_name_is_kept_as_it_is(name):
    assert relation_of(name) == Relation(name, None)


@pytest.mark.parametrize(("word", "name"), [
    ("妻子", "妻"), ("老婆", "妻"), ("丈夫", "夫"), ("爱人", "配偶"), ("儿子", "子"), ("女儿", "女"), ("大女儿", "长女"),
    ("儿媳妇", "儿媳"), ("外孙", "外孙子"), ("孙子女", "孙子、孙女、外孙子、外孙女"), ("爷爷", "祖父"), ("奶奶", "祖母"),
    ("外婆", "外祖母"), ("兄弟", "兄弟姐妹"), ("姐妹", "兄弟姐妹"), ("哥哥", "兄"), ("表哥", "表兄弟、表姐妹"),
    ("继子", "养子或继子"), ("丈母娘", "岳母"), ("叔叔", "叔父"), ("亲戚", "其他亲属"),
])
def test_a_ledgers_word_becomes_its_standard_name_and_is_kept(word, name):
    assert relation_of(word) == Relation(name, word)


@pytest.mark.parametrize(("typed", "name", "kept_as"), [
    (" 妻 ", "妻", None),                              # spaces around a standard name: the name itself
    ("儿 子", "子", "儿子"),                            # and inside a word
    ("\u3000女儿\u3000", "女", "女儿"),                   # ideographic spaces
    ("户主的妻子", "妻", "户主的妻子"),                   # 户主的 …
    ("兄、弟、姐、妹", "兄弟姐妹", "兄、弟、姐、妹"),       # code 70 as the standard prints it
    ("孙子/孙女", "孙子、孙女、外孙子、外孙女", "孙子/孙女"),
    ("继父/养父", "继父或养父", "继父/养父"),
    ("孙子、孙女或外孙子、外孙女", "孙子、孙女、外孙子、外孙女", "孙子、孙女或外孙子、外孙女"),
])
def test_spaces_and_separators_do_not_matter(typed, name, kept_as):
    assert relation_of(typed) == Relation(name, kept_as)


def test_a_word_for_either_sex_takes_the_members():
    assert relation_of("子女", gender="男") == Relation("子", "子女")
    assert relation_of("子女", gender="女") == Relation("女", "子女")
    assert relation_of("子女") == Relation("其他", "子女")  # sex unknown: no guess, the word kept to say what it was
    assert relation_of("公婆", gender="女") == Relation("婆婆", "公婆")
    assert relation_of("外祖父母", gender="男") == Relation("外祖父", "外祖父母")
    assert relation_of("岳父母") == Relation("父母", "岳父母")


@pytest.mark.parametrize("word", ["", "  ", None])
def test_an_empty_relation_asks_for_one(word):
    with pytest.raises(UserError) as err:
        relation_of(word)
    assert err.value.message == "请填写与户主的关系" and err.value.field == "relation"


@pytest.mark.parametrize("word", ["户主", "本人", "户主本人"])
def test_the_head_himself_is_no_member(word):
    with pytest.raises(UserError, match="是户主本人：家庭成员只填户主以外的人"):
        relation_of(word)


@pytest.mark.parametrize("word", ["工作单位", "ABC", "3", "同学"])
def test_only_a_word_that_names_no_relation_is_an_error(word):
    with pytest.raises(UserError) as err:
        relation_of(word)
    assert err.value.message.startswith(f"“{word}”不是家庭关系，请填写与户主的关系，如 配偶、子、女")


def test_the_books_word_is_kept_while_the_relation_stays_the_same():
    assert kept("妻", "老婆") == Relation("妻", "老婆")
    assert kept("子", "子女", gender="男") == Relation("子", "子女")
    assert kept("女", "儿子") == Relation("女", None)       # changed to another relation: the old word goes
    assert kept("女婿", "") == Relation("女婿", None)
    assert kept("老公", "丈夫") == Relation("夫", "老公")    # a new word typed: that one is kept
    assert kept("妻", "不是关系的字") == Relation("妻", None)


def test_every_word_in_the_file_names_a_standard_relation_and_none_is_shadowed():
    data = table()
    names = set(data["standard"].values())
    assert data["_comment"] and set(data["head"]) == {"01", "02"}
    head = {data["standard"][code] for code in data["head"]}
    for word, target in data["words"].items():
        targets = target.values() if isinstance(target, dict) else [target]
        assert set(targets) <= names, word
        if isinstance(target, str) and target in head:
            with pytest.raises(UserError, match="是户主本人"):
                relation_of(word)
            continue
        got = relation_of(word, gender="男")
        assert got.name == (target["男"] if isinstance(target, dict) else target), word


def test_the_children_金秋助学_is_for_are_sons_and_daughters_not_in_laws():
    from aiddesk.core.relations import is_child

    assert all(is_child(name) for name in ("子", "长子", "独生女", "养女或继女", "其他女儿"))
    assert not any(is_child(name) for name in ("女婿", "儿媳", "孙子", "配偶", "父亲", "其他", "儿子"))
