"""The command line: printing forms, new databases, refusals in Chinese with exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pypdf import PdfReader

from aiddesk.cli import main
from aiddesk.services.archive import ArchiveService


def test_print_archive_by_archive_no_and_by_id_number(db, actor, make_household, tmp_path, capsys):
    service = ArchiveService(db, actor)
    first = service.save(make_household(1, name="符海燕"))
    second = make_household(2, name="王建华")
    service.save(second)
    out = tmp_path / "登记表.pdf"
    code = main(["--db", str(db.path), "print", "archive", "--household", first.archive_no,
                 "--household", second.id_number, "--out", str(out)])
    assert code == 0
    assert "2 份" in capsys.readouterr().out
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert text.count("困难职工档案登记表") == 2 and "符海燕" in text and "王建华" in text


def test_unknown_household_is_refused_in_chinese(db, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    code = main(["--db", str(db.path), "print", "archive", "--household", "不存在-0001", "--out", str(out)])
    assert code == 1
    assert "找不到档案编号或身份证号为“不存在-0001”的档案" in capsys.readouterr().err
    assert not out.exists()


def test_not_a_database_is_refused_without_traceback(tmp_path, capsys):
    bogus = tmp_path / "账本.sqlite"
    bogus.write_text("这不是数据库", encoding="utf-8")
    code = main(["--db", str(bogus), "print", "archive", "--household", "1", "--out", str(tmp_path / "o.pdf")])
    err = capsys.readouterr().err
    assert code == 1 and "不是帮扶工作台的数据库文件" in err and "Traceback" not in err
    assert bogus.read_text(encoding="utf-8") == "这不是数据库"


def test_bad_arguments_say_so_in_chinese(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "aiddesk", "--db", str(tmp_path / "n.sqlite"), "print", "archive"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "命令行参数有误" in proc.stderr and "Traceback" not in proc.stderr
    assert "缺少必填的参数：--household" in proc.stderr and "用法：" in proc.stderr
    assert "required" not in proc.stderr and "usage" not in proc.stderr


def test_help_and_argument_errors_are_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：aiddesk") and "显示本帮助后退出" in out and "选项" in out
    assert "show this help" not in out and "options" not in out
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--year", "二〇二六"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "参数 --year：“二〇二六”不是年度，请写阿拉伯数字的年份，如 2026" in err


def test_print_a_batch_notice_list_without_full_id_numbers(db, actor, make_household, tmp_path, capsys):
    from datetime import date
    from decimal import Decimal

    from aiddesk.core.batch import Batch
    from aiddesk.db.audit import Actor
    from aiddesk.db.household_list import HouseholdFilter
    from aiddesk.services.batches import BatchService

    archive = ArchiveService(db, actor)
    ids = [make_household(i, name=n) for i, n in enumerate(["符海燕", "王建华"], start=1)]
    for h in ids:
        archive.save(h)
    clerk, reviewer = BatchService(db, Actor("jingban", "界面", ("经办人",))), BatchService(db, Actor("shenhe", "界面", ("审核人",)))
    batch_id = clerk.save_draft(Batch(name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                                      fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="方案",
                                      plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
                                      plan_approved_on=date(2026, 11, 20), notice_phone="0898-66123456"))
    clerk.add_from_filter(batch_id, HouseholdFilter())
    code = clerk.get(batch_id).code
    out = tmp_path / "公示.pdf"
    assert main(["--db", str(db.path), "print", "notice", "--batch", code, "--out", str(out)]) == 1
    assert "确定公示期后才能打印" in capsys.readouterr().err
    clerk.transition(batch_id, "审核中")
    reviewer.transition(batch_id, "公示中")
    assert main(["--db", str(db.path), "print", "notice", "--batch", code, "--out", str(out)]) == 0
    text = "".join(p.extract_text() for p in PdfReader(out).pages)
    assert "符海燕" in text and "王建华" in text and "公示名单" in text
    for h in ids:
        assert h.id_number not in text and h.id_number[:6] in text
