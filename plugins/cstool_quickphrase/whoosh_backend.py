"""The built-in search backend: whoosh(-reloaded) as a postings store.

Everything that touches whoosh lives here (the schema, the codec, the
writer, reading posting blocks); the ranking above it (search.py) sees only
the backend interface documented in ``cstool_search_backends``: terms and
their frequencies go in already analysed, document frequencies and
``(document numbers, weights)`` come back out.

whoosh pickles the schema's field classes into the index, so this module's
import path and class names are part of the index format: keep them stable.
"""

from __future__ import annotations

import functools
import os
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any


def _light_cached_property() -> None:
    """whoosh imports the ``cached_property`` package, which imports asyncio (~15 ms
    of every search's start); the standard library's ``functools.cached_property``
    does the same for whoosh's one use (a plain instance attribute cache)."""
    if "cached_property" not in sys.modules:
        shim = types.ModuleType("cached_property")
        shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
        sys.modules["cached_property"] = shim


_light_cached_property()

from whoosh.codec.whoosh3 import W3Codec, W3PerDocReader, W3PerDocWriter  # noqa: E402
from whoosh.fields import FieldType  # noqa: E402
from whoosh.formats import Frequency  # noqa: E402
from whoosh.system import pack_uint  # noqa: E402

NAME = "whoosh"
INDEX_NAME = "phrases"
# whoosh's writer is pure Python: a KB this large is written by two worker
# processes, one segment each (1.8x faster on 2 cores; a team's usual few
# hundred entries stay one segment, no fork).
PARALLEL_MIN_ENTRIES = 2000
PARALLEL_BATCH = 250  # entries per job handed to a worker
FIELDS = ("text", "replies", "py", "shortcut", "stage", "tag")
# Several writer processes put the documents into segments in whatever order
# the workers finish, so whoosh's document numbers are then not the KB order
# the interface promises (ties rank by it: whoosh and tantivy would differ).
# Each document stores its position ("pos"); a parallel build writes
# whoosh's number -> position into this file, and the reader maps through it.
ORDER_FILE = "order.i32"

# Posting blocks: the ranking reads every posting of a term (read_postings), never
# skips, so blocks are long and not compressed: reading a term's postings the
# first time costs ~3.5x less (10k KB: ~750 -> ~200 us a term), the build less
# (no zlib); the index is ~2.5x the size on disk (10k KB with the stored fields:
# ~22 -> ~61 MB).
BLOCK_LIMIT = 4096
# Term lookups kept between a document frequency and the postings read that follows
TERM_INFO_MEMO = 50_000

Doc = tuple[dict[str, dict[str, int]], dict[str, Any]]
Progress = Callable[[int, int], None]


class LeanCodec(W3Codec):
    """Whoosh's default codec minus per-posting length statistics.

    Those statistics only feed BM25's block-quality skipping; the ranking
    scores TF-IDF from raw postings, so writing them is a fifth of the build
    for nothing. Pickled into the index: keep this path and name stable.
    """

    length_stats = False

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        return LeanPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return LeanPerDocReader(storage, segment)


def _plain_stored_column() -> Any:
    """Stored fields pickled without zlib (whoosh compresses each entry's pickle):
    reading an entry back costs ~half (10k KB: ~31 -> ~15 us), and a query reads
    up to 20 new ones; a 10k KB's index grows by ~10 MB."""
    from whoosh import columns

    return columns.PickleColumn(columns.VarBytesColumn())


class LeanPerDocWriter(W3PerDocWriter):
    """whoosh's per-document writer with stored fields in :func:`_plain_stored_column`."""

    def _create_column(self, fieldname: str, column: Any) -> None:
        if fieldname == "_stored":
            column = _PLAIN_STORED
        super()._create_column(fieldname, column)


class LeanPerDocReader(W3PerDocReader):
    """Reads what :class:`LeanPerDocWriter` wrote."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        reader = self._cached_reader("_stored", _PLAIN_STORED)
        found = reader[docnum]
        return {} if found is None else found


_PLAIN_STORED = _plain_stored_column()


class TermCounts(FieldType):
    """A field whose value is ``{term: frequency}``, analysed before it gets here.

    Posting weight = frequency (no positions, no field lengths). Pickled into
    the index's schema: keep this path and name stable.
    """

    def __init__(self) -> None:
        super().__init__(Frequency(field_boost=1.0), None)

    def index(self, value: Any, **kwargs: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
        for text, freq in value.items():
            yield text.encode("utf-8"), freq, float(freq), pack_uint(freq)

    def process_text(self, qstring: str, mode: str = "", **kwargs: Any) -> Iterable[str]:
        return iter([qstring])

    def self_parsing(self) -> bool:
        return True


def schema() -> Any:
    from whoosh import fields

    return fields.Schema(doc=fields.STORED(), pos=fields.STORED(), **{name: TermCounts() for name in FIELDS})


def _document(doc: Doc, position: int) -> dict[str, Any]:
    terms, stored = doc
    fields: dict[str, Any] = {name: counts for name, counts in terms.items() if counts}
    fields["doc"] = stored
    fields["pos"] = position
    return fields


def _fill(ix: Any, docs: Sequence[Doc], progress: Progress | None, procs: int) -> None:
    options: dict[str, Any] = (
        {"procs": procs, "multisegment": True, "batchsize": PARALLEL_BATCH} if procs > 1 else {}
    )
    # compound=False: a segment's files stay separate, so opening the index reads them in place
    # rather than copying one compound file into memory (10k entries: -14 ms CPU per cold search)
    codec = LeanCodec(blocklimit=BLOCK_LIMIT, compression=0)
    writer = ix.writer(limitmb=128, codec=codec, compound=False, **options)
    total = len(docs)
    for n, doc in enumerate(docs):
        writer.add_document(**_document(doc, n))
        if progress is not None and (n % 200 == 0 or n == total - 1):
            progress(n + 1, total)
    writer.commit()


def write(folder: Path, docs: Sequence[Doc], progress: Progress | None = None) -> None:
    """Write the index of ``docs`` (document number = position) into the empty ``folder``."""
    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(folder)).create_index(schema(), indexname=INDEX_NAME)
    procs = 2 if len(docs) >= PARALLEL_MIN_ENTRIES and can_fork_workers() else 1
    _fill(ix, docs, progress, procs)
    ix.close()
    if procs > 1:
        _write_order(folder)


def _write_order(folder: Path) -> None:
    """Whoosh's document number -> position in ``docs``, when they differ (see ORDER_FILE)."""
    from array import array

    from whoosh.filedb.filestore import FileStorage

    ix = FileStorage(str(folder)).open_index(indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        order = array("i", (fields["pos"] for fields in searcher.all_stored_fields()))
    ix.close()
    if list(order) != list(range(len(order))):
        (folder / ORDER_FILE).write_bytes(order.tobytes())


def memory(docs: Sequence[Doc], progress: Progress | None = None) -> WhooshReader:
    """An index of ``docs`` that lives as long as this process: nothing written anywhere."""
    from whoosh.filedb.filestore import RamStorage

    storage = RamStorage()
    ix = storage.create_index(schema(), indexname=INDEX_NAME)
    _fill(ix, docs, progress, 1)
    return WhooshReader(storage.open_index(indexname=INDEX_NAME))


def open(folder: Path) -> WhooshReader:  # noqa: A001 - the backend interface's name
    from whoosh import index as whoosh_index

    reader = WhooshReader(whoosh_index.open_dir(str(folder), indexname=INDEX_NAME), _read_order(folder))
    reader.doc_count()  # touch the segment files now, not mid-search
    return reader


def _read_order(folder: Path) -> Any:
    """The ORDER_FILE of a parallel build as ``array('i')`` (None: numbers are positions)."""
    from array import array

    try:
        raw = (folder / ORDER_FILE).read_bytes()
    except FileNotFoundError:
        return None
    order = array("i")
    order.frombytes(raw)
    return order


def can_fork_workers() -> bool:
    """whoosh's multi-process writer works with fork only (it hangs under
    forkserver, Python 3.14's default on Linux), and forking is only safe with
    no other thread running (the interactive prompt has some): otherwise
    write in one process."""
    import multiprocessing
    import threading

    return (
        (os.cpu_count() or 1) > 1
        and threading.active_count() == 1
        and multiprocessing.get_start_method() == "fork"
    )


class WhooshReader:
    """An open whoosh index seen through the backend interface."""

    def __init__(self, ix: Any, order: Any = None):
        self.ix = ix
        self.searcher = ix.searcher()
        # whoosh's number -> position (see ORDER_FILE), and back; None: the same
        self.order = order
        self._positions: list[int] | None = None
        self.docnums: list[int] | None = None
        self._infos: dict[tuple[str, str], list[tuple[Any, int, Any]]] = {}
        if order is not None:
            count = self.doc_count()
            if len(order) != count:
                raise ValueError("order file does not match the index")  # corrupt: rebuilt
            docnums = [-1] * count
            for docnum, position in enumerate(order):
                if not 0 <= position < count or docnums[position] != -1:
                    raise ValueError("order file does not match the index")  # corrupt: rebuilt
                docnums[position] = docnum
            self.docnums = docnums

    def doc_count(self) -> int:
        return int(self.searcher.doc_count_all())

    def doc_frequency(self, field: str, term: str) -> int:
        return sum(info.doc_frequency() for _, _, info in self._term_infos(field, term))

    def _term_infos(self, field: str, term: str) -> list[tuple[Any, int, Any]]:
        """The term's ``(segment reader, offset, TermInfo)`` per segment holding it: looked up
        once, kept for the postings read that usually follows the document frequency."""
        key = (field, term)
        found = self._infos.get(key)
        if found is None:
            if len(self._infos) >= TERM_INFO_MEMO:  # the oldest goes, as in the index's other memos
                del self._infos[next(iter(self._infos))]
            found = self._infos[key] = term_infos(self.searcher, field, term)
        return found

    def postings(self, field: str, term: str) -> tuple[Sequence[int], Sequence[float]]:
        ids, weights = read_postings(self.searcher, field, term)
        if self.order is not None:
            from array import array

            ids = array("i", map(self.order.__getitem__, ids))
        return ids, weights

    def postings_by_weight(self, field: str, term: str) -> list[tuple[float, list[int]]]:
        """:meth:`postings` grouped by weight: ``[(weight, [document numbers])]``."""
        groups = read_postings_by_weight(self.searcher, field, term, self._infos.pop((field, term), None))
        if self.order is not None:
            if self._positions is None:  # the order as int objects, made once: mapping through it makes none
                self._positions = self.order.tolist()
            position = self._positions.__getitem__
            groups = [(w, list(map(position, ids))) for w, ids in groups]
        return groups

    def stored(self, docnum: int) -> dict[str, Any]:
        if self.docnums is not None:
            docnum = self.docnums[docnum]
        return self.searcher.stored_fields(docnum)["doc"]

    def documents(self) -> list[dict[str, Any]]:
        return [fields["doc"] for fields in self.searcher.all_stored_fields()]

    def terms_with_prefix(self, field: str, prefix: str) -> list[str]:
        reader = self.searcher.reader()
        return [t.decode("utf-8") for t in reader.expand_prefix(field, prefix)]

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()


def read_postings(searcher: Any, fieldname: str, term: str) -> tuple[Sequence[int], Sequence[float]]:
    """All postings of a term over every segment: ``(document numbers, weights)``.

    whoosh's matcher API costs four Python calls per posting, the largest
    share of a query on a big KB; its W3 codec decodes each stored block into
    two arrays anyway, so those are read directly (see :func:`_postings`).
    """
    from array import array

    ids, weights = _postings(searcher, fieldname, term, None)
    return array("i", ids), array("d", weights)


def read_postings_by_weight(
    searcher: Any, fieldname: str, term: str, infos: list[tuple[Any, int, Any]] | None = None
) -> list[tuple[float, list[int]]]:
    """:func:`read_postings` grouped by weight, ``[(weight, [document numbers])]``.
    ``infos``: the term's :func:`term_infos`, when already looked up."""
    from .search import weight_groups

    return weight_groups(*_postings(searcher, fieldname, term, infos))


def term_infos(searcher: Any, fieldname: str, term: str) -> list[tuple[Any, int, Any]]:
    """``(segment reader, document number offset, TermInfo)`` of each segment holding the term."""
    from whoosh.reading import TermNotFound

    found = []
    for leaf, offset in searcher.leaf_searchers():
        reader = leaf.reader()
        try:
            found.append(
                (reader, offset, reader._terms.term_info(fieldname, reader._text_to_bytes(fieldname, term)))
            )
        except TermNotFound:
            continue
    return found


def _matcher(reader: Any, fieldname: str, term: str, info: Any) -> Any:
    """The term's matcher in one segment from its TermInfo (no second lookup of the term);
    a segment with deleted documents (never ours) goes through whoosh's public API."""
    if reader.deleted_docs_set:
        return reader.postings(fieldname, term)
    terms = reader._terms
    tbytes = reader._text_to_bytes(fieldname, term)
    return terms._codec.postings_reader(
        terms._postfile, info, reader.schema[fieldname].format, term=(fieldname, tbytes)
    )


def _postings(
    searcher: Any, fieldname: str, term: str, infos: list[tuple[Any, int, Any]] | None
) -> tuple[list[int], list[float]]:
    """Every segment's postings of a term, in segment order: each W3 block's data decoded
    with loops in C (``itertools.accumulate`` for the delta-coded numbers; whoosh's own
    decoder is a Python generator). Any other matcher takes the public API (a test
    compares both)."""
    from itertools import accumulate, repeat

    from whoosh.codec.whoosh3 import W3LeafMatcher

    ids: list[int] = []
    weights: list[float] = []
    for reader, offset, info in term_infos(searcher, fieldname, term) if infos is None else infos:
        m = _matcher(reader, fieldname, term, info)
        if type(m) is W3LeafMatcher:
            while m.is_active():
                if m._data is None:
                    m._read_data()
                block_ids, block_weights = m._data[0], m._data[1]
                block_ids = block_ids if m._byteids else accumulate(block_ids)
                ids.extend(map(offset.__add__, block_ids) if offset else block_ids)
                if block_weights is None or isinstance(block_weights, float):  # one weight for the block
                    weight = 1.0 if block_weights is None else float(block_weights)
                    weights.extend(repeat(weight, len(ids) - len(weights)))
                else:
                    weights.extend(block_weights)
                m._next_block()
        else:
            generic_ids, generic_weights = generic_postings(m, offset)
            ids.extend(generic_ids)
            weights.extend(generic_weights)
    return ids, weights


def generic_postings(m: Any, offset: int = 0) -> tuple[list[int], list[float]]:
    """All of a matcher's postings through whoosh's public matcher API."""
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id() + offset)
        weights.append(m.weight())
        m.next()
    return ids, weights
