"""tantivy (the official Python bindings) as cstool's search index store.

Only a postings store: the quick-phrase plugin hands over each entry's terms
already analysed with their frequencies, and reads back document
frequencies and ``(document numbers, weights)``, so the ranking above is the
same as with whoosh, score for score.

tantivy's Python bindings do not expose term frequencies, so each term is
indexed as ``term<SEP><frequency>``: one walk of the term dictionary
(``terms_with_prefix``) gives a term's document frequency and the
frequencies present, and one search of those tokens, each with a constant
score equal to its frequency, gives the postings with their weights. Scores
are small whole numbers, exact in tantivy's 32-bit floats.

A query's best candidates are added up by tantivy itself (``top_documents``):
the ranking hands over what each term adds at each frequency, multiples of
a power of two whose sums 32-bit floats hold exactly, so the sums are the
very floats the ranking would add in Python.
"""

from __future__ import annotations

import marshal
import re
from array import array
from collections.abc import Callable, Sequence
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import tantivy

from . import entries

NAME = "tantivy"
FIELDS = ("text", "replies", "py", "shortcut", "stage", "tag")
SEP = "\x01"  # between a term and its frequency in an indexed token
SPACE = "\x02"  # stands for whitespace inside a term (tokens are split at whitespace)
TOKENIZER = "cstool_ws"
SUBFOLDER = "tantivy"  # tantivy's own files (it has a meta.json of its own, as cstool does)
# Stored entries are kept beside, in entries.FILENAME (see entries.py).
SCORED_MEMO = 50_000  # constant-score queries kept per open index
HEAP = 256_000_000  # writer memory: a KB of 10,000s of entries stays one segment

Doc = tuple[dict[str, dict[str, int]], dict[str, Any]]
Progress = Callable[[int, int], None]


def _schema() -> Any:
    builder = tantivy.SchemaBuilder()
    for name in FIELDS:
        builder.add_text_field(name, tokenizer_name=TOKENIZER, index_option="basic")
    builder.add_unsigned_field("order", fast=True, indexed=False)
    return builder.build()


def _register(index: Any) -> Any:
    index.register_tokenizer(TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    return index


_SCORE, _ADDRESS, _DOC = itemgetter(0), itemgetter(1), attrgetter("doc")
_SHOULD, _CONST = tantivy.Occur.Should, tantivy.Query.const_score_query
_ODD = re.compile(r"[\s\x01]")


def _encode(term: str) -> str:
    if _ODD.search(term) is None:  # nearly every term: CJK characters and bigrams, pinyin
        return term
    return "".join(SPACE if c.isspace() else c for c in term.replace(SEP, ""))


def _field_text(counts: dict[str, int]) -> str:
    """A field's terms as whitespace-separated ``term<SEP>frequency`` tokens."""
    if _ODD.search("".join(counts)) is None:  # nearly every field: one check, no call per term
        return " ".join([f"{term}{SEP}{n}" for term, n in counts.items()])
    return " ".join([f"{_encode(term)}{SEP}{n}" for term, n in counts.items()])


def _fill(index: Any, docs: Sequence[Doc], progress: Progress | None) -> None:
    writer = index.writer(heap_size=HEAP, num_threads=1)
    total = len(docs)
    for order, (fields, _) in enumerate(docs):
        doc = tantivy.Document()
        for name, counts in fields.items():
            if counts:
                doc.add_text(name, _field_text(counts))
        doc.add_unsigned("order", order)
        writer.add_document(doc)
        if progress is not None and (order % 500 == 0 or order == total - 1):
            progress(order + 1, total)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()


def _records(docs: Sequence[Doc]) -> list[bytes]:
    return [marshal.dumps(stored) for _, stored in docs]


def write(folder: Path, docs: Sequence[Doc], progress: Progress | None = None) -> None:
    """Index ``docs`` (document number = position) into the empty ``folder``."""
    (folder / SUBFOLDER).mkdir()
    _fill(_register(tantivy.Index(_schema(), path=str(folder / SUBFOLDER), reuse=False)), docs, progress)
    entries.write(folder / entries.FILENAME, _records(docs))


def memory(docs: Sequence[Doc], progress: Progress | None = None) -> TantivyReader:
    index = _register(tantivy.Index(_schema()))
    _fill(index, docs, progress)
    return TantivyReader(index, entries.Entries(entries.pack(_records(docs))))


def open(folder: Path) -> TantivyReader:  # noqa: A001 - the backend interface's name
    found = entries.Entries.open(folder / entries.FILENAME)
    return TantivyReader(_register(tantivy.Index.open(str(folder / SUBFOLDER))), found)


class TantivyReader:
    def __init__(self, index: Any, stored: entries.Entries):
        self.index = index
        self.schema = index.schema
        self.searcher = index.searcher()
        self.single = self.searcher.num_segments <= 1
        self.entries = stored
        self._variants: dict[tuple[str, str], tuple[tuple[str, int, float], ...]] = {}
        self._scored: dict[tuple[str, str, float], Any] = {}  # see _scoring

    def doc_count(self) -> int:
        return int(self.searcher.num_docs)

    def _tokens(self, field: str, term: str) -> tuple[tuple[str, int, float], ...]:
        """``((indexed token, its document count, its frequency), ...)`` of a term; the counts
        sum to its df. Memoised as tuples, which the garbage collector stops walking."""
        key = (field, term)
        found = self._variants.get(key)
        if found is None:
            prefix = _encode(term) + SEP
            found = tuple(
                (token, count, float(token.rpartition(SEP)[2]))
                for token, count in self.searcher.terms_with_prefix(field, prefix)
            )
            self._variants[key] = found
        return found

    def doc_frequency(self, field: str, term: str) -> int:
        return sum(count for _, count, _ in self._tokens(field, term))

    def postings(self, field: str, term: str) -> tuple[Sequence[int], Sequence[float]]:
        tokens = self._tokens(field, term)
        total = sum(count for _, count, _ in tokens)
        if not total:
            return [], []
        query = tantivy.Query.boolean_query(
            [(_SHOULD, self._scoring(field, token, weight)) for token, _, weight in tokens]
        )
        hits = self.searcher.search(query, limit=total, count=False).hits
        # arrays, not lists: memoised postings the garbage collector never walks
        weights = array("d", map(_SCORE, hits))
        if self.single:
            return array("i", map(_DOC, map(_ADDRESS, hits))), weights
        return array("i", self.searcher.fast_field_values("order", list(map(_ADDRESS, hits)))), weights

    def postings_by_weight(self, field: str, term: str) -> list[tuple[float, list[int]]]:
        """:meth:`postings` grouped by weight, ``[(weight, [document numbers])]``: one
        search per indexed token (one per frequency); with several segments its
        hits are ordered by the ``order`` fast field, which is the document
        number itself."""
        if _ODD.search(term) is not None:  # two terms may share an encoded token: summed as postings() does
            from cstool_quickphrase.search import weight_groups

            return weight_groups(*self.postings(field, term))
        found = []
        for token, count, weight in self._tokens(field, term):
            if count:
                query = self._term(field, token)
                if self.single:  # the document number is the address's
                    hits = self.searcher.search(query, limit=count, count=False).hits
                    found.append((weight, list(map(_DOC, map(_ADDRESS, hits)))))
                else:  # ordered by the fast field, whose value is the number (loading it costs ~12 ms once)
                    hits = self.searcher.search(
                        query, limit=count, count=False, order_by_field="order", order=tantivy.Order.Asc
                    ).hits
                    found.append((weight, list(map(_SCORE, hits))))
        return found

    def term_weights(self, field: str, term: str) -> list[float]:
        """The distinct frequencies the term is indexed with (one token each)."""
        return [weight for _, count, weight in self._tokens(field, term) if count]

    def top_documents(
        self,
        clauses: Sequence[tuple[str, str, dict[float, float]]],
        n: int,
        filters: Sequence[tuple[str, str]] = (),
    ) -> list[tuple[int, float]] | None:
        """The ``n`` documents with the highest sums of what their clauses add,
        ``[(document number, sum)]``, best first, lower number first on ties;
        each clause ``(field, term, {frequency: score})`` adds the score of the
        frequency the document has the term with. Every document holds each
        ``(field, value)`` of ``filters``.

        tantivy adds them up in native code: each token (a term at one
        frequency) is a constant-score query, one boolean query sums them, and
        its top-n collector keeps ties in document order. Scores and sums must be
        exact in 32-bit floats (the caller's business). None where the order
        cannot be promised: several segments (an address is then not the
        number), or a term whose encoded token another term shares."""
        if not self.single:
            return None
        should = []
        scoring = self._scoring
        for field, term, adds in clauses:
            if _ODD.search(term) is not None:
                return None
            for token, count, weight in self._tokens(field, term):
                add = adds.get(weight)
                if count and add is not None:
                    should.append((_SHOULD, scoring(field, token, add)))
        if not should:
            return []
        query = tantivy.Query.boolean_query(should)
        if filters:
            required = [(tantivy.Occur.Must, query)]
            for field, value in filters:
                if _ODD.search(value) is not None:
                    return None
                tokens = [(_SHOULD, self._term(field, token)) for token, _, _ in self._tokens(field, value)]
                if not tokens:
                    return []
                required.append((tantivy.Occur.Must, _CONST(tantivy.Query.boolean_query(tokens), 0.0)))
            query = tantivy.Query.boolean_query(required)
        hits = self.searcher.search(query, limit=n, count=False).hits
        return [(address.doc, score) for score, address in hits]

    def _term(self, field: str, token: str) -> Any:
        return tantivy.Query.term_query(self.schema, field, token, index_option="basic")

    def _scoring(self, field: str, token: str, score: float) -> Any:
        """The constant-score query of a token, memoised: the next keystroke asks mostly for
        the same terms with the same scores (building the two query objects costs ~2 µs)."""
        key = (field, token, score)
        found = self._scored.get(key)
        if found is None:
            if len(self._scored) >= SCORED_MEMO:  # the oldest goes
                del self._scored[next(iter(self._scored))]
            found = self._scored[key] = _CONST(self._term(field, token), score)
        return found

    def stored(self, docnum: int) -> dict[str, Any]:
        return self.entries.get(docnum)

    def documents(self) -> list[dict[str, Any]]:
        return [self.entries.get(n) for n in range(len(self.entries))]

    def terms_with_prefix(self, field: str, prefix: str) -> list[str]:
        found = self.searcher.terms_with_prefix(field, _encode(prefix))
        return list(dict.fromkeys(token.rpartition(SEP)[0].replace(SPACE, " ") for token, _ in found))

    def close(self) -> None:
        self._variants.clear()
        self._scored.clear()
        self.entries.close()
