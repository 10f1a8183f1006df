"""CSV import (Chinese spreadsheet columns) and export round trips; the team lists in logbook.yaml."""

from __future__ import annotations

import json

import pytest
from cstool_logbook.settings import DEFAULTS, load_settings

pytest_plugins = ["logbook_helpers"]

INQUIRY_SHEET = """旺旺名,询盘时间,咨询到的问题,未成交原因,客服
tb_小明,2026-11-11 10:00,能便宜点吗；发什么快递,价格,小暖
tb_小红,2026/11/11 11:30,有没有大码,库存/尺码,阿花
"""


def listed(cli) -> list[dict]:
    return json.loads(cli("log", "list", "--json", "--limit", "0", "--unmasked").stdout)


def test_import_inquiry_sheet_with_chinese_columns(cli, log_db, tmp_path):
    sheet = tmp_path / "询盘明细表.csv"
    sheet.write_text(INQUIRY_SHEET, encoding="utf-8-sig")
    result = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert result.exit_code == 0, result.stderr
    assert "已导入 2 条" in result.stderr
    second, first = listed(cli)
    assert first["buyer"] == "tb_小明" and first["questions"] == ["能便宜点吗", "发什么快递"]
    assert first["outcome"] == "未成交" and first["reason"] == "价格" and first["agent"] == "小暖"
    assert second["at"] == "2026-11-11T11:30:00+08:00"


def test_import_unpaid_sheet_saved_by_excel_in_gbk(cli, log_db, tmp_path):
    sheet = tmp_path / "未付款明细表.csv"
    sheet.write_bytes(
        "订单编号,买家旺旺,订单金额,下单时间,未付款原因\n3456789012345678901,tb_abc,￥1,299.50,"
        "2026-11-11 09:00,运费\n".replace("￥1,299.50", '"￥1,299.50"').encode("gb18030")
    )
    result = cli("log", "import", str(sheet), "--kind", "unpaid")
    assert result.exit_code == 0, result.stderr
    [entry] = listed(cli)
    assert (entry["order"], entry["amount"], entry["reason"]) == ("3456789012345678901", "1299.50", "运费")


def test_a_bad_row_stops_the_import_with_file_and_line(cli, log_db, tmp_path, count_entries):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(INQUIRY_SHEET + "tb_x,2026-11-31 10:00,问题,价格,小暖\n", encoding="utf-8")
    result = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert result.exit_code == 2
    assert f"{sheet}:4" in result.stderr and "时间格式不对" in result.stderr
    assert count_entries(log_db) == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("旺旺名,手机号\ntb,138\n", "未知的列：'手机号'"),
        ("旺旺名,咨询问题\ntb,x\n", "没有“类型”列"),
        ("类型,旺旺名,咨询问题,结果\n退款,tb,x,成交\n", "未知的类型"),
        ("类型,旺旺名,咨询问题,结果,原因\n询盘,tb,x,未成交,太贵\n", "未知的原因"),
        ("", "CSV 是空的"),
    ],
)
def test_bad_sheets(cli, log_db, tmp_path, content, message, count_entries):
    sheet = tmp_path / "s.csv"
    sheet.write_text(content, encoding="utf-8")
    result = cli("log", "import", str(sheet))
    assert result.exit_code == 2
    assert message in result.stderr
    assert count_entries(log_db) == 0


def test_missing_file_is_bad_input(cli, log_db, tmp_path):
    result = cli("log", "import", str(tmp_path / "nope.csv"), "--kind", "inquiry")
    assert result.exit_code == 2


def test_export_then_import_round_trips(cli, log_db, tmp_path):
    cli(
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "能便宜点吗",
        "-q",
        "包邮吗",
        "--outcome",
        "跟进中",
        "--reason",
        "运费",
        "--followup",
        "2026-11-12",
        "--sku",
        "S1",
        "--note",
        "再联系",
        "--agent",
        "甲",
        "--at",
        "2026-11-11 10:00",
    )
    unpaid = cli(
        "log",
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer",
        "b",
        "--amount",
        "0.10",
        "--at",
        "2026-11-11 09:00",
        "--agent",
        "乙",
    ).stdout.strip()
    cli("log", "update", unpaid, "--remind", "短信", env={"CSTOOL_NOW": "2026-11-11 09:45"})
    cli(
        "log",
        "promise",
        "--order",
        "3456789012345678901",
        "--buyer",
        "b",
        "--promise",
        "送礼物",
        "--agent",
        "乙",
        "--at",
        "2026-11-11 09:10",
    )
    cli(
        "log",
        "complaint",
        "--buyer",
        "c",
        "--what",
        "破损",
        "--severity",
        "重大",
        "--check",
        "听清楚",
        "--at",
        "2026-11-11 08:00",
        "--agent",
        "甲",
    )
    out = tmp_path / "all.csv"
    assert cli("log", "export", "--unmasked", "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith("\ufeff编号,类型,时间".encode())
    before = listed(cli)

    other = tmp_path / "copy.sqlite3"
    result = cli("log", "--db", str(other), "import", str(out))
    assert result.exit_code == 0, result.stderr
    after = json.loads(cli("log", "list", "--json", "--unmasked", "--db", str(other)).stdout)
    ignore = {"id", "created_at", "updated_at", "checklist"}
    assert [{k: v for k, v in e.items() if k not in ignore} for e in after] == [
        {k: v for k, v in e.items() if k not in ignore} for e in before
    ]


def test_export_formats_and_filters(cli, log_db, tmp_path):
    cli("log", "inquiry", "--buyer", "a", "-q", "x", "--outcome", "成交", "--at", "2026-11-01 10:00")
    cli("log", "unpaid", "--order", "123456", "--buyer", "b", "--amount", "5", "--at", "2026-11-05 10:00")
    rows = json.loads(cli("log", "export", "--format", "json", "--kind", "unpaid").stdout)
    assert [r["buyer"] for r in rows] == ["b"]
    assert (
        json.loads(cli("log", "export", "--format", "json", "--from", "2026-11-02").stdout)[0]["buyer"] == "b"
    )
    assert json.loads(cli("log", "export", "--format", "json", "--from", "2026-12-01").stdout) == []
    md = cli("log", "export", "--format", "markdown").stdout
    assert "| 编号 | 类型 |" in md and "| 询盘 |" in md
    assert cli("log", "export", "--format", "pdf").exit_code == 2


# --- the team lists -----------------------------------------------------------------------------
def test_bundled_lists_have_the_required_reasons():
    from cstool.kb import bundled_kb_path

    settings = load_settings(bundled_kb_path() / "logbook.yaml")
    for reasons in (
        settings.inquiry_reasons,
        settings.unpaid_reasons,
        DEFAULTS.inquiry_reasons,
        DEFAULTS.unpaid_reasons,
    ):
        assert {"价格", "运费", "比价", "其他"} <= set(reasons)
    assert "优质客户" in settings.group_names and len(settings.reminders) == 3


def test_team_lists_come_from_the_kb(cli, log_db, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: 测试店\n", encoding="utf-8")
    (kb / "logbook.yaml").write_text(
        "inquiry_reasons: [太贵了, 其他]\nreminders:\n  - {after: 1h, via: 电话}\n", encoding="utf-8"
    )
    ok = cli(
        "--kb",
        str(kb),
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "x",
        "--outcome",
        "未成交",
        "--reason",
        "太贵了",
    )
    assert ok.exit_code == 0, ok.stderr
    bad = cli(
        "--kb",
        str(kb),
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "x",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
    )
    assert bad.exit_code == 2 and "太贵了、其他" in bad.stderr
    cli(
        "--kb",
        str(kb),
        "log",
        "unpaid",
        "--order",
        "123456",
        "--buyer",
        "b",
        "--amount",
        "5",
        "--at",
        "2026-11-11 10:00",
    )
    due = json.loads(
        cli("--kb", str(kb), "log", "due", "--json", env={"CSTOOL_NOW": "2026-11-11 11:00"}).stdout
    )
    assert "第 1 次催付（电话）" in due[0]["what"]
    # an edited file is read again, not served from the cache
    (kb / "logbook.yaml").write_text("inquiry_reasons: [价格, 其他]\n", encoding="utf-8")
    again = cli(
        "--kb",
        str(kb),
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "x",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
    )
    assert again.exit_code == 0, again.stderr


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("inquiry_reasons: [价格, 其他]\nreasons: [x]\n", "未知的设置项：reasons", 2),
        ("inquiry_reasons: []\n", "inquiry_reasons 应为非空列表", 1),
        ("unpaid_reasons: [价格, 价格]\n", "重复", 1),
        ("reminders:\n  - {after: soon, via: 旺旺}\n", "催付节奏", 2),
        ("remark:\n  format: '{agent} {when}'\n", "remark.format", 2),
        ("remark:\n  default_flag: 黑\n", "default_flag", 2),
        ("inquiry_reasons: [价格\n", "YAML 格式错误", None),
    ],
)
def test_bad_logbook_yaml_is_reported_with_file_and_line(cli, log_db, tmp_path, text, message, line):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: x\n", encoding="utf-8")
    (kb / "logbook.yaml").write_text(text, encoding="utf-8")
    result = cli(
        "--kb",
        str(kb),
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "x",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
    )
    assert result.exit_code == 2
    assert message in result.stderr
    if line:
        assert f"logbook.yaml:{line}" in result.stderr
