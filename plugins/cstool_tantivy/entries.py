"""Stored entries beside tantivy's index: one file of marshal records, read by document number.

tantivy's own document store compresses blocks of ~16 KB: reading one entry
back decompresses its block and converts the document to Python, ~12 µs of
the ~22 µs an entry cost, and a query reads up to 20 entries it has not met.
Here an entry is a slice of a memory-mapped file, its CRC-32 checked (a
damaged entry must not reach a buyer as a changed reply) and one
``marshal.loads`` (marshal: loaded with the interpreter, ~2x faster than
JSON, and unlike pickle it cannot run code from a damaged file).

Layout, integers little-endian: ``MAGIC``, the entry count n (8 bytes),
n + 1 offsets into the records (8 bytes each), each record's CRC-32
(4 bytes each), then the records.
"""

from __future__ import annotations

import marshal
import mmap
import sys
import zlib
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MAGIC = b"cstool-entries-1"
FILENAME = "entries.marshal"
_HEAD = len(MAGIC) + 8


def _little_endian(numbers: array[int]) -> array[int]:
    if sys.byteorder == "big":
        numbers.byteswap()
    return numbers


def pack(records: Sequence[bytes]) -> bytes:
    """The file's bytes for these marshal records (entry n = records[n])."""
    offsets = array("Q", [0])
    total = 0
    for record in records:
        total += len(record)
        offsets.append(total)
    sums = array("I", map(zlib.crc32, records))
    head = MAGIC + len(records).to_bytes(8, "little")
    return b"".join([head, _little_endian(offsets).tobytes(), _little_endian(sums).tobytes(), *records])


def write(path: Path, records: Sequence[bytes]) -> None:
    path.write_bytes(pack(records))


class Entries:
    """The entries of one file (or of its bytes, for an index in memory).
    A damaged file raises ValueError, at opening or when the entry is read."""

    def __init__(self, data: Any):
        self._data = data
        if len(data) < _HEAD or data[: len(MAGIC)] != MAGIC:
            raise ValueError("entries file: not cstool's")
        count = int.from_bytes(data[len(MAGIC) : _HEAD], "little")
        sums_at = _HEAD + 8 * (count + 1)
        self._start = sums_at + 4 * count
        if self._start > len(data):
            raise ValueError("entries file: cut short")
        self._offsets, self._sums = array("Q"), array("I")
        self._offsets.frombytes(data[_HEAD:sums_at])
        self._sums.frombytes(data[sums_at : self._start])
        _little_endian(self._offsets)
        _little_endian(self._sums)
        if self._start + self._offsets[-1] != len(data):
            raise ValueError("entries file: cut short or grown")

    @classmethod
    def open(cls, path: Path) -> Entries:
        with path.open("rb") as file:  # the map keeps its own handle
            return cls(mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def get(self, number: int) -> dict[str, Any]:
        start, end = self._offsets[number], self._offsets[number + 1]
        if not start <= end <= len(self._data) - self._start:
            raise ValueError(f"entries file: entry {number} out of place")
        record = self._data[self._start + start : self._start + end]
        if zlib.crc32(record) != self._sums[number]:
            raise ValueError(f"entries file: entry {number} damaged")
        found = marshal.loads(record)
        if type(found) is not dict:
            raise ValueError(f"entries file: entry {number} is not an entry")
        return found

    def close(self) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.close()
