"""The report from GROUP BY aggregates gives exactly the figures the old row-by-row computation gave.

Generated logbooks (seeded, on SQLite and on PostgreSQL) are reported both ways:
``report_from_store`` (the database counts) and the previous Python code kept in
``logbook_report_reference``, for days, weeks, agents and ``--top`` sizes. Equal
means equal ``repr``: same keys in the same order, same values, same Decimal
exponents. Also here: the covering index and its migration, and the cache of the
KB's answers.
"""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from cstool_logbook.models import Entry
from cstool_logbook.report import (
    Group,
    QuestionGroup,
    build_report,
    groups_of,
    period_for,
    report_from_store,
    top_questions,
)
from cstool_logbook.store import MIGRATIONS, SCHEMA_VERSION, open_store
from hypothesis import given, settings
from hypothesis import strategies as st
from logbook_report_reference import (
    old_build_report,
    old_report_from_store,
    old_top_questions,
)

from cstool import hookimpl
from cstool.output import to_json

pytest_plugins = ["logbook_helpers"]

TZ = ZoneInfo("Asia/Shanghai")
WEEK = period_for("week", date(2026, 11, 12), TZ)  # 2026-11-09 .. 2026-11-16
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
AGENTS = ["甲", "乙", "", "未署名", "Zed", "zed", "客服 01"]
# Variants of the same questions (width, case, spaces, punctuation) and a few that fold to nothing.
QUESTIONS = [
    "能便宜点吗",
    "能便宜点吗？",
    "能 便宜点吗",
    "  能便宜点吗!  ",
    "ＸＬ有货吗",
    "xl有货吗？",
    "XL 有货吗",
    "发什么快递",
    "发什么快递?",
    "包邮吗",
    "包邮吗～",
    "有赠品吗",
    "电话13812345678能改地址吗",
    "？？",
    "...",
    "b",
    "B",
    "a",
]
REASONS = ["价格", "运费", "", "未填写", "其他", "比价"]


def _times(rng: random.Random) -> list[datetime]:
    """A small pool of times, so many entries share a second; the period's edges included."""
    start, end = WEEK.start, WEEK.end
    edges = [start, start - timedelta(seconds=1), end, end - timedelta(seconds=1), start + timedelta(days=3)]
    spread = [
        start - timedelta(days=9) + timedelta(minutes=rng.randrange(0, 26 * 24 * 60)) for _ in range(30)
    ]
    return edges + spread


def generate(seed: int, total: int) -> list[Entry]:
    rng = random.Random(seed)
    times = _times(rng)
    entries = []
    for _ in range(total):
        kind = rng.choices(["inquiry", "unpaid", "promise", "complaint", "other"], [50, 25, 8, 15, 2])[0]
        entry = Entry(
            kind=kind, at=rng.choice(times), buyer=f"b{rng.randrange(40)}", agent=rng.choice(AGENTS)
        )
        if kind == "inquiry":
            entry.questions = [rng.choice(QUESTIONS) for _ in range(rng.randrange(0, 5))]
            entry.outcome = rng.choice(["成交", "未成交", "跟进中"])
            entry.reason = rng.choice(REASONS)
        elif kind == "unpaid":
            entry.order = f"9{rng.randrange(10**8):08d}"
            entry.amount = rng.choice([None, Decimal("0.00"), Decimal(rng.randrange(1, 10**9)).scaleb(-2)])
            entry.outcome = rng.choice(["已付款", "已关闭", "跟进中"])
            entry.reason = rng.choice(REASONS)
        elif kind == "promise":
            entry.outcome = rng.choice(["待履行", "已履行"])
            entry.details = {"promise": "送收纳袋", "flag": "红", "remark": "甲 送收纳袋 11.10"}
        elif kind == "complaint":
            entry.outcome = rng.choice(["处理中", "处理中", "已解决"])
            entry.details = {"what": f"破损，电话1381234{rng.randrange(10**4):04d}", "severity": "一般"}
            if rng.random() < 0.8:
                entry.details["major"] = rng.random() < 0.5
                entry.details["severity"] = "重大" if entry.details["major"] else "严重"
        else:
            entry.outcome = rng.choice(["", "x"])
        entries.append(entry)
    return entries


def same(new: dict, old: dict) -> None:
    assert repr(new) == repr(old)
    assert to_json(new) == to_json(old)


PERIODS = [
    WEEK,
    period_for("day", date(2026, 11, 9), TZ),
    period_for("day", date(2026, 11, 15), TZ),
    period_for("week", date(2026, 11, 3), TZ),
    period_for("week", date(2026, 12, 30), TZ),  # nothing in it
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generated_logbook_gives_the_old_figures(log_db, seed):
    with open_store(log_db) as store:
        store.add_many(generate(seed, 300), now=NOW)
        for period in PERIODS:
            for agent in [None, "甲", "", "未署名", "zed", "nobody"]:
                for top in (3, 10, 100):
                    new = report_from_store(store, period, agent=agent, top=top)
                    same(new, old_report_from_store(store, period, agent=agent, top=top))


def test_ties_on_the_same_second_keep_the_first_wording(log_db):
    """Two question lists first asked in the same second: the earlier entry's wording is shown."""
    at = WEEK.start + timedelta(hours=10)
    entries = [
        Entry(kind="inquiry", at=at, buyer="x", questions=["能便宜点吗？", "包邮吗"], outcome="成交"),
        Entry(kind="inquiry", at=at, buyer="y", questions=["能 便宜点吗"], outcome="成交"),
        Entry(kind="inquiry", at=at - timedelta(hours=1), buyer="z", questions=["包邮吗!"], outcome="成交"),
        Entry(kind="inquiry", at=at, buyer="w", questions=["能 便宜点吗"], outcome="成交"),
    ]
    with open_store(log_db) as store:
        store.add_many(entries, now=NOW)
        new = report_from_store(store, WEEK)
        same(new, old_report_from_store(store, WEEK, agent=None))
    assert new["questions"] == [
        {"question": "能便宜点吗？", "count": 3},
        {"question": "包邮吗!", "count": 2},
    ]


def test_the_fixture_log_through_the_cli_matches_the_old_figures(cli, log_db):
    """The command's JSON (masked) is the old computation's, masked, plus the ``kb`` it names."""
    from cstool.masking import mask_data

    with open_store(log_db) as store:
        store.add_many(generate(7, 120), now=NOW)
        olds = {
            (kind, day, agent): old_report_from_store(
                store, period_for(kind, date.fromisoformat(day), TZ), agent=agent
            )
            for kind in ("day", "week")
            for day in ("2026-11-09", "2026-11-13")
            for agent in (None, "乙")
        }
    for (kind, day, agent), old in olds.items():
        args = ["log", "report", f"--{kind}", "--date", day, "--format", "json"]
        result = cli(*args, *(["--agent", agent] if agent else []), env={"CSTOOL_LOAD_PLUGINS": "logbook"})
        assert result.exit_code == 0, result.stderr
        shown = json.loads(result.stdout)
        assert shown.pop("kb")["bundled"] is True
        # No search plugin loaded: the old actions.kb_matches said [] with no question to ask, else None.
        old["gaps"] = [] if not old["questions"] else None
        assert shown == json.loads(to_json(mask_data(old)))


# --- the pure functions, against the old ones on entries in memory -------------------------------
entry_rows = st.lists(
    st.tuples(
        st.sampled_from(["inquiry", "unpaid", "complaint", "promise"]),
        st.sampled_from(["甲", "乙", ""]),
        st.sampled_from(["成交", "未成交", "跟进中", "已付款", "已关闭", "处理中"]),
        st.sampled_from(REASONS),
        st.one_of(st.none(), st.decimals(min_value=0, max_value=99999, places=2)),
        st.lists(st.sampled_from(QUESTIONS), max_size=4),
        st.integers(min_value=0, max_value=7 * 24 * 60 - 1),
    ),
    max_size=40,
)


def _question_groups(entries: list[Entry]) -> list[QuestionGroup]:
    """What Store.question_groups computes, done by hand: per distinct list, count and first (time, id)."""
    groups: dict[str, list] = {}
    for e in entries:
        if e.kind != "inquiry":
            continue
        text = json.dumps(e.questions, ensure_ascii=False)
        first = (int(e.at.timestamp()), e.id)
        if text not in groups:
            groups[text] = [0, first]
        groups[text][0] += 1
        groups[text][1] = min(groups[text][1], first)
    return [QuestionGroup(text, n, first) for text, (n, first) in groups.items()]


@settings(max_examples=150)
@given(entry_rows, st.integers(min_value=1, max_value=6))
def test_figures_from_groups_equal_the_old_figures(rows, top):
    entries = [
        Entry(
            kind=kind,
            at=WEEK.start + timedelta(minutes=minute),
            buyer="b",
            agent=agent,
            outcome=outcome,
            reason=reason,
            amount=amount,
            questions=questions,
            id=i + 1,
        )
        for i, (kind, agent, outcome, reason, amount, questions, minute) in enumerate(rows)
    ]
    entries.sort(key=lambda e: (e.at, e.id))
    questions = top_questions(_question_groups(entries), top)
    assert questions == old_top_questions([e for e in entries if e.kind == "inquiry"], top)
    known = [len(q["question"]) % 2 == 0 for q in questions]
    new = build_report(groups_of(entries), questions, (0, []), WEEK, answered=known)
    old = old_build_report(entries, [], WEEK, top=top, matches=[{"id": "x"} if k else None for k in known])
    same(new, old)


def test_groups_of_sums_fen_exactly():
    entries = [
        Entry(kind="unpaid", at=WEEK.start, buyer="b", amount=Decimal("0.10"), outcome="已付款"),
        Entry(kind="unpaid", at=WEEK.start, buyer="b", amount=Decimal("0.20"), outcome="已付款"),
        Entry(kind="unpaid", at=WEEK.start, buyer="b", amount=None, outcome="已付款"),
    ]
    assert groups_of(entries) == [Group("", "unpaid", "已付款", "", 3, 30)]


# --- the covering index and its migration --------------------------------------------------------
def test_an_older_logbook_gets_the_report_indexes_and_keeps_its_entries(log_db):
    with open_store(log_db, migrate=False) as store:
        store.migrate(target=2)
        assert store.schema_version() == 2
        store.add_many(generate(5, 60), now=NOW)
        before = old_report_from_store(store, WEEK, agent=None)
    assert len(MIGRATIONS) == SCHEMA_VERSION == 3
    with open_store(log_db) as store:
        assert store.schema_version() == 3
        if not log_db.startswith("postgresql"):
            names = {r[0] for r in store.db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
            assert {"entries_report", "entries_questions"} <= names
        same(report_from_store(store, WEEK), before)
    with open_store(log_db) as store:  # opening again changes nothing
        assert store.schema_version() == 3


def test_a_long_agent_name_still_saves_on_postgresql(log_db):
    """No index key holds free text on PostgreSQL (its B-tree refuses keys over 2,704 bytes)."""
    rng = random.Random(3)
    name = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(3000))
    entry = Entry(kind="inquiry", at=WEEK.start, buyer="b", agent=name, questions=[name], outcome="成交")
    with open_store(log_db) as store:
        store.add(entry, now=NOW)
        report = report_from_store(store, WEEK)
    assert report["agents"][0]["agent"] == name and report["questions"][0]["count"] == 1


def _traced(store, agent):
    seen: list[str] = []
    store.db.conn.set_trace_callback(seen.append)
    try:
        report_from_store(store, WEEK, agent=agent)
    finally:
        store.db.conn.set_trace_callback(None)
    return seen


@pytest.mark.parametrize("agent", [None, "甲"])
def test_sqlite_report_queries_read_the_right_indexes(tmp_path, agent):
    """Every statement the store runs for a report (traced), planned: the period's aggregates read
    only their covering indexes; the open complaints go through (kind, outcome)."""
    with open_store(str(tmp_path / "log.sqlite3")) as store:
        store.add_many(generate(4, 200), now=NOW)
        plans = {}
        for sql in _traced(store, agent):
            plan = " ".join(str(row[-1]) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql))
            plans[sql] = plan
    groups = [p for s, p in plans.items() if "GROUP BY agent, kind, outcome, reason" in s]
    questions = [p for s, p in plans.items() if "GROUP BY questions" in s]
    complaints = [p for s, p in plans.items() if "'处理中'" in s]
    assert len(groups) == len(questions) == 1 and len(complaints) == 2, plans
    assert "COVERING INDEX entries_report" in groups[0]
    assert "COVERING INDEX entries_questions" in questions[0]
    assert all("INDEX entries_kind_outcome" in p and "TEMP B-TREE" not in p for p in complaints), complaints


# --- which top questions the KB answers: asked once per KB signature -----------------------------
class CountingSearch:
    """A stand-in search plugin: the KB only answers questions about price; remembers what it was asked."""

    def __init__(self):
        self.asked: list[list[str]] = []

    @hookimpl
    def cstool_kb_match(self, kb, questions):
        self.asked.append(list(questions))
        return [{"id": "bargain", "title": "议价", "score": 8.5} if "便宜" in q else None for q in questions]


@pytest.fixture
def small_log(log_db, monkeypatch):
    monkeypatch.setenv("CSTOOL_LOAD_PLUGINS", "logbook")
    at = WEEK.start + timedelta(hours=9)
    entries = [
        Entry(kind="inquiry", at=at, buyer="a", questions=["能便宜点吗", "发什么快递"], outcome="未成交"),
        Entry(kind="inquiry", at=at, buyer="b", questions=["能便宜点吗？"], outcome="成交"),
        Entry(kind="inquiry", at=at, buyer="c", questions=["电话13812345678 能改地址吗"], outcome="成交"),
    ]
    with open_store(log_db) as store:
        store.add_many(entries, now=NOW)
    return log_db


def _gaps(run_with_plugins, search, *extra):
    code, out, err = run_with_plugins(
        [search], "log", "report", "--week", "--date", "2026-11-12", "--format", "json", *extra
    )
    assert code == 0, err
    return json.loads(out)["gaps"]


def test_kb_answers_are_cached_until_the_kb_changes(small_log, run_with_plugins, tmp_path, isolated_home):
    first = CountingSearch()
    gaps = _gaps(run_with_plugins, first)
    assert first.asked == [["能便宜点吗", "发什么快递", "电话13812345678 能改地址吗"]]
    assert gaps == [
        {"question": "发什么快递", "count": 1},
        {"question": "电话138****5678 能改地址吗", "count": 1},
    ]

    again = CountingSearch()
    assert _gaps(run_with_plugins, again) == gaps
    assert again.asked == []  # answered from the cache: the search engine is not even imported

    cache = (isolated_home / "cache" / "logbook" / "kb-answers.json").read_text(encoding="utf-8")
    assert "快递" not in cache and "13812345678" not in cache  # hashes only, never buyers' words

    # The team edits its KB: asked again.
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: 团队\n", encoding="utf-8")
    edited = CountingSearch()
    code, _, err = run_with_plugins(
        [edited], "--kb", str(kb), "log", "report", "--week", "--date", "2026-11-12"
    )
    assert code == 0, err
    assert len(edited.asked) == 1
    (kb / "kb.yaml").write_text("name: 团队（改）\n", encoding="utf-8")
    after_edit = CountingSearch()
    code, _, err = run_with_plugins(
        [after_edit], "--kb", str(kb), "log", "report", "--week", "--date", "2026-11-12"
    )
    assert code == 0, err
    assert len(after_edit.asked) == 1


def test_a_different_search_backend_is_asked_again(small_log, run_with_plugins, monkeypatch):
    _gaps(run_with_plugins, CountingSearch())
    monkeypatch.setenv("CSTOOL_SEARCH_BACKEND", "tantivy")
    switched = CountingSearch()
    _gaps(run_with_plugins, switched)
    assert len(switched.asked) == 1


def test_only_new_questions_are_asked(small_log, run_with_plugins):
    _gaps(run_with_plugins, CountingSearch(), "--top", "1")
    more = CountingSearch()
    _gaps(run_with_plugins, more, "--top", "3")
    assert more.asked == [["发什么快递", "电话13812345678 能改地址吗"]]


def test_a_broken_cache_file_costs_nothing_but_time(small_log, run_with_plugins, isolated_home):
    cache = isolated_home / "cache" / "logbook" / "kb-answers.json"
    cache.parent.mkdir(parents=True)
    cache.write_text("{not json", encoding="utf-8")
    search = CountingSearch()
    assert _gaps(run_with_plugins, search) == [
        {"question": "发什么快递", "count": 1},
        {"question": "电话138****5678 能改地址吗", "count": 1},
    ]
    assert len(search.asked) == 1
    assert json.loads(cache.read_text(encoding="utf-8"))  # rewritten whole


class BrokenSearch:
    @hookimpl
    def cstool_kb_match(self, kb, questions):
        raise RuntimeError("index is gone")


def test_a_failing_search_plugin_leaves_the_gaps_unknown_and_is_not_cached(small_log, run_with_plugins):
    code, out, err = run_with_plugins(
        [BrokenSearch()], "log", "report", "--week", "--date", "2026-11-12", "--format", "json"
    )
    assert code == 0 and json.loads(out)["gaps"] is None
    assert "知识库匹配失败" in err
    search = CountingSearch()
    _gaps(run_with_plugins, search)
    assert len(search.asked) == 1


PLUGIN_SOURCE = """
from cstool import hookimpl

asked = []


class FileSearch:
    @hookimpl
    def cstool_kb_match(self, kb, questions):
        asked.append(list(questions))
        return [None for q in questions]  # VERSION
"""


def _load_plugin(path, monkeypatch):
    """Import ``path`` as the module ``file_search`` (the same name both times, as an upgrade would)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("file_search", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "file_search", module)
    spec.loader.exec_module(module)
    return module


def test_an_upgraded_search_plugin_is_asked_again(small_log, run_with_plugins, tmp_path, monkeypatch):
    source = tmp_path / "file_search.py"
    source.write_text(PLUGIN_SOURCE, encoding="utf-8")
    first = _load_plugin(source, monkeypatch)
    _gaps(run_with_plugins, first.FileSearch())
    _gaps(run_with_plugins, first.FileSearch())
    assert len(first.asked) == 1  # the second report came from the cache
    source.write_text(PLUGIN_SOURCE.replace("VERSION", "version 2"), encoding="utf-8")
    upgraded = _load_plugin(source, monkeypatch)
    _gaps(run_with_plugins, upgraded.FileSearch())
    assert len(upgraded.asked) == 1


def test_a_kb_folder_that_links_to_itself_still_reports(small_log, run_with_plugins, tmp_path):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "kb.yaml").write_text("name: 团队\n", encoding="utf-8")
    (kb / "loop").symlink_to(kb, target_is_directory=True)
    search = CountingSearch()
    code, out, err = run_with_plugins(
        [search], "--kb", str(kb), "log", "report", "--week", "--date", "2026-11-12", "--format", "json"
    )
    assert code == 0, err
    assert len(json.loads(out)["gaps"]) == 2 and len(search.asked) == 1
