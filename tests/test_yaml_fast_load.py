"""``yamlio.load_fast`` builds plain data straight from the C parser's events:
it must give exactly what ruamel's safe C loader (with our constructors) gives,
value for value and type for type, and leave everything unusual to ruamel."""

from __future__ import annotations

import math
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cstool import yamlio
from cstool.errors import BadInput
from cstool.kb import bundled_kb_path


def same(a, b) -> bool:
    """Equal, with the same types all the way down and mapping keys in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Decimal) and a.is_nan():
        return b.is_nan()
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def outcome(load, text):
    try:
        return "ok", load(text)
    except yamlio._Unusual:
        return "unusual", None
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return "error", type(exc).__name__


def assert_same_as_ruamel(text: str) -> str:
    new_kind, new = outcome(yamlio._from_events, text)
    old_kind, old = outcome(yamlio._load_c, text)
    if new_kind == "ok":
        assert old_kind == "ok" and same(new, old), (text, new, old)
    elif new_kind == "error":
        assert old_kind == "error", (text, new, old)
    return new_kind


PLAIN = [
    "a: 1",
    "a: 1.50\nb: .inf\nc: 0x1F\nd: 0o17\ne: true\nf: ~\ng: 2024-01-02\nh: 2024-01-02 10:00:00+08:00\n",
    "i: 1_000\nj: -0\nk: yes\nl: null\nm:\nn: No\no: +12\np: 3.\nq: .5\nr: -.inf\ns: .NaN\nt: 1:20\n",
    "- [1, 2, {a: b}]\n- 'x'\n- \"y\"\n- |\n  block\n  text\n- >\n  folded\n",
    "null: x\ntrue: y\n2: z\n",
    '"1": quoted key\n1.0: plain key\n',
    "entries:\n  - id: ship.when\n    title: 什么时候发货\n    replies: [亲，马上发~]\n",
    "",
    "# only a comment\n",
    "---\na: 1\n...\n",
    "- 'it''s'\n- \"tab\\there\\u4e2d\"\n- plain with spaces\n- 1e3\n- 0b101\n- 012\n",
]

UNUSUAL = [
    "x: !!str 12",  # an explicit tag
    "<<: {a: 1}\nb: 2",  # a merge key
    "? [a]\n: b",  # a complex key
    "%YAML 1.1\n---\na: 0777",  # a directive
    "=: 1",  # the value key
    "a: &x 1\nb: *x",  # an anchor
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_data_is_built_from_events_exactly_as_ruamel_builds_it(text):
    assert assert_same_as_ruamel(text) == "ok"


@pytest.mark.parametrize("text", UNUSUAL)
def test_anything_unusual_is_left_to_ruamel(text):
    assert assert_same_as_ruamel(text) == "unusual"


@pytest.mark.parametrize("text", ["a: 1\na: 2", "1: a\n1.0: b", "--- 1\n--- 2", "a: [\n", "a: 'x\n"])
def test_broken_or_duplicate_is_never_silently_accepted(text, tmp_path):
    assert assert_same_as_ruamel(text) in ("unusual", "error")
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        yamlio.load_fast(path)
    assert caught.value.line is not None  # still file:line, from the checking parser


def test_unusual_files_still_load_through_ruamel(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("x: !!str 12\n<<: {a: 1}\n", encoding="utf-8")
    assert yamlio.load_fast(path) == {"x": "12", "a": 1}


def test_without_the_c_parser_the_data_is_the_same(tmp_path, monkeypatch):
    path = tmp_path / "x.yaml"
    path.write_text(PLAIN[1], encoding="utf-8")
    expected = yamlio.load_fast(path)
    monkeypatch.setitem(sys.modules, "ruamel.yaml.cyaml", None)  # importing it fails: no clib
    assert same(yamlio.load_fast(path), expected)


def test_deep_nesting_stops_early_and_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a:\n" + "".join("  " * (i + 1) + "- \n" for i in range(200)), encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        yamlio.load_fast(path)
    assert yamlio.TOO_DEEP in caught.value.message


def test_every_starter_kb_file_matches_ruamel_and_phrase_files_take_the_event_path():
    root = bundled_kb_path()
    phrases = sorted((root / "phrases").glob("*.yaml"))
    assert len(phrases) > 3
    for path in phrases:
        assert assert_same_as_ruamel(yamlio.read_text(path)) == "ok", path
    for path in sorted(
        root.rglob("*.yaml")
    ):  # libyaml refuses some promo files ruamel reads: load_fast falls back
        assert_same_as_ruamel(yamlio.read_text(path))


# Random documents: plain scalars from the corners of YAML 1.2's implicit typing,
# quoted strings, block and flow collections.
PLAIN_SCALARS = [
    "yes",
    "No",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "~",
    "0",
    "-0",
    "+1",
    "012",
    "0o17",
    "0x1f",
    "0b11",
    "1_000",
    "1.5",
    "1.50",
    "-1.5e3",
    "1e3",
    ".5",
    "3.",
    ".inf",
    "-.Inf",
    ".nan",
    "2024-01-02",
    "2024-1-2",
    "2024-01-02 10:00:00",
    "2024-01-02T10:00:00+08:00",
    "12:30",
    "1:20:30",
    "包邮",
    "a b",
    "ship.when",
    "x-y",
    "@",
    "100%",
    "¥59",
    "满2件9折",
    "0.1.2",
    "1,000",
]
quoted = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=8).map(
    lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
scalar = st.one_of(st.sampled_from(PLAIN_SCALARS), quoted)
key = st.one_of(st.sampled_from(["id", "title", "1", "true", "null", "~", "2024-01-02", "1.0", "x"]), quoted)


def block(node, indent: int) -> str:
    pad = "  " * indent
    if isinstance(node, str):
        return f" {node}\n"
    if isinstance(node, list):
        if not node:
            return " []\n"
        return "\n" + "".join(f"{pad}-{block(item, indent + 1)}" for item in node)
    if not node:
        return " {}\n"
    return "\n" + "".join(f"{pad}{k}:{block(v, indent + 1)}" for k, v in node)


def flow(node) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "[" + ", ".join(flow(x) for x in node) + "]"
    return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in node) + "}"


tree = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(st.tuples(key, inner), max_size=4).map(tuple),  # a mapping: a tuple of pairs
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(tree, st.booleans())
def test_random_documents_load_exactly_as_ruamel_loads_them(node, as_flow):
    text = flow(node) + "\n" if as_flow or isinstance(node, str) else block(node, 0).lstrip("\n")
    assert_same_as_ruamel(text)
