"""The index build analyses each distinct text once (memoised): the index it
writes must be the one the plain, text-by-text build wrote (tests/index_reference.py),
term for term, frequency for frequency, in the same order, with the same
homophone tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from cstool_quickphrase.index import (
    Analyzer,
    _converter,
    _t2s_table,
    entry_fields,
    index_documents,
    unpack_table,
)
from cstool_quickphrase.model import Entry, load_searchable
from cstool_quickphrase.replies import Reply, Step
from cstool_quickphrase.search import RANK_KEY
from hypothesis import given, settings
from hypothesis import strategies as st
from index_reference import old_entry_fields, old_homophone_tables
from search_helpers import make_search_kb

from cstool.kb import KnowledgeBase, bundled_kb_path


@pytest.fixture(scope="module")
def to_simplified():
    return _converter(_t2s_table())


def ordered(doc):
    """A doc with the order of its terms made visible (backends write them in this order).

    The stored rank data (search.RANK_KEY) is left out: the plain build had none, and
    test_search_fastpath checks it equals what the query path works out."""
    fields, stored = doc
    stored = {key: _lists(value) for key, value in stored.items() if key != RANK_KEY}
    return {name: list(counts.items()) for name, counts in fields.items()}, stored


def _lists(value):
    """Stored sequences as lists: the build stores tuples (index.entry_fields), the plain build lists."""
    return list(map(_lists, value)) if isinstance(value, (list, tuple)) else value


def assert_index_is_the_reference(root: Path, to_simplified) -> int:
    kb = KnowledgeBase(root)
    docs, meta = index_documents(kb)
    book = load_searchable(kb)
    assert len(docs) == len(book.entries)
    for order, (entry, doc) in enumerate(zip(book.entries, docs, strict=True)):
        assert ordered(doc) == ordered(old_entry_fields(entry, order, to_simplified)), entry.id
    curated = (to_simplified(t) for e in book.entries for t in (e.title, *e.questions, *e.keywords))
    syllables, spellings = old_homophone_tables(curated)
    assert meta["syllables"] == syllables and unpack_table(meta["spellings"]) == spellings
    assert list(unpack_table(meta["spellings"])) == list(spellings)
    return len(docs)


def test_starter_kb_index_is_what_the_plain_build_made(to_simplified):
    assert assert_index_is_the_reference(bundled_kb_path(), to_simplified) > 20


def test_a_kb_that_repeats_its_texts_indexes_as_the_plain_build_did(tmp_path, to_simplified):
    """Shared tags, keywords, titles and replies across files, traditional characters,
    full-width letters: the memo answers most texts, and must answer them right."""
    products = ["連衣裙", "保温杯", "ＢＡＯＹＯＵ包邮", "蓝牙耳机"]
    chunks = []
    for n in range(40):
        product = products[n % len(products)]
        chunks.append(
            f"  - id: ship.p{n}\n"
            f"    title: {product}什么时候發貨\n"
            f"    tags: [发货, {product}]\n"
            f"    keywords: [发货时间, {product}, 包郵]\n"
            f"    shortcut: FH{n % 3}\n"
            f"    questions: [{product}今天能发吗, 亲，{product}啥时候发, 什么时候发货]\n"
            f"    replies:\n"
            f"      - 亲，{{shop}} 付款后 48 小时内发货哦~\n"
            f"      - steps: [亲，我去问问仓库, wait: 2分钟, 今天能发出~（{product}）]\n"
        )
    root = make_search_kb(tmp_path / "kb")
    (root / "phrases" / "more.yaml").write_text("entries:\n" + "".join(chunks), encoding="utf-8")
    assert assert_index_is_the_reference(root, to_simplified) > 40


# Texts from a small alphabet repeat often (so the memo is hit) and cover what the
# tokenizer treats specially: traditional and simplified characters, particles,
# full-width and half-width Latin, digits, punctuation, line breaks, combining marks.
ALPHABET = "包邮發货发貨吗呢亲你好保質期质量多久能便宜点ＡＢｃabcBAO１2 ，。！？~\n\u0301Σ"
text = st.text(alphabet=ALPHABET, max_size=10)
texts = st.lists(text, max_size=3).map(tuple)
entry = st.builds(
    lambda title, questions, keywords, tags, replies, shortcut: Entry(
        id="x.y",
        title=title,
        stage="ship",
        replies=tuple(Reply((Step("say", r), Step("wait", "1分钟"))) for r in replies),
        questions=questions,
        keywords=keywords,
        tags=tags,
        shortcut=shortcut,
    ),
    text,
    texts,
    texts,
    texts,
    texts,
    st.sampled_from(["", "fh", "FH bz", "包邮"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(entry, min_size=1, max_size=6))
def test_memoised_fields_are_the_plain_fields(to_simplified, entries):
    analyzer = Analyzer(to_simplified)  # one memo across the entries, as in a build
    for order, one in enumerate(entries):
        assert ordered(entry_fields(one, order, analyzer)) == ordered(
            old_entry_fields(one, order, to_simplified)
        )
    curated = [t for e in entries for t in (e.title, *e.questions, *e.keywords)]
    from cstool_quickphrase.analysis import homophone_tables

    assert homophone_tables(curated, analyzer.runs) == old_homophone_tables(to_simplified(t) for t in curated)


@pytest.mark.parametrize("enabled", [True, False])
def test_the_build_leaves_the_cycle_collector_as_it_found_it(tmp_path, enabled):
    """The build pauses Python's cycle collector; a long-lived process (cstool web)
    must get it back as it was, also when the build fails."""
    import gc

    from cstool.errors import BadInput

    root = make_search_kb(tmp_path / "kb")
    empty = make_search_kb(tmp_path / "empty", phrases="entries: []\n")
    (gc.enable if enabled else gc.disable)()
    try:
        index_documents(KnowledgeBase(root))
        assert gc.isenabled() is enabled
        with pytest.raises(BadInput):
            index_documents(KnowledgeBase(empty))
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
