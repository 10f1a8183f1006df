"""Hostile and mistaken input to the logbook: exit 2 with a Chinese message, never ``内部错误``.

Issue 9 items 4, 6 and 8 (ids, money, database URLs, team templates) and issue 8
item 9 (import twice, ``--db`` on a wrong file, a report for an unknown agent,
which KB the gap analysis used).
"""

from __future__ import annotations

import json
import time

import pytest

from cstool import money

pytest_plugins = ["logbook_helpers"]

HUGE = "99999999999999999999"
hardened_money = pytest.mark.skipif(
    not hasattr(money, "MAX_MONEY"),
    reason="needs the hardened cstool.money.parse_money (helper promo's branch)",
)


def refused(result, *words: str) -> None:
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert "内部错误" not in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


# --- ids and limits ------------------------------------------------------------------------------
def test_ids_that_do_not_fit_the_database_integer_are_refused(cli, log_db):
    cli("log", "inquiry", "--buyer", "a", "-q", "x", "--outcome", "成交")
    for args in (
        ("update", HUGE, "--note", "x"),
        ("show", HUGE),
        ("update", str(2**63), "--outcome", "已付款"),
        ("update", "0", "--note", "x"),
        ("show", "--", "-1"),
    ):
        refused(cli("log", *args), "记录编号")
    refused(cli("log", "show", str(2**63 - 1)), "没有编号为")
    refused(cli("log", "list", "--limit", HUGE), "数量太大")


@hardened_money
@pytest.mark.parametrize("amount", ["1E400", "1e3", "1_000", "٣", "NaN", "-5", "100000000"])
def test_amounts_go_through_the_core_money_parser(cli, log_db, amount, count_entries):
    refused(cli("log", "unpaid", "--order", "123456", "--buyer", "b", f"--amount={amount}"))
    assert count_entries(log_db) == 0


@hardened_money
def test_minus_zero_is_stored_as_zero(cli, log_db):
    result = cli("log", "unpaid", "--order", "123456", "--buyer", "b", "--amount=-0", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["amount"] == "0.00" and "-0" not in result.stderr
    assert json.loads(cli("log", "list", "--json").stdout)[0]["amount"] == "0.00"


# --- database targets ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://cs:secret@127.0.0.1:99999/shop",
        "postgresql://cs:secret@127.0.0.1:abc/shop",
        "postgresql://cs:secret@[::1/shop",
        "postgresql://cs:secret@127.0.0.1:5432/shop?port=99999",
        "postgresql://cs:secret@127.0.0.1:5432/shop?bogus=1",
        "postgresql://cs:secret@127.0.0.1:0/shop",
    ],
)
def test_a_malformed_postgresql_url_is_bad_input(cli, url):
    started = time.monotonic()
    result = cli("log", "list", "--db", url)
    refused(result, "PostgreSQL 连接串")
    assert "secret" not in result.stderr
    assert time.monotonic() - started < 5  # refused before any connection attempt


def test_db_on_a_file_that_is_not_sqlite_is_refused_untouched(cli, tmp_path):
    typo = tmp_path / "typo.txt"
    typo.write_bytes(b"shopping list\n")
    refused(
        cli("log", "--db", str(typo), "inquiry", "--buyer", "a", "-q", "x", "--outcome", "成交"),
        "不是 SQLite",
    )
    assert typo.read_bytes() == b"shopping list\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["typo.txt"]


def test_a_new_db_path_is_created_with_a_one_line_note(cli, tmp_path):
    db = tmp_path / "new.sqlite3"
    first = cli("log", "--db", str(db), "inquiry", "--buyer", "a", "-q", "x", "--outcome", "成交")
    assert first.exit_code == 0 and f"已新建日志库：{db}" in first.stderr
    second = cli("log", "--db", str(db), "list")
    assert second.exit_code == 0 and "已新建" not in second.stderr
    assert (db.stat().st_mode & 0o777) == 0o600


# --- import twice --------------------------------------------------------------------------------
SHEET = """旺旺名,询盘时间,咨询到的问题,未成交原因
tb_小明,2026-11-11 10:00,能便宜点吗；发什么快递,价格
tb_小红,2026-11-11 11:30,有没有大码,库存/尺码
"""


def test_import_skips_rows_already_imported(cli, log_db, tmp_path, count_entries):
    sheet = tmp_path / "询盘明细表.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    first = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert first.exit_code == 0 and "已导入 2 条" in first.stderr and "跳过" not in first.stderr
    again = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert again.exit_code == 0 and "已导入 0 条" in again.stderr and "跳过 2 条" in again.stderr
    assert count_entries(log_db) == 2

    # the logbook moved on (an update), and the sheet grew by one row and a repeated one
    first_id = json.loads(cli("log", "list", "--json").stdout)[-1]["id"]
    assert cli("log", "update", str(first_id), "--outcome", "成交").exit_code == 0
    sheet.write_text(
        SHEET + "tb_小明,2026-11-12 09:00,能便宜点吗,价格\ntb_小明,2026-11-12 09:00,能便宜点吗,价格\n",
        encoding="utf-8",
    )
    grown = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert "已导入 1 条" in grown.stderr and "跳过 3 条" in grown.stderr
    assert count_entries(log_db) == 3


def test_same_buyer_and_time_with_other_questions_is_a_new_entry(cli, log_db, tmp_path, count_entries):
    sheet = tmp_path / "a.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    cli("log", "import", str(sheet), "--kind", "inquiry")
    sheet.write_text(
        "旺旺名,询盘时间,咨询到的问题\ntb_小明,2026-11-11 10:00,什么时候发货\n", encoding="utf-8"
    )
    result = cli("log", "import", str(sheet), "--kind", "inquiry")
    assert "已导入 1 条" in result.stderr and count_entries(log_db) == 3


def test_reimporting_an_export_into_the_same_logbook_adds_nothing(cli, log_db, tmp_path, count_entries):
    cli(
        "log",
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer",
        "b",
        "--amount",
        "9.90",
        "--at",
        "2026-11-11 09:00",
    )
    cli(
        "log",
        "promise",
        "--order",
        "3456789012345678901",
        "--buyer",
        "b",
        "--promise",
        "送收纳袋",
        "--agent",
        "小暖",
        "--at",
        "2026-11-11 09:05",
    )
    out = tmp_path / "all.csv"
    assert cli("log", "export", "--unmasked", "--out", str(out)).exit_code == 0
    result = cli("log", "import", str(out))
    assert "跳过 2 条" in result.stderr and count_entries(log_db) == 2


# --- report: unknown agent, which KB -------------------------------------------------------------
def test_report_for_an_agent_with_no_entries_says_so(cli, log_db):
    cli(
        "log",
        "inquiry",
        "--buyer",
        "a",
        "-q",
        "x",
        "--outcome",
        "成交",
        "--agent",
        "小暖",
        "--at",
        "2026-11-10 10:00",
    )
    unknown = cli("log", "report", "--week", "--date", "2026-11-12", "--agent", "不存在", "--format", "json")
    assert unknown.exit_code == 0
    assert "没有客服“不存在”的任何记录" in unknown.stderr
    data = json.loads(unknown.stdout)
    assert data["agent"] == "不存在" and not any(data["counts"].values())
    other_week = cli("log", "report", "--week", "--date", "2026-11-20", "--agent", "小暖")
    assert other_week.exit_code == 0 and "客服“小暖”在 2026-11-16 至 2026-11-22 没有记录" in other_week.stderr
    mine = cli("log", "report", "--week", "--date", "2026-11-12", "--agent", "小暖")
    assert "没有记录" not in mine.stderr


def test_report_names_the_kb_its_gap_analysis_used(cli, log_db, tmp_path):
    kb = tmp_path / "team-kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: 测试店\n", encoding="utf-8")
    cli("log", "inquiry", "--buyer", "a", "-q", "包邮吗", "--outcome", "成交", "--at", "2026-11-10 10:00")
    data = json.loads(
        cli("--kb", str(kb), "log", "report", "--week", "--date", "2026-11-12", "--format", "json").stdout
    )
    assert data["kb"] == {"path": str(kb.resolve()), "bundled": False}
    table = cli("--kb", str(kb), "log", "report", "--week", "--date", "2026-11-12", "--format", "csv")
    assert f"概览,知识库（缺口分析）,{kb.resolve()}" in table.stdout

    from cstool.kb import bundled_kb_path

    bundled = cli(
        "--kb",
        str(bundled_kb_path()),
        "log",
        "report",
        "--week",
        "--date",
        "2026-11-12",
        "--format",
        "markdown",
    )
    assert "示例知识库" in bundled.stdout and str(bundled_kb_path().resolve()) in bundled.stdout


# --- remark.format: names only ------------------------------------------------------------------
def _kb_with_remark(tmp_path, fmt: str):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: x\n", encoding="utf-8")
    (kb / "logbook.yaml").write_text(
        "inquiry_reasons: [价格, 其他]\nremark:\n  format: " + json.dumps(fmt, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return kb


def _promise(cli, kb):
    return cli(
        "--kb",
        str(kb),
        "log",
        "promise",
        "--order",
        "123456",
        "--buyer",
        "b",
        "--promise",
        "送收纳袋",
        "--agent",
        "小暖",
        "--at",
        "2026-11-11 10:00",
    )


@pytest.mark.parametrize(
    "fmt",
    [
        "{agent.__class__.__mro__[1].__subclasses__}",
        "{agent:>1000000000}",
        "{agent!r}",
        "{agent[0]}",
        "{0}",
        "{}",
        "{agent",
        "agent}",
    ],
)
def test_remark_format_refuses_anything_but_names_at_load(cli, log_db, tmp_path, fmt, count_entries):
    started = time.monotonic()
    result = _promise(cli, _kb_with_remark(tmp_path, fmt))
    refused(result, "remark.format", "logbook.yaml:3")
    assert "<class" not in result.output and time.monotonic() - started < 10
    assert count_entries(log_db) == 0


def test_remark_format_unknown_name_is_named(cli, log_db, tmp_path):
    refused(_promise(cli, _kb_with_remark(tmp_path, "{agent} {when}")), "{when}", "logbook.yaml:3")


def test_remark_format_with_names_and_literal_braces(cli, log_db, tmp_path):
    result = _promise(cli, _kb_with_remark(tmp_path, "{{急}} {agent}/{promise}/{date}/{order}/{flag}"))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "{急} 小暖/送收纳袋/11.11/123456/红"
