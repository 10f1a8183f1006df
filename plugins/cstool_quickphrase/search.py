"""From what the agent typed to ranked entries: query terms, scoring, ranking.

Plain functions over plain data; ``search()`` takes an open :class:`KbIndex`.

How a query becomes terms (see docs/search.md):
- traditional characters become simplified (包郵 -> 包邮), full-width half-width;
- Chinese runs give single characters (weight 1) and bigrams (weight 2);
- team synonyms found in the query add the other words' terms (weight x0.8);
- Latin runs (pinyin, shortcuts) are looked up in the shortcut, full-pinyin and
  initials fields; longer ones also fuzzily (one typo) on full pinyin.
Everything is OR-ed: an entry needs no exact wording, more shared terms
rank higher (TF-IDF, term frequency damped), and curated fields (questions,
title, keywords) weigh more than replies.
"""

from __future__ import annotations

import functools
import heapq
import math
import operator
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import compress, filterfalse, repeat
from typing import Any, NamedTuple

from .analysis import (
    STOP_CHARS,
    clauses,
    is_cjk,
    normalize,
    run_terms,
    runs,
    split_syllables,
    strip_fillers,
    syllable_bigrams,
    terms,
)

UNIGRAM_WEIGHT = 1.0
BIGRAM_WEIGHT = 2.0
SYNONYM_FACTOR = 0.8

# The curated text (title counted twice, questions, keywords, tags) weighs
# five times the replies; replies are indexed as bigrams only.
TEXT_FIELDS = {"text": 3.0, "replies": 0.6}
LATIN_FIELDS = {"shortcut": 8.0, "py": 3.0}
FUZZY_MIN_LENGTH = 5
# Query cost control (see prune_clauses): a term in more than this share of
# the entries (and more than COMMON_MIN_DOCS of them) is too common to score.
COMMON_SHARE = 0.1
COMMON_MIN_DOCS = 50
MAX_CLAUSES = 16
# Pinyin of 5+ letters may carry one typo (baoyoi -> baoyou): several
# matching terms together weigh this much (see fuzzy_scores).
FUZZY_BOOST = 1.5
# A buyer's message longer than this is cut before any work (docs/search.md):
# every phrasing in a KB is far shorter, and terms grow with the length.
MAX_QUERY_CHARS = 200

# Closeness to one of the entry's own phrasings (questions, title, keywords)
# multiplies the TF-IDF score by up to 1 + this: the KB's own wording, and
# messages close to one phrasing, beat entries that share scattered words.
PHRASING_WEIGHT = 3.0
# Typing one of the entry's own phrasings word for word: that entry first.
EXACT_BOOST = 3.0

# A message of honorifics and particles only (亲, 亲亲~) has no search terms
# of its own (they are particles); it is searched as this greeting.
HONORIFICS = frozenset("亲您你")
GREETING_FORM = "你好"

# How much of the message the entry covers (see relevance(): the share of its
# characters and bigrams found in the entry's curated text) multiplies the
# score by up to 1 + this: an entry answering the whole message beats one that
# matches a few of its words strongly.
COVERAGE_WEIGHT = 2.0

# Term frequency is damped (tf ** this) before it is multiplied by idf: an
# entry with many phrasings repeats common characters (不, 了一 …) many times,
# and raw counts let it win messages it shares only those characters with.
TF_EXPONENT = 0.7

# Each clause adds a multiple of 2**-SCORE_BITS (about 0.00024, see quantized):
# sums of such numbers are exact whatever the order they are added in, in
# Python's floats and, below NATIVE_SUM_LIMIT, in the 32-bit floats of an
# engine that adds them natively (tantivy). So pruned, plain and native
# scoring give one and the same float, and every backend ranks alike.
SCORE_BITS = 12
_SCORE_SCALE = float(1 << SCORE_BITS)
NATIVE_SUM_LIMIT = float(1 << (24 - SCORE_BITS))  # 24: the significand of a 32-bit float

# Homophones: a Chinese bigram no entry has (由货) is also looked up by its
# toneless syllables (you'huo) in the entries' syllable field, and pinyin typed
# as a sentence (you huo ma) by its syllable bigrams, at this share of a
# bigram's weight.
HOMOPHONE_FACTOR = 0.5
MAX_READINGS = 3  # readings tried per character of a homophone bigram

# Learning from use: an entry picked often gets at most +12 % (reached at
# ~30 picks), so it wins among results of similar relevance but never
# overtakes a clearly better match.
USAGE_MAX_BOOST = 0.12
USAGE_SATURATION = 30

# kb_match: a question "matches" an entry when its relevance (see relevance())
# reaches this: about half of the question's words are in the entry.
MATCH_THRESHOLD = 0.5


def cut_query(text: str) -> tuple[str, str | None]:
    """``text`` cut to MAX_QUERY_CHARS, with a one-line note for stderr when it was cut."""
    if len(text) <= MAX_QUERY_CHARS:
        return text, None
    note = f"提示：要搜的话太长（{len(text)} 字），只用前 {MAX_QUERY_CHARS} 字搜索。"
    return text[:MAX_QUERY_CHARS].strip(), note


class Hit(NamedTuple):  # not a dataclass: cheaper to create on start (see model.py)
    id: str
    score: float
    relevance: float
    picks: int
    doc: dict[str, Any]

    @property
    def title(self) -> str:
        return self.doc["title"]

    @property
    def stage(self) -> str:
        return self.doc["stage"]

    @property
    def tags(self) -> list[str]:
        return list(self.doc.get("tags") or [])


def to_simplified(text: str, t2s: Mapping[int, int]) -> str:
    """Every character of ``text`` through ``t2s`` (traditional -> simplified, a ``str.translate`` table)."""
    return text.translate(t2s)


def query_terms(
    query: str, synonyms: list[list[str]], t2s: Mapping[int, int]
) -> tuple[dict[str, float], list[str]]:
    """``({cjk term: weight}, [latin words])`` for a typed query."""
    text = to_simplified(normalize(query), t2s)
    weights: dict[str, float] = {}
    latin: list[str] = []

    def add(run: str, factor: float) -> None:
        for term in run_terms(run):
            weight = (UNIGRAM_WEIGHT if len(term) == 1 else BIGRAM_WEIGHT) * factor
            weights[term] = max(weights.get(term, 0.0), weight)

    for run in runs(text):
        if is_cjk(run):
            add(run, 1.0)
        else:
            latin.append(run)
    for n, _ in synonym_groups_in(text, synonyms):
        for word in synonyms[n]:
            if word not in text:
                for run in runs(word):
                    if is_cjk(run):
                        add(run, SYNONYM_FACTOR)
    if len(latin) > 1:  # "bao you" typed with a space is also "baoyou"
        latin.append("".join(latin))
    return weights, latin


class SyllableTable:
    """``{character: its syllables}`` read from meta.json's ``{syllable: characters}``
    one character at a time, when a query first needs it (inverting the whole
    table cost ~6 ms of a cold search); same lists, same order as the inversion."""

    def __init__(self, syllables: Mapping[str, str]):
        self._items = list(syllables.items())
        self._memo: dict[str, list[str]] = {}

    def get(self, char: str, default: Any = None) -> Any:
        found = self._memo.get(char)
        if found is None:
            found = []
            for syllable, chars in self._items:
                if char in chars:
                    found.extend([syllable] * chars.count(char))
            self._memo[char] = found
        return found or default


def syllable_lookup(index: Any) -> tuple[SyllableTable, frozenset[str]]:
    """``({character: its syllables}, {known syllables})`` from meta.json, made once per open index."""
    cache = index.phrasing_cache
    found = cache.get(("syllables",))
    if found is None:
        syllables = index.meta.get("syllables") or {}
        found = cache[("syllables",)] = (SyllableTable(syllables), frozenset(syllables))
    return found


def homophone_terms(text: str, latin: list[str], index: Any) -> dict[str, float]:
    """KB bigrams (field ``text``) with the syllables of the query's unknown Chinese
    bigrams (由货 -> 有货) and of its pinyin (you huo ma -> 有货, 货吗), at
    ``HOMOPHONE_FACTOR`` of a bigram's weight."""
    out: dict[str, float] = {}
    weight = BIGRAM_WEIGHT * HOMOPHONE_FACTOR
    if not index.meta.get("spellings"):
        return out
    table, known = syllable_lookup(index)
    pairs: list[str] = []
    for run in runs(text):
        if not is_cjk(run):
            continue
        for i in range(len(run) - 1):
            if index.doc_frequency("text", run[i : i + 2]) > 0:
                continue
            first, second = table.get(run[i]), table.get(run[i + 1])
            if not first or not second:
                continue
            pairs.extend(f"{a}'{b}" for a in first[:MAX_READINGS] for b in second[:MAX_READINGS])
    words = latin[:-1] if len(latin) > 1 else latin  # the last one is all of them joined
    syllables = split_syllables("".join(words), known) if words else None
    if syllables and len(syllables) > 1:
        pairs.extend(syllable_bigrams(syllables))
    spellings = index.spellings() if pairs else {}  # unpacked only for a query that asks
    for pair in pairs:
        for word in spellings.get(pair, "").split()[:MAX_READINGS]:
            out[word] = max(out.get(word, 0.0), weight)
    return out


def best_spelling(
    chars: list[str], i: int, table: SyllableTable, spellings: Mapping[str, str], index: Any
) -> str | None:
    """The KB bigram that ``chars[i:i+2]`` (unknown to the KB) may be a homophone typo of:
    same syllables, differing in one character, not breaking a known neighbouring
    bigram; the most common in the KB wins."""
    found: list[tuple[int, str]] = []
    for a in table.get(chars[i], ())[:MAX_READINGS]:
        for b in table.get(chars[i + 1], ())[:MAX_READINGS]:
            for word in spellings.get(f"{a}'{b}", "").split():
                if word[0] != chars[i] and word[1] != chars[i + 1]:
                    continue
                if i > 0 and word[0] != chars[i] and index.doc_frequency("text", chars[i - 1] + chars[i]):
                    continue
                if (
                    i + 2 < len(chars)
                    and word[1] != chars[i + 1]
                    and index.doc_frequency("text", chars[i + 1] + chars[i + 2])
                ):
                    continue
                found.append((index.doc_frequency("text", word), word))
    return max(found)[1] if found else None


def respelled(text: str, latin: list[str], index: Any) -> str | None:
    """The message in the KB's own words where it had homophone typos or pinyin
    (由货吗 -> 有货吗, you huo ma -> 有货吗), for judging closeness and coverage;
    None when nothing changed. Uses meta.json's ``spellings`` (syllable bigram ->
    the KB's bigram spelled that way)."""
    if not index.meta.get("spellings"):
        return None
    table, known = syllable_lookup(index)
    pieces: list[str] = []
    changed = False
    for run in runs(text):
        if not is_cjk(run):
            continue
        chars = list(run)
        i = 0
        while i < len(chars) - 1:
            pair = chars[i] + chars[i + 1]
            if index.doc_frequency("text", pair) == 0:
                word = best_spelling(chars, i, table, index.spellings(), index)
                if word is not None:
                    chars[i], chars[i + 1] = word[0], word[1]
                    changed = True
                    i += 2
                    continue
            i += 1
        pieces.append("".join(chars))
    words = latin[:-1] if len(latin) > 1 else latin
    syllables = split_syllables("".join(words), known) if words else None
    if syllables and len(syllables) > 1:
        spelled = ""
        for a, b in zip(syllables, syllables[1:], strict=False):
            word = (index.spellings().get(f"{a}'{b}") or " ").split(" ")[0]
            if not word:
                spelled += " "
            elif spelled and not spelled.endswith(" "):
                spelled += word[1]
            else:
                spelled += word
        if spelled.strip():
            pieces.append(spelled)
            changed = True
    return " ".join(pieces) if changed else None


def quantized(score: float) -> float:
    """``score`` to the nearest multiple of 2**-SCORE_BITS."""
    return round(score * _SCORE_SCALE) / _SCORE_SCALE


def clause_adds(weights: Iterable[float], factor: float) -> dict[float, float]:
    """What a clause adds to an entry per term frequency: ``tf ** TF_EXPONENT x factor``
    (factor: the clause's boost x idf), quantized; every way of scoring reads these."""
    return {w: quantized(w**TF_EXPONENT * factor) for w in weights}


def query_clauses(weights: Mapping[str, float], latin: list[str]) -> list[tuple[str, str, float]]:
    """Every ``(field, term, boost)`` the query could look up (fuzzy pinyin aside)."""
    clauses: list[tuple[str, str, float]] = []
    for term, weight in weights.items():
        clauses.append(("text", term, weight * TEXT_FIELDS["text"]))
        if len(term) > 1:  # replies hold bigrams only
            clauses.append(("replies", term, weight * TEXT_FIELDS["replies"]))
    for word in latin:
        for field, boost in LATIN_FIELDS.items():
            clauses.append((field, word, boost))
        for field, boost in TEXT_FIELDS.items():  # "iphone", "59"
            clauses.append((field, word, boost))
    return clauses


def prune_clauses(
    clauses: list[tuple[str, str, float]], doc_frequency: Callable[[str, str], int], doc_count: int
) -> list[tuple[str, str, float]]:
    """The clauses worth scoring: every posting of every term is scored in
    Python, so a term found in a large share of the entries (的, 亲, a
    product name of a big KB) costs the most and ranks the least. Terms no
    entry has are dropped; common ones are dropped when rarer ones remain;
    at most ``MAX_CLAUSES`` are kept, the most telling (boost x idf) first."""
    found = [(c, doc_frequency(c[0], c[1])) for c in clauses]
    found = [(c, df) for c, df in found if df > 0]
    ceiling = max(COMMON_MIN_DOCS, COMMON_SHARE * doc_count)
    rare = [(c, df) for c, df in found if df <= ceiling]
    if rare:
        found = rare
    found.sort(key=lambda item: -item[0][2] * math.log(1 + doc_count / item[1]))
    return [c for c, _ in found[:MAX_CLAUSES]]


def score_clauses(
    index: Any, clauses: list[tuple[str, str, float]], latin: list[str], allowed: set[int] | None
) -> tuple[dict[int, float], dict[int, list[tuple[str, str]]]]:
    """TF-IDF scores (damped term frequency x idf x the clause's boost, summed over
    the clauses) per document number, and the Latin-field terms each document matched.

    Each clause's postings (memoised by the open index) are summed into a
    dict, whatever backend stores them: both backends rank the same.
    """
    scores: dict[int, float] = {}
    matched: dict[int, list[tuple[str, str]]] = {}

    for field, term, boost in clauses:  # TF-IDF: tf ** TF_EXPONENT x idf, times the clause's boost
        factor = boost * index.idf(field, term)
        label = (field, term) if field in LATIN_FIELDS else None
        ids, weights = index.postings(field, term)
        adds = clause_adds(set(weights), factor)
        for docnum, weight in zip(ids, weights, strict=True):
            if allowed is None or docnum in allowed:
                scores[docnum] = scores.get(docnum, 0.0) + adds[weight]
                if label is not None:
                    matched.setdefault(docnum, []).append(label)
    for word in latin:
        if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
            for docnum, score in fuzzy_scores(index, "py", word).items():
                if allowed is None or docnum in allowed:
                    scores[docnum] = scores.get(docnum, 0.0) + score
                    matched.setdefault(docnum, []).append(("py", "~" + word))
    return scores, matched


# Pruned scoring (see best_scores): a bound is trusted only with this much
# room, far above the rounding of a sum of a few dozen floats.
BOUND_SLACK = 1e-9
IMPACTS_MEMO = 4_000_000  # see ImpactCache: ~2 M postings, ~16 MB (+ lookup tables made)
# Once candidates are known (see best_scores), a clause is scored posting by
# posting when it has at most this many postings per candidate (a posting costs
# ~2.5x less than looking a candidate up), else looked up for the candidates.
LOOKUP_RATIO = 2.5
# Finding the n-th best score and the candidates costs ~4 postings' worth per
# entry seen: tried only while the clauses left hold more postings than this
# many per entry seen.
PRUNE_RATIO = 8.0


class TermPostings:
    """A term's postings as scoring reads them: its document numbers grouped by
    posting weight (the term's frequency in the entry), ``((weight, (numbers)), ...)``.

    A clause adds ``weight ** TF_EXPONENT x boost x idf`` to each entry: one
    float per group, worked out per query for the few groups, never per
    posting; what depends on the posting alone (its group) is made once.
    Tuples of int objects shared across terms (see ImpactCache), not arrays:
    adding from ready numbers into a list of scores is ~3x faster than from
    arrays (each read of an array makes a new number object); tuples, not
    lists: the garbage collector stops tracking a tuple of numbers after one
    look, it would walk a list's every item in each of its collections."""

    __slots__ = ("groups", "size", "end", "_table")

    def __init__(self, groups: Iterable[tuple[float, Sequence[int]]], numbers: Sequence[int]):
        shared: list[tuple[float, tuple[int, ...]]] = []
        for weight, ids in sorted(groups, key=operator.itemgetter(0), reverse=True):
            try:  # the index's shared int objects: a posting costs a pointer
                shared.append((weight, tuple(map(numbers.__getitem__, ids))))
            except IndexError:  # a document number beyond the count (not from a sound index)
                shared.append((weight, tuple(ids)))
        self.groups = tuple(shared)
        self.size = sum(len(ids) for _, ids in shared)
        # scores need room up to here
        self.end = max((max(ids, default=-1) for _, ids in shared), default=-1) + 1
        self._table: dict[int, float] | None = None

    @property
    def table(self) -> dict[int, float]:
        """``{document number: weight}``, made when first needed (candidates looked up)."""
        if self._table is None:
            table: dict[int, float] = {}
            for weight, ids in self.groups:
                table.update(dict.fromkeys(ids, weight))
            self._table = table
        return self._table


def weight_groups(ids: Sequence[int], weights: Sequence[float]) -> list[tuple[float, list[int]]]:
    """Postings ``(ids, weights)`` grouped by weight, ``[(weight, [ids])]``; most
    terms have one or two weights (a pass in C per weight), a few have more."""
    ids = list(ids)
    distinct = set(weights)
    if len(distinct) == 1:
        return [(distinct.pop(), ids)]
    if len(distinct) == 2:
        return [(w, list(compress(ids, map(operator.eq, weights, repeat(w))))) for w in distinct]
    groups: dict[float, list[int]] = {w: [] for w in distinct}
    append = {w: found.append for w, found in groups.items()}
    for docnum, weight in zip(ids, weights, strict=True):
        append[weight](docnum)
    return list(groups.items())


class Impacts:
    """One clause of one query as scoring adds it: ``((contribution, [numbers]), ...)``
    (the same floats score_clauses adds), the largest contribution (the clause's
    bound), and for looking entries up a ``{number: key}`` table with
    ``values[key]`` the contribution (``values`` None: the key is it)."""

    __slots__ = ("groups", "top", "size", "end", "table", "values", "label")

    def __init__(
        self,
        groups: Sequence[tuple[float, Sequence[int]]],
        size: int,
        end: int,
        table: Callable[[], Mapping[int, Any]],
        values: Mapping[float, float] | None,
        label: tuple[str, str] | None,
    ):
        self.groups = groups
        self.top = max((add for add, _ in groups), default=0.0)
        self.size = size
        self.end = end
        self.table = table
        self.values = values
        self.label = label

    @classmethod
    def of_term(cls, postings: TermPostings, factor: float, label: tuple[str, str] | None) -> Impacts:
        values = clause_adds((w for w, _ in postings.groups), factor)
        groups = [(values[w], ids) for w, ids in postings.groups]
        return cls(groups, postings.size, postings.end, lambda: postings.table, values, label)

    @classmethod
    def of_scores(cls, scores: Mapping[int, float], label: tuple[str, str] | None) -> Impacts:
        by_add: dict[float, list[int]] = {}
        for docnum, add in scores.items():
            by_add.setdefault(add, []).append(docnum)
        end = max(scores, default=-1) + 1
        return cls(list(by_add.items()), len(scores), end, lambda: scores, None, label)


class ImpactCache:
    """Per open index: each term's :class:`TermPostings`, made once: an agent's
    keystrokes search mostly the terms of the one before. Holds at most
    ``IMPACTS_MEMO`` postings (each counted twice: its number, and its place
    in a lookup table if one is made); the oldest go first."""

    def __init__(self, count: int = 0) -> None:
        self._found: dict[tuple[str, str], TermPostings] = {}
        self._held = 0
        self.numbers = list(range(count))  # the int objects every term's lists share

    def get(self, index: Any, field: str, term: str) -> TermPostings:
        key = (field, term)
        found = self._found.get(key)
        if found is None:
            grouped = getattr(index, "postings_by_weight", None)
            if grouped is not None:
                found = TermPostings(grouped(field, term), self.numbers)
            else:  # an index offering postings only
                found = TermPostings(weight_groups(*index.postings(field, term)), self.numbers)
            size = 2 * found.size
            while self._found and self._held + size > IMPACTS_MEMO:
                oldest = next(iter(self._found))
                self._held -= 2 * self._found.pop(oldest).size
            self._found[key] = found
            self._held += size
        return found


def impact_cache(index: Any) -> ImpactCache:
    cache = index.phrasing_cache
    found = cache.get(("impacts",))
    if found is None:
        found = cache[("impacts",)] = ImpactCache(index.count)
    return found


def best_scores(
    index: Any, clauses: list[tuple[str, str, float]], latin: list[str], allowed: set[int] | None, n: int
) -> tuple[list[tuple[int, float]], dict[int, list[tuple[str, str]]]]:
    """``top_scores(score_clauses(...), n)`` and the Latin-field terms matched, without
    scoring every posting (the same floats, so the same ranking; a test compares).

    Scores add up in a list indexed by document number, clauses in the same
    order as score_clauses, so each entry's score is the same float. Each
    clause can add at most its bound (its largest contribution). Once the
    clauses left can add less than the ``n``-th best score so far, no entry not
    seen yet can reach the best ``n``, nor can one whose score plus what is
    left stays below it: the clauses left then only matter for the remaining
    candidates (a long clause is looked up for them, a short one still scored
    whole), dropping those that fall behind as the bound shrinks. The
    Latin-field terms matched are worked out for the entries returned (the
    only ones asked about)."""
    cache = impact_cache(index)
    parts: list[Impacts] = []
    for field, term, boost in clauses:
        label = (field, term) if field in LATIN_FIELDS else None
        factor = boost * index.idf(field, term)
        parts.append(Impacts.of_term(cache.get(index, field, term), factor, label))
    for word in latin:
        if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
            fuzzy = fuzzy_scores(index, "py", word)  # already the scores to add
            parts.append(Impacts.of_scores(fuzzy, ("py", "~" + word)))
    left = [0.0] * (len(parts) + 1)  # left[j]: the most that parts j.. can still add
    postings_left = [0] * (len(parts) + 1)  # and how many postings they hold
    for j in range(len(parts) - 1, -1, -1):
        left[j] = left[j + 1] + parts[j].top
        postings_left[j] = postings_left[j + 1] + parts[j].size
    prunable = all(part.top >= 0 for part in parts) and len(parts) > 1

    scores = [0.0] * max([index.count, *(part.end for part in parts)])
    seen: set[int] = set()  # the entries scored so far (those allowed)
    j = 0
    threshold = 0.0  # at most the n-th best score so far (0: not known yet)
    look_below = left[0] / 2  # find the n-th best once what is left is under this
    while j < len(parts):
        part = parts[j]
        j += 1
        for add, ids in part.groups:  # the loop that runs per posting: kept tight
            for docnum in ids:
                scores[docnum] += add
            seen.update(ids if allowed is None else filter(allowed.__contains__, ids))
        rest = left[j]
        if not prunable or j == len(parts) or len(seen) < n:
            continue
        if rest * (1 + BOUND_SLACK) < threshold:
            break  # out of reach of an earlier n-th best: the better current one is not needed
        if rest < look_below and postings_left[j] > PRUNE_RATIO * len(
            seen
        ):  # else pruning costs more than it saves
            threshold = heapq.nlargest(n, map(scores.__getitem__, seen))[-1]
            if rest * (1 + BOUND_SLACK) < threshold:
                break
            look_below = rest / 2
    else:
        best = _best_of(scores, list(seen), n)
        return best, _labels(parts, best)

    candidates = _within_reach(scores, list(seen), rest, threshold)
    while j < len(parts):
        part = parts[j]
        j += 1
        if part.size <= LOOKUP_RATIO * len(candidates):  # every posting: cheaper than the lookups
            for add, ids in part.groups:
                for docnum in ids:
                    scores[docnum] += add
        else:
            get, values = part.table().get, part.values
            for docnum in candidates:
                key = get(docnum)
                if key is not None:
                    scores[docnum] += key if values is None else values[key]
        if len(candidates) > 4 * n and j < len(parts):
            threshold = heapq.nlargest(n, map(scores.__getitem__, candidates))[-1]
            candidates = _within_reach(scores, candidates, left[j], threshold)
    best = _best_of(scores, candidates, n)
    return best, _labels(parts, best)


def native_best(
    index: Any,
    clauses: list[tuple[str, str, float]],
    latin: list[str],
    filters: Sequence[tuple[str, str]],
    n: int,
) -> tuple[list[tuple[int, float]], dict[int, list[tuple[str, str]]]] | None:
    """:func:`best_scores` added up by the engine itself, where it offers that
    (``top_documents``: tantivy, in native code) and can add this query's
    scores exactly; None otherwise. ``filters``: ``(field, value)`` an entry
    must hold (stage, tag). The same entries, floats and tie order: each
    clause adds, per term frequency, the very number best_scores adds, and
    sums of them below NATIVE_SUM_LIMIT are exact in the engine's floats."""
    top = getattr(index, "top_documents", None)
    if top is None:
        return None
    weighted: list[tuple[str, str, dict[float, float]]] = []
    labels: list[tuple[tuple[str, str], list[tuple[str, str]]]] = []  # Latin-field terms, as _labels
    memo = index.phrasing_cache
    for field, term, boost in clauses:
        key = ("adds", field, term, boost)
        adds = memo.get(key)
        if adds is None:  # the next keystroke asks mostly for the same terms
            adds = memo[key] = clause_adds(index.term_weights(field, term), boost * index.idf(field, term))
        weighted.append((field, term, adds))
        if field in LATIN_FIELDS:
            labels.append(((field, term), [(field, term)]))
    for word in latin:
        if len(word) >= FUZZY_MIN_LENGTH and word.isalpha():
            found = fuzzy_factors(index, "py", word)
            for term, factor in found:  # as fuzzy_scores adds them
                weighted.append(
                    ("py", term, {w: quantized(w * factor) for w in index.term_weights("py", term)})
                )
            labels.append((("py", "~" + word), [("py", term) for term, _ in found]))
    if sum(max(adds.values(), default=0.0) for _, _, adds in weighted) >= NATIVE_SUM_LIMIT:
        return None  # an entry's sum might not be exact in 32 bits (never seen: ~100 is a high score)
    best = top(weighted, n, filters)
    if best is None:
        return None
    matched: dict[int, list[tuple[str, str]]] = {}
    if labels and best:
        cache = impact_cache(index)
        for label, terms_ in labels:
            tables = [cache.get(index, field, term).table for field, term in terms_]
            for docnum, _ in best:
                if any(docnum in table for table in tables):
                    matched.setdefault(docnum, []).append(label)
    return best, matched


def _labels(parts: Sequence[Impacts], best: Sequence[tuple[int, float]]) -> dict[int, list[tuple[str, str]]]:
    """The Latin-field terms (``Impacts.label``) each of the ``best`` entries matched, in clause order."""
    matched: dict[int, list[tuple[str, str]]] = {}
    for part in parts:
        if part.label is not None:
            table = part.table()
            for docnum, _ in best:
                if docnum in table:
                    matched.setdefault(docnum, []).append(part.label)
    return matched


def _within_reach(scores: Sequence[float], docnums: list[int], rest: float, threshold: float) -> list[int]:
    """Those of ``docnums`` that adding at most ``rest`` could bring to ``threshold`` or above."""
    floor = threshold * (1 - BOUND_SLACK) - rest * (1 + BOUND_SLACK)
    return list(compress(docnums, map(floor.__le__, map(scores.__getitem__, docnums))))


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance of at most 1 (one letter inserted, removed or changed)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] if len(a) == len(b) else a[i:] == b[i + 1 :]


def fuzzy_scores(index: Any, field: str, word: str) -> dict[int, float]:
    """A Latin word with one typo (baoyoi -> baoyou): the field's terms sharing its first
    letter within one edit, scored as TF-IDF; several such terms together weigh
    ``FUZZY_BOOST`` (one alone is scored as itself)."""
    scores: dict[int, float] = {}
    for term, factor in fuzzy_factors(index, field, word):
        ids, weights = index.postings(field, term)
        for docnum, weight in zip(ids, weights, strict=True):
            scores[docnum] = scores.get(docnum, 0.0) + quantized(weight * factor)
    return scores


def fuzzy_factors(index: Any, field: str, word: str) -> list[tuple[str, float]]:
    """The field's terms sharing ``word``'s first letter within one edit of it, each with
    what its term frequency is multiplied by (boost x idf) when scored for ``word``."""
    found = [t for t in index.terms_with_prefix(field, word[:1]) if within_one_edit(t, word)]
    boost = FUZZY_BOOST if len(found) > 1 else 1.0
    return [(term, boost * index.idf(field, term)) for term in found]


def top_scores(scores: Mapping[int, float], n: int) -> list[tuple[int, float]]:
    """The ``n`` best ``(docnum, score)``, best first, lower docnum first on ties.

    The cut-off comes from the bare floats (C speed); only the few at or
    above it are sorted with the tie-break."""
    return _best_of(scores, list(scores), n)


def _best_of(
    scores: Mapping[int, float] | Sequence[float], docnums: list[int], n: int
) -> list[tuple[int, float]]:
    """:func:`top_scores` of the entries ``docnums`` (distinct), their scores in ``scores``
    (a dict, or a list indexed by document number); every step a loop in C."""
    score = scores.__getitem__
    if len(docnums) > n:
        cutoff = heapq.nlargest(n, map(score, docnums))[-1]
        docnums = list(compress(docnums, map(cutoff.__le__, map(score, docnums))))
    docnums.sort()  # ties: lower number first (the sort below is stable)
    docnums.sort(key=score, reverse=True)
    return [(docnum, score(docnum)) for docnum in docnums[:n]]


def allowed_docs(index: Any, stage: str | None, tag: str | None) -> set[int] | None:
    """Document numbers with this stage and tag (None: no filter)."""
    allowed: set[int] | None = None
    for field, value in (("stage", stage), ("tag", tag)):
        if value:
            ids = set(index.postings(field, value)[0])
            allowed = ids if allowed is None else allowed & ids
    return allowed


# The stored entry's key for what re-ranking needs of it (see rank_data).
RANK_KEY = "rank"


_JOINED = ("joined",)  # rank_data's memo key for the joined phrasings (texts are its other keys)


def rank_data(
    doc: Mapping[str, Any], t2s: Mapping[int, int], memo: dict[Any, Any] | None = None
) -> dict[str, Any]:
    """What re-ranking needs of an entry and costs the most to work out (term
    analysis), made at index time and stored with it (``RANK_KEY``) so a query
    never re-analyses a candidate: the terms of each of its own phrasings
    (repeats dropped: only the closest one counts), their exact words, and its
    curated text normalised and simplified (see Coverage). Term lists are
    space-separated strings (terms hold no spaces), far cheaper to store and
    read than lists. The same functions make them as on the fallback path, so
    the values are the same.
    ``memo`` (one per build) keeps each phrasing's analysis: texts repeat across entries."""
    phrasings, exact = _phrasings_of(doc, memo)
    joined = memo.setdefault(_JOINED, {}) if memo is not None else {}  # a phrasing's terms, sorted and joined
    for terms_ in phrasings:
        if terms_ not in joined:
            joined[terms_] = " ".join(sorted(terms_))
    return {
        "phrasings": tuple(dict.fromkeys(map(joined.__getitem__, phrasings))),
        "exact": tuple(sorted(exact)),
        "curated": _curated_text(doc, t2s),
    }


Phrasings = tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]


def phrasing_terms(doc: Mapping[str, Any], cache: dict[Any, Any]) -> Phrasings:
    """The entry's own phrasings (title, questions, keywords, shortcut): the terms
    of each (each phrasing's terms once, sorted; repeated phrasings once) and
    their exact words (punctuation and spaces removed); memoised per open index.

    Tuples of strings, not frozensets: the garbage collector stops walking
    them, and an interactive session keeps thousands (its pauses were the
    slowest 1 % of queries)."""
    found = cache.get(doc["id"])
    if found is None:
        ready = doc.get(RANK_KEY)
        if ready:
            found = (tuple(tuple(p.split()) for p in ready["phrasings"]), tuple(ready["exact"]))
        else:  # an entry stored without it (an index of an older format, a test's dict)
            sets, exact = _phrasings_of(doc)
            found = (tuple(tuple(sorted(p)) for p in dict.fromkeys(sets)), tuple(sorted(exact)))
        cache[doc["id"]] = found
    return found


def _phrasings_of(
    doc: Mapping[str, Any], memo: dict[str, tuple[frozenset[str], str]] | None = None
) -> tuple[list[frozenset[str]], frozenset[str]]:
    """Per phrasing its set of terms (analysis.terms) and its exact words (exact_form),
    from one pass of analysis.runs; ``memo`` keeps them per text (an index build
    meets the same keywords and titles many times)."""
    memo = {} if memo is None else memo
    sets: list[frozenset[str]] = []
    exact: set[str] = set()
    for text in (
        doc["title"],
        *doc.get("questions", ()),
        *doc.get("keywords", ()),
        doc.get("shortcut") or "",
    ):
        if not text:
            continue
        found = memo.get(text)
        if found is None:
            pieces = runs(text)
            found = memo[text] = (frozenset(term_set(pieces)), "".join(pieces))
        sets.append(found[0])
        exact.add(found[1])
    return sets, frozenset(exact)


def exact_form(text: str) -> str:
    return "".join(runs(text))


def closest_phrasing(query_terms: frozenset[str], phrasings: Iterable[Collection[str]]) -> float:
    """Dice similarity (0..1) between the query and the entry's closest phrasing
    (each phrasing a collection of distinct terms)."""
    size = len(query_terms)
    best = 0.0
    if not size:
        return best
    disjoint, shared = query_terms.isdisjoint, query_terms.intersection
    for phrasing in phrasings:  # most share no term: checked without making a set
        if not disjoint(phrasing):
            dice = 2 * len(shared(phrasing)) / (size + len(phrasing))
            if dice > best:
                best = dice
    return best


def closest_phrasing_of(
    owns: Sequence[frozenset[str]], union: frozenset[str], phrasings: Iterable[Collection[str]]
) -> float:
    """``max(closest_phrasing(own, phrasings) for own in owns)`` (0 for none), ``union`` the
    owns' terms: a phrasing sharing none of them is left out once, not once per own."""
    if len(owns) == 1:  # the usual message of one clause
        return closest_phrasing(owns[0], phrasings)
    touching = [phrasing for phrasing in phrasings if not union.isdisjoint(phrasing)]
    return max((closest_phrasing(own, touching) for own in owns), default=0.0)


def usage_boost(picks: int) -> float:
    if picks <= 0:
        return 1.0
    return 1.0 + USAGE_MAX_BOOST * min(1.0, math.log1p(picks) / math.log1p(USAGE_SATURATION))


def rank(
    candidates: list[tuple[float, dict[str, Any]]], picks: Mapping[str, int]
) -> list[tuple[float, dict[str, Any]]]:
    """Relevance times the bounded usage boost, best first (KB order breaks ties)."""
    scored = [(score * usage_boost(picks.get(doc["id"], 0)), doc) for score, doc in candidates]
    scored.sort(key=lambda item: (-item[0], item[1].get("order", 0)))
    return scored


def curated_text(doc: Mapping[str, Any], t2s: Mapping[int, int], cache: dict[Any, Any]) -> str:
    """The entry's curated text (title, questions, keywords, tags), normalised and
    simplified; memoised, stored with the entry."""
    key = ("curated", doc["id"])
    found = cache.get(key)
    if found is None:
        ready = doc.get(RANK_KEY)
        found = ready.get("curated") if ready else None
        if found is None:  # an entry stored without it (an older format, a test's dict)
            found = _curated_text(doc, t2s)
        cache[key] = found
    return found


def _curated_text(doc: Mapping[str, Any], t2s: Mapping[int, int]) -> str:
    curated = "\n".join(
        [doc["title"], *doc.get("questions", ()), *doc.get("keywords", ()), *doc.get("tags", ())]
    )
    return to_simplified(normalize(curated), t2s)


def term_set(pieces: Iterable[str]) -> set[str]:
    """``set(analysis.terms(text))`` from ``analysis.runs(text)``: the same terms
    (a CJK run's characters but particles, and its bigrams; a Latin run whole),
    each run's set made once (an index build meets the same product names and
    question phrases in thousands of entries)."""
    found: set[str] = set()
    for run in pieces:
        found.update(_run_term_set(run))
    return found


def forget_term_sets() -> None:
    """Drop the memo of :func:`term_set` (after an index build: up to 65,536 sets,
    ~20 MB, each walked by every full run of the cycle collector)."""
    _run_term_set.cache_clear()


@functools.lru_cache(maxsize=65_536)
def _run_term_set(run: str) -> frozenset[str]:
    if not is_cjk(run):
        return frozenset((run,))
    return frozenset(filterfalse(STOP_CHARS.__contains__, run)).union(map(operator.add, run, run[1:]))


def relevance(
    query: str,
    synonyms: list[list[str]],
    t2s: Mapping[int, int],
    doc: Mapping[str, Any],
    latin_matched: float,
    cache: dict[Any, Any] | None = None,
) -> float:
    """How well the entry covers the question, 0..1 (comparable across queries, unlike the TF-IDF scores).

    Chinese: 0.7 x the share of the question's characters (particles left
    out) plus 0.3 x the share of its bigrams that occur in the entry's
    title, questions, keywords or tags; a synonym counts as its group's word.
    Latin words (pinyin, shortcut) count as covered when they matched.
    """
    return Coverage(query, synonyms, t2s).of(doc, latin_matched, {} if cache is None else cache)


_SYNONYM_WORDS: list[tuple[list[list[str]], dict[str, list[int]], dict[str, list[int]]]] = []


def synonym_groups_in(text: str, synonyms: list[list[str]]) -> list[tuple[int, list[str]]]:
    """``(group number, the group's words found in text)`` for every synonym group
    used in ``text``: a dictionary lookup per substring that starts with a
    synonym's first character and has a synonym's length, not a scan of every group."""
    found = next((item for item in _SYNONYM_WORDS if item[0] is synonyms), None)
    if found is None:
        words: dict[str, list[int]] = {}
        for n, group in enumerate(synonyms):
            for word in group:
                if word:
                    words.setdefault(word, []).append(n)
        lengths: dict[str, list[int]] = {}  # first character -> the lengths of the words it starts
        for word in words:
            lengths.setdefault(word[0], []).append(len(word))
        found = (synonyms, words, {first: sorted(set(ns)) for first, ns in lengths.items()})
        _SYNONYM_WORDS[:] = [found]  # one open index at a time is the usual case
    _, words, lengths = found
    present: dict[int, list[str]] = {}
    for start, first in enumerate(text):
        for length in lengths.get(first, ()):
            word = text[start : start + length]
            groups = words.get(word) if len(word) == length else None
            if groups:
                for n in groups:
                    if word not in present.setdefault(n, []):
                        present[n].append(word)
    return sorted(present.items())


class Coverage:
    """:func:`relevance` of one query against many entries: the query's side
    (its text, the synonym groups it uses) is prepared once."""

    def __init__(self, query: str, synonyms: list[list[str]], t2s: Mapping[int, int]):
        self.text = to_simplified(normalize(query), t2s)
        self.t2s = t2s
        self.synonyms = synonyms
        self.groups = synonym_groups_in(self.text, synonyms)
        self._plain = self._shares(self.text) if not self.groups else None
        self._rewritten: dict[str, tuple[list[str], list[str], int]] = {}

    def of(self, doc: Mapping[str, Any], latin_matched: float, cache: dict[Any, Any]) -> float:
        curated = curated_text(doc, self.t2s, cache)
        if self._plain is not None:
            chars, pairs, latin = self._plain
        else:
            text = self.text
            for n, present in self.groups:  # write the question in the entry's own words
                used = next((w for w in self.synonyms[n] if w and w in curated), None)
                if used:
                    for word in present:
                        if word != used:
                            text = text.replace(word, used)
            shares = self._rewritten.get(text)
            if shares is None:  # entries using the same synonyms rewrite the question the same way
                shares = self._rewritten[text] = self._shares(text)
            chars, pairs, latin = shares
        # the weighted mean of the Chinese share (weight 1) and the Latin share (weight: words typed)
        if chars or pairs:
            # a CJK character or bigram is one of the curated text's terms exactly when
            # the text holds it (its CJK runs are maximal): no term set to make per entry
            contains = curated.__contains__
            c = sum(map(contains, chars)) / len(chars) if chars else 0.0
            b = sum(map(contains, pairs)) / len(pairs) if pairs else c
            chinese = 0.7 * c + 0.3 * b
            if not latin:
                return round(chinese, 3)
            weight = float(latin)
            return round((chinese + weight * min(1.0, latin_matched / latin)) / (1.0 + weight), 3)
        if latin:
            weight = float(latin)
            return round(weight * min(1.0, latin_matched / latin) / weight, 3)
        return 0.0

    @staticmethod
    def _shares(text: str) -> tuple[list[str], list[str], int]:
        from .analysis import STOP_CHARS

        chars: list[str] = []
        pairs: list[str] = []
        latin = 0
        for run in runs(text):
            if is_cjk(run):
                chars.extend(c for c in run if c not in STOP_CHARS)
                pairs.extend(run[i : i + 2] for i in range(len(run) - 1))
            else:
                latin += 1
        return chars, pairs, latin


def latin_matches(matched: Any, latin: list[str]) -> float:
    """How many of the typed Latin words matched (a fuzzy pinyin match counts 0.8)."""
    if not latin:
        return 0.0
    texts = {
        text.decode("utf-8") if isinstance(text, bytes) else text
        for field, text in matched
        if field in LATIN_FIELDS
    }
    exact = sum(1 for word in latin if word in texts)
    if exact:
        return float(exact)
    return 0.8 if texts else 0.0


def resolve_stage(value: str | None, stages: Mapping[str, str]) -> str | None:
    """A stage code or its Chinese label (``ship`` or ``物流``) -> the code."""
    if not value:
        return None
    if value in stages:
        return value
    for code, label in stages.items():
        if label == value:
            return code
    from cstool.errors import BadInput

    known = "、".join(f"{code}（{label}）" for code, label in stages.items()) or "无"
    raise BadInput(f"没有这个阶段：{value}（可用：{known}）")


def search(
    index: Any,
    query: str,
    *,
    limit: int = 5,
    stage: str | None = None,
    tag: str | None = None,
    picks: Mapping[str, int] | None = None,
) -> list[Hit]:
    """The best ``limit`` entries for ``query`` (its first MAX_QUERY_CHARS characters), best first.

    Greetings and fillers are left out when the message asks something else
    (see :func:`strip_fillers`); the closeness to an entry's own phrasing is
    that of the message's closest clause, so in a long message the clause
    carrying the intent decides."""
    query = query[:MAX_QUERY_CHARS]
    as_typed = to_simplified(normalize(query), index.t2s())
    core = strip_fillers(as_typed)
    weights, latin = query_terms(core, index.synonyms, index.t2s())
    if not weights and not latin and any(c in HONORIFICS for c in core):
        core = GREETING_FORM  # 亲 / 亲亲~ / 您: an honorific alone is a greeting
        weights, latin = query_terms(core, index.synonyms, index.t2s())
    if not weights and not latin:
        return []
    picks = picks or {}
    found = query_clauses(weights, latin)
    for term, boost in homophone_terms(core, latin, index).items():
        if term not in weights:  # typed correctly elsewhere in the message: already searched
            found.append(("text", term, boost * TEXT_FIELDS["text"]))
    clauses_ = prune_clauses(found, index.doc_frequency, index.count)
    pool = max(limit * 4, 20)
    filters = [(field, value) for field, value in (("stage", stage), ("tag", tag)) if value]
    native = native_best(index, clauses_, latin, filters, pool)
    if native is not None:
        best, matched = native
    else:
        best, matched = best_scores(index, clauses_, latin, allowed_docs(index, stage, tag), pool)
    results = [(score, index.stored(docnum), docnum) for docnum, score in best]
    parts = clauses(core)
    fixed = respelled(core, latin, index)
    if fixed:
        parts += [fixed, *clauses(fixed)]
    owns = list({frozenset(terms(part)) for part in [core, *parts] if part} - {frozenset()})  # as typed
    coverages = [Coverage(text, index.synonyms, index.t2s()) for text in ([core, fixed] if fixed else [core])]
    cache = index.phrasing_cache
    typed = {
        exact_form(as_typed),
        exact_form(core),
        *map(exact_form, parts),
    }
    candidates = []
    all_owned = frozenset().union(*owns)
    one_coverage = coverages[0] if len(coverages) == 1 else None
    covered_as_typed: dict[str, float] = {}  # coverages[0] of each candidate (the reported one, usually)
    for score, doc, _ in results:
        phrasings, exact = phrasing_terms(doc, cache)
        closeness = closest_phrasing_of(owns, all_owned, phrasings)
        factor = 1 + PHRASING_WEIGHT * closeness**2
        if not typed.isdisjoint(exact):
            factor *= EXACT_BOOST
        if one_coverage is not None:
            covered = covered_as_typed[doc["id"]] = one_coverage.of(doc, 0.0, cache)
        else:
            covered = max(c.of(doc, 0.0, cache) for c in coverages)
        factor *= 1 + COVERAGE_WEIGHT * covered
        candidates.append((score * factor, doc))
    latin_hits = (
        {doc["id"]: latin_matches(matched.get(docnum, ()), latin) for _, doc, docnum in results}
        if latin
        else {}
    )
    hits = []
    # the message as typed is usually the core itself: its coverage is then already known
    reported = coverages[0] if as_typed == coverages[0].text else Coverage(query, index.synonyms, index.t2s())
    for score, doc in rank(candidates, picks)[:limit]:
        latin_matched = latin_hits.get(doc["id"], 0.0)
        known = covered_as_typed.get(doc["id"]) if reported is coverages[0] and not latin_matched else None
        covered = known if known is not None else reported.of(doc, latin_matched, cache)
        hits.append(Hit(doc["id"], round(score, 3), covered, picks.get(doc["id"], 0), doc))
    return hits


def best_matches(
    index: Any, questions: list[str], threshold: float = MATCH_THRESHOLD
) -> list[dict[str, Any] | None]:
    """For each question its best entry ``{id, title, score}`` or None (the ``cstool_kb_match`` hook)."""
    out: list[dict[str, Any] | None] = []
    for question in questions:
        hits = search(index, str(question), limit=1)
        if hits and hits[0].relevance >= threshold:
            hit = hits[0]
            out.append({"id": hit.id, "title": hit.title, "score": hit.relevance, "rank_score": hit.score})
        else:
            out.append(None)
    return out
