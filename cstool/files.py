"""Writing files a person owns: all or nothing (temp file in the same folder, fsync, ``os.replace``).

``atomic_write`` is the one way cstool replaces a file. ``write_output`` is the
one way a command's ``--out`` is honoured: it refuses anything that is not a
plain file path it may safely (re)place, before any byte is written.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .errors import BadInput

STDOUT = "-"
PRIVATE_MODE = 0o600


def atomic_write(path: Path, data: bytes | str, *, mode: int | None = None, exclusive: bool = False) -> None:
    """Replace ``path`` with ``data`` in one step; a crash leaves the old file or the new one.

    An existing file keeps its permission bits; a new one gets ``mode`` if given,
    else what the user's umask allows (``mkstemp`` alone would make it 0600).
    With ``exclusive`` the file must not exist: the new file is linked into place,
    which fails (``FileExistsError``) rather than replace something that appeared meanwhile.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    import tempfile  # (tempfile imports random: not on the way of commands that write nothing)

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is None:
            try:
                mode = path.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o666 & ~_umask()
        os.chmod(tmp, mode)
        if exclusive and _link_into_place(tmp, path):
            return
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _link_into_place(tmp: str, path: Path) -> bool:
    """Hard-link ``tmp`` to ``path`` (never replacing); False where links are not supported."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:
        return False  # a file system without hard links: fall back to os.replace
    Path(tmp).unlink(missing_ok=True)
    return True


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


# --- --out ------------------------------------------------------------------------------------
def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    if stat.S_ISFIFO(mode):
        return "管道（FIFO）"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


def check_output(out: str | Path | None, *, force: bool = False) -> Path | None:
    """Check ``--out`` before any work: the path to write, or None for stdout.

    Refused (``BadInput``, exit 2, nothing touched): an empty name; a device, FIFO,
    socket, folder or symlink; an existing file without ``force``; a parent folder
    that does not exist (it is not created) or is not a folder.
    """
    if out is None or str(out) == STDOUT:
        return None
    text = str(out)
    if not text.strip():
        raise BadInput("--out 的文件名是空的")
    path = Path(text).expanduser()
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise BadInput(f"无法使用这个输出路径：{exc.strerror}", path=path) from None
    if info is not None:
        kind = _kind_of(info.st_mode)
        if kind is not None:
            raise BadInput(f"这是一个{kind}，不是普通文件；不会写入或替换它，请换一个文件名", path=path)
        if not force:
            raise BadInput("文件已存在；要覆盖请加 --force", path=path)
        return path
    parent = path.parent
    if not parent.exists():
        raise BadInput(f"文件夹不存在：{parent}（不会自动创建，请先建好）", path=path)
    if not parent.is_dir():
        raise BadInput(f"{parent} 不是文件夹", path=path)
    return path


# --- input files ------------------------------------------------------------------------------
def check_input(path: str | Path) -> Path:
    """Check a file a command is about to read, before opening it (or anything else).

    Refused (``BadInput``, exit 2): a missing file, and anything that is not a regular
    file once links are followed: a FIFO or a device would block or never end, a folder
    or a socket cannot be read as a table.
    """
    target = Path(path).expanduser()
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise BadInput("文件不存在", path=target) from None
    except OSError as exc:
        raise BadInput(f"无法读取：{exc.strerror}", path=target) from None
    kind = _kind_of(info.st_mode)
    if kind is not None:
        raise BadInput(f"这是一个{kind}，不是普通文件；请给一个 CSV 文件", path=target)
    return target


def write_output(
    out: str | Path | None, data: bytes | str, *, force: bool = False, private: bool = False
) -> Path | None:
    """Write a command's result to ``--out`` (checked as in :func:`check_output`) or to stdout.

    A file is written atomically (temp file in the same folder, then ``os.replace``);
    a new file follows the user's umask, a replaced one keeps its mode, and ``private``
    (e.g. ``--unmasked`` exports) makes it 0600 either way. Binary data (xlsx) goes to
    stdout only when asked for with ``--out -`` and stdout is not a terminal.
    Returns the path written, or None for stdout.
    """
    path = check_output(out, force=force)
    if path is None:
        _to_stdout(data, explicit=out is not None)
        return None
    try:
        atomic_write(path, data, mode=PRIVATE_MODE if private else None, exclusive=not force)
    except FileExistsError:
        raise BadInput("文件已存在；要覆盖请加 --force", path=path) from None
    except OSError as exc:
        raise BadInput(f"无法写入：{exc.strerror or exc}", path=path) from None
    return path


def _to_stdout(data: bytes | str, *, explicit: bool) -> None:
    if isinstance(data, str):
        sys.stdout.write(data if data.endswith("\n") else data + "\n")
        sys.stdout.flush()
        return
    if not explicit:
        raise BadInput("这是二进制文件（xlsx），请用 --out 指定要保存的文件（或 --out - 输出到管道）")
    if sys.stdout.isatty():
        raise BadInput("不能把二进制文件（xlsx）显示在终端上：请用 --out 指定文件，或把 --out - 重定向到文件")
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        raise BadInput("当前的标准输出不能写二进制文件，请用 --out 指定文件")
    buffer.write(data)
    buffer.flush()
