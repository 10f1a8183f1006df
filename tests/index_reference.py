"""The index build's analysis as it was before it was memoised: the reference the tests compare with.

Every entry's fields were made from its texts joined by newlines, one text
at a time through the plain tokenizer, and the homophone tables read every
run of every curated text. This is the previous code of
``cstool_quickphrase.index.entry_fields`` / ``analysis.homophone_tables`` /
``analysis.run_terms`` kept verbatim (only renamed), so
``tests/test_index_build.py`` can show the memoised build gives the same
terms, frequencies, order and tables.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from cstool_quickphrase.analysis import STOP_CHARS, is_cjk, runs, syllable_bigrams
from cstool_quickphrase.index import run_pinyin_terms


def old_run_terms(run: str) -> list[str]:
    if not is_cjk(run):
        return [run]
    unigrams = [c for c in run if c not in STOP_CHARS]
    bigrams = [run[i : i + 2] for i in range(len(run) - 1)]
    return unigrams + bigrams


def old_terms(text: str) -> list[str]:
    out: list[str] = []
    for run in runs(text):
        out.extend(old_run_terms(run))
    return out


def old_bigram_terms(text: str) -> list[str]:
    out: list[str] = []
    for run in runs(text):
        if not is_cjk(run) or len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def old_pinyin_terms(words: Iterable[str]) -> tuple[list[str], list[str]]:
    full: list[str] = []
    initials: list[str] = []
    for word in words:
        for run in runs(word):
            if not is_cjk(run):
                continue
            f, i = run_pinyin_terms(run)
            full.extend(f)
            initials.extend(i)
    return full, initials


def old_entry_fields(entry: Any, order: int, to_simplified: Callable[[str], str]) -> tuple[dict, dict]:
    def text(values: Iterable[str]) -> str:
        return to_simplified("\n".join(values))

    curated = [entry.title, *entry.keywords, *entry.tags]
    full, initials = old_pinyin_terms(to_simplified(w) for w in curated)
    tags = [t.strip() for t in entry.tags if t.strip()]
    fields = {
        "text": Counter(
            old_terms(text([entry.title, entry.title, *entry.questions, *entry.keywords, *entry.tags]))
        ),
        "replies": Counter(old_bigram_terms(text(t for reply in entry.replies for t in reply.texts))),
        "py": Counter(full + initials),
        "shortcut": Counter(entry.shortcut.lower().split()),
        "stage": Counter([entry.stage] if entry.stage else []),
        "tag": Counter(tags),
    }
    stored = {
        "id": entry.id,
        "title": entry.title,
        "stage": entry.stage,
        "tags": list(entry.tags),
        "shortcut": entry.shortcut,
        "keywords": list(entry.keywords),
        "questions": list(entry.questions),
        "replies": [[[s.kind, s.text] for s in reply.steps] for reply in entry.replies],
        "order": order,
    }
    return {name: dict(counts) for name, counts in fields.items()}, stored


def old_homophone_tables(texts: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    spelled: Counter[tuple[str, str]] = Counter()
    used: set[str] = set()
    for text in texts:
        for run in runs(text):
            if not is_cjk(run):
                continue
            syllables = [(old_readings(c) or ("",))[0] for c in run]
            used.update(x for x in syllables if x)
            for i, pair in enumerate(syllable_bigrams(syllables)):
                if syllables[i] and syllables[i + 1]:
                    spelled[(pair, run[i : i + 2])] += 1
    words: dict[str, list[tuple[int, str]]] = {}
    for (pair, word), count in spelled.items():
        words.setdefault(pair, []).append((-count, word))
    return old_syllable_table(used), {
        pair: " ".join(w for _, w in sorted(found)) for pair, found in sorted(words.items())
    }


@functools.cache
def old_readings(char: str) -> tuple[str, ...]:
    from pypinyin.contrib.tone_convert import to_normal
    from pypinyin.pinyin_dict import pinyin_dict

    found = pinyin_dict.get(ord(char))
    if not found:
        return ()
    return tuple(dict.fromkeys(r for r in (to_normal(x) for x in found.split(",")) if r.isalpha()))


def old_syllable_table(syllables: set[str]) -> dict[str, str]:
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
        for reading in old_readings(char):
            if reading in syllables:
                table.setdefault(reading, []).append(char)
    return {syl: "".join(chars) for syl, chars in sorted(table.items())}
