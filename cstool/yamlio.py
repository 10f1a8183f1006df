"""The one place cstool reads and writes YAML (ruamel.yaml, round-trip).

- Floats load as ``Decimal`` from the text the person wrote, so money never
  passes through a binary float; timestamps load as the original string and
  are parsed (with a zone) by :mod:`cstool.timeutil`.
- Mappings and sequences keep their line numbers: :func:`line_of` turns a
  key or index into a ``file:line`` for error messages.
- Writes are atomic: temp file in the same folder, fsync, ``os.replace``.
- Team files are data typed by people, so two YAML features that only make
  them hostile are refused before any work: anchors and aliases (``&a`` /
  ``*a``, ``<<: *a``; an "alias bomb" of a few lines expands to gigabytes) and
  files over :data:`MAX_FILE_BYTES` (2 MB). Both refusals name ``file:line``.
"""

from __future__ import annotations

import functools
import io
import re
import stat
from decimal import Decimal, InvalidOperation
from itertools import accumulate
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.representer import RoundTripRepresenter

from .errors import BadInput
from .files import atomic_write

MAX_FILE_BYTES = 2 * 1024 * 1024  # one team YAML file (a topic file of ~5,000 entries is ~1 MB)
MAX_DEPTH = 64  # nesting of mappings and lists; team files use fewer than 10 levels
NO_ALIASES = "YAML 里不能用锚点（&名字）或别名（*名字、<<: *名字）：请把内容直接写出来"
TOO_LARGE = "文件太大（{size:,} 字节），团队 YAML 文件最大 2 MB（{limit:,} 字节）：请拆成几个文件"
TOO_DEEP = f"嵌套层数太多（超过 {MAX_DEPTH} 层）"


class _Refused(Exception):
    """Raised inside the composer; :func:`loads` turns it into ``BadInput`` with the file name."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


class _Composer(Composer):
    """ruamel's composer, refusing anchors and aliases where they appear (before any expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None:
            mark = event.start_mark
            raise _Refused(NO_ALIASES, mark.line + 1 if mark is not None else None)
        if self.depth >= MAX_DEPTH:
            mark = event.start_mark
            raise _Refused(TOO_DEEP, mark.line + 1 if mark is not None else None)
        return super().compose_node(parent, index)


class _Representer(RoundTripRepresenter):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write an anchor: the file could not be read back


class _Constructor(RoundTripConstructor):
    pass


def _construct_decimal(constructor: RoundTripConstructor, node: Any) -> Decimal | str:
    text = str(constructor.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # .inf / .nan: let the caller's validation reject it by name


def _construct_text(constructor: RoundTripConstructor, node: Any) -> str:
    return str(constructor.construct_scalar(node))


class _FastConstructor(SafeConstructor):
    pass


for _cls in (_Constructor, _FastConstructor):
    _cls.add_constructor("tag:yaml.org,2002:float", _construct_decimal)
    _cls.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def make_yaml() -> YAML:
    """A round-trip YAML instance configured the way every cstool file is written."""
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    yaml.Composer = _Composer
    yaml.Representer = _Representer
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # never fold a long Chinese reply onto two lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def read_text(path: Path) -> str:
    """A team file's text; over :data:`MAX_FILE_BYTES` it is refused before it is read whole."""
    try:
        mode = path.stat().st_mode
        if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):  # a FIFO would block, a device never end
            raise BadInput("这不是普通文件（是设备、管道或套接字）", path=path)
        with open(path, "rb") as handle:  # noqa: PTH123 - one read, bounded
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            try:
                size = max(path.stat().st_size, len(raw))
            except OSError:
                size = len(raw)
            raise BadInput(TOO_LARGE.format(size=size, limit=MAX_FILE_BYTES), path=path)
        return raw.decode("utf-8-sig")
    except FileNotFoundError:
        raise BadInput("文件不存在", path=path) from None
    except IsADirectoryError:
        raise BadInput("这是一个文件夹，不是文件", path=path) from None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput("文件不是 UTF-8 编码，请另存为 UTF-8", path=path, line=line) from None
    except ValueError:  # a NUL byte or an unencodable character in the name
        raise BadInput("文件名无效（含无法识别的字符）", path=repr(str(path))) from None
    except OSError as exc:
        raise BadInput(f"无法读取：{exc.strerror}", path=path) from None


# ruamel's parser speaks English; people editing a KB get the common cases in Chinese.
_PROBLEMS = [
    ("mapping values are not allowed here", "这里不能出现冒号（值里有冒号时请加引号）"),
    ("found character '\\t' that cannot start any token", "不能用 Tab 缩进，请改用空格"),
    ("could not find expected ':'", "缺少冒号 ':'"),
    ("expected ',' or ']'", "方括号列表没有正确结束（缺少 ',' 或 ']'）"),
    ("expected ',' or '}'", "花括号没有正确结束（缺少 ',' 或 '}'）"),
    ("found unexpected end of stream", "引号没有闭合"),
    ("found duplicate key", "键重复"),
    ("did not find expected key", "缩进不一致"),
    ("did not find expected '-' indicator", "列表项缩进不一致"),
]


def _explain(problem: str) -> str:
    for english, chinese in _PROBLEMS:
        if english in problem:
            return f"{chinese}（{problem.strip()}）"
    return problem


def check_size(text: str, path: Path | str = "<输入>") -> None:
    """Refuse a text over :data:`MAX_FILE_BYTES` (UTF-8), read from a file or about to be written."""
    if len(text) > MAX_FILE_BYTES // 4:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > MAX_FILE_BYTES:
            raise BadInput(TOO_LARGE.format(size=size, limit=MAX_FILE_BYTES), path=path)


def loads(text: str, path: Path | str = "<输入>") -> Any:
    check_size(text, path)
    try:
        return make_yaml().load(text)
    except _Refused as exc:
        raise BadInput(exc.message, path=path, line=exc.line) from None
    except RecursionError:
        raise BadInput(TOO_DEEP, path=path) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "无法解析"
        raise BadInput(f"YAML 格式错误：{_explain(problem)}", path=path, line=line) from None
    except YAMLError as exc:
        raise BadInput(f"YAML 格式错误：{exc}", path=path) from None


# Where an anchor or alias could start a node: line start, or after an
# indicator and a space. A conservative screen: a match (also inside a quoted
# reply) only sends the file to the checking parser, which is exact.
_MAYBE_ALIAS = re.compile(r"(?:^|[\s\[{,:?-])[&*][^\s\[\]{},]", re.MULTILINE)


_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _flow_depth(text: str) -> int:
    """Deepest ``[``/``{`` nesting, counting brackets inside quotes too (an upper bound)."""
    brackets = re.sub(r"[^\[\]{}]+", "", text)
    if len(brackets) <= MAX_DEPTH:
        return len(brackets)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)))


def load_fast(path: Path) -> Any:
    """Load plain data with the C parser (ruamel.yaml.clib): several times faster, no line numbers.

    For bulk reads (a 10,000-entry KB). Plain data (mappings, lists, scalars:
    every phrase file) is built straight from the C parser's events
    (:func:`_from_events`); anything else goes to ruamel's C loader, except
    that the C composer cannot refuse aliases, so a text that may hold one,
    and any problem, goes through :func:`loads` instead (which refuses it, or
    reports ``file:line``).
    """
    text = read_text(path)
    try:
        return _from_events(text)
    except _TooDeep:
        return loads(text, path)  # refuses it with the line, as for any team file
    except _Unusual:
        pass  # an anchor, a tag, a merge key, a duplicate key...: ruamel's loaders decide below
    except (YAMLError, RecursionError):
        return loads(text, path)  # raises BadInput with the line
    if _MAYBE_ALIAS.search(text) or _flow_depth(text) > MAX_DEPTH:
        return loads(text, path)  # the C composer recurses per level: 100,000 '[' crash it
    try:
        return _load_c(text)
    except (YAMLError, RecursionError):
        return loads(text, path)  # raises BadInput with the line


def _load_c(text: str) -> Any:
    """ruamel's safe loader with the C parser (and our Decimal / timestamp constructors)."""
    yaml = YAML(typ="safe", pure=False)
    yaml.Constructor = _FastConstructor
    return yaml.load(text)


class _Unusual(Exception):
    """Something :func:`_from_events` leaves to ruamel's constructor (rare in team files)."""


class _TooDeep(_Unusual):
    """Nesting over :data:`MAX_DEPTH`: refused by :func:`loads`, never handed to the C composer."""


_PLAIN_TAGS: dict[str, Any] = {}  # plain scalar -> its resolved tag (memo, bounded)
_MEMO_LIMIT = 50_000


def _resolver_table() -> dict[Any, list[tuple[str, Any]]]:
    """ruamel's YAML 1.2 implicit resolvers (first character -> [(tag, regexp)])."""
    from ruamel.yaml.resolver import VersionedResolver

    return VersionedResolver(version=(1, 2)).versioned_resolver


_TABLE: list[dict[Any, list[tuple[str, Any]]]] = []
_STR_TAG = "tag:yaml.org,2002:str"


def _plain_tag(value: str) -> str:
    """The tag ruamel's safe loader gives a plain (unquoted) scalar, as its resolver decides it."""
    found = _PLAIN_TAGS.get(value)
    if found is not None:
        return found
    if not _TABLE:
        _TABLE.append(_resolver_table())
    table = _TABLE[0]
    found = _STR_TAG
    for tag, regexp in table.get(value[:1], []) + table.get(None, []):
        if regexp.match(value):
            found = str(tag)
            break
    if len(_PLAIN_TAGS) >= _MEMO_LIMIT:
        _PLAIN_TAGS.clear()
    _PLAIN_TAGS[value] = found
    return found


def _scalar(value: str, tag: str) -> Any:
    """A non-string plain scalar, built by the very constructor :func:`load_fast` used before."""
    if tag == _STR_TAG:
        return value
    if tag not in _SCALAR_TAGS:
        raise _Unusual(tag)  # merge key (<<), value (=), ...
    from ruamel.yaml.nodes import ScalarNode

    builder = _FastConstructor.yaml_constructors[tag]
    return builder(_scalar_maker(), ScalarNode(tag, value, None, None))


_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp")
)


class _ScalarLoader:
    """What ruamel's scalar constructors ask of their loader: a YAML 1.2 resolver."""

    def __init__(self) -> None:
        from ruamel.yaml.resolver import VersionedResolver

        self._resolver = VersionedResolver(version=(1, 2))


@functools.cache
def _scalar_maker() -> _FastConstructor:
    return _FastConstructor(loader=_ScalarLoader())


def _from_events(text: str) -> Any:
    """The same data as ruamel's safe loader with :class:`_FastConstructor`, built
    straight from the C parser's events (ruamel's C composer and Python constructor
    cost ~5x the parse itself on a 10,000-entry KB).

    Plain lists, mappings and scalars only: an anchor or alias, a tag, a
    ``%YAML`` directive, a merge key, a complex or duplicate key, nesting over
    :data:`MAX_DEPTH` or a second document raise :class:`_Unusual`, and the
    caller hands the text to ruamel's own loaders, which decide as before.
    """
    try:
        from ruamel.yaml.cyaml import CParser
    except ImportError:  # no ruamel.yaml.clib for this platform: ruamel's loader picks its pure parser
        raise _Unusual("no C parser") from None
    from ruamel.yaml.events import (
        DocumentEndEvent,
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
        StreamEndEvent,
        StreamStartEvent,
    )

    parser = CParser(text)
    try:
        next_event = parser.get_event
        if type(next_event()) is not StreamStartEvent:
            raise _Unusual("stream")
        start = next_event()
        if type(start) is StreamEndEvent:
            return None
        if type(start) is not DocumentStartEvent or start.version or start.tags:
            raise _Unusual("directive")
        no_key = _NO_KEY
        stack: list[Any] = []  # open lists and mappings, innermost last
        keys: list[Any] = []  # per open mapping: the key waiting for its value
        root: Any = None
        while True:
            event = next_event()
            kind = type(event)
            if kind is ScalarEvent:
                if event.anchor is not None or event.ctag is not None:
                    raise _Unusual("tag")
                value: Any = event.value
                if event.implicit[0]:
                    value = _scalar(value, _plain_tag(value))
                is_scalar = True
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise _TooDeep("nesting")
                if event.anchor is not None or event.ctag is not None:
                    raise _Unusual("collection")
                if stack and type(stack[-1]) is dict and keys[-1] is no_key:
                    raise _Unusual("complex key")
                stack.append({} if kind is MappingStartEvent else [])
                keys.append(no_key)
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                keys.pop()
                value = stack.pop()
                is_scalar = False
            elif kind is DocumentEndEvent:
                break
            else:
                raise _Unusual(kind.__name__)  # an alias
            if not stack:
                root = value
                continue
            top = stack[-1]
            if type(top) is list:
                top.append(value)
            elif keys[-1] is no_key:
                if not is_scalar:
                    raise _Unusual("complex key")
                if value in top:
                    raise _Unusual("duplicate key")
                keys[-1] = value
            else:
                top[keys[-1]] = value
                keys[-1] = no_key
        if type(next_event()) is not StreamEndEvent:
            raise _Unusual("documents")
        return root
    except AttributeError:  # another ruamel's events: its own loader knows them
        raise _Unusual("events") from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()


_NO_KEY = object()


def load(path: Path) -> Any:
    """Load a YAML file; a parse error becomes ``BadInput`` with ``file:line``."""
    return loads(read_text(path), path)


def dumps(data: Any) -> str:
    buf = io.StringIO()
    make_yaml().dump(data, buf)
    return buf.getvalue()


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line of ``node[key]`` (or of ``node``) in its file, if known."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return int(lc.line) + 1
        if isinstance(key, int):
            return int(lc.item(key)[0]) + 1
        return int(lc.key(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return int(lc.line) + 1 if lc.line is not None else None


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically; return False if it was unchanged."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text)
    return True


def dump_file(path: Path, data: Any) -> bool:
    """Write ``data`` as YAML, re-parsing it first so we never write a file we cannot read back."""
    text = dumps(data)
    loads(text, path)
    return write_if_changed(path, text)
