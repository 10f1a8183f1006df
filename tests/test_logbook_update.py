"""Updating entries: outcome changes, 催付, notes and the 五清楚 checklist, with history kept."""

from __future__ import annotations

import json

pytest_plugins = ["logbook_helpers"]


def add_unpaid(cli) -> int:
    result = cli(
        "log",
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer",
        "tb_abc",
        "--amount",
        "199.00",
        "--agent",
        "小暖",
        env={"CSTOOL_NOW": "2026-11-11 10:00"},
    )
    assert result.exit_code == 0, result.stderr
    return int(result.stdout)


def show(cli, entry_id: int) -> dict:
    result = cli("log", "show", str(entry_id), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_update_keeps_history_of_every_change(cli, log_db):
    entry_id = add_unpaid(cli)
    first = cli(
        "log",
        "update",
        str(entry_id),
        "--remind",
        "旺旺",
        "--agent",
        "小暖",
        env={"CSTOOL_NOW": "2026-11-11 10:40"},
    )
    assert first.exit_code == 0, first.stderr
    second = cli(
        "log",
        "update",
        str(entry_id),
        "--remind",
        "短信",
        "--reason",
        "运费",
        "--agent",
        "小暖",
        env={"CSTOOL_NOW": "2026-11-11 16:10"},
    )
    assert second.exit_code == 0
    third = cli(
        "log",
        "update",
        str(entry_id),
        "--outcome",
        "已付款",
        "--note",
        "买家说晚上付了",
        "--agent",
        "阿花",
        env={"CSTOOL_NOW": "2026-11-11 20:00"},
    )
    assert "跟进中 → 已付款" in third.stderr

    view = show(cli, entry_id)
    assert view["outcome"] == "已付款"
    assert view["reason"] == "运费"
    assert [(r["at"], r["via"]) for r in view["reminders"]] == [
        ("2026-11-11T10:40:00+08:00", "旺旺"),
        ("2026-11-11T16:10:00+08:00", "短信"),
    ]
    assert view["notes"] == [{"at": "2026-11-11T20:00:00+08:00", "agent": "阿花", "text": "买家说晚上付了"}]
    history = view["history"]
    assert [h["action"] for h in history] == ["created", "updated", "updated", "updated"]
    assert history[2]["changes"]["reason"] == ["", "运费"]
    assert history[3]["changes"]["outcome"] == ["跟进中", "已付款"]
    assert history[3]["agent"] == "阿花"
    assert view["updated_at"] == "2026-11-11T20:00:00+08:00"
    assert view["created_at"] == "2026-11-11T10:00:00+08:00"


def test_changing_outcome_again_records_old_value(cli, log_db):
    entry_id = add_unpaid(cli)
    cli("log", "update", str(entry_id), "--outcome", "已关闭")
    result = cli("log", "update", str(entry_id), "--outcome", "已付款")
    assert "已关闭 → 已付款" in result.stderr
    changes = [h["changes"] for h in show(cli, entry_id)["history"]]
    assert changes[1:] == [{"outcome": ["跟进中", "已关闭"]}, {"outcome": ["已关闭", "已付款"]}]


def test_same_value_changes_nothing(cli, log_db):
    entry_id = add_unpaid(cli)
    result = cli("log", "update", str(entry_id), "--outcome", "跟进中")
    assert result.exit_code == 0
    assert "没有变化" in result.stderr
    assert len(show(cli, entry_id)["history"]) == 1


def test_complaint_checklist_progresses(cli, log_db):
    result = cli(
        "log",
        "complaint",
        "--buyer",
        "小红",
        "--what",
        "少发一件",
        "--check",
        "听清楚",
        env={"CSTOOL_NOW": "2026-11-11 10:00"},
    )
    entry_id = int(result.stdout)
    cli("log", "update", str(entry_id), "--check", "问清楚、跟清楚", env={"CSTOOL_NOW": "2026-11-11 11:00"})
    cli("log", "update", str(entry_id), "--severity", "重大")
    view = show(cli, entry_id)
    assert view["checklist"] == {
        "听清楚": "2026-11-11T10:00:00+08:00",
        "问清楚": "2026-11-11T11:00:00+08:00",
        "跟清楚": "2026-11-11T11:00:00+08:00",
    }
    assert view["major"] is True
    text = cli("log", "show", str(entry_id)).stdout
    assert "复清楚·" in text and "听清楚✓" in text and "重大投诉" in text


def test_bad_updates_change_nothing(cli, log_db):
    entry_id = add_unpaid(cli)
    for args, message in [
        (["--outcome", "成交"], "未知的结果"),
        (["--reason", "太贵"], "未知的原因"),
        (["--check", "听清楚"], "只有投诉"),
        (["--followup", "下周"], "跟进日期格式不对"),
        ([], "没有要修改的内容"),
    ]:
        result = cli("log", "update", str(entry_id), *args)
        assert result.exit_code == 2, args
        assert message in result.stderr
    assert cli("log", "update", "999", "--outcome", "已付款").exit_code == 2
    assert len(show(cli, entry_id)["history"]) == 1


def test_show_unknown_id_is_bad_input(cli, log_db):
    result = cli("log", "show", "42")
    assert result.exit_code == 2
    assert "没有编号为 42 的记录" in result.stderr


def test_buyer_history_and_groups(cli, log_db):
    cli(
        "log",
        "inquiry",
        "--buyer",
        "tb_回头",
        "-q",
        "有没有大码",
        "--outcome",
        "未成交",
        "--reason",
        "库存/尺码",
        "--at",
        "2026-11-01 10:00",
    )
    cli(
        "log",
        "unpaid",
        "--order",
        "55551234",
        "--buyer",
        "tb_回头",
        "--amount",
        "88",
        "--at",
        "2026-11-05 10:00",
    )
    cli("log", "inquiry", "--buyer", "someone_else", "-q", "x", "--outcome", "成交")
    tagged = cli("log", "buyer", "tb_回头", "--tag", "价格敏感", "--tag", "优质客户")
    assert tagged.exit_code == 0, tagged.stderr
    cli("log", "buyer", "tb_回头", "--untag", "价格敏感")
    view = json.loads(cli("log", "buyer", "tb_回头", "--json").stdout)
    assert view["groups"] == ["优质客户"]
    assert [e["kind"] for e in view["entries"]] == ["unpaid", "inquiry"]
    assert view["counts"] == {"inquiry": 1, "unpaid": 1, "promise": 0, "complaint": 0}
    text = cli("log", "buyer", "tb_回头").stdout
    assert "优质客户" in text and "有没有大码" in text
    unknown = cli("log", "buyer", "tb_回头", "--tag", "土豪")
    assert unknown.exit_code == 2 and "未知的客户组" in unknown.stderr
    assert json.loads(cli("log", "buyer", "nobody", "--json").stdout)["entries"] == []
