"""What search remembers: variant rotation per chat, picks (learning), and the index on disk."""

from __future__ import annotations

import json
import os
import stat
import time

import pytest
from search_helpers import PHRASES, make_search_kb

from cstool.kb import KnowledgeBase


@pytest.fixture
def kb(tmp_path):
    return make_search_kb(tmp_path / "team-kb")


def first(cli, kb, *args, env=None):
    result = cli("--kb", kb, "search", *args, "--json", env=env)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)[0]


def shown(cli, kb, query, *args, env=None):
    """What a person sees first for ``query`` (plain output: showing alone rotates nothing)."""
    result = cli("--kb", kb, "search", query, "--limit", "1", *args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.splitlines()[1]


def copied(cli, kb, query, *args, env=None):
    """The agent copies the first result for ``query`` (``--pick 1``): what was copied."""
    result = cli("--kb", kb, "search", query, "--pick", "1", *args, env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


# ---------------------------------------------------------------- rotation


def test_same_entry_again_in_a_chat_gives_the_next_variant(cli, kb):
    seen = [copied(cli, kb, "什么时候发货", "--chat", "买家A") for _ in range(4)]
    assert seen[0] == "亲，测试旗舰店 付款后 48 小时内发货哦~"
    assert seen[1] == "亲，今天下午四点前付款当天就能发出~"
    assert seen[2] == "亲，仓库按付款顺序发货，最晚两天内寄出~"
    assert seen[3] == seen[0]  # three variants, then round again


def test_each_chat_rotates_on_its_own(cli, kb):
    a1 = copied(cli, kb, "发货", "--chat", "买家A")
    a2 = copied(cli, kb, "发货", "--chat", "买家A")
    b1 = copied(cli, kb, "发货", env={"CSTOOL_CHAT": "买家B"})
    assert a1 != a2
    assert b1 == a1  # a new buyer starts with the first variant


def test_json_alone_does_not_rotate_but_pick_does(cli, kb):
    assert first(cli, kb, "包邮")["variant"] == 1
    assert first(cli, kb, "包邮")["variant"] == 1
    picked = cli("--kb", kb, "search", "包邮", "--pick", "1")
    assert picked.stdout.strip() == "亲，全场满 99 元包邮哦~"
    after = first(cli, kb, "包邮")
    assert after["variant"] == 2
    assert after["reply"] == "亲，本店默认包邮（偏远地区除外）~"


def test_default_chat_ends_after_quiet_half_hour(cli, kb):
    early = {"CSTOOL_NOW": "2026-03-01 10:00"}
    assert copied(cli, kb, "包邮", env=early) == "亲，全场满 99 元包邮哦~"
    assert (
        copied(cli, kb, "包邮", env={"CSTOOL_NOW": "2026-03-01 10:10"}) == "亲，本店默认包邮（偏远地区除外）~"
    )
    # 40 quiet minutes later: a new chat, the first variant again
    assert shown(cli, kb, "包邮", env={"CSTOOL_NOW": "2026-03-01 10:50"}) == "亲，全场满 99 元包邮哦~"


def test_only_the_copied_result_rotates(cli, kb):
    """Five results shown: none of them rotates; the one copied (``--pick 2``) does, alone."""
    query = "发货 包邮 物流"
    before = {r["id"]: r["variant"] for r in json.loads(cli("--kb", kb, "search", query, "--json").stdout)}
    assert len(before) >= 3 and set(before.values()) == {1}
    for _ in range(3):  # showing the list again and again changes nothing
        assert cli("--kb", kb, "search", query, "--chat", "买家A").exit_code == 0
    listed = json.loads(cli("--kb", kb, "search", query, "--json", "--chat", "买家A").stdout)
    assert {r["id"]: r["variant"] for r in listed} == before
    second = listed[1]
    picked = cli("--kb", kb, "search", query, "--pick", "2", "--chat", "买家A")
    assert picked.exit_code == 0 and picked.stdout.strip() == second["reply"]
    after = {
        r["id"]: r["variant"]
        for r in json.loads(cli("--kb", kb, "search", query, "--json", "--chat", "买家A").stdout)
    }
    assert after == {**before, second["id"]: 2}
    # another chat is untouched by that pick
    other = json.loads(cli("--kb", kb, "search", query, "--json", "--chat", "买家B").stdout)
    assert {r["id"]: r["variant"] for r in other} == before


def test_a_pick_is_stored_with_its_query(cli, kb):
    from cstool_quickphrase.usage import Usage

    cli("--kb", kb, "search", "免运费吗", "--pick", "1")
    cli("--kb", kb, "search", "免运费吗", "--pick", "1")
    cli("--kb", kb, "search", "啥时候发", "--pick", "1")
    rows = Usage(str(KnowledgeBase(kb).root.resolve())).picked_queries()
    assert [(r.entry, r.query, r.picks) for r in rows] == [
        ("promo.free_shipping", "免运费吗", 2),
        ("ship.when", "啥时候发", 1),
    ]


def test_the_usage_file_is_made_in_wal_mode_and_reads_keep_it(cli, kb):
    """Concurrent agents' processes share the file: WAL lets a search read while another records a pick."""
    import sqlite3

    from cstool_quickphrase.usage import Usage, db_path

    cli("--kb", kb, "search", "免运费吗", "--pick", "1")
    assert Usage(str(KnowledgeBase(kb).root.resolve())).pick_counts() == {"promo.free_shipping": 1}
    with sqlite3.connect(db_path()) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ---------------------------------------------------------------- learning from use


TWINS = """\
entries:
  - id: greet.welcome
    title: 欢迎语
    questions: [在吗, 有人吗]
    replies: [亲，在的~]
  - id: greet.welcome_warm
    title: 欢迎语
    questions: [在吗, 有人吗]
    replies: [亲亲，欢迎光临，有什么可以帮您？]
"""


def test_picked_entries_win_among_similar_matches(cli, tmp_path):
    kb = make_search_kb(tmp_path / "twins", phrases=TWINS)
    order = [r["id"] for r in json.loads(cli("--kb", kb, "search", "在吗", "--json").stdout)]
    assert order == ["greet.welcome", "greet.welcome_warm"]  # equal relevance: KB order
    cli("--kb", kb, "search", "在吗", "--pick", "2")
    order = [r["id"] for r in json.loads(cli("--kb", kb, "search", "在吗", "--json").stdout)]
    assert order == ["greet.welcome_warm", "greet.welcome"]


def test_usage_never_overtakes_a_clearly_better_match(cli, kb):
    for _ in range(40):
        cli("--kb", kb, "search", "保质期", "--pick", "1")
    assert first(cli, kb, "什么时候发货")["id"] == "ship.when"


def test_kb_stats_lists_every_entry_with_picks_and_last_use(cli, kb):
    cli("--kb", kb, "search", "破损", "--pick", "1", env={"CSTOOL_NOW": "2026-03-01 10:00"})
    cli("--kb", kb, "search", "破损", "--pick", "1", env={"CSTOOL_NOW": "2026-03-02 11:30"})
    rows = json.loads(cli("--kb", kb, "kb", "stats", "--json").stdout)
    assert len(rows) == 6
    top = rows[0]
    assert (top["id"], top["picks"], top["last_used"]) == (
        "aftersale.damaged",
        2,
        "2026-03-02T11:30:00+08:00",
    )
    assert all(r["picks"] == 0 and r["last_used"] is None for r in rows[1:])
    unused = json.loads(cli("--kb", kb, "kb", "stats", "--unused", "--json").stdout)
    assert "aftersale.damaged" not in {r["id"] for r in unused} and len(unused) == 5
    person = cli("--kb", kb, "kb", "stats")
    assert "从未使用" in person.stdout and "5 条从未使用" in person.stderr


# ---------------------------------------------------------------- index freshness


def test_editing_the_kb_is_picked_up_without_a_manual_rebuild(cli, kb):
    assert first(cli, kb, "发票")["id"] != "pay.invoice"
    text = PHRASES + (
        "  - id: pay.invoice\n    title: 开发票\n    questions: [能开发票吗]\n    replies: [亲，可以开电子发票哦~]\n"
    )
    path = kb / "phrases" / "main.yaml"
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10_000_000))  # a new mtime even on coarse clocks
    assert first(cli, kb, "发票")["id"] == "pay.invoice"


def test_adding_and_removing_a_file_is_picked_up(cli, kb):
    extra = kb / "phrases" / "pay.yaml"
    extra.write_text(
        "entries:\n  - id: pay.remind\n    title: 催付\n    replies: [亲，记得付款哦~]\n", encoding="utf-8"
    )
    assert first(cli, kb, "催付")["id"] == "pay.remind"
    extra.unlink()
    result = json.loads(cli("--kb", kb, "search", "催付", "--json").stdout)
    assert "pay.remind" not in {r["id"] for r in result}


def test_fresh_index_is_not_rebuilt(cli, kb):
    from cstool_quickphrase.index import index_dir, is_fresh

    cli("--kb", kb, "search", "发货")
    assert is_fresh(KnowledgeBase(kb))
    marker = index_dir(KnowledgeBase(kb)) / "meta.json"
    before = marker.stat().st_mtime_ns
    result = cli("--kb", kb, "search", "发货")
    assert "重建" not in result.stderr
    assert marker.stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "meta"])
def test_corrupt_or_missing_index_is_rebuilt(cli, kb, damage):
    from cstool_quickphrase.index import index_dir

    cli("--kb", kb, "search", "发货")
    folder = index_dir(KnowledgeBase(kb))
    files = [p for p in folder.iterdir() if p.is_file()]
    assert files
    for path in files:
        if damage == "truncate" and path.name != "meta.json":
            path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
        elif damage == "garbage" and path.name != "meta.json":
            path.write_bytes(b"\x00garbage" * 10)
        elif damage == "delete" and path.name != "meta.json":
            path.unlink()
        elif damage == "meta" and path.name == "meta.json":
            path.write_text("{not json", encoding="utf-8")
    result = first(cli, kb, "什么时候发货")
    assert result["id"] == "ship.when"


def test_unwritable_cache_still_answers_with_a_note(cli, kb, isolated_home):
    cache = isolated_home / "cache"
    cache.mkdir()
    cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(cache, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        result = cli("--kb", kb, "search", "发货")
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        assert "[1]" in result.stdout
        assert "这次在内存里建索引" in result.stderr
    finally:
        cache.chmod(stat.S_IRWXU)


def test_kb_index_rebuilds_on_demand(cli, kb):
    result = cli("--kb", kb, "kb", "index")
    assert result.exit_code == 0
    assert "已重建搜索索引：6 条" in result.stderr
    assert result.stdout == ""


def test_index_lives_in_the_user_cache_not_in_the_kb(cli, kb, isolated_home):
    before = sorted(p.relative_to(kb) for p in kb.rglob("*"))
    cli("--kb", kb, "search", "发货")
    assert sorted(p.relative_to(kb) for p in kb.rglob("*")) == before
    assert list((isolated_home / "cache" / "index").iterdir())


# ---------------------------------------------------------------- the kb_match hook


def test_hook_cstool_kb_match_finds_known_questions_and_reports_gaps(kb):
    from cstool.plugins import make_plugin_manager

    pm = make_plugin_manager()
    questions = ["你们啥时候发货啊", "可以开增值税专用发票吗", "收到的杯子碎了", "baoyou"]
    matches = pm.hook.cstool_kb_match(kb=KnowledgeBase(kb), questions=questions)
    assert len(matches) == 4
    assert matches[0]["id"] == "ship.when" and matches[0]["title"] == "什么时候发货"
    assert 0.5 <= matches[0]["score"] <= 1
    assert matches[1] is None  # nothing about invoices in this KB
    assert matches[2]["id"] == "aftersale.damaged"
    assert matches[3]["id"] == "promo.free_shipping"


# ---------------------------------------------------------------- a large KB's parallel build


def test_parallel_build_of_a_large_kb_ranks_exactly_like_one_process(cli, monkeypatch):
    """A KB above PARALLEL_MIN_ENTRIES is written by two processes into several
    segments; what an agent sees must not change."""
    from cstool_quickphrase import index, whoosh_backend

    from cstool.kb import bundled_kb_path

    if not whoosh_backend.can_fork_workers():
        pytest.skip("one CPU, or multiprocessing does not fork here: the build stays in one process")
    queries = ["能便宜点吗", "啥时候发货", "破损", "bzq", "baoyou", "包郵嗎", "退款多久到账", "可以开发票吗"]

    def results() -> list[list[tuple[str, float]]]:
        out = []
        for query in queries:
            result = cli("--kb", bundled_kb_path(), "search", query, "--json", "--limit", "5")
            assert result.exit_code == 0, result.stderr
            out.append([(hit["id"], hit["score"]) for hit in json.loads(result.stdout)])
        return out

    assert cli("--kb", bundled_kb_path(), "kb", "index").exit_code == 0
    one_process = results()
    monkeypatch.setattr(whoosh_backend, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(whoosh_backend, "PARALLEL_BATCH", 7)
    assert cli("--kb", bundled_kb_path(), "kb", "index").exit_code == 0
    opened = index.open_index(KnowledgeBase(bundled_kb_path()))
    try:
        assert len(opened.reader.searcher.reader().leaf_readers()) > 1  # really several segments
    finally:
        opened.close()
    parallel = results()
    for a, b in zip(one_process, parallel, strict=True):
        assert [i for i, _ in a] == [i for i, _ in b]
        assert [s for _, s in a] == pytest.approx([s for _, s in b])


@pytest.mark.parametrize("workers", [1, 2])
def test_block_reading_gives_whooshs_own_postings(tmp_path, monkeypatch, workers):
    """Search reads whoosh's posting blocks directly (the fast path); over many
    blocks and segments it must see exactly what whoosh's matcher API sees."""
    from cstool_quickphrase import index, whoosh_backend

    monkeypatch.setattr(whoosh_backend, "BLOCK_LIMIT", 128)  # several blocks per term
    if workers == 2:
        if not whoosh_backend.can_fork_workers():
            pytest.skip("one CPU, or multiprocessing does not fork here")
        monkeypatch.setattr(whoosh_backend, "PARALLEL_MIN_ENTRIES", 1)
        monkeypatch.setattr(whoosh_backend, "PARALLEL_BATCH", 100)
    root = tmp_path / "big-kb"
    (root / "phrases").mkdir(parents=True)
    (root / "kb.yaml").write_text("name: 大店\n", encoding="utf-8")
    entries = "".join(
        f"  - id: ship.e{n}\n    title: 第{n}号商品什么时候发货\n    keywords: [发货]\n"
        f"    questions: [{'几号发货' if n % 3 else '今天能发吗'}]\n    replies: [亲，{n}号商品付款后当天发货~]\n"
        for n in range(400)
    )
    (root / "phrases" / "many.yaml").write_text("entries:\n" + entries, encoding="utf-8")
    opened = index.open_index(KnowledgeBase(root), backend=whoosh_backend)
    try:
        searcher = opened.reader.searcher
        assert len(searcher.leaf_searchers()) == workers
        for field, term in [("text", "发货"), ("text", "几号"), ("replies", "商品"), ("py", "fahuo")]:
            fast_ids, fast_weights = whoosh_backend.read_postings(searcher, field, term)
            whoosh_ids, whoosh_weights = whoosh_backend.generic_postings(searcher.postings(field, term))
            assert len(fast_ids) > 128  # more than one stored block
            assert list(fast_ids) == whoosh_ids
            assert list(fast_weights) == whoosh_weights
            order = opened.reader.order  # a parallel build maps whoosh's numbers to KB order
            positions = list(fast_ids) if order is None else [order[d] for d in fast_ids]
            ids, weights = opened.postings(field, term)
            assert (list(ids), list(weights)) == (positions, list(fast_weights))
            grouped: dict[float, list[int]] = {}  # what scoring reads: the same postings by weight
            for docnum, weight in zip(positions, fast_weights, strict=True):
                grouped.setdefault(weight, []).append(docnum)
            assert {w: sorted(d) for w, d in opened.postings_by_weight(field, term)} == {
                w: sorted(d) for w, d in grouped.items()
            }
            # the term looked up once per segment serves its frequency and then its postings
            reader = opened.reader._reader
            assert reader.doc_frequency(field, term) == searcher.doc_frequency(field, term) == len(positions)
            assert {w: sorted(d) for w, d in reader.postings_by_weight(field, term)} == {
                w: sorted(d) for w, d in grouped.items()
            }
        # document number = position in the KB, whatever segment a worker wrote it to
        assert [opened.stored(n)["order"] for n in range(400)] == list(range(400))
        asked_today = list(range(0, 400, 3))  # the entries whose question is 今天能发吗
        assert sorted(opened.postings("text", "今天")[0]) == asked_today
        assert [list(x) for x in whoosh_backend.read_postings(searcher, "text", "没有的词")] == [[], []]
        assert opened.reader._reader.doc_frequency("text", "没有的词") == 0
        assert opened.reader._reader.postings_by_weight("text", "没有的词") == []
    finally:
        opened.close()


def test_top_scores_keeps_the_best_and_breaks_ties_by_kb_order():
    from cstool_quickphrase.search import top_scores

    scores = {7: 1.0, 3: 5.0, 9: 5.0, 1: 2.0, 4: 2.0, 2: 0.5}
    assert top_scores(scores, 3) == [(3, 5.0), (9, 5.0), (1, 2.0)]
    assert top_scores(scores, 4) == [(3, 5.0), (9, 5.0), (1, 2.0), (4, 2.0)]
    assert top_scores(scores, 10) == sorted(scores.items(), key=lambda i: (-i[1], i[0]))
    assert top_scores({}, 5) == []
