"""Search quality on the starter KB: its own phrasings, and held-out buyer messages.

The held-out set (tests/data/heldout_queries.yaml) holds messages that are in
no entry's ``questions``. Top-1 / top-3 accuracy, overall and per kind, is
printed in the terminal summary of every run (even without ``-s``).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from reporting import report

REPO = Path(__file__).resolve().parent.parent
HELDOUT = REPO / "tests" / "data" / "heldout_queries.yaml"
TOP1_FLOOR = 0.75
TOP3_FLOOR = 0.90

SECTION = "search quality (starter KB)"


@pytest.fixture(scope="module")
def starter_index(tmp_path_factory):
    import os

    from cstool_quickphrase.index import open_index

    from cstool.kb import KnowledgeBase, bundled_kb_path

    home = tmp_path_factory.mktemp("quality-home")
    old = os.environ.get("CSTOOL_HOME")
    os.environ["CSTOOL_HOME"] = str(home)
    index = open_index(KnowledgeBase(bundled_kb_path()))
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
    report(SECTION, f"search quality: KB's own questions first: {total - len(misses)}/{total}")
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
    report(SECTION, *lines)
    print("\n".join(lines + ["misses (top-1):", *misses]))
    assert top3 >= TOP3_FLOOR, "\n".join(misses)
    assert top1 >= TOP1_FLOOR, "\n".join(misses)
