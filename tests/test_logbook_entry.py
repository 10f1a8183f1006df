"""One-line entry, listing and bad input, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import stat

import pytest

NOW = "2026-11-11 10:00"

pytest_plugins = ["logbook_helpers"]


def entries(cli, *args):
    result = cli("log", "list", "--json", "--limit", "0", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_empty_list_prints_empty_array(cli, log_db):
    result = cli("log", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_one_line_inquiry(cli, log_db):
    result = cli(
        "log",
        "inquiry",
        "--buyer",
        "tb_小明",
        "--question",
        "能便宜点吗",
        "--question",
        "发什么快递？",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--sku",
        "A-01",
        "--followup",
        "2026-11-12",
        "--note",
        "双十一再联系",
        "--agent",
        "小暖",
        env={"CSTOOL_NOW": NOW},
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "1"
    assert "已记录 #1 询盘" in result.stderr
    [entry] = entries(cli)
    assert entry["kind"] == "inquiry"
    assert entry["buyer"] == "tb_小明"
    assert entry["questions"] == ["能便宜点吗", "发什么快递？"]
    assert entry["outcome"] == "未成交"
    assert entry["reason"] == "价格"
    assert entry["sku"] == "A-01"
    assert entry["followup"] == "2026-11-12"
    assert entry["agent"] == "小暖"
    assert entry["at"] == "2026-11-11T10:00:00+08:00"


def test_one_line_unpaid_keeps_amount_exact_and_order_whole(cli, log_db):
    result = cli(
        "log",
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer",
        "jd_lee",
        "--amount",
        "199.10",
        "--reason",
        "运费",
        "--at",
        "2026-11-11 09:30",
    )
    assert result.exit_code == 0, result.stderr
    [entry] = entries(cli)
    assert entry["amount"] == "199.10"
    assert entry["order"] == "3456789012345678901"
    assert entry["outcome"] == "跟进中"
    assert entry["at"] == "2026-11-11T09:30:00+08:00"


def test_time_with_offset_is_kept_and_naive_time_uses_configured_zone(cli, log_db, isolated_home):
    (isolated_home / "config.toml").write_text('timezone = "Asia/Tokyo"\nagent = "阿花"\n', encoding="utf-8")
    cli("log", "unpaid", "--order", "1001", "--buyer", "b", "--amount", "1", "--at", "2026-11-11 09:30")
    cli(
        "log",
        "unpaid",
        "--order",
        "1002",
        "--buyer",
        "b",
        "--amount",
        "1",
        "--at",
        "2026-11-11T09:30:00+08:00",
    )
    times = {e["order"]: (e["at"], e["agent"]) for e in entries(cli)}
    assert times["1001"] == ("2026-11-11T09:30:00+09:00", "阿花")
    assert times["1002"] == ("2026-11-11T09:30:00+08:00", "阿花")


def test_promise_prints_the_order_remark_in_team_format(cli, log_db):
    result = cli(
        "log",
        "promise",
        "--order",
        "3456789012345678901",
        "--buyer",
        "tb_abc",
        "--promise",
        "送收纳袋一个",
        "--agent",
        "蔡蔡",
        env={"CSTOOL_NOW": NOW},
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "蔡蔡 送收纳袋一个 11.11"
    assert "红旗" in result.stderr
    courier = cli(
        "log",
        "promise",
        "--order",
        "3456789012345678902",
        "--buyer",
        "tb_abc",
        "--promise",
        "指定发顺丰",
        "--agent",
        "蔡蔡",
        env={"CSTOOL_NOW": NOW},
    )
    assert "黄旗" in courier.stderr
    [second, first] = entries(cli, "--kind", "promise")
    assert (first["flag"], second["flag"]) == ("红", "黄")
    assert first["remark"] == "蔡蔡 送收纳袋一个 11.11"


def test_promise_without_agent_is_bad_input(cli, log_db):
    result = cli("log", "promise", "--order", "1234567", "--buyer", "b", "--promise", "送礼物")
    assert result.exit_code == 2
    assert "接待客服" in result.stderr


def test_complaint_major_is_marked(cli, log_db):
    result = cli(
        "log",
        "complaint",
        "--buyer",
        "小红",
        "--order",
        "88881234",
        "--what",
        "收到破损",
        "--severity",
        "重大",
        "--check",
        "听清楚",
        "--check",
        "问清楚",
    )
    assert result.exit_code == 0, result.stderr
    [entry] = entries(cli)
    assert entry["major"] is True
    assert entry["outcome"] == "处理中"
    assert list(entry["checklist"]) == ["听清楚", "问清楚"]


def test_list_filters(cli, log_db):
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
        "甲",
        "--at",
        "2026-11-01 10:00",
    )
    cli(
        "log",
        "inquiry",
        "--buyer",
        "b",
        "-q",
        "y",
        "--outcome",
        "未成交",
        "--agent",
        "乙",
        "--at",
        "2026-11-05 10:00",
    )
    cli(
        "log",
        "unpaid",
        "--order",
        "123456",
        "--buyer",
        "a",
        "--amount",
        "9.90",
        "--agent",
        "甲",
        "--at",
        "2026-11-06 10:00",
    )
    assert [e["buyer"] for e in entries(cli, "--kind", "inquiry")] == ["b", "a"]
    assert [e["kind"] for e in entries(cli, "--buyer", "a")] == ["unpaid", "inquiry"]
    assert [e["buyer"] for e in entries(cli, "--agent", "乙")] == ["b"]
    assert [e["buyer"] for e in entries(cli, "--outcome", "成交")] == ["a"]
    assert len(entries(cli, "--from", "2026-11-02", "--to", "2026-11-05")) == 1
    limited = cli("log", "list", "--json", "--limit", "2")
    assert len(json.loads(limited.stdout)) == 2
    assert cli("log", "list", "--kind", "询盘", "--json").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inquiry", "--buyer", "a", "-q", "x", "--outcome", "买了"], "未知的结果"),
        (["inquiry", "--buyer", "a", "-q", "x", "--outcome", "未成交", "--reason", "太贵"], "未知的原因"),
        (
            ["inquiry", "--buyer", "a", "-q", "x", "--outcome", "未成交", "--at", "2026-02-30 10:00"],
            "时间格式不对",
        ),
        (
            ["inquiry", "--buyer", "a", "-q", "x", "--outcome", "跟进中", "--followup", "明天"],
            "跟进日期格式不对",
        ),
        (["unpaid", "--order", "123456", "--buyer", "a", "--amount", "19.999"], "最多两位小数"),
        (["unpaid", "--order", "123456", "--buyer", "a", "--amount", "abc"], "不是有效金额"),
        (["unpaid", "--order", "123456", "--buyer", "a", "--amount", "-5"], "不能为负数"),
        (["unpaid", "--order", "12 34", "--buyer", "a", "--amount", "5"], "订单号格式不对"),
        (["unpaid", "--order", "123456", "--buyer", "a", "--amount", "5", "--colour", "红"], "没有这个选项"),
        (["complaint", "--buyer", "a", "--what", "x", "--severity", "超级"], "未知的严重程度"),
        (["complaint", "--buyer", "a", "--what", "x", "--check", "看清楚"], "未知的五清楚步骤"),
        (["list", "--kind", "refund"], "未知的类型"),
        (["list", "--from", "2026-11-05", "--to", "2026-11-01"], "开始日期晚于结束日期"),
    ],
)
def test_bad_input_exits_2_with_one_chinese_line_and_writes_nothing(
    cli, log_db, args, message, count_entries
):
    result = cli("log", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert count_entries(log_db) == 0


def test_missing_required_fields_without_terminal_is_bad_input(cli, log_db, count_entries):
    result = cli("log", "inquiry", "--buyer", "a")
    assert result.exit_code == 2
    assert "--question" in result.stderr and "--outcome" in result.stderr
    result = cli("log", "unpaid", "--buyer", "a")
    assert result.exit_code == 2
    assert "--order" in result.stderr and "--amount" in result.stderr
    assert count_entries(log_db) == 0


def test_missing_field_as_new_process_does_not_hang(cli_process, tmp_path):
    result = cli_process(
        "log", "unpaid", "--order", "123456", "--buyer", "a", env={"CSTOOL_DB": str(tmp_path / "x.sqlite3")}
    )
    assert result.exit_code == 2
    assert "缺少必填项" in result.stderr and "--amount" in result.stderr


def test_default_db_in_user_data_dir_is_private(cli, isolated_home):
    result = cli("log", "unpaid", "--order", "123456", "--buyer", "a", "--amount", "5")
    assert result.exit_code == 0, result.stderr
    path = isolated_home / "data" / "logbook.sqlite3"
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) & 0o077 == 0


def test_db_precedence_option_then_env_then_config(cli, tmp_path, isolated_home, monkeypatch, count_entries):
    configured, from_env, from_option = (tmp_path / f"{n}.sqlite3" for n in ("config", "env", "option"))
    (isolated_home / "config.toml").write_text(f'db = "{configured}"\n', encoding="utf-8")
    add = ("log", "unpaid", "--order", "123456", "--buyer", "a", "--amount", "5")
    cli(*add)
    monkeypatch.setenv("CSTOOL_DB", str(from_env))
    cli(*add)
    cli(*add, "--db", str(from_option))
    cli("log", "--db", str(from_option), *add[1:])
    assert [count_entries(str(p)) for p in (configured, from_env, from_option)] == [1, 1, 2]
    assert not (isolated_home / "data" / "logbook.sqlite3").exists()


def test_a_file_that_is_not_a_database_is_a_clear_error(cli, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello, not sqlite" * 100, encoding="utf-8")
    result = cli("log", "list", "--db", str(bogus))
    assert result.exit_code == 2
    assert "SQLite" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_postgres_is_a_clear_error(cli):
    result = cli("log", "list", "--db", "postgresql://nobody:secret@127.0.0.1:1/nothing")
    assert result.exit_code == 1
    assert "无法连接 PostgreSQL" in result.stderr
    assert "secret" not in result.stderr


def test_log_help_imports_no_heavy_module():
    import subprocess
    import sys

    code = (
        "import sys\nfrom cstool.cli import run\nrun(['log', '--help'])\n"
        "print([m for m in ('whoosh', 'ruamel.yaml', 'questionary', 'openpyxl', 'psycopg') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert out.strip().splitlines()[-1] == "[]"
