"""The search index: where it lives, when it is stale, how it is built.

The index lives outside the KB repo, in ``user_cache_dir()/index/<hash of the
resolved KB path>[-<backend>]/``. Next to the backend's files, ``meta.json``
holds what the query path needs without reading YAML (synonyms, stage labels,
the traditional -> simplified table, the homophone tables) and the KB
*signature*: path, mtime and size of every KB file. Freshness is one ``stat``
per file compared with that signature; any difference (a file edited, added
or removed), a missing or unreadable index, or a newer index format means a
rebuild.

The terms of every entry are made here (analysis.py), the same for every
backend; a backend (whoosh built in, tantivy as a plugin) only stores them
and hands back document frequencies and postings. Heavy work (ruamel via the
KB loader, pypinyin, zhconv) happens only here, at build time.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from cstool.errors import CstoolError
from cstool.kb import SETTINGS_FILE, KnowledgeBase

from .analysis import TERMS_VERSION, bigram_terms, homophone_tables, is_cjk, run_terms, runs

INDEX_FORMAT = f"qp-6.{TERMS_VERSION}"  # qp-3: entries carry search.rank_data; qp-4: with the curated text;
# qp-5: whoosh postings and stored fields without zlib (whoosh_backend.LeanCodec), stored sequences as tuples,
# spellings packed; qp-6: tantivy's entries in a file beside its index (cstool_tantivy/entries.py)
META_FILE = "meta.json"

# Curated short fields whose pinyin is indexed (never whole replies).
PINYIN_SOURCES = ("title", "keywords", "tags")
MAX_PINYIN_RUN = 4
POSTINGS_MEMO = 2_000_000  # postings an open index keeps decoded (~24 MB)
STORED_MEMO = 5_000  # entries an open index keeps decoded
MAX_META_BYTES = 64 * 1024 * 1024  # meta.json is ~100 KB (the t2s table); larger is not ours

Progress = Callable[[int, int], None]


class IndexDamaged(CstoolError):
    """The engine failed reading an index that opened: its files were damaged after the build."""

    def __init__(self, cause: BaseException):
        detail = str(cause).strip().splitlines()[0][:200] if str(cause).strip() else type(cause).__name__
        super().__init__(f"搜索索引文件损坏（{detail}）：运行 cstool kb index 重建")


class _Guarded:
    """A backend reader whose failures are :class:`IndexDamaged`, so a search can rebuild.

    tantivy's Rust code panics on damaged files, and pyo3 raises its panics as
    a ``BaseException``; only the interpreter's own exits pass through unchanged."""

    def __init__(self, reader: Any):
        self._reader = reader

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._reader, name)
        if not callable(attr):
            return attr

        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
                raise
            except BaseException as exc:
                raise IndexDamaged(exc) from exc

        setattr(self, name, guarded)  # made once per method: a query calls them ~20 times
        return guarded


# One entry as every backend indexes it: ({field: {term: frequency}}, stored doc).
Doc = tuple[dict[str, dict[str, int]], dict[str, Any]]


# ---------------------------------------------------------------- location and freshness


def index_dir(kb: KnowledgeBase, backend: str | None = None) -> Path:
    """Where the KB's index lives; each backend has its own folder (whoosh: the plain hash),
    so switching backends never rebuilds the other one's index."""
    from cstool.config import user_cache_dir

    if backend is None:
        from .backends import chosen_name

        backend = chosen_name()
    from cstool.cache import path_tag

    key = path_tag(str(Path(kb.root).resolve()))
    return user_cache_dir() / "index" / (key if backend == "whoosh" else f"{key}-{backend}")


def signature(kb: KnowledgeBase) -> list[list[Any]]:
    """``[relative path, mtime_ns, size]`` of each file the index depends on (settings, synonyms,
    phrase files): a cheap "has anything changed"."""
    from .kbfiles import SYNONYMS_FILE, phrase_file_stats

    root = Path(kb.root)
    rows = []
    for path in (kb.path(SETTINGS_FILE), kb.path(SYNONYMS_FILE)):
        try:
            st = path.stat()
        except OSError:
            continue
        rows.append([path.relative_to(root).as_posix(), st.st_mtime_ns, st.st_size])
    folder = kb.phrases_dir.relative_to(root).as_posix()
    for parts, st in phrase_file_stats(kb.phrases_dir):
        rows.append(["/".join((folder, *parts)), st.st_mtime_ns, st.st_size])
    return rows


def read_meta(folder: Path) -> dict[str, Any] | None:
    """``meta.json`` if it is ours and well-formed; anything else (missing, truncated,
    hand-edited, wrong types) is None, which means "rebuild"."""
    try:
        with (folder / META_FILE).open("rb") as handle:
            raw = handle.read(MAX_META_BYTES + 1)
        if len(raw) > MAX_META_BYTES:
            return None
        meta = json.loads(raw)
    except (OSError, ValueError, RecursionError):
        return None
    return meta if _meta_is_valid(meta) else None


def _meta_is_valid(meta: Any) -> bool:
    def strings(values: Any) -> bool:
        return isinstance(values, list) and all(isinstance(v, str) for v in values)

    if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT:
        return False
    count, sig, t2s = meta.get("count"), meta.get("signature"), meta.get("t2s")
    stages, synonyms = meta.get("stages"), meta.get("synonyms")
    return (
        isinstance(meta.get("kb"), str)
        and isinstance(meta.get("backend"), str)
        and type(count) is int
        and count >= 0
        and isinstance(sig, list)
        and all(
            isinstance(row, list)
            and len(row) == 3
            and isinstance(row[0], str)
            and all(type(n) is int for n in row[1:])
            for row in sig
        )
        and isinstance(synonyms, list)
        and all(strings(group) for group in synonyms)
        and isinstance(stages, dict)
        and all(isinstance(v, str) for v in stages.values())
        and isinstance(t2s, list)
        and strings(t2s)
        and len(t2s) == 2
        and len(t2s[0]) == len(t2s[1])
        and _str_table(meta.get("syllables", {}))
        and isinstance(meta.get("spellings", ""), str)
        and isinstance(meta.get("skipped", []), list)
        and all(isinstance(item, dict) for item in meta.get("skipped", []))
    )


def _str_table(table: Any) -> bool:
    return isinstance(table, dict) and all(isinstance(v, str) for v in table.values())


def is_fresh(kb: KnowledgeBase) -> bool:
    meta = read_meta(index_dir(kb))
    return meta is not None and meta.get("signature") == signature(kb)


# ---------------------------------------------------------------- the open index


class KbIndex:
    """An open index: the backend's reader plus the query-time tables from ``meta.json``.

    The ranking (search.py) asks it for document frequencies, postings and
    stored entries only; which engine stores them is the backend's business.
    (A plain class, not a dataclass: cheaper to create on every start, see model.py.)
    """

    def __init__(self, kb: KnowledgeBase, folder: Path, reader: Any, meta: dict[str, Any]):
        self.kb, self.folder, self.reader, self.meta = kb, folder, reader, meta
        self._t2s: dict[int, int] | None = None
        self._spellings: dict[str, str] | None = None
        self.phrasing_cache: dict[Any, Any] = {}
        self._df: dict[tuple[str, str], int] = {}
        self._weights: dict[tuple[str, str], tuple[float, ...]] = {}
        self._postings: dict[tuple[str, str], tuple[Sequence[int], Sequence[float]]] = {}
        self._postings_held = 0
        self._prefixes: dict[tuple[str, str], list[str]] = {}
        self._stored: dict[int, dict[str, Any]] = {}

    @property
    def backend(self) -> str:
        return str(self.meta.get("backend") or "whoosh")

    @property
    def synonyms(self) -> list[list[str]]:
        return self.meta.get("synonyms") or []

    @property
    def stages(self) -> dict[str, str]:
        return self.meta.get("stages") or {}

    @property
    def count(self) -> int:
        return int(self.meta.get("count") or 0)

    def doc_frequency(self, fieldname: str, term: str) -> int:
        """How many entries hold ``term`` in ``fieldname`` (memoised: the index is read-only)."""
        key = (fieldname, term)
        found = self._df.get(key)
        if found is None:
            found = self._df[key] = self.reader.doc_frequency(fieldname, term)
        return found

    def idf(self, fieldname: str, term: str) -> float:
        """TF-IDF's inverse document frequency: ``ln(N / (df + 1)) + 1`` (whoosh's formula)."""
        return math.log(self.count / (self.doc_frequency(fieldname, term) + 1)) + 1.0

    def postings(self, fieldname: str, term: str) -> tuple[Sequence[int], Sequence[float]]:
        """``(document numbers, weights)`` of a term, memoised: while an agent types,
        each keystroke searches mostly the terms of the one before. The memo
        keeps at most POSTINGS_MEMO postings (12 bytes each), the oldest go first."""
        key = (fieldname, term)
        found = self._postings.get(key)
        if found is None:
            found = self.reader.postings(fieldname, term)
            # the oldest go first, one at a time (clearing all at once paused a query)
            while self._postings and self._postings_held + len(found[0]) > POSTINGS_MEMO:
                oldest = next(iter(self._postings))
                self._postings_held -= len(self._postings.pop(oldest)[0])
            self._postings[key] = found
            self._postings_held += len(found[0])
        return found

    def postings_by_weight(self, fieldname: str, term: str) -> list[tuple[float, list[int]]]:
        """A term's postings grouped by weight, ``[(weight, [document numbers])]``, not
        memoised (the ranking keeps them: search.ImpactCache). Read so by a backend
        that offers it (both built-in ones: cheaper than pairs of arrays), else
        grouped here from :meth:`postings`."""
        grouped = getattr(self.reader, "postings_by_weight", None)
        if grouped is not None:
            return list(grouped(fieldname, term))
        from .search import weight_groups

        return weight_groups(*self.reader.postings(fieldname, term))

    @property
    def top_documents(self) -> Callable[..., list[tuple[int, float]] | None] | None:
        """The engine's own best-n by summed clause scores (see search.native_best),
        None when the backend adds no scores itself (whoosh)."""
        return getattr(self.reader, "top_documents", None)

    def term_weights(self, fieldname: str, term: str) -> tuple[float, ...]:
        """The distinct weights (term frequencies) of a term's postings (engines with
        top_documents), memoised as document frequencies are (tuples: the garbage
        collector stops walking them)."""
        key = (fieldname, term)
        found = self._weights.get(key)
        if found is None:
            found = self._weights[key] = tuple(self.reader.term_weights(fieldname, term))
        return found

    def terms_with_prefix(self, fieldname: str, prefix: str) -> list[str]:
        """Every term of ``fieldname`` starting with ``prefix`` (fuzzy pinyin), memoised."""
        key = (fieldname, prefix)
        found = self._prefixes.get(key)
        if found is None:
            found = self._prefixes[key] = list(self.reader.terms_with_prefix(fieldname, prefix))
        return found

    def stored(self, docnum: int) -> dict[str, Any]:
        """An entry as stored, memoised (the best 20 of every keystroke are read)."""
        found = self._stored.get(docnum)
        if found is None:
            if len(self._stored) >= STORED_MEMO:  # the oldest goes (freeing 5,000 at once took ~17 ms)
                del self._stored[next(iter(self._stored))]
            found = self._stored[docnum] = self.reader.stored(docnum)
        return found

    def spellings(self) -> dict[str, str]:
        """Syllable bigram -> the KB's bigrams spelled that way (you'huo -> 有货), unpacked once."""
        if self._spellings is None:
            self._spellings = unpack_table(self.meta.get("spellings") or "")
        return self._spellings

    def t2s(self) -> dict[int, int]:
        """Traditional -> simplified per character, a ``str.translate`` table (from zhconv at index time)."""
        if self._t2s is None:
            trad, simp = self.meta.get("t2s") or ("", "")
            self._t2s = t2s_translation((trad, simp))
        return self._t2s

    def documents(self) -> list[dict[str, Any]]:
        """Every entry as stored (KB order)."""
        return sorted(self.reader.documents(), key=lambda d: d.get("order", 0))

    def close(self) -> None:
        self.reader.close()


def open_index(
    kb: KnowledgeBase,
    *,
    progress: Progress | None = None,
    rebuild: bool = False,
    backend: Any = None,
    pm: Any = None,
) -> KbIndex:
    """Open the KB's index, rebuilding it first if it is stale, missing or unreadable.

    ``backend`` is a backend (see backends.py) or None for the configured one.
    Rebuilds take an exclusive lock (``index/<hash>.lock``, beside the index),
    so concurrent commands build once and the others open that build; opening
    takes the lock shared, so no build is swapped in mid-open. When the index
    location cannot be used (no permission, a file in its place, a full
    disk), the index is built in memory for this command, with a note.
    """
    engine = _engine(backend, pm)
    folder = index_dir(kb, engine.NAME)
    if not rebuild:
        opened = _open_fresh(kb, folder, engine, lock=True)
        if opened is not None:
            return opened
    try:
        with _build_lock(folder):
            if not rebuild:
                opened = _open_fresh(kb, folder, engine)  # another process built it while we waited
                if opened is not None:
                    return opened
            _build_on_disk(kb, folder, engine, progress)
            opened = _open_fresh(kb, folder, engine)
            if opened is not None:
                return opened
            problem = "刚建好的索引打不开"
    except OSError as exc:
        problem = _describe(exc)
    print(f"提示：搜索索引无法保存在 {folder}（{problem}），这次在内存里建索引。", file=sys.stderr)
    return _build_in_memory(kb, engine, progress)


def _engine(backend: Any, pm: Any) -> Any:
    if backend is not None and not isinstance(backend, str):
        return backend
    from .backends import resolve

    return resolve(backend, pm)


def _describe(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "没有写入权限"
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "那里有一个同名文件，不是文件夹"
    return exc.strerror or type(exc).__name__


def _open_fresh(kb: KnowledgeBase, folder: Path, engine: Any, *, lock: bool = False) -> KbIndex | None:
    """The index in ``folder`` if it matches the KB files now, else None.

    With ``lock``, the build lock is held shared while ``meta.json`` is read
    and the index opened (when it can be taken at all: a read-only cache
    still serves a fresh index), so no build is swapped in between."""
    if lock:
        try:
            handle = _lock_file(folder, fcntl_flag="LOCK_SH")
        except OSError:
            pass
        else:
            with handle:
                return _open_fresh(kb, folder, engine)
    meta = read_meta(folder)
    if meta is None or meta.get("signature") != signature(kb):
        return None
    return _try_open(kb, folder, meta, engine)


def _try_open(kb: KnowledgeBase, folder: Path, meta: dict[str, Any], engine: Any) -> KbIndex | None:
    if meta.get("backend") != engine.NAME:
        return None
    try:
        return KbIndex(kb=kb, folder=folder, reader=_Guarded(engine.open(folder)), meta=meta)
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:  # a corrupt or half-deleted index (tantivy may panic): the caller rebuilds it
        return None


# ---------------------------------------------------------------- locking and leftovers


def _lock_file(folder: Path, *, fcntl_flag: str = "LOCK_EX") -> Any:
    """The open lock file beside ``folder``, locked (blocking); closing it unlocks."""
    import fcntl

    folder.parent.mkdir(parents=True, exist_ok=True)
    handle = (folder.parent / f"{folder.name}.lock").open("a+b")
    try:
        fcntl.flock(handle.fileno(), getattr(fcntl, fcntl_flag))
    except BaseException:
        handle.close()
        raise
    return handle


@contextlib.contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold the exclusive build lock of ``folder``; clear what dead builders left behind."""
    with _lock_file(folder):
        _remove_leftovers(folder.parent)
        yield


def _remove_leftovers(parent: Path) -> None:
    """``<hash>.tmp-<pid>`` and ``<hash>.old-<pid>`` folders of processes that no longer run."""
    try:
        names = os.listdir(parent)
    except OSError:
        return
    for name in names:
        stem, dot, suffix = name.rpartition(".")
        kind, dash, pid = suffix.partition("-")
        if not (dot and dash and kind in ("tmp", "old") and pid.isdigit()):
            continue
        if int(pid) == os.getpid() or not _alive(int(pid)):
            shutil.rmtree(parent / name, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


# ---------------------------------------------------------------- building


def build_index(
    kb: KnowledgeBase, *, progress: Progress | None = None, backend: Any = None, pm: Any = None
) -> dict[str, Any]:
    """Rebuild the KB's index on disk (under the build lock); returns the new ``meta``.

    A location that cannot be written is a ``CstoolError`` naming it (``kb index``).
    """
    engine = _engine(backend, pm)
    folder = index_dir(kb, engine.NAME)
    try:
        with _build_lock(folder):
            return _build_on_disk(kb, folder, engine, progress)
    except OSError as exc:
        from cstool.errors import CstoolError

        raise CstoolError(f"无法保存搜索索引：{folder}（{_describe(exc)}）") from None


def _build_on_disk(kb: KnowledgeBase, folder: Path, engine: Any, progress: Progress | None) -> dict[str, Any]:
    """Build into a private temp folder beside ``folder``, then swap it in (the
    caller holds the build lock), so a reader never sees half an index."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(20, "Not a directory", str(folder))
    tmp = folder.parent / f"{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        docs, meta = index_documents(kb)
        meta["backend"] = engine.NAME
        engine.write(tmp, docs, progress)
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        _swap_in(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return meta


def _build_in_memory(kb: KnowledgeBase, engine: Any, progress: Progress | None) -> KbIndex:
    """An index that lives as long as this process: nothing written anywhere."""
    docs, meta = index_documents(kb)
    meta["backend"] = engine.NAME
    reader = engine.memory(docs, progress)
    return KbIndex(kb=kb, folder=index_dir(kb, engine.NAME), reader=reader, meta=meta)


def index_documents(kb: KnowledgeBase) -> tuple[list[Doc], dict[str, Any]]:
    """Every KB entry as the backends index it (``({field: {term: frequency}}, stored doc)``,
    document number = position = KB order), and the ``meta`` for the index."""
    with _no_cycle_collection():
        return _index_documents(kb)


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused while a KB is read and analysed.

    The build makes millions of small lists, dicts and entries, none in a
    reference cycle, and the collector would walk the growing heap again and
    again (10,000 entries: 7 full collections, ~0.9 s of a ~4.5 s build).
    Afterwards what the build made joins the oldest generation unscanned
    (``freeze`` + ``unfreeze``; else the next young collections would walk
    it all), and the collector runs again as it was; nothing is leaked:
    cycles made meanwhile are found by the next full collection."""
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:  # nobody else keeps objects frozen (that would be theirs to undo)
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _index_documents(kb: KnowledgeBase) -> tuple[list[Doc], dict[str, Any]]:
    from .model import load_searchable, skipped_problems

    sig = signature(kb)  # before reading: an edit during the build makes the next run rebuild
    book = load_searchable(kb)  # a broken file is left out (meta "skipped" says where), the rest is indexed
    t2s_table = _t2s_table()
    to_simplified = _converter(t2s_table)
    analyzer = Analyzer(to_simplified)
    docs = [entry_fields(entry, order, analyzer) for order, entry in enumerate(book.entries)]
    add_rank_data(docs, t2s_table)
    curated = (t for e in book.entries for t in (e.title, *e.questions, *e.keywords))
    syllables, spellings = homophone_tables(curated, analyzer.runs)
    stages = kb.settings.get("stages") or {}
    meta = {
        "format": INDEX_FORMAT,
        "kb": str(Path(kb.root).resolve()),
        "signature": sig,
        "count": len(docs),
        "synonyms": [[to_simplified(w) for w in group] for group in book.synonyms],
        "stages": {str(k): str(v) for k, v in dict(stages).items()},
        "t2s": list(t2s_table),
        "skipped": skipped_problems(kb, book),
        "syllables": syllables,
        "spellings": pack_table(spellings),
    }
    return docs, meta


# The homophone spellings (thousands of pairs) are kept as one string, unpacked on the first
# query that needs them: parsing them as a JSON object cost every cold search ~1 ms on 10k entries.


def pack_table(table: dict[str, str]) -> str:
    """``{key: value}`` as ``key=value|key=value``: syllables and Chinese words never hold ``=`` or
    ``|``, and separators JSON need not escape keep the string on its parser's fast path."""
    return "|".join(f"{key}={value}" for key, value in table.items())


def unpack_table(text: str) -> dict[str, str]:
    return dict(item.partition("=")[::2] for item in text.split("|")) if text else {}


def add_rank_data(docs: Sequence[Doc], t2s_table: tuple[str, str]) -> None:
    """Store with each entry what the query path re-ranks it with (search.rank_data:
    its phrasings' terms and exact words, its curated text's terms), so no query re-analyses
    a candidate. Leaving it out is safe: the query path then works them out itself."""
    from .search import RANK_KEY, forget_term_sets, rank_data

    t2s = t2s_translation(t2s_table)
    memo: dict[str, Any] = {}
    for _, stored in docs:
        stored[RANK_KEY] = rank_data(stored, t2s, memo)
    forget_term_sets()  # the build's own: a session that built its index keeps searching without them


def _swap_in(tmp: Path, folder: Path) -> None:
    """Replace ``folder`` by ``tmp`` (both on one file system): two renames under the build lock."""
    old = folder.parent / f"{folder.name}.old-{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    if folder.is_dir():
        folder.rename(old)
    try:
        tmp.rename(folder)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def entry_fields(entry: Any, order: int, analyzer: Analyzer) -> Doc:
    """One entry's terms per field (what every backend indexes) and its stored doc.

    Terms never span a line break, so the terms of the entry's texts joined
    by newlines (what a field holds) are the terms of each text in turn:
    each distinct text is analysed once per build (``analyzer``)."""
    text = chain.from_iterable(
        map(analyzer.text_terms, (entry.title, entry.title, *entry.questions, *entry.keywords, *entry.tags))
    )
    replies = chain.from_iterable(analyzer.reply_terms(t) for reply in entry.replies for t in reply.texts)
    full, initials = analyzer.pinyin((entry.title, *entry.keywords, *entry.tags))
    tags = [t.strip() for t in entry.tags if t.strip()]
    fields: dict[str, dict[str, int]] = {  # Counters: dicts of term -> frequency
        "text": Counter(text),
        "replies": Counter(replies),
        "py": Counter(chain(full, initials)),
        "shortcut": Counter(entry.shortcut.lower().split()),
        "stage": Counter([entry.stage] if entry.stage else []),
        "tag": Counter(tags),
    }
    # Tuples, not lists: read back ~2x faster (marshal, pickle), and the garbage
    # collector stops tracking a tuple of strings after one look, where an
    # interactive session's memo of thousands of entries made its collections slow.
    stored = {
        "id": entry.id,
        "title": entry.title,
        "stage": entry.stage,
        "tags": tuple(entry.tags),
        "shortcut": entry.shortcut,
        "keywords": tuple(entry.keywords),
        "questions": tuple(entry.questions),
        "replies": tuple(tuple((s.kind, s.text) for s in reply.steps) for reply in entry.replies),
        "order": order,
    }
    return fields, stored


class Analyzer:
    """The analysis of each distinct text, memoised for one build.

    A KB repeats its texts a lot (tags, keywords, product names, the same
    reply in several entries): each distinct string is converted to
    simplified characters, cut into terms and read as pinyin once. The
    memos live as long as the build, so they grow with the KB, not beyond.
    """

    def __init__(self, to_simplified: Callable[[str], str]) -> None:
        self._to_simplified = to_simplified
        self._simplified: dict[str, str] = {}
        self._runs_of: dict[str, list[str]] = {}
        self._text: dict[str, list[str]] = {}
        self._replies: dict[str, list[str]] = {}
        self._pinyin: dict[str, tuple[list[str], list[str]]] = {}
        self._pinyin_runs = _PinyinCache()

    def simplified(self, text: str) -> str:
        found = self._simplified.get(text)
        if found is None:
            found = self._simplified[text] = self._to_simplified(text)
        return found

    def runs(self, text: str) -> list[str]:
        """:func:`analysis.runs` of ``text`` in simplified characters (do not modify)."""
        found = self._runs_of.get(text)
        if found is None:
            found = self._runs_of[text] = runs(self.simplified(text))
        return found

    def text_terms(self, text: str) -> list[str]:
        """:func:`analysis.terms` of ``text`` in simplified characters (do not modify)."""
        found = self._text.get(text)
        if found is None:
            found = self._text[text] = [t for run in self.runs(text) for t in run_terms(run)]
        return found

    def reply_terms(self, text: str) -> list[str]:
        """:func:`analysis.bigram_terms` of ``text`` in simplified characters (do not modify)."""
        found = self._replies.get(text)
        if found is None:
            found = self._replies[text] = bigram_terms(self.simplified(text))
        return found

    def pinyin(self, words: Iterable[str]) -> tuple[list[str], list[str]]:
        """Pinyin terms (full, initials) of curated words, in order: see :func:`pinyin_terms`."""
        full: list[str] = []
        initials: list[str] = []
        for word in words:
            found = self._pinyin.get(word)
            if found is None:
                found = self._pinyin[word] = self._pinyin_runs.terms([self.simplified(word)])
            full.extend(found[0])
            initials.extend(found[1])
        return full, initials


class _PinyinCache:
    """Pinyin terms of each Chinese run of the curated words, memoised: titles
    and keywords repeat the same words (product names, 包邮, 发货) a lot."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[list[str], list[str]]] = {}

    def terms(self, words: Iterable[str]) -> tuple[list[str], list[str]]:
        full: list[str] = []
        initials: list[str] = []
        for word in words:
            for run in runs(word):
                if not is_cjk(run):
                    continue
                if run not in self._memo:
                    self._memo[run] = run_pinyin_terms(run)
                f, i = self._memo[run]
                full.extend(f)
                initials.extend(i)
        return full, initials


def pinyin_terms(text: str) -> tuple[list[str], list[str]]:
    """Pinyin of every run of 2..4 syllables, full and initials.

    保质期 -> full: baozhi zhiqi baozhiqi; initials: bz zq bzq.
    A Latin query then needs no pypinyin: it is looked up as a term.
    """
    return _PinyinCache().terms([text])


def run_pinyin_terms(run: str) -> tuple[list[str], list[str]]:
    """:func:`pinyin_terms` of one run of Chinese characters."""
    from pypinyin import Style, lazy_pinyin

    full: list[str] = []
    initials: list[str] = []
    syllables = [s for s in lazy_pinyin(run, style=Style.NORMAL, errors="ignore") if s.isalpha()]
    letters = [s[0] for s in syllables]
    n = len(syllables)
    if n == 1:  # a one-character word: its syllable is the whole word
        full.append(syllables[0])
    for size in range(2, min(n, MAX_PINYIN_RUN) + 1):
        for start in range(n - size + 1):
            full.append("".join(syllables[start : start + size]))
            initials.append("".join(letters[start : start + size]))
    return full, initials


def _t2s_table() -> tuple[str, str]:
    """zhconv's traditional -> simplified table, single characters only, as two strings."""
    from zhconv import zhconv

    table = zhconv.getdict("zh-hans")
    pairs = [(k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v]
    return "".join(k for k, _ in pairs), "".join(v for _, v in pairs)


def t2s_translation(table: tuple[str, str]) -> dict[int, int]:
    """Traditional -> simplified per character as a ``str.translate`` table, from the two
    equally long strings kept in ``meta.json`` (made in C: no dict of strings first)."""
    return str.maketrans(*table)


def _converter(table: tuple[str, str]) -> Callable[[str], str]:
    translation = t2s_translation(table)
    return lambda text: text.translate(translation)
