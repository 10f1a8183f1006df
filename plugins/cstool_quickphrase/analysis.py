"""Turning short Chinese text into search terms: single characters plus bigrams.

Import nothing heavy here (no whoosh, jieba, pypinyin or zhconv at import
time): search imports it on every query.

``terms(text)`` is the one tokenizer: the index (index.py, for every
backend) and the query builder both call it, so a buyer's words and the KB's words
are cut the same way whatever the sentence around them (Lucene's CJK bigram
idea, no dictionary): 能便宜点吗 -> 能 便 宜 点 | 能便 便宜 宜点 点吗.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from itertools import filterfalse, groupby
from operator import add

# Bump when terms() changes: an index built with other terms is rebuilt.
TERMS_VERSION = 9

# The CJK blocks whose characters are indexed: Extension A, Unified Ideographs, Compatibility.
_CJK_BLOCKS = (("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uf900", "\ufaff"))
_CJK_CLASS = "".join(f"{low}-{high}" for low, high in _CJK_BLOCKS)
_CJK_START = _CJK_BLOCKS[0][0]
# Cutting a short text by a scan in Python costs ~5 µs, by the compiled patterns below ~0.4 µs,
# but compiling their CJK classes costs ~3 ms: more than a cold search spends analysing its
# few dozen texts. So short texts are scanned until SCANS_BEFORE_COMPILING of them have been, or
# a long text made the patterns compile (an index build or a long session is past either within
# a moment); from then on the patterns cut everything.
SCAN_LIMIT = 64
SCANS_BEFORE_COMPILING = 300
_scans_left = SCANS_BEFORE_COMPILING

# Particles and fillers: alone they say nothing about the question (吗, 亲…),
# inside a bigram they still help (点吗 is closer to 便宜点吗 than to 保质期).
STOP_CHARS = frozenset("吗呢吧呗啊呀哦哈嘛么的了亲我你您在是有就都也还和这那个一下请问")
_is_stop = STOP_CHARS.__contains__


# Greetings, honorifics and fillers: they never decide a message that also
# asks something (您好，能便宜点吗 is a bargaining message). A message made
# only of them is a greeting and keeps them.
FILLERS = (
    "你好呀",
    "您好呀",
    "你好啊",
    "您好啊",
    "你好",
    "您好",
    "哈喽",
    "亲亲",
    "美女",
    "帅哥",
    "小哥哥",
    "小姐姐",
    "老板娘",
    "老板",
    "掌柜",
    "在吗",
    "在不在",
    "在么",
    "在嘛",
    "在不",
    "有人吗",
    "请问一下",
    "请问",
    "想问下",
    "想问一下",
    "问一下",
    "咨询一下",
    "麻烦问下",
    "一下",
    "hello",
    "hi",
)
_FILLER_RE = re.compile(
    "|".join(
        re.escape(w) if w[0] >= "\u3400" else rf"(?<![a-z]){re.escape(w)}(?![a-z])"
        for w in sorted(FILLERS, key=len, reverse=True)
    )
)


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The run pattern and the clause boundaries (punctuation, spaces, emoji and other symbols)."""
    global _scans_left
    _scans_left = 0  # compiled now (a long text asked): scanning would only be slower
    return re.compile(f"[{_CJK_CLASS}]+|[a-z0-9]+"), re.compile(f"[^{_CJK_CLASS}a-z0-9.]+")


_SEPARATOR, _CJK, _LATIN, _DOT = range(4)


def _kind(char: str) -> int:
    if "a" <= char <= "z" or "0" <= char <= "9":
        return _LATIN
    if char >= _CJK_START:
        for low, high in _CJK_BLOCKS:
            if low <= char <= high:
                return _CJK
    return _DOT if char == "." else _SEPARATOR


def _in_clause(char: str) -> bool:
    return _kind(char) != _SEPARATOR


def _scan(text: str) -> bool:
    """Whether to cut ``text`` by a scan rather than by the compiled patterns."""
    global _scans_left
    if _scans_left <= 0 or len(text) > SCAN_LIMIT:
        return False
    _scans_left -= 1
    return True


def normalize(text: str) -> str:
    """Full-width to half-width, lower case (ＢＡＯＹＯＵ -> baoyou)."""
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    """Runs of CJK characters and runs of Latin letters/digits, in order."""
    text = normalize(text)
    if _scan(text):
        return ["".join(run) for kind, run in groupby(text, _kind) if kind in (_CJK, _LATIN)]
    return _patterns()[0].findall(text)


def is_cjk(run: str) -> bool:
    return run[0] >= _CJK_START


def run_terms(run: str) -> list[str]:
    """A CJK run's characters (particles left out), then its bigrams; a Latin run as is."""
    if not is_cjk(run):
        return [run]
    out = list(filterfalse(_is_stop, run))
    out += map(add, run, run[1:])  # the bigrams, in order
    return out


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
            out += map(add, run, run[1:])
    return out


def strip_fillers(text: str) -> str:
    """``text`` (normalized) without greetings and fillers, unless nothing but
    particles would remain: then the message *is* a greeting and stays whole."""
    core = _FILLER_RE.sub(" ", text)
    if any(c not in STOP_CHARS for run in runs(core) for c in run):
        return core
    return text


def clauses(text: str) -> list[str]:
    """The clauses of a (normalized, filler-free) message: split at punctuation,
    spaces and symbols; clauses of particles only are dropped."""
    if _scan(text):
        parts = ["".join(part) for inside, part in groupby(text, _in_clause) if inside]
    else:
        parts = _patterns()[1].split(text)
    out = []
    for part in parts:
        if any(c not in STOP_CHARS for run in runs(part) for c in run):
            out.append(part)
    return out


# ---------------------------------------------------------------- homophones (pinyin IME typos)
#
# Entries: at index time the toneless pinyin of their curated text (title,
# questions, keywords) gives, per syllable bigram, the KB bigrams spelled that
# way (you'huo -> 有货), stored in meta.json with a char -> syllables table for
# the common (GB2312) characters of the syllables the KB uses. Queries: a
# Chinese bigram the KB does not know (由货) is looked up by its syllables; a
# Latin run that splits into syllables (you huo ma) by its syllable bigrams.
# No pypinyin import at query time, and no extra postings in the index.


def syllable_bigrams(syllables: list[str]) -> list[str]:
    return [f"{a}'{b}" for a, b in zip(syllables, syllables[1:], strict=False)]


@functools.cache
def _readings(char: str) -> tuple[str, ...]:
    """A character's toneless readings, most common first (build time: pypinyin's table,
    per character: ~1 µs, where phrase-aware conversion costs ~50 µs per run)."""
    from pypinyin.pinyin_dict import pinyin_dict

    found = pinyin_dict.get(ord(char))
    if not found:
        return ()
    return tuple(dict.fromkeys(r for r in map(_toneless, found.split(",")) if r.isalpha()))


@functools.cache
def _toneless(reading: str) -> str:
    """pypinyin's toneless form of one reading (~1,500 distinct readings for ~42,000 characters)."""
    from pypinyin.contrib.tone_convert import to_normal

    return str(to_normal(reading))


def homophone_tables(
    texts: Iterable[str], runs_of: Callable[[str], list[str]] = runs
) -> tuple[dict[str, str], dict[str, str]]:
    """For the KB's curated texts (build time): ``{syllable: common characters read
    that way}`` and ``{syllable bigram: the KB's bigrams spelled that way, most
    frequent first, space separated}`` (you'huo -> "有货"): the toneless pinyin of
    the entries' curated text, by which a homophone typo finds the KB's words.
    ``runs_of`` cuts a text into runs (the index passes its memo, which also
    converts to simplified characters)."""
    # A KB repeats its curated words a lot (product names, 包邮, 发货): each distinct
    # text is cut once, each distinct bigram read once, weighted by its count.
    run_counts: Counter[str] = Counter()
    for text, count in Counter(texts).items():
        for run in runs_of(text):
            if is_cjk(run):
                run_counts[run] += count
    bigrams: Counter[str] = Counter()
    for run, count in run_counts.items():
        pieces = map(run.__getitem__, map(slice, range(len(run) - 1), range(2, len(run) + 1)))
        if count == 1:
            bigrams.update(pieces)
        else:
            for piece in pieces:
                bigrams[piece] += count
    # A bigram is spelled by the most common reading of each of its characters.
    first = {c: (_readings(c) or ("",))[0] for c in set().union(*run_counts)}
    used = {syllable for syllable in first.values() if syllable}
    words: dict[str, list[tuple[int, str]]] = {}
    for word, count in bigrams.items():
        a, b = first[word[0]], first[word[1]]
        if a and b:
            words.setdefault(f"{a}'{b}", []).append((-count, word))
    return syllable_table(used), {
        pair: " ".join(w for _, w in sorted(found)) for pair, found in sorted(words.items())
    }


def syllable_table(syllables: set[str]) -> dict[str, str]:
    """``{syllable: common characters read that way}`` for the given syllables (build time)."""
    from pypinyin.pinyin_dict import pinyin_dict

    table: dict[str, list[str]] = {}
    for code in pinyin_dict:
        char = chr(code)
        if not ("\u4e00" <= char <= "\u9fff"):
            continue
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        for reading in _readings(char):
            if reading in syllables:
                table.setdefault(reading, []).append(char)
    return {syl: "".join(chars) for syl, chars in sorted(table.items())}


def split_syllables(word: str, known: frozenset[str]) -> list[str] | None:
    """A Latin word as toneless syllables (``youhuoma`` -> you huo ma), longest first; None if it does not split."""
    memo: dict[int, list[str] | None] = {}

    def go(i: int) -> list[str] | None:
        if i == len(word):
            return []
        if i in memo:
            return memo[i]
        memo[i] = None
        for size in range(min(6, len(word) - i), 0, -1):
            piece = word[i : i + size]
            if piece in known:
                rest = go(i + size)
                if rest is not None:
                    memo[i] = [piece, *rest]
                    break
        return memo[i]

    return go(0)
