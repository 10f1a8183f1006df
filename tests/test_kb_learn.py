"""``cstool kb learn``: the KB learns buyer phrasings from the team's own picks and logbook."""

from __future__ import annotations

import json

import pytest
from search_helpers import make_search_kb

from cstool import hookimpl
from cstool.plugins import make_plugin_manager

QUERY = "宝贝寄出来没有啊"  # no entry phrasing: picked for ship.when


@pytest.fixture
def kb(tmp_path):
    return make_search_kb(tmp_path / "team-kb")


def pick(cli, kb, query, entry_id, times=1):
    """Search ``query`` and pick the result whose id is ``entry_id`` (as an agent would)."""
    for _ in range(times):
        found = json.loads(cli("--kb", kb, "search", query, "--json").stdout)
        ids = [f["id"] for f in found]
        assert entry_id in ids, (query, ids)
        result = cli("--kb", kb, "search", query, "--pick", str(ids.index(entry_id) + 1))
        assert result.exit_code == 0, result.output


def test_picks_become_proposals_then_the_phrasing_finds_its_entry_first(cli, kb):
    before = json.loads(cli("--kb", kb, "search", QUERY, "--json").stdout)
    assert before and before[0]["id"] != "ship.when" or before[0]["relevance"] < 1
    pick(cli, kb, QUERY, "ship.when", times=2)
    pick(cli, kb, "包邮不", "promo.free_shipping", times=1)

    listed = cli("--kb", kb, "kb", "learn", "--json")
    assert listed.exit_code == 0, listed.output
    proposals = json.loads(listed.stdout)
    assert {"id": "ship.when", "question": QUERY, "count": 2, "source": "picks"}.items() <= proposals[
        0
    ].items()
    assert any(p["question"] == "包邮不" and p["count"] == 1 for p in proposals)

    applied = cli("--kb", kb, "kb", "learn", "--apply")
    assert applied.exit_code == 0, applied.output
    assert f"ship.when ← {QUERY}" in applied.stdout
    assert "包邮不" not in applied.stdout  # seen once: below the default --min-count 2
    text = (kb / "phrases" / "main.yaml").read_text(encoding="utf-8")
    assert QUERY in text and "包邮不" not in text

    after = json.loads(cli("--kb", kb, "search", QUERY, "--json").stdout)
    assert after[0]["id"] == "ship.when"
    assert cli("--kb", kb, "kb", "lint").exit_code == 0
    # learnt: no longer proposed
    again = json.loads(cli("--kb", kb, "kb", "learn", "--json").stdout)
    assert all(p["question"] != QUERY for p in again)


def test_min_count_option(cli, kb):
    pick(cli, kb, "包邮不", "promo.free_shipping", times=1)
    applied = cli("--kb", kb, "kb", "learn", "--apply", "--min-count", "1")
    assert "promo.free_shipping ← 包邮不" in applied.stdout
    assert "包邮不" in (kb / "phrases" / "main.yaml").read_text(encoding="utf-8")


def test_comments_order_and_crlf_are_kept(cli, kb):
    path = kb / "phrases" / "main.yaml"
    original = "# 团队的说明：别删\n" + path.read_text(encoding="utf-8").replace(
        "  - id: ship.tracking", "  # 物流相关\n  - id: ship.tracking"
    )
    path.write_bytes(original.replace("\n", "\r\n").encode("utf-8"))
    pick(cli, kb, QUERY, "ship.when", times=2)
    assert cli("--kb", kb, "kb", "learn", "--apply").exit_code == 0
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n")  # every line ends in CRLF
    text = raw.decode("utf-8")
    assert text.startswith("# 团队的说明：别删\r\n") and "  # 物流相关\r\n  - id: ship.tracking" in text
    ids = [line.split("id: ")[1] for line in text.splitlines() if "- id: " in line]
    assert ids[:3] == ["ship.when", "ship.tracking", "promo.free_shipping"]
    changed = [line for line in original.splitlines() if line not in text.splitlines()]
    assert changed == ["    questions: [什么时候发货, 啥时候发, 今天能发吗]"]  # the one list that grew
    assert f"    questions: [什么时候发货, 啥时候发, 今天能发吗, {QUERY}]\r\n" in text


def test_a_phone_number_never_reaches_the_kb(cli, kb):
    pick(cli, kb, "发货了吗 13812345678", "ship.when", times=3)
    pick(cli, kb, "发货到北京市朝阳区建国路88号了吗", "ship.when", times=3)
    proposals = json.loads(cli("--kb", kb, "kb", "learn", "--json").stdout)
    assert all("13812345678" not in p["question"] and "建国路" not in p["question"] for p in proposals)
    cli("--kb", kb, "kb", "learn", "--apply", "--min-count", "1")
    text = (kb / "phrases" / "main.yaml").read_text(encoding="utf-8")
    assert "1381234" not in text and "5678" not in text and "建国路" not in text and "*" not in text


def test_refused_on_the_bundled_kb(cli):
    from conftest import BUNDLED_KB

    result = cli("--kb", BUNDLED_KB, "kb", "learn", "--apply")
    assert result.exit_code == 2
    assert "示例知识库" in result.stderr and "Traceback" not in result.output


def test_without_a_terminal_or_apply_it_only_lists(cli, kb):
    pick(cli, kb, QUERY, "ship.when", times=2)
    result = cli("--kb", kb, "kb", "learn")
    assert result.exit_code == 0
    assert QUERY in result.stdout and "--apply" in result.stderr
    assert QUERY not in (kb / "phrases" / "main.yaml").read_text(encoding="utf-8")


def test_json_shape_with_nothing_to_learn(cli, kb):
    result = cli("--kb", kb, "kb", "learn", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_logbook_questions_the_kb_matches_weakly_are_proposed(cli, kb, tmp_path, monkeypatch):
    monkeypatch.setenv("CSTOOL_DB", str(tmp_path / "log.sqlite3"))
    for _ in range(2):
        result = cli(
            "--kb",
            kb,
            "log",
            "inquiry",
            "--buyer",
            "tb_买家",
            "--question",
            "邮费咋算的",
            "--question",
            "什么时候发货",
            "--outcome",
            "成交",
        )
        assert result.exit_code == 0, result.output
    proposals = json.loads(cli("--kb", kb, "kb", "learn", "--json").stdout)
    from_log = [p for p in proposals if p["source"] == "logbook"]
    # 什么时候发货 is an entry's own phrasing: nothing to learn; 邮费咋算的 is matched weakly
    assert all(p["question"] != "什么时候发货" for p in from_log)
    assert {
        "id": "promo.free_shipping",
        "question": "邮费咋算的",
        "count": 2,
        "source": "logbook",
    }.items() <= next(p for p in from_log if p["question"] == "邮费咋算的").items()
    cli("--kb", kb, "kb", "learn", "--apply")
    found = json.loads(cli("--kb", kb, "search", "邮费咋算的", "--json").stdout)
    assert found[0]["id"] == "promo.free_shipping" and found[0]["relevance"] == 1.0


def test_hook_cstool_learning_examples_feeds_kb_learn(kb):
    """A plugin offering examples through the hook: they are collected, masked and counted."""
    from cstool_quickphrase.index import open_index
    from cstool_quickphrase.learn import gather

    from cstool.kb import KnowledgeBase

    class Examples:
        @hookimpl
        def cstool_learning_examples(self, kb, register):
            register("东西坏掉了咋整", entry_id="aftersale.damaged", count=3)
            register("打我电话13900001111问发货", count=5)

    pm = make_plugin_manager(plugins=[Examples()], load_entrypoints=False)

    class State:
        pass

    state = State()
    state.pm = pm
    team = KnowledgeBase(kb)
    index = open_index(team)
    try:
        proposals = gather(state, team, index)
    finally:
        index.close()
    assert [(p.id, p.question, p.count, p.source) for p in proposals] == [
        ("aftersale.damaged", "东西坏掉了咋整", 3, "logbook")
    ]


BLOCK_STYLE = """\
# 物流话术（团队维护）
topic: 物流
entries:
  - id: ship.when
    title: 什么时候发货
    keywords: [发货]
    questions:
      - 什么时候发货   # 最常见
      # 下面是活动期间常问的
      - 今天能发吗
    replies:
      - 亲，付款后 48 小时内发货哦~
      - 亲，下午四点前付款当天发出~

  # 查件
  - id: ship.tracking
    title: 查物流
    questions:
      - 到哪了
    replies:
      - 亲，我帮您查一下物流~
      - 亲，单号在订单详情里~
"""


def test_block_style_list_keeps_its_comments_and_the_new_phrasing_goes_last(cli, kb):
    path = kb / "phrases" / "main.yaml"
    path.write_bytes(BLOCK_STYLE.replace("\n", "\r\n").encode("utf-8"))
    pick(cli, kb, QUERY, "ship.when", times=2)
    assert cli("--kb", kb, "kb", "learn", "--apply").exit_code == 0
    text = path.read_bytes().decode("utf-8")
    expected = BLOCK_STYLE.replace("      - 今天能发吗\n", f"      - 今天能发吗\n      - {QUERY}\n")
    assert text == expected.replace("\n", "\r\n")
