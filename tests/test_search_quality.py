"""Search quality on the starter KB: its own phrasings, and held-out buyer messages.

The held-out set (tests/data/heldout_queries.yaml) holds messages that are in
no entry's ``questions``. The traffic set (tests/data/traffic_queries.yaml,
issue 10) holds real-chat style messages, each with every acceptable id, split
by a fixed hash rule into a dev part (tuned on) and a test part (never tuned
on). Top-1 / top-3 accuracy, overall and per kind, is printed in the terminal
summary of every run (even without ``-s``).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from pathlib import Path

import pytest
from reporting import report

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "data" / "heldout_queries.yaml"
TRAFFIC = REPO / "tests" / "data" / "traffic_queries.yaml"
# More tuning messages written after the first round: dev only, never in the test split.
TRAFFIC_EXTRA_DEV = REPO / "tests" / "data" / "traffic_extra_dev.yaml"
# The held-out set: 91.7 % / 98.5 % (122 and 131 of 133) when issue 10's first
# round ended; no drop allowed.
TOP1_FLOOR = 0.917  # 122 of 133
TOP3_FLOOR = 0.984  # 131 of 133
# The traffic set's test part (never tuned on): the issue's target.
TEST_TOP1_TARGET = 0.90
TEST_TOP3_TARGET = 0.97
# The dev part (tuned on): a floor that catches regressions.
DEV_TOP1_FLOOR = 0.92
DEV_TOP3_FLOOR = 0.98

SECTION = "search quality (starter KB)"


def section(index) -> str:
    return f"{SECTION}, {index.backend}"


# Every quality figure is measured on both search backends (issue 12): the
# ranking sits above the seam, so they must agree.
BACKENDS = ["whoosh", "tantivy"]


@pytest.fixture(scope="module", params=BACKENDS)
def starter_index(request, tmp_path_factory):
    import os

    from cstool_quickphrase.index import open_index

    from cstool.kb import KnowledgeBase, bundled_kb_path

    home = tmp_path_factory.mktemp(f"quality-home-{request.param}")
    old = os.environ.get("CSTOOL_HOME")
    os.environ["CSTOOL_HOME"] = str(home)
    index = open_index(KnowledgeBase(bundled_kb_path()), backend=request.param)
    assert index.backend == request.param
    yield index
    index.close()
    if old is None:
        os.environ.pop("CSTOOL_HOME", None)
    else:
        os.environ["CSTOOL_HOME"] = old


def ranked_ids(index, query, limit=3):
    from cstool_quickphrase.search import search

    return [hit.id for hit in search(index, query, limit=limit)]


def test_every_kb_question_finds_its_own_entry_first(starter_index):
    misses = []
    total = 0
    for doc in starter_index.documents():
        for question in doc["questions"]:
            total += 1
            got = ranked_ids(starter_index, question, limit=1)
            if got != [doc["id"]]:
                misses.append(f"{question!r} -> {got} (want {doc['id']})")
    report(section(starter_index), f"search quality: KB's own questions first: {total - len(misses)}/{total}")
    assert total > 100
    assert not misses, "\n".join(misses)


def test_heldout_accuracy(starter_index, record_property):
    from cstool import yamlio

    if not HELDOUT.exists():
        pytest.skip("tests/data/heldout_queries.yaml not written yet")
    cases = yamlio.load(HELDOUT)
    assert len(cases) >= 60
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for case in cases:
        got = ranked_ids(starter_index, str(case["q"]))
        row = by_kind[str(case.get("kind", "buyer"))]
        row[0] += 1
        row[1] += got[:1] == [case["id"]]
        row[2] += case["id"] in got
        if got[:1] != [case["id"]]:
            misses.append(f"  {case['q']!r}: want {case['id']}, got {got}")
    n = sum(r[0] for r in by_kind.values())
    top1 = sum(r[1] for r in by_kind.values()) / n
    top3 = sum(r[2] for r in by_kind.values()) / n
    record_property("top1", round(top1, 3))
    record_property("top3", round(top3, 3))
    lines = [f"search quality on {n} held-out queries: top-1 {top1:.1%}, top-3 {top3:.1%}"]
    for kind, (count, one, three) in sorted(by_kind.items()):
        lines.append(f"  {kind:<12} {count:>3}  top-1 {one / count:.0%}  top-3 {three / count:.0%}")
    report(section(starter_index), *lines)
    print("\n".join(lines + ["misses (top-1):", *misses]))
    assert top3 >= TOP3_FLOOR, "\n".join(misses)
    assert top1 >= TOP1_FLOOR, "\n".join(misses)


def traffic_split(query: str) -> str:
    """The fixed split rule, chosen before any tuning: ``test`` when the first byte
    of sha256(query) is divisible by 3 (about a third), else ``dev``."""
    return "test" if hashlib.sha256(query.encode("utf-8")).digest()[0] % 3 == 0 else "dev"


def traffic_cases(split: str) -> list[dict]:
    from cstool import yamlio

    cases = [c for c in yamlio.load(TRAFFIC) if traffic_split(str(c["q"])) == split]
    if split == "dev":
        cases += yamlio.load(TRAFFIC_EXTRA_DEV)
    return cases


def accuracy_report(index, cases, label: str) -> tuple[float, float, list[str], list[str]]:
    """Top-1 / top-3 over ``cases`` (any of a case's ``ids`` counts), the report lines and the misses."""
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for case in cases:
        want = list(case["ids"])
        got = ranked_ids(index, str(case["q"]))
        row = by_kind[str(case["kind"])]
        row[0] += 1
        row[1] += bool(got[:1]) and got[0] in want
        row[2] += any(g in want for g in got)
        if not got or got[0] not in want:
            misses.append(f"  {case['q']!r}: want {want}, got {got}")
    n = sum(r[0] for r in by_kind.values())
    top1 = sum(r[1] for r in by_kind.values()) / n
    top3 = sum(r[2] for r in by_kind.values()) / n
    lines = [f"search quality on the traffic set, {label} ({n} messages): top-1 {top1:.1%}, top-3 {top3:.1%}"]
    for kind, (count, one, three) in sorted(by_kind.items()):
        lines.append(f"  {kind:<12} {count:>3}  top-1 {one / count:.0%}  top-3 {three / count:.0%}")
    return top1, top3, lines, misses


def test_traffic_set_is_large_split_and_held_out(starter_index):
    from cstool import yamlio

    cases = yamlio.load(TRAFFIC)
    assert len(cases) >= 300
    queries = [str(c["q"]) for c in cases]
    assert len(set(queries)) == len(queries)
    known = {doc["id"] for doc in starter_index.documents()}
    unknown = [(c["q"], i) for c in cases for i in c["ids"] if i not in known]
    assert not unknown
    own = {exact(q) for doc in starter_index.documents() for q in doc["questions"]}
    # emoji messages are a phrasing plus emoji by design (does the emoji get in the way?)
    leaked = [str(c["q"]) for c in cases if c["kind"] != "emoji" and exact(str(c["q"])) in own]
    assert not leaked, f"traffic messages copied into the KB's questions: {leaked}"
    splits = [traffic_split(q) for q in queries]
    assert splits.count("test") >= 100 and splits.count("dev") >= 150
    # the extra dev messages: none in the main file (so none in its test part), none a KB phrasing
    extra = [str(c["q"]) for c in yamlio.load(TRAFFIC_EXTRA_DEV)]
    assert len(set(extra)) == len(extra)
    assert not {exact(q) for q in extra} & {exact(q) for q in queries}
    leaked = [
        str(c["q"])
        for c in yamlio.load(TRAFFIC_EXTRA_DEV)
        if c["kind"] != "emoji" and exact(str(c["q"])) in own
    ]
    assert not leaked, f"extra dev messages copied into the KB's questions: {leaked}"


def exact(text: str) -> str:
    from cstool_quickphrase.search import exact_form

    return exact_form(text)


def test_traffic_dev_accuracy(starter_index, record_property):
    """The part the ranking and the KB were tuned on: reported, with a floor that catches regressions."""
    top1, top3, lines, misses = accuracy_report(starter_index, traffic_cases("dev"), "dev split (tuned on)")
    record_property("dev_top1", round(top1, 3))
    record_property("dev_top3", round(top3, 3))
    report(section(starter_index), *lines)
    print("\n".join(lines + ["misses (top-1):", *misses]))
    assert top1 >= DEV_TOP1_FLOOR and top3 >= DEV_TOP3_FLOOR, "\n".join(misses)


def test_traffic_test_accuracy(starter_index, record_property):
    """The part nobody tuned on: only the aggregate is looked at."""
    top1, top3, lines, _ = accuracy_report(
        starter_index, traffic_cases("test"), "test split (never tuned on)"
    )
    record_property("test_top1", round(top1, 3))
    record_property("test_top3", round(top3, 3))
    report(section(starter_index), *lines)
    print("\n".join(lines))
    assert top1 >= TEST_TOP1_TARGET
    assert top3 >= TEST_TOP3_TARGET


@pytest.mark.parametrize(
    ("query", "accepted"),
    [
        ("您好", {"greet.welcome"}),  # was close.farewell: 好 of 好的谢谢
        ("美女", {"greet.welcome"}),
        ("亲", {"greet.welcome"}),
        ("小哥哥在吗", {"greet.welcome"}),
        ("你好，我昨天拍的还没发货，能今天发顺丰吗", {"ship.when", "ship.courier", "ship.urgent"}),
        ("你好在吗，我前天拍的那个到现在还没动静，能帮忙催一下吗", {"ship.stuck", "ship.when"}),
        ("您好，能便宜点吗", {"bargain.discount"}),
        ("由货吗", {"product.in_stock"}),  # 由 for 有: a pinyin-IME homophone
        ("游货吗", {"product.in_stock"}),
        ("you huo ma", {"product.in_stock"}),  # toneless pinyin as a sentence
        ("快递好几天没动了", {"ship.stuck"}),
    ],
)
def test_issue_examples_rank_their_intent_first(starter_index, query, accepted):
    got = ranked_ids(starter_index, query, limit=1)
    assert got and got[0] in accepted, (query, got)


def test_a_greeting_never_outweighs_the_question(starter_index):
    for greeting in ("您好", "亲", "美女", "在吗", "你好呀"):
        for question, want in (("什么时候发货", "ship.when"), ("有运费险吗", "aftersale.return_shipping")):
            got = ranked_ids(starter_index, f"{greeting}，{question}", limit=1)
            assert got == [want], (greeting, question, got)


def test_both_backends_rank_every_quality_message_identically(tmp_path, monkeypatch):
    """The seam's promise: the same top-3, with the same scores, whichever engine
    stores the postings (held-out set, both traffic splits, the KB's own questions)."""
    from cstool_quickphrase.index import open_index
    from cstool_quickphrase.search import search

    from cstool import yamlio
    from cstool.kb import KnowledgeBase, bundled_kb_path

    monkeypatch.setenv("CSTOOL_HOME", str(tmp_path))
    kb = KnowledgeBase(bundled_kb_path())
    indexes = {name: open_index(kb, backend=name) for name in BACKENDS}
    try:
        queries = [str(c["q"]) for c in yamlio.load(HELDOUT)]
        queries += [str(c["q"]) for c in traffic_cases("dev") + traffic_cases("test")]
        queries += [q for doc in indexes["whoosh"].documents() for q in doc["questions"]]
        queries += ["baoyou", "bzq", "tuihuoo", "shenmeshihoufahuo", "you huo ma", "包郵嗎"]
        differ = []
        for query in queries:
            got = {
                name: [(h.id, h.score, h.relevance) for h in search(index, query, limit=3)]
                for name, index in indexes.items()
            }
            if got["whoosh"] != got["tantivy"]:
                differ.append(f"{query!r}: {got}")
        filtered = {
            name: [h.id for h in search(index, "发货", limit=5, stage="ship", tag="发货")]
            for name, index in indexes.items()
        }
    finally:
        for index in indexes.values():
            index.close()
    report(
        SECTION, f"whoosh vs tantivy: {len(queries) - len(differ)}/{len(queries)} messages ranked identically"
    )
    assert len(queries) > 500
    assert not differ, "\n".join(differ[:20])
    assert filtered["whoosh"] == filtered["tantivy"] and filtered["whoosh"]
