"""Nothing broken reaches a buyer: a placeholder with nothing true to say now ({promo} with no campaign
running, a deal whose window ended) never renders as empty or stale text."""

from __future__ import annotations

import json
import re

import pytest
from conftest import BUNDLED_KB
from cstool_quickphrase.model import load_phrasebook
from cstool_quickphrase.render import placeholder_fallbacks, render_entry
from kb_tools_helpers import KB_YAML, make_kb

from cstool.context import AppState
from cstool.kb import KnowledgeBase
from cstool.plugins import make_plugin_manager
from cstool.template import NothingToSay, StaticText, render_text

NO_CAMPAIGN = "2026-07-01T10:00:00+08:00"
ANNIVERSARY_LATE = "2026-06-18T07:00:00+08:00"  # step-1 (00:00–02:00) and step-2 (02:00–06:00) are over
DOUBLE11_OPENING = "2026-11-11T01:00:00+08:00"  # the 00:00–02:00 blanket deal is on
DOUBLE11_MORNING = "2026-11-11T10:00:00+08:00"  # ... and over
TIMES = [NO_CAMPAIGN, ANNIVERSARY_LATE, DOUBLE11_OPENING, DOUBLE11_MORNING]
BROKEN = re.compile(r"[：:][。，,.！!~]|[{}]|（）|：$")


def values_at(monkeypatch, now, kb_path=BUNDLED_KB):
    monkeypatch.setenv("CSTOOL_NOW", now)
    state = AppState(pm=make_plugin_manager(), kb_option=str(kb_path))
    return state.kb, state.placeholders()


@pytest.mark.parametrize("now", TIMES)
def test_every_variant_of_the_starter_kb_renders_whole(monkeypatch, now):
    kb, values = values_at(monkeypatch, now)
    fallbacks = placeholder_fallbacks(kb.settings)
    book = load_phrasebook(kb)
    checked = 0
    for entry in book.entries:
        for variant in range(len(entry.replies)):
            done = render_entry(entry.replies, variant, values, fallbacks)
            for step in done.steps:
                [(kind, text)] = step.items()
                assert text.strip(), (entry.id, variant)
                assert not BROKEN.search(text), (entry.id, variant, text)
            checked += 1
    assert checked > 100


def promo_replies(cli, now):
    result = cli("--kb", BUNDLED_KB, "search", "现在有什么活动", "--json", "-n", "1", env={"CSTOOL_NOW": now})
    assert result.exit_code == 0, result.stderr
    [hit] = json.loads(result.stdout)
    assert hit["id"] == "promo.current"
    return hit["reply"]


def test_no_campaign_running_uses_the_team_fallback(cli):
    reply = promo_replies(cli, NO_CAMPAIGN)
    assert "活动是：这几天店里没有大促" in reply
    assert "双11" not in reply and "店庆" not in reply  # an upcoming campaign is not "现在的活动"


def test_an_ended_deal_is_never_advertised(cli):
    opening = promo_replies(cli, DOUBLE11_OPENING)
    assert "双11" in opening and "00:00–02:00" in opening and "129" in opening
    morning = promo_replies(cli, DOUBLE11_MORNING)
    assert "双11" in morning and "满199减20" in morning
    assert "02:00" not in morning and "129" not in morning
    late = promo_replies(cli, ANNIVERSARY_LATE)
    assert "299" not in late and "329" not in late and "359" in late


def silent_kb(tmp_path, fallback: str | None = None, plain_variant: bool = False):
    settings = KB_YAML + (f"placeholder_fallbacks:\n  promo: {fallback}\n" if fallback else "")
    replies = ["亲，现在的活动是：{promo}。", "亲，当前福利：{promo}"]
    if plain_variant:
        replies.append("亲，活动信息在店铺首页，{agent}帮您看看~")
    topic = "entries:\n  - id: promo.current\n    title: 有什么活动\n    stage: promo\n    questions: [有什么活动]\n"
    topic += "    replies:\n" + "".join(f"      - {r}\n" for r in replies)
    return make_kb(tmp_path / "kb", {"phrases/promo.yaml": topic}, settings=settings)


def test_a_variant_without_the_silent_placeholder_is_taken_first(cli, tmp_path):
    root = silent_kb(tmp_path, fallback="店铺满99包邮", plain_variant=True)
    result = cli("--kb", root, "search", "有什么活动", "--json", env={"CSTOOL_NOW": NO_CAMPAIGN})
    [hit] = json.loads(result.stdout)
    assert hit["reply"] == "亲，活动信息在店铺首页，小测帮您看看~" and hit["variant"] == 3
    assert cli("--kb", root, "kb", "lint").exit_code == 0


def test_without_any_way_out_the_entry_is_marked_and_cannot_be_picked(cli, tmp_path):
    root = silent_kb(tmp_path)
    env = {"CSTOOL_NOW": NO_CAMPAIGN}
    [hit] = json.loads(cli("--kb", root, "search", "有什么活动", "--json", env=env).stdout)
    assert hit["reply"] is None and "placeholder_fallbacks" in hit["unavailable"]
    shown = cli("--kb", root, "search", "有什么活动", env=env)
    assert shown.exit_code == 0 and "现在没有可说的内容" in shown.stdout and "{" not in shown.stdout
    picked = cli("--kb", root, "search", "有什么活动", "--pick", "1", env=env)
    assert picked.exit_code == 1 and picked.stdout == "" and "现在不能用" in picked.stderr
    lint = cli("--kb", root, "kb", "lint")
    assert lint.exit_code == 0 and "no-fallback" in lint.stdout and "promo" in lint.stdout
    assert cli("--kb", root, "kb", "lint", "--strict").exit_code == 1


def test_the_team_fallback_is_used_when_every_variant_needs_it(cli, tmp_path):
    root = silent_kb(tmp_path, fallback="店铺满99包邮")
    [hit] = json.loads(
        cli("--kb", root, "search", "有什么活动", "--json", env={"CSTOOL_NOW": NO_CAMPAIGN}).stdout
    )
    assert hit["reply"] == "亲，现在的活动是：店铺满99包邮。"
    assert "no-fallback" not in cli("--kb", root, "kb", "lint").stdout


def test_lint_checks_the_fallbacks_themselves(cli, tmp_path):
    root = silent_kb(tmp_path, fallback="不知道，{nick}")
    lint = cli("--kb", root, "kb", "lint")
    assert lint.exit_code == 1
    assert "kb.yaml:" in lint.stdout and "banned-word" in lint.stdout and "unknown-placeholder" in lint.stdout


def test_render_text_falls_back_or_says_nothing():
    values = {"shop": StaticText("小暖"), "promo": lambda: None}
    assert render_text("{shop}：{promo}", values, {"promo": "{shop}日常满99包邮"}) == "小暖：小暖日常满99包邮"
    with pytest.raises(NothingToSay) as caught:
        render_text("活动：{promo}。", values)
    assert caught.value.name == "promo"

    def refuses():
        raise NothingToSay("promo")

    with pytest.raises(NothingToSay):
        render_text("{promo}", {"promo": refuses})
    with pytest.raises(NothingToSay):
        render_text("{promo}", {"promo": lambda: "  "})  # blank is nothing too
    assert render_text("{{promo}} {other}", values) == "{promo} {other}"


def test_cstool_now_sets_the_clock_for_picks(cli, tmp_path):
    root = silent_kb(tmp_path, fallback="店铺满99包邮")
    cli("--kb", root, "search", "有什么活动", "--pick", "1", env={"CSTOOL_NOW": "2026-03-01T09:30:00+08:00"})
    stats = json.loads(cli("--kb", root, "kb", "stats", "--json").stdout)
    assert "2026-03-01" in stats[0]["last_used"] and "09:30" in stats[0]["last_used"]


def test_the_starter_kb_has_a_promo_fallback():
    assert placeholder_fallbacks(KnowledgeBase(BUNDLED_KB).settings)["promo"]
