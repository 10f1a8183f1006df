"""`cstool search` as an agent uses it: finding, JSON, picking, rotation, filters, bad input."""

from __future__ import annotations

import json

import pytest
from search_helpers import make_search_kb


@pytest.fixture
def kb(tmp_path):
    return make_search_kb(tmp_path / "team-kb")


def search_json(cli, kb, *args):
    result = cli("--kb", kb, "search", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("啥时候发货", "ship.when"),  # colloquial
        ("破损", "aftersale.damaged"),  # agent keyword
        ("免运费吗", "promo.free_shipping"),  # team synonym
        ("包郵嗎", "promo.free_shipping"),  # traditional characters
        ("baoyou", "promo.free_shipping"),  # full pinyin
        ("bzq", "product.shelf_life"),  # pinyin initials
        ("fh", "ship.when"),  # shortcut
        ("能不能便宜一点", "bargain.again"),  # unseen phrasing
        ("ＢＡＯＹＯＵ", "promo.free_shipping"),  # full-width letters
    ],
)
def test_finds_the_right_entry_first(cli, kb, query, expected):
    results = search_json(cli, kb, query)
    assert results[0]["id"] == expected


def test_json_has_the_promised_keys_and_rendered_reply(cli, kb):
    first = search_json(cli, kb, "什么时候发货")[0]
    assert {"id", "title", "score", "stage", "tags", "reply", "steps"} <= first.keys()
    assert first["stage"] == "ship"
    assert first["tags"] == ["发货"]
    assert first["reply"] == "亲，测试旗舰店 付款后 48 小时内发货哦~"  # placeholders filled from kb.yaml
    assert first["steps"] == [{"say": first["reply"]}]


def test_script_reply_shows_its_steps(cli, kb):
    first = search_json(cli, kb, "能便宜点吗")[0]
    assert first["steps"] == [
        {"say": "亲，我去帮您问问主管，请稍等~"},
        {"wait": "2-3分钟"},
        {"say": "主管说价格改不了，不过给您申请了一份小礼物~"},
    ]
    assert "（等待 2-3分钟）" in first["reply"]


def test_scores_are_best_first(cli, kb):
    results = search_json(cli, kb, "发货", "--limit", "10")
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_empty_result(cli, kb):
    assert search_json(cli, kb, "量子力学") == []
    person = cli("--kb", kb, "search", "量子力学")
    assert person.exit_code == 0
    assert person.stdout == ""
    assert "没有找到" in person.stderr


def test_person_output_is_numbered_with_reply_ready_to_paste(cli, kb):
    result = cli("--kb", kb, "search", "查物流", "--limit", "2")
    assert result.exit_code == 0
    assert result.stdout.startswith("[1] 查物流")
    assert "\n亲，我帮您查一下物流，请稍等~" in result.stdout


def test_limit(cli, kb):
    assert len(search_json(cli, kb, "亲", "--limit", "1")) <= 1
    assert len(search_json(cli, kb, "发货 包邮 破损 保质期", "--limit", "3")) == 3


def test_stage_filter_by_code_or_chinese_label(cli, kb):
    for stage in ("ship", "物流"):
        results = search_json(cli, kb, "发货 包邮", "--stage", stage)
        assert results and all(r["stage"] == "ship" for r in results)


def test_unknown_stage_is_bad_input(cli, kb):
    result = cli("--kb", kb, "search", "发货", "--stage", "火星")
    assert result.exit_code == 2
    assert "没有这个阶段：火星" in result.stderr


def test_tag_filter(cli, kb):
    results = search_json(cli, kb, "发货 物流 运费", "--tag", "运费")
    assert [r["id"] for r in results] == ["promo.free_shipping"]


def test_missing_query_without_terminal_is_bad_input(cli, kb):
    result = cli("--kb", kb, "search")
    assert result.exit_code == 2
    assert "缺少要搜索的话" in result.stderr


def test_broken_kb_gives_one_line_with_file_and_line(cli, tmp_path):
    kb = make_search_kb(tmp_path / "kb", phrases="entries:\n  - id: ship.when\n    title: [坏\n")
    result = cli("--kb", kb, "search", "发货")
    assert result.exit_code == 2
    assert "main.yaml:" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_pick_on_headless_box_says_so_and_records_the_pick(cli, kb):
    result = cli("--kb", kb, "search", "包邮", "--pick", "1")
    assert result.exit_code == 0
    assert result.stdout.strip() in {"亲，全场满 99 元包邮哦~", "亲，本店默认包邮（偏远地区除外）~"}
    assert "没有可用的剪贴板" in result.stderr
    stats = json.loads(cli("--kb", kb, "kb", "stats", "--json").stdout)
    assert stats[0] == {**stats[0], "id": "promo.free_shipping", "picks": 1}


def test_pick_beyond_results_fails_clearly(cli, kb):
    result = cli("--kb", kb, "search", "包邮", "--limit", "1", "--pick", "3")
    assert result.exit_code == 1
    assert "没有第 3 条结果" in result.stderr
