"""Turning short Chinese text into search terms: single characters plus bigrams.

Whoosh pickles a field's analyzer into the index, so this module's import
path and class names are part of the index format: keep it small, keep the
names stable, and import nothing heavy here (no jieba, pypinyin or zhconv).

``terms(text)`` is the one tokenizer: the index analyzer (``CjkTokenizer``)
and the query builder both call it, so a buyer's words and the KB's words
are cut the same way whatever the sentence around them (Lucene's CJK bigram
idea, no dictionary): 能便宜点吗 -> 能 便 宜 点 | 能便 便宜 宜点 点吗.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from whoosh.analysis import Composable, Token
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import TEXT
from whoosh.system import pack_uint

# Bump when terms() changes: an index built with other terms is rebuilt.
TERMS_VERSION = 5

_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_CJK_START = "\u3400"

# Particles and fillers: alone they say nothing about the question (吗, 亲…),
# inside a bigram they still help (点吗 is closer to 便宜点吗 than to 保质期).
STOP_CHARS = frozenset("吗呢吧呗啊呀哦哈嘛么的了亲我你您在是有就都也还和这那个一下请问")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case (ＢＡＯＹＯＵ -> baoyou)."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    """Runs of CJK characters and runs of Latin letters/digits, in order."""
    return _RUNS.findall(normalize(text))


def is_cjk(run: str) -> bool:
    return run[0] >= _CJK_START


def run_terms(run: str) -> list[str]:
    if not is_cjk(run):
        return [run]
    unigrams = [c for c in run if c not in STOP_CHARS]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return unigrams + bigrams


def terms(text: str) -> list[str]:
    """Every search term of ``text`` (repeats kept: they count as frequency)."""
    out: list[str] = []
    for run in runs(text):
        out.extend(run_terms(run))
    return out


def bigram_terms(text: str) -> list[str]:
    """Bigrams (and Latin words) only: for long texts such as replies, where
    single characters match almost anything and cost the most to index."""
    out: list[str] = []
    for run in runs(text):
        if not is_cjk(run) or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


class CjkTokenizer(Composable):
    """Whoosh tokenizer yielding :func:`terms` (no positions: we never phrase-search)."""

    split = staticmethod(terms)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        items = self.split(value) if tokenize else [value]
        for pos, text in enumerate(items):
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:  # offsets are not tracked; keep whoosh's attributes valid
                token.startchar = start_char
                token.endchar = start_char
            yield token


class CjkBigramTokenizer(CjkTokenizer):
    """Whoosh tokenizer yielding :func:`bigram_terms` (for replies)."""

    split = staticmethod(bigram_terms)


def cjk_analyzer() -> CjkTokenizer:
    return CjkTokenizer()


def cjk_bigram_analyzer() -> CjkBigramTokenizer:
    return CjkBigramTokenizer()


class LeanCodec(W3Codec):
    """Whoosh's default codec minus per-posting length statistics.

    Those statistics (a field-length lookup per posting while writing) only
    feed BM25's block-quality skipping; search scores TF-IDF from raw
    postings, so writing them is a fifth of the build for nothing. Pickled
    into the index's table of contents: keep this path and name stable.
    """

    length_stats = False


class CjkText(TEXT):
    """A TEXT field (frequencies, no positions) that counts :func:`terms` directly.

    Same postings as whoosh's generic path, which builds a Token per term and
    tallies them through the format: the largest share of writing a document.
    Pickled into the index's schema: keep this path and name stable.
    """

    def index(self, value, **kwargs):
        field_boost = self.format.field_boost
        for text, freq in Counter(self.analyzer.split(value)).items():
            yield text.encode("utf-8"), freq, freq * field_boost, pack_uint(freq)
