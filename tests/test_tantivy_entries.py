"""tantivy's stored entries, kept in a file beside its index (cstool_tantivy/entries.py):
read back as written, and a damaged file is refused (the search then rebuilds), never
read as a different entry."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("tantivy")

from cstool_tantivy import entries  # noqa: E402

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
records = st.lists(st.dictionaries(st.text(max_size=8), values, max_size=6), max_size=12)


@given(records)
def test_entries_read_back_as_written(docs):
    import marshal

    found = entries.Entries(entries.pack([marshal.dumps(d) for d in docs]))
    assert len(found) == len(docs)
    assert [found.get(n) for n in range(len(docs))] == docs


def test_entries_file_on_disk_is_mapped_and_closed(tmp_path):
    import marshal

    docs = [{"id": f"e{n}", "replies": (("say", "亲" * n),)} for n in range(50)]
    entries.write(tmp_path / entries.FILENAME, [marshal.dumps(d) for d in docs])
    opened = entries.Entries.open(tmp_path / entries.FILENAME)
    try:
        assert [opened.get(n) for n in (49, 0, 17)] == [docs[49], docs[0], docs[17]]
    finally:
        opened.close()


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_damaged_entries_file_is_refused_never_read_as_another_entry(data):
    """Any byte changed or any cut: refused at opening or when the entry is read."""
    import marshal

    docs = [{"id": f"e{n}", "title": "包邮吗" * (n + 1), "order": n} for n in range(8)]
    good = entries.pack([marshal.dumps(d) for d in docs])
    damaged = bytearray(good)
    if data.draw(st.booleans(), label="cut"):
        damaged = damaged[: data.draw(st.integers(0, len(good) - 1), label="length")]
    else:
        at = data.draw(st.integers(0, len(good) - 1), label="at")
        damaged[at] ^= data.draw(st.integers(1, 255), label="xor")
    try:
        found = entries.Entries(bytes(damaged))
    except ValueError:
        return
    for n in range(len(found)):
        try:
            got = found.get(n)
        except (ValueError, EOFError, IndexError):
            continue
        assert got == docs[n]
