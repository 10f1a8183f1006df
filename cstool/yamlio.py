"""The one place cstool reads and writes YAML (ruamel.yaml, round-trip).

- Floats load as ``Decimal`` from the text the person wrote, so money never
  passes through a binary float; timestamps load as the original string and
  are parsed (with a zone) by :mod:`cstool.timeutil`.
- Mappings and sequences keep their line numbers: :func:`line_of` turns a
  key or index into a ``file:line`` for error messages.
- Writes are atomic: temp file in the same folder, fsync, ``os.replace``.
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from .errors import BadInput
from .files import atomic_write


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
    yaml.preserve_quotes = True
    yaml.allow_unicode = True
    yaml.width = 4096  # never fold a long Chinese reply onto two lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise BadInput("文件不存在", path=path) from None
    except IsADirectoryError:
        raise BadInput("这是一个文件夹，不是文件", path=path) from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise BadInput("文件不是 UTF-8 编码，请另存为 UTF-8", path=path, line=line) from None
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


def loads(text: str, path: Path | str = "<输入>") -> Any:
    try:
        return make_yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "无法解析"
        raise BadInput(f"YAML 格式错误：{_explain(problem)}", path=path, line=line) from None
    except YAMLError as exc:
        raise BadInput(f"YAML 格式错误：{exc}", path=path) from None


def load_fast(path: Path) -> Any:
    """Load plain data with the C parser (ruamel.yaml.clib): several times faster, no line numbers.

    For bulk reads (a 10,000-entry KB); on any problem, re-read with :func:`load`
    to report ``file:line``.
    """
    yaml = YAML(typ="safe", pure=False)
    yaml.Constructor = _FastConstructor
    try:
        return yaml.load(read_text(path))
    except YAMLError:
        return load(path)  # raises BadInput with the line


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
