"""The fast query path computes what the plain one computes (issue 12, item 5).

Pruned scoring (best_scores) must give the very floats and order of scoring
every posting (score_clauses + top_scores); data precomputed at index time
(search.rank_data) must equal what the query path would work out from the
entry; the lazy syllable lookup must equal the full inversion of the table.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstool.kb import KnowledgeBase, bundled_kb_path

VOCAB = {
    "text": ["便", "宜", "便宜", "发货", "包邮"],
    "replies": ["便宜", "发货"],
    "py": ["baoyou", "baoyoi", "fahuo"],
}


class PlainIndex:
    """Postings as plain data, with the interface the ranking uses."""

    def __init__(self, count: int, postings: dict[tuple[str, str], tuple[list[int], list[float]]]):
        self.count = count
        self._postings = postings
        self.phrasing_cache: dict = {}

    def doc_frequency(self, field: str, term: str) -> int:
        return len(self._postings.get((field, term), ([], []))[0])

    def idf(self, field: str, term: str) -> float:
        return math.log(self.count / (self.doc_frequency(field, term) + 1)) + 1.0

    def postings(self, field: str, term: str):
        return self._postings.get((field, term), ([], []))

    def terms_with_prefix(self, field: str, prefix: str) -> list[str]:
        return sorted(t for f, t in self._postings if f == field and t.startswith(prefix))


@st.composite
def queries(draw):
    count = draw(st.integers(1, 60))
    postings = {}
    for field, words in VOCAB.items():
        for term in words:
            docs = sorted(draw(st.sets(st.integers(0, count - 1), max_size=count)))
            # few distinct frequencies: many entries tie, as in a real KB
            postings[(field, term)] = (docs, [float(draw(st.integers(1, 4))) for _ in docs])
    boosts = st.sampled_from([0.6, 1.2, 2.4, 3.0, 6.0, 8.0])
    clauses = draw(
        st.lists(
            st.tuples(st.sampled_from(sorted(postings)), boosts).map(lambda c: (c[0][0], c[0][1], c[1])),
            max_size=10,
            unique_by=lambda c: c[:2],
        )
    )
    latin = draw(st.lists(st.sampled_from(["baoyoi", "fahuo", "bzq"]), max_size=2, unique=True))
    allowed = draw(st.none() | st.sets(st.integers(0, count - 1)))
    limit = draw(st.integers(1, 25))
    return PlainIndex(count, postings), clauses, latin, allowed, limit


@settings(max_examples=300, deadline=None)
@given(queries())
def test_pruned_scoring_gives_the_same_floats_and_order_as_scoring_every_posting(case):
    from cstool_quickphrase.search import best_scores, score_clauses, top_scores

    index, clauses, latin, allowed, limit = case
    scores, matched = score_clauses(index, clauses, latin, allowed)
    best, best_matched = best_scores(index, clauses, latin, allowed, limit)
    assert best == top_scores(scores, limit)  # same entries, same floats, same tie order
    for docnum, _ in best:
        assert sorted(best_matched.get(docnum, [])) == sorted(matched.get(docnum, []))
    # a second time reads the cached contributions: still the same
    assert best_scores(index, clauses, latin, allowed, limit)[0] == best


def test_pruning_really_skips_work_on_a_large_index():
    """Many entries, one rare telling term and common weak ones: the common
    terms are looked up for the few candidates, not scored for every entry."""
    from cstool_quickphrase import search

    count = 5000
    postings = {
        ("text", "稀有"): (list(range(0, count, 500)), [3.0] * 10),
        ("text", "常见"): (list(range(count)), [1.0] * count),
        ("text", "普通"): (list(range(1, count, 2)), [1.0] * (count // 2)),
    }
    index = PlainIndex(count, postings)
    clauses = [("text", "稀有", 6.0), ("text", "常见", 0.6), ("text", "普通", 0.6)]
    looked_up = []
    original = search._within_reach

    def spy(scores, docnums, rest, threshold):
        found = original(scores, docnums, rest, threshold)
        looked_up.append(len(found))
        return found

    search._within_reach = spy
    try:
        best, _ = search.best_scores(index, clauses, [], None, 5)
    finally:
        search._within_reach = original
    assert looked_up and looked_up[0] <= 10  # only the entries with the rare term stay candidates
    assert best == search.top_scores(search.score_clauses(index, clauses, [], None)[0], 5)


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def starter(request):
    from cstool_quickphrase.index import open_index

    if request.param == "tantivy":
        pytest.importorskip("tantivy")
    index = open_index(KnowledgeBase(bundled_kb_path()), backend=request.param)
    yield index
    index.close()


def test_stored_rank_data_is_what_the_query_path_would_work_out(starter):
    from cstool_quickphrase.search import RANK_KEY, curated_text, phrasing_terms

    docs = starter.documents()
    assert docs and all(RANK_KEY in doc for doc in docs)
    for doc in docs:
        plain = {k: v for k, v in doc.items() if k != RANK_KEY}
        assert phrasing_terms(doc, {}) == phrasing_terms(plain, {})
        assert curated_text(doc, starter.t2s(), {}) == curated_text(plain, starter.t2s(), {})


def test_postings_by_weight_are_the_postings_grouped(starter):
    """Scoring reads each term's postings grouped by weight (one search per
    frequency with tantivy, blocks decoded in C with whoosh): every term of
    every field gives exactly its postings."""
    several = 0
    for field in ("text", "replies", "py", "shortcut", "stage", "tag"):
        for term in starter.reader.terms_with_prefix(field, ""):
            ids, weights = starter.postings(field, term)
            expected: dict[float, list[int]] = {}
            for docnum, weight in zip(ids, weights, strict=True):
                expected.setdefault(weight, []).append(docnum)
            groups = starter.postings_by_weight(field, term)
            assert len(groups) == len(expected)
            assert {weight: sorted(docnums) for weight, docnums in groups} == {
                weight: sorted(docnums) for weight, docnums in expected.items()
            }
            several += len(groups) > 1
    assert several  # terms with several frequencies were met


def test_lazy_syllable_lookup_equals_the_inverted_table(starter):
    from cstool_quickphrase.search import syllable_lookup

    inverted: dict[str, list[str]] = {}
    for syllable, chars in starter.meta["syllables"].items():
        for char in chars:
            inverted.setdefault(char, []).append(syllable)
    table, known = syllable_lookup(starter)
    assert known == frozenset(starter.meta["syllables"])
    for char in [*inverted, "㐀", "a"]:
        assert table.get(char) == inverted.get(char)
        assert table.get(char, ()) == inverted.get(char, ())


@given(
    st.frozensets(st.sampled_from("便宜发货包邮吗"), min_size=0, max_size=6),
    st.lists(st.frozensets(st.sampled_from("便宜发货包邮吗"), max_size=6), max_size=5),
)
def test_closeness_is_the_dice_similarity_of_the_closest_phrasing(own, phrasings):
    from cstool_quickphrase.search import closest_phrasing

    expected = 0.0
    for phrasing in phrasings:
        if phrasing and own:
            expected = max(expected, 2 * len(own & phrasing) / (len(own) + len(phrasing)))
    assert closest_phrasing(own, [tuple(sorted(p)) for p in phrasings]) == expected


@settings(max_examples=300)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("便宜吗的了亲包郵嗎邮发货⼀一ＡＢab 12，？\n㐀﨎𠀀"), max_size=12),
        max_size=5,
    ),
    st.text(alphabet=st.sampled_from("便宜吗的了亲包郵嗎邮发货⼀一ab 1，㐀﨎𠀀"), max_size=12),
)
def test_coverage_reads_the_curated_text_as_its_set_of_terms(texts, query):
    """Coverage asks the curated text whether it holds each CJK character and bigram of
    the question: the same answer as the set of the text's terms (runs are maximal)."""
    from cstool_quickphrase.analysis import STOP_CHARS, is_cjk, runs
    from cstool_quickphrase.index import t2s_translation
    from cstool_quickphrase.search import Coverage, _curated_text, term_set, to_simplified

    t2s = t2s_translation(("郵嗎", "邮吗"))
    doc = {"title": texts[0] if texts else "", "questions": texts[1:]}
    curated = _curated_text(doc, t2s)
    have = term_set(runs(curated))
    asked = to_simplified(Coverage(query, [], t2s).text, t2s)
    for run in filter(is_cjk, runs(asked)):
        for term in [c for c in run if c not in STOP_CHARS] + [run[i : i + 2] for i in range(len(run) - 1)]:
            assert (term in curated) == (term in have), term


@given(st.text(alphabet=st.sampled_from("便宜吗的了亲包郵嗎ＡＢab 12，？\n㐀﨎"), max_size=30))
def test_term_set_is_the_set_of_the_terms(text):
    from cstool_quickphrase.analysis import runs, terms
    from cstool_quickphrase.search import term_set

    assert term_set(runs(text)) == set(terms(text))


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.sampled_from([1.0, 2.0, 3.0, 5.0])), unique_by=lambda p: p[0]
    )
)
def test_weight_groups_are_the_postings_by_weight(postings):
    from cstool_quickphrase.search import weight_groups

    ids = [docnum for docnum, _ in postings]
    weights = [weight for _, weight in postings]
    expected: dict[float, list[int]] = {}
    for docnum, weight in postings:
        expected.setdefault(weight, []).append(docnum)
    groups = weight_groups(ids, weights)
    assert len(groups) == len(expected)
    assert dict(groups) == expected  # each group keeps the postings' order


def test_tantivy_postings_by_weight_over_several_segments():
    """With several segments a hit's address is not its document number: the
    grouped postings come ordered by the ``order`` field and must still be the postings."""
    docs = [{"text": {"发货": 1 + order % 3, "包邮": 1 + order % 2}} for order in range(90)]
    reader = _tantivy_kb_index(docs, segments=2).reader
    assert not reader.single
    for term in ("发货", "包邮"):
        ids, weights = reader.postings("text", term)
        expected: dict[float, list[int]] = {}
        for docnum, weight in zip(ids, weights, strict=True):
            expected.setdefault(weight, []).append(docnum)
        assert sorted(map(int, ids)) == list(range(90))
        assert {w: sorted(d) for w, d in reader.postings_by_weight("text", term)} == {
            w: sorted(d) for w, d in expected.items()
        }


def _tantivy_kb_index(docs: list[dict[str, dict[str, int]]], segments: int = 1):
    """A real tantivy index (in memory) of ``docs`` (field -> {term: frequency}),
    opened as the ranking opens one."""
    tantivy = pytest.importorskip("tantivy")
    import marshal

    from cstool_quickphrase.index import KbIndex
    from cstool_tantivy import backend, entries

    index = backend._register(tantivy.Index(backend._schema()))
    cut = len(docs) // segments or len(docs)
    for first in range(0, len(docs), cut):
        writer = index.writer(heap_size=15_000_000, num_threads=1)
        for order in range(first, min(first + cut, len(docs))):
            doc = tantivy.Document()
            for field, counts in docs[order].items():
                if counts:
                    doc.add_text(field, backend._field_text(counts))
            doc.add_unsigned("order", order)
            writer.add_document(doc)
        writer.commit()
        writer.wait_merging_threads()
    index.reload()
    stored = entries.Entries(
        entries.pack([marshal.dumps({"id": f"e{n}", "order": n}) for n in range(len(docs))])
    )
    reader = backend.TantivyReader(index, stored)
    return KbIndex(KnowledgeBase(bundled_kb_path()), None, reader, {"count": len(docs)})


@st.composite
def tantivy_queries(draw):
    count = draw(st.integers(1, 50))
    freq = st.integers(1, 4)
    docs = []
    for _ in range(count):
        doc = {
            field: {t: draw(freq) for t in draw(st.sets(st.sampled_from(words), max_size=len(words)))}
            for field, words in VOCAB.items()
        }
        doc["stage"] = {draw(st.sampled_from(["ship", "pay"])): 1}
        doc["tag"] = {t: 1 for t in draw(st.sets(st.sampled_from(["发货", "议价"]), max_size=2))}
        docs.append(doc)
    fields_terms = sorted((f, t) for f, words in VOCAB.items() for t in words)
    clauses = draw(
        st.lists(
            st.tuples(st.sampled_from(fields_terms), st.sampled_from([0.6, 1.2, 2.4, 3.0, 6.0, 8.0])).map(
                lambda c: (c[0][0], c[0][1], c[1])
            ),
            max_size=10,
            unique_by=lambda c: c[:2],
        )
    )
    latin = draw(st.lists(st.sampled_from(["baoyoi", "fahuo", "bzq"]), max_size=2, unique=True))
    stage = draw(st.none() | st.sampled_from(["ship", "pay", "none"]))
    tag = draw(st.none() | st.sampled_from(["发货", "议价"]))
    return docs, clauses, latin, stage, tag, draw(st.integers(1, 25))


@settings(max_examples=120, deadline=None)
@given(tantivy_queries())
def test_tantivy_adds_up_natively_what_python_scoring_adds(case):
    """The native path (tantivy sums the clause scores and keeps the best n) gives
    the very entries, floats, tie order and Latin terms matched as Python's scoring."""
    from cstool_quickphrase.search import allowed_docs, best_scores, native_best

    docs, clauses, latin, stage, tag, limit = case
    index = _tantivy_kb_index(docs)
    filters = [(f, v) for f, v in (("stage", stage), ("tag", tag)) if v]
    native = native_best(index, clauses, latin, filters, limit)
    assert native is not None  # one segment, small sums: the engine adds them
    expected = best_scores(index, clauses, latin, allowed_docs(index, stage, tag), limit)
    assert native[0] == expected[0]
    assert {d: sorted(m) for d, m in native[1].items()} == {d: sorted(m) for d, m in expected[1].items()}


def test_tantivy_native_ties_keep_kb_order_over_many_equal_entries():
    """Hundreds of entries with one score: the best n are the first n in KB order,
    as Python's scoring ranks them (tantivy's collector keeps ties in document order)."""
    from cstool_quickphrase.search import best_scores, native_best

    docs = [{"text": {"发货": 1 + (n % 7 == 3)}} for n in range(600)]
    index = _tantivy_kb_index(docs)
    native = native_best(index, [("text", "发货", 3.0)], [], [], 20)
    assert native is not None
    assert native[0] == best_scores(index, [("text", "发货", 3.0)], [], None, 20)[0]
    assert [d for d, _ in native[0]] == [n for n in range(600) if n % 7 == 3][:20]


def test_tantivy_with_several_segments_leaves_the_adding_to_python():
    from cstool_quickphrase.search import native_best

    docs = [{"text": {"发货": 1 + n % 3}} for n in range(60)]
    index = _tantivy_kb_index(docs, segments=2)
    assert not index.reader.single
    assert native_best(index, [("text", "发货", 3.0)], [], [], 5) is None
    assert index.reader.top_documents([("text", "发货", {1.0: 1.0})], 5) is None


def test_a_sum_too_large_for_32_bit_floats_is_left_to_python():
    from cstool_quickphrase import search

    docs = [{"text": {"发货": 1}} for _ in range(5)]
    index = _tantivy_kb_index(docs)
    assert search.native_best(index, [("text", "发货", 3.0)], [], [], 5) is not None
    huge = 2 * search.NATIVE_SUM_LIMIT  # a boost no query has: the sum might not be exact natively
    assert search.native_best(index, [("text", "发货", huge)], [], [], 5) is None


@given(st.lists(st.floats(0.0, 600.0), max_size=40), st.randoms())
def test_quantized_scores_add_up_to_one_float_in_any_order(adds, rng):
    """Why pruned, plain and native scoring agree: the sum does not depend on the order."""
    import struct

    from cstool_quickphrase.search import NATIVE_SUM_LIMIT, quantized

    def float32(x: float) -> float:
        return struct.unpack("f", struct.pack("f", x))[0]

    values = [quantized(a) for a in adds]
    shuffled = values[:]
    rng.shuffle(shuffled)
    assert sum(values) == sum(shuffled) == math.fsum(values)
    if math.fsum(values) < NATIVE_SUM_LIMIT:  # and a 32-bit engine gets the same float
        total = 0.0
        for v in shuffled:
            total = float32(total + float32(v))
        assert total == math.fsum(values)


@settings(max_examples=300)
@given(
    st.text(alphabet=st.sampled_from("包邮免运费快递发货顺丰了吗"), max_size=16),
    st.lists(
        st.lists(
            st.text(alphabet=st.sampled_from("包邮免运费快递发货顺丰"), max_size=4), min_size=1, max_size=4
        ),
        max_size=5,
    ),
)
def test_synonym_groups_found_are_every_substring_that_is_a_synonym(text, synonyms):
    """The lookup by first character and length finds what checking every substring finds, in its order."""
    from cstool_quickphrase.search import synonym_groups_in

    expected: dict[int, list[str]] = {}
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            for n, group in enumerate(synonyms):
                if text[start:end] in group and text[start:end] not in expected.setdefault(n, []):
                    expected[n].append(text[start:end])
    assert synonym_groups_in(text, synonyms) == sorted((n, w) for n, w in expected.items() if w)


@given(
    st.lists(st.frozensets(st.sampled_from("便宜发货包邮吗"), max_size=6), max_size=4),
    st.lists(st.frozensets(st.sampled_from("便宜发货包邮吗快递"), max_size=6), max_size=6),
)
def test_closeness_of_several_clauses_is_the_best_of_each(owns, phrasings):
    from cstool_quickphrase.search import closest_phrasing, closest_phrasing_of

    tuples = [tuple(sorted(p)) for p in phrasings]
    expected = max((closest_phrasing(own, tuples) for own in owns), default=0.0)
    assert closest_phrasing_of(owns, frozenset().union(*owns), tuples) == expected
