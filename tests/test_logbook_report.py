"""The supervisor's report on a fixture log whose figures were worked out by hand."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cstool_logbook.models import Entry
from cstool_logbook.report import (
    build_report,
    groups_of,
    percent,
    period_for,
    question_key,
    report_from_store,
    unpaid_figures,
)
from cstool_logbook.store import open_store
from hypothesis import given
from hypothesis import strategies as st
from logbook_report_reference import old_report_from_store

from cstool import hookimpl

TZ = ZoneInfo("Asia/Shanghai")

pytest_plugins = ["logbook_helpers"]


class KeywordSearch:
    """A tiny stand-in search plugin: the KB only answers questions about price."""

    def __init__(self):
        self.asked: list[list[str]] = []

    @hookimpl
    def cstool_kb_match(self, kb, questions):
        self.asked.append(list(questions))
        return [{"id": "bargain", "title": "议价", "score": 8.5} if "便宜" in q else None for q in questions]


@pytest.fixture
def fixture_log(cli, log_db, monkeypatch):
    """Week 2026-11-09 (Mon) .. 2026-11-15 (Sun), plus entries just outside it."""
    monkeypatch.setenv("CSTOOL_LOAD_PLUGINS", "logbook")  # no other search plugin answers for the KB

    def add(*args):
        result = cli("log", *args)
        assert result.exit_code == 0, result.stderr
        return result.stdout.strip()

    add(
        "inquiry",
        "--buyer",
        "a1",
        "-q",
        "能便宜点吗",
        "--outcome",
        "成交",
        "--agent",
        "甲",
        "--at",
        "2026-11-09 10:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a2",
        "-q",
        "能便宜点吗？",
        "-q",
        "发什么快递",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--agent",
        "甲",
        "--at",
        "2026-11-10 10:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a3",
        "-q",
        "发什么快递？",
        "--outcome",
        "未成交",
        "--reason",
        "运费",
        "--agent",
        "乙",
        "--at",
        "2026-11-11 10:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a4",
        "-q",
        "能 便宜点吗",
        "-q",
        "有赠品吗",
        "--outcome",
        "未成交",
        "--reason",
        "价格",
        "--agent",
        "乙",
        "--at",
        "2026-11-12 10:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a5",
        "-q",
        "有赠品吗",
        "--outcome",
        "跟进中",
        "--agent",
        "乙",
        "--at",
        "2026-11-13 10:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a6",
        "-q",
        "能便宜点吗",
        "--outcome",
        "成交",
        "--agent",
        "甲",
        "--at",
        "2026-11-16 00:00",
    )
    add(
        "inquiry",
        "--buyer",
        "a7",
        "-q",
        "能便宜点吗",
        "--outcome",
        "成交",
        "--agent",
        "甲",
        "--at",
        "2026-11-08 23:59",
    )
    u1 = add(
        "unpaid",
        "--order",
        "100000001",
        "--buyer",
        "u1",
        "--amount",
        "199.00",
        "--agent",
        "甲",
        "--at",
        "2026-11-10 12:00",
    )
    u2 = add(
        "unpaid",
        "--order",
        "100000002",
        "--buyer",
        "u2",
        "--amount",
        "88.80",
        "--agent",
        "乙",
        "--reason",
        "运费",
        "--at",
        "2026-11-11 12:00",
    )
    add(
        "unpaid",
        "--order",
        "100000003",
        "--buyer",
        "u3",
        "--amount",
        "10.01",
        "--agent",
        "乙",
        "--at",
        "2026-11-12 12:00",
    )
    u4 = add(
        "unpaid",
        "--order",
        "100000004",
        "--buyer",
        "u4",
        "--amount",
        "0.99",
        "--agent",
        "甲",
        "--at",
        "2026-11-14 12:00",
    )
    for entry_id, outcome in ((u1, "已付款"), (u2, "已关闭"), (u4, "已付款")):
        add("update", entry_id, "--outcome", outcome)
    add(
        "complaint",
        "--buyer",
        "c1",
        "--what",
        "上月破损未处理",
        "--severity",
        "重大",
        "--agent",
        "甲",
        "--order",
        "200000001",
        "--at",
        "2026-11-03 09:00",
    )
    add(
        "complaint",
        "--buyer",
        "c2",
        "--what",
        "发货慢，电话13812345678",
        "--agent",
        "甲",
        "--at",
        "2026-11-12 09:00",
    )
    c3 = add("complaint", "--buyer", "c3", "--what", "少件", "--agent", "乙", "--at", "2026-11-13 09:00")
    add("update", c3, "--outcome", "已解决")
    add(
        "promise",
        "--order",
        "100000001",
        "--buyer",
        "u1",
        "--promise",
        "送收纳袋",
        "--agent",
        "甲",
        "--at",
        "2026-11-11 15:00",
    )
    return log_db


def report_json(cli, *args) -> dict:
    result = cli("log", "report", "--format", "json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_weekly_figures(cli, fixture_log):
    report = report_json(cli, "--week", "--date", "2026-11-12")
    assert report["period"] == {
        "kind": "week",
        "start": "2026-11-09T00:00:00+08:00",
        "end": "2026-11-16T00:00:00+08:00",
        "label": "2026-11-09 至 2026-11-15",
    }
    assert report["counts"] == {"inquiry": 5, "unpaid": 4, "promise": 1, "complaint": 2}
    assert report["inquiries"] == {"total": 5, "converted": 1, "lost": 3, "pending": 1, "conversion": "20.0"}
    assert report["reasons"]["inquiry"] == [
        {"reason": "价格", "count": 2, "share": "66.7"},
        {"reason": "运费", "count": 1, "share": "33.3"},
    ]
    assert report["reasons"]["unpaid"] == [{"reason": "运费", "count": 1, "share": "100.0"}]
    assert report["questions"] == [
        {"question": "能便宜点吗", "count": 3},
        {"question": "发什么快递", "count": 2},
        {"question": "有赠品吗", "count": 2},
    ]
    assert report["unpaid"] == {
        "total": 4,
        "amount": "298.80",
        "recovered": {"count": 2, "amount": "199.99"},
        "lost": {"count": 1, "amount": "88.80"},
        "pending": {"count": 1, "amount": "10.01"},
        "recovery_rate": "50.0",
    }
    assert report["complaints"]["new"] == 2
    assert report["complaints"]["open"] == 2
    assert [c["buyer"] for c in report["complaints"]["major_open"]] == ["c1"]
    assert report["gaps"] is None  # no search plugin loaded
    agents = {a["agent"]: a for a in report["agents"]}
    assert agents["甲"] == {
        "agent": "甲",
        "inquiries": 2,
        "converted": 1,
        "conversion": "50.0",
        "unpaid": 2,
        "recovered_amount": "199.99",
        "lost_amount": "0.00",
        "complaints": 1,
    }
    assert agents["乙"]["conversion"] == "0.0" and agents["乙"]["lost_amount"] == "88.80"


def test_daily_and_agent_filter(cli, fixture_log):
    day = report_json(cli, "--day", "--date", "2026-11-12")
    assert day["counts"] == {"inquiry": 1, "unpaid": 1, "promise": 0, "complaint": 1}
    assert day["inquiries"]["conversion"] == "0.0"
    assert day["complaints"]["open"] == 2  # c1 and c2; c3 came later
    mine = report_json(cli, "--week", "--date", "2026-11-12", "--agent", "甲")
    assert mine["inquiries"]["total"] == 2 and mine["unpaid"]["amount"] == "199.99"
    empty = report_json(cli, "--day", "--date", "2026-10-01")
    assert empty["inquiries"]["conversion"] is None and empty["unpaid"]["amount"] == "0.00"


def test_gaps_come_from_the_search_plugin(fixture_log, run_with_plugins):
    search = KeywordSearch()
    code, out, err = run_with_plugins(
        [search], "log", "report", "--week", "--date", "2026-11-12", "--format", "json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert search.asked == [["能便宜点吗", "发什么快递", "有赠品吗"]]
    assert report["gaps"] == [{"question": "发什么快递", "count": 2}, {"question": "有赠品吗", "count": 2}]
    code, out, _ = run_with_plugins(
        [KeywordSearch()], "log", "report", "--week", "--date", "2026-11-12", "--format", "markdown"
    )
    assert "## 知识库缺口（建议补充到知识库）" in out
    assert "| 发什么快递 | 2 |" in out


def test_the_database_aggregates_give_the_old_figures_on_the_fixture_log(fixture_log):
    """The GROUP BY report equals the old row-by-row computation, for every day, the week and each agent."""
    days = [date(2026, 11, 8) + timedelta(days=n) for n in range(9)]
    periods = [period_for("day", d, TZ) for d in days] + [period_for("week", date(2026, 11, 12), TZ)]
    with open_store(fixture_log) as store:
        for period in periods:
            for agent in (None, "甲", "乙", "丙"):
                for top in (1, 2, 10):
                    new = report_from_store(store, period, agent=agent, top=top)
                    old = old_report_from_store(store, period, agent=agent, top=top)
                    assert repr(new) == repr(old)


def test_without_search_plugin_gap_analysis_is_said_to_be_unavailable(cli, fixture_log):
    result = cli("log", "report", "--week", "--date", "2026-11-12", "--format", "markdown")
    assert "未加载搜索插件，无法分析知识库缺口" in result.stdout


def test_markdown_and_csv_carry_the_same_figures(cli, fixture_log):
    md = cli("log", "report", "--week", "--date", "2026-11-12", "--format", "markdown").stdout
    assert md.startswith("# 客服周报 2026-11-09 至 2026-11-15")
    assert (
        "| 询盘转化率 | 20.0% |" in md and "| 催付成功金额 | 199.99 |" in md and "| 价格 | 2 | 66.7% |" in md
    )
    raw = cli("log", "report", "--week", "--date", "2026-11-12", "--format", "csv").stdout
    assert raw.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    assert ["概览", "流失金额", "88.80"] in rows
    assert ["未成交原因（询盘）", "运费", "1", "33.3%"] in rows


def test_xlsx_reads_back_with_chinese_headers(cli, fixture_log, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "周报.xlsx"
    result = cli("log", "report", "--week", "--date", "2026-11-12", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    book = load_workbook(out)
    assert book.sheetnames[:3] == ["概览", "未成交原因（询盘）", "未付款原因（已关闭订单）"]
    overview = {row[0]: row[1] for row in book["概览"].iter_rows(min_row=2, values_only=True)}
    assert overview["询盘"] == 5
    assert Decimal(str(overview["催付成功金额"])) == Decimal("199.99")
    assert overview["询盘转化率"] == pytest.approx(0.2)
    reasons = list(book["未成交原因（询盘）"].iter_rows(values_only=True))
    assert reasons[0] == ("原因", "次数", "占比")
    assert reasons[1][:2] == ("价格", 2)
    assert book["按客服"]["A1"].value == "客服"


def test_xlsx_needs_an_output_file(cli, fixture_log):
    result = cli("log", "report", "--week", "--format", "xlsx")
    assert result.exit_code == 2 and "--out" in result.stderr


def test_report_table_and_bad_options(cli, fixture_log, tmp_path):
    table = cli("log", "report", "--week", "--date", "2026-11-12")
    assert table.exit_code == 0 and "询盘转化率" in table.stdout and "20.0%" in table.stdout
    assert cli("log", "report", "--day", "--week").exit_code == 2
    assert cli("log", "report", "--format", "pdf").exit_code == 2
    assert cli("log", "report", "--date", "11/32").exit_code == 2
    target = tmp_path / "r.md"
    assert (
        cli(
            "log", "report", "--week", "--date", "2026-11-12", "--format", "markdown", "--out", str(target)
        ).exit_code
        == 0
    )
    assert "询盘转化率" in target.read_text(encoding="utf-8")


# --- the calculators ----------------------------------------------------------------------------
def test_week_runs_monday_to_sunday_in_the_zone():
    period = period_for("week", date(2026, 11, 15), TZ)
    assert (period.start.isoformat(), period.end.isoformat()) == (
        "2026-11-09T00:00:00+08:00",
        "2026-11-16T00:00:00+08:00",
    )
    assert period_for("day", date(2026, 11, 15), TZ).label == "2026-11-15"


def test_percent_rounds_half_up():
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 -> 6.3
    assert percent(2, 3) == Decimal("66.7")
    assert percent(0, 0) is None


def test_question_key_folds_width_spaces_and_punctuation():
    assert question_key("能 便宜点吗？") == question_key("能便宜点吗?") == question_key("能便宜点吗")
    assert question_key("ＸＬ 有货吗？？") == question_key("xl有货吗")


amounts = st.decimals(min_value=0, max_value=99999, places=2, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(amounts, st.sampled_from(["已付款", "已关闭", "跟进中"])), max_size=40))
def test_unpaid_money_adds_up_exactly(rows):
    entries = [
        Entry(kind="unpaid", at=datetime(2026, 11, 11, tzinfo=TZ), buyer="b", amount=a, outcome=o)
        for a, o in rows
    ]
    figures = unpaid_figures(entries)
    parts = figures["recovered"]["amount"] + figures["lost"]["amount"] + figures["pending"]["amount"]
    assert parts == figures["amount"] == sum((a for a, _ in rows), Decimal("0.00"))
    assert figures["recovered"]["count"] + figures["lost"]["count"] + figures["pending"]["count"] == len(rows)
    rate = figures["recovery_rate"]
    assert rate is None if not rows else Decimal(0) <= Decimal(rate) <= Decimal(100)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["成交", "未成交", "跟进中"]),
            st.sampled_from(["价格", "运费", "比价", ""]),
            st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
        ),
        max_size=40,
    )
)
def test_report_counts_are_consistent(rows):
    start = datetime(2026, 11, 9, tzinfo=TZ)
    entries = [
        Entry(
            kind="inquiry", at=start + timedelta(minutes=m), buyer="b", outcome=o, reason=r, questions=["q"]
        )
        for o, r, m in rows
    ]
    report = build_report(groups_of(entries), [], (0, []), period_for("week", start.date(), TZ))
    inq = report["inquiries"]
    assert inq["converted"] + inq["lost"] + inq["pending"] == inq["total"] == len(rows)
    assert sum(r["count"] for r in report["reasons"]["inquiry"]) == inq["lost"]
    shares = [Decimal(r["share"]) for r in report["reasons"]["inquiry"]]
    assert not shares or abs(sum(shares) - 100) <= Decimal("0.05") * len(shares)
    counts = [r["count"] for r in report["reasons"]["inquiry"]]
    assert counts == sorted(counts, reverse=True)
