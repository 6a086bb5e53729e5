"""aiddesk import FILE.xlsx [--dry-run] [--json]: exit 0 imported, 1 refused (nothing written), 2 unreadable."""

from __future__ import annotations

import json

from test_import_validation import book, sheets

from aiddesk.cli import main
from aiddesk.db import open_database


def count(path, table: str) -> int:
    db = open_database(path)
    try:
        return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_import_json_shape_and_exit_0(db, tmp_path, capsys):
    db.close()
    code = main(["--db", str(db.path), "import", str(book(tmp_path / "a.xlsx")), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out == {"imported": {"单位": 1, "困难职工档案": 2, "家庭成员": 2, "资金收支": 1, "预算": 1, "计划": 1,
                                "帮扶批次": 2, "帮扶明细": 3, "核查记录": 1},
                   "errors": [], "warnings": []}
    assert count(db.path, "aid_records") == 3


def test_warnings_still_import(tmp_path, capsys):
    data = sheets()
    data["帮扶明细"][2][8] = "现金"
    code = main(["--db", str(tmp_path / "n.sqlite"), "import", str(book(tmp_path / "a.xlsx", data)), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["errors"] == []
    assert out["warnings"] == [{"sheet": "帮扶明细", "row": 3, "column": "发放方式", "value": "现金",
                                "message": "现金发放须有本人签字的实名制签领表，请核对是否已存档"}]


def test_errors_exit_1_and_write_nothing(db, tmp_path, capsys):
    db.close()
    data = sheets()
    data["帮扶明细"][1][7] = 1000.005
    code = main(["--db", str(db.path), "import", str(book(tmp_path / "a.xlsx", data)), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out == {"imported": {}, "errors": [{"sheet": "帮扶明细", "row": 2, "column": "金额", "value": "1000.005",
                                               "message": "金额超过两位小数，请精确到分"}], "warnings": []}
    assert count(db.path, "households") == 0 and count(db.path, "exchange_imports") == 0


def test_an_unreadable_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    code = main(["--db", str(tmp_path / "n.sqlite"), "import", str(bad), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 2 and out["imported"] == {} and "无法打开“bad.xlsx”" in out["errors"][0]["message"]
    assert main(["--db", str(tmp_path / "n.sqlite"), "import", str(tmp_path / "none.xlsx")]) == 2
    assert "找不到文件" in capsys.readouterr().err


def test_dry_run_reports_counts_and_writes_nothing(tmp_path, capsys):
    path = tmp_path / "n.sqlite"
    open_database(path).close()   # an empty database (a dry run creates none)
    code = main(["--db", str(path), "import", str(book(tmp_path / "a.xlsx")), "--dry-run"])
    text = capsys.readouterr().out
    assert code == 0 and "检查通过，未写入" in text and "帮扶明细 3 行" in text
    assert count(path, "households") == 0 and count(path, "units") == 0


def test_plain_output_names_row_column_and_value(tmp_path, capsys):
    data = sheets()
    data["困难职工档案"][1][3] = "特困"
    code = main(["--db", str(tmp_path / "n.sqlite"), "import", str(book(tmp_path / "a.xlsx", data))])
    text = capsys.readouterr().out
    assert code == 1
    assert "错误：困难职工档案第2行“困难类别”（特困）：“特困”不是可选的困难类别" in text
    assert "没有导入任何内容" in text


def replacing(tmp_path):
    """A newer export of 460001's 2015 without the line M2015-0002 and the batch P2015-02 (with its line)."""
    data = sheets()
    del data["帮扶明细"][2:4]
    del data["帮扶批次"][2]
    return book(tmp_path / "newer.xlsx", data, exported_at="2016-02-01T09:00:00")


def test_a_dry_run_of_a_replacement_says_what_goes(db, tmp_path, capsys):
    db.close()
    assert main(["--db", str(db.path), "import", str(book(tmp_path / "a.xlsx"))]) == 0
    capsys.readouterr()
    newer = replacing(tmp_path)
    assert main(["--db", str(db.path), "import", str(newer), "--dry-run"]) == 0
    text = capsys.readouterr().out
    assert "将删除（以前导入、而这份表中已没有的）：" in text
    assert "  帮扶批次 1 行：P2015-02" in text and "  帮扶明细 2 行：M2015-0002、M2015-0003" in text
    assert main(["--db", str(db.path), "import", str(newer), "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["removed"] == {"帮扶批次": {"count": 1, "keys": ["P2015-02"]},
                              "帮扶明细": {"count": 2, "keys": ["M2015-0002", "M2015-0003"]}}
    assert count(db.path, "aid_records") == 3      # a dry run: all still there
    assert main(["--db", str(db.path), "import", str(newer)]) == 0
    assert "已删除（以前导入、而这份表中已没有的）：" in capsys.readouterr().out
    assert count(db.path, "aid_records") == 1


def test_what_the_import_would_refuse_the_dry_run_refuses_with_sheet_row_and_column(db, tmp_path, capsys, receive):
    receive(db, 2015)
    own_no = db.conn.execute("SELECT entry_no FROM fund_entries").fetchone()[0]
    db.close()
    data = sheets()
    data["资金收支"][1][0] = own_no
    path = book(tmp_path / "a.xlsx", data)
    for extra in (["--dry-run"], []):
        assert main(["--db", str(db.path), "import", str(path), *extra]) == 1
        text = capsys.readouterr().out
        assert f"错误：资金收支第2行“流水号”（{own_no}）：流水号{own_no}已登记为另一笔分录" in text
        assert "错误：：" not in text and "检查通过" not in text


def test_several_files_print_a_list_by_file_exit_with_the_worst_code_and_make_one_backup(db, tmp_path, capsys):
    from aiddesk.db.backup import backups_in, folder_beside

    db.close()
    data = sheets()
    data["帮扶明细"][1][7] = 1000.005
    files = [str(book(tmp_path / "a.xlsx")), str(book(tmp_path / "bad.xlsx", data)), str(replacing(tmp_path))]
    code = main(["--db", str(db.path), "import", *files, "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1                                            # the worst file's: refused
    assert [(o["file"], bool(o["imported"]), len(o["errors"])) for o in out] == [
        (files[0], True, 0), (files[1], False, 1), (files[2], True, 0)]
    assert out[1]["errors"][0]["message"] == "金额超过两位小数，请精确到分"
    assert count(db.path, "aid_records") == 1                   # a.xlsx, then replaced by newer.xlsx
    made = [p for p in backups_in(folder_beside(db.path), db.path.stem) if p.name.endswith("-导入前.zip")]
    assert len(made) == 1                                       # one 导入前 backup for the run, not one a file
