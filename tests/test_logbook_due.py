"""`cstool log due` on a fixed clock, campaign lists, and the due calculator's properties."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cstool_logbook.due import campaign_list, due_items, next_reminder
from cstool_logbook.models import Entry
from cstool_logbook.settings import DEFAULTS, ReminderStep, Settings
from hypothesis import given
from hypothesis import strategies as st

TZ = ZoneInfo("Asia/Shanghai")

pytest_plugins = ["logbook_helpers"]


def due_at(cli, now: str) -> list[dict]:
    result = cli("log", "due", "--json", env={"CSTOOL_NOW": now})
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_unpaid_reminders_follow_the_schedule(cli, log_db):
    # kb/logbook.yaml: 30m 旺旺, 6h 旺旺, 20h 短信 after the order time
    order_id = cli(
        "log",
        "unpaid",
        "--order",
        "3456789012345678901",
        "--buyer",
        "tb_abc",
        "--amount",
        "199",
        "--at",
        "2026-11-11 10:00",
    ).stdout.strip()
    assert due_at(cli, "2026-11-11 10:29") == []
    [item] = due_at(cli, "2026-11-11 10:30")
    assert (item["action"], item["id"], item["order"]) == ("催付", int(order_id), "3456789012345678901")
    assert "第 1 次催付（旺旺）" in item["what"]
    assert item["due"] == "2026-11-11T10:30:00+08:00"

    cli("log", "update", order_id, "--remind", "旺旺", env={"CSTOOL_NOW": "2026-11-11 10:35"})
    assert due_at(cli, "2026-11-11 15:59") == []
    [item] = due_at(cli, "2026-11-11 16:00")
    assert "第 2 次" in item["what"]
    cli("log", "update", order_id, "--remind", "旺旺")
    [item] = due_at(cli, "2026-11-12 06:00")
    assert "第 3 次催付（短信）" in item["what"]
    cli("log", "update", order_id, "--remind", "短信")
    assert due_at(cli, "2026-11-13 10:00") == []  # schedule used up


def test_paid_order_is_never_due(cli, log_db):
    order_id = cli(
        "log", "unpaid", "--order", "123456", "--buyer", "b", "--amount", "5", "--at", "2026-11-11 10:00"
    ).stdout.strip()
    cli("log", "update", order_id, "--outcome", "已付款")
    assert due_at(cli, "2026-11-11 18:00") == []


def test_followups_due_today_and_complaints_awaiting_reply(cli, log_db):
    cli(
        "log",
        "inquiry",
        "--buyer",
        "tomorrow",
        "-q",
        "x",
        "--outcome",
        "跟进中",
        "--followup",
        "2026-11-12",
        "--at",
        "2026-11-10 09:00",
    )
    cli(
        "log",
        "inquiry",
        "--buyer",
        "closed",
        "-q",
        "x",
        "--outcome",
        "未成交",
        "--followup",
        "2026-11-11",
        "--at",
        "2026-11-10 09:00",
    )
    complaint = cli(
        "log",
        "complaint",
        "--buyer",
        "小红",
        "--what",
        "破损",
        "--severity",
        "重大",
        "--at",
        "2026-11-10 09:00",
    ).stdout.strip()
    cli(
        "log",
        "complaint",
        "--buyer",
        "later",
        "--what",
        "慢",
        "--reply-by",
        "2026-11-13",
        "--at",
        "2026-11-10 09:00",
    )
    items = due_at(cli, "2026-11-11 09:00")
    assert [(i["action"], i["buyer"]) for i in items] == [("投诉待回复", "小红")]
    assert items[0]["what"].startswith("【重大】")
    items = due_at(cli, "2026-11-12 09:00")
    assert [(i["action"], i["buyer"]) for i in items] == [("投诉待回复", "小红"), ("跟进", "tomorrow")]
    cli("log", "update", complaint, "--check", "复清楚")
    assert [i["buyer"] for i in due_at(cli, "2026-11-13 09:00")] == ["tomorrow", "later"]
    text = cli("log", "due", env={"CSTOOL_NOW": "2026-11-01 09:00"})
    assert "没有需要处理" in text.stderr


def test_campaign_list_skips_converted_buyers_and_puts_groups_first(cli, log_db):
    cli(
        "log",
        "inquiry",
        "--buyer",
        "lost",
        "-q",
        "能便宜吗",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--at",
        "2026-11-09 10:00",
    )
    cli(
        "log", "inquiry", "--buyer", "won_later", "-q", "x", "--outcome", "未成交", "--at", "2026-11-08 10:00"
    )
    cli("log", "inquiry", "--buyer", "won_later", "-q", "x", "--outcome", "成交", "--at", "2026-11-09 11:00")
    cli("log", "unpaid", "--order", "1234567", "--buyer", "vip", "--amount", "99", "--at", "2026-11-01 10:00")
    cli("log", "buyer", "vip", "--tag", "优质客户")
    result = cli("log", "campaign-list", "--json", env={"CSTOOL_NOW": "2026-11-10 10:00"})
    rows = json.loads(result.stdout)
    assert [r["buyer"] for r in rows] == ["vip", "lost"]
    assert rows[0]["orders"] == ["1234567"] and rows[1]["reasons"] == ["价格"]
    only = cli(
        "log", "campaign-list", "--json", "--group", "优质客户", env={"CSTOOL_NOW": "2026-11-10 10:00"}
    )
    assert [r["buyer"] for r in json.loads(only.stdout)] == ["vip"]
    old = cli(
        "log", "campaign-list", "--json", "--since", "2026-11-05", env={"CSTOOL_NOW": "2026-11-10 10:00"}
    )
    assert [r["buyer"] for r in json.loads(old.stdout)] == ["lost"]


# --- the calculator -------------------------------------------------------------------------------
START = datetime(2026, 11, 11, 10, 0, tzinfo=TZ)


@given(
    steps=st.lists(st.integers(min_value=1, max_value=72 * 60), min_size=1, max_size=5, unique=True),
    sent=st.integers(min_value=0, max_value=6),
    minutes_later=st.integers(min_value=0, max_value=100 * 60),
)
def test_a_reminder_is_due_exactly_when_its_step_has_passed(steps, sent, minutes_later):
    settings = Settings(reminders=tuple(ReminderStep(timedelta(minutes=m), "旺旺") for m in sorted(steps)))
    entry = Entry(
        kind="unpaid",
        at=START,
        buyer="b",
        order="123456",
        outcome="跟进中",
        id=1,
        details={"reminders": [{"at": START.isoformat(), "via": "旺旺"}] * sent},
    )
    now = START + timedelta(minutes=minutes_later)
    items = due_items([entry], settings, now)
    if sent >= len(steps):
        assert items == [] and next_reminder(entry, settings) is None
    else:
        expected_due = START + timedelta(minutes=sorted(steps)[sent])
        assert bool(items) == (now >= expected_due)
        assert next_reminder(entry, settings)[1] == expected_due


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from(["成交", "未成交", "跟进中"]),
            st.integers(min_value=0, max_value=1000),
        ),
        max_size=20,
    )
)
def test_campaign_list_holds_exactly_the_buyers_whose_latest_entry_did_not_convert(rows):
    entries = [
        Entry(kind="inquiry", at=START + timedelta(minutes=m), buyer=b, outcome=o, id=i)
        for i, (b, o, m) in enumerate(rows)
    ]
    listed = {r["buyer"] for r in campaign_list(entries, {}, DEFAULTS.group_names)}
    latest = {}
    for e in sorted(entries, key=lambda e: (e.at, e.id)):
        latest[e.buyer] = e.outcome
    assert listed == {b for b, outcome in latest.items() if outcome != "成交"}
