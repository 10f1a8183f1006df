"""A small on-disk cache of parsed files, so a command does not import a YAML parser on every start.

The parsed data is kept as JSON in the user cache dir, keyed by the file's
resolved path, size and modification time: any change re-parses the file. A
cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import user_cache_dir
from .files import atomic_write

# A parsed team file is refused over 2 MB (cstool.yamlio); its JSON is about as
# large. A cache file much larger than that was not written by us: ignore it.
MAX_CACHE_BYTES = 16 * 1024 * 1024


def path_tag(path: str) -> str:
    """A short name for a cache folder or file of ``path`` (not a secret: the key inside decides).

    zlib's checksums, not hashlib: importing hashlib loads OpenSSL, ~2 ms of every start.
    """
    data = path.encode("utf-8", "surrogateescape")
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _encode(obj: Any) -> Any:
    from decimal import Decimal

    if isinstance(obj, Decimal):
        return {"__decimal__": str(obj)}
    raise TypeError(f"cannot cache {type(obj).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "__decimal__" in obj:
        from decimal import Decimal

        return Decimal(obj["__decimal__"])
    return obj


def cached_parse(path: Path, parse: Callable[[Path], Any]) -> Any:
    """``parse(path)`` as plain JSON-able data, from the cache when the file is unchanged."""
    stat = path.stat()
    resolved = str(path.resolve())
    key = [resolved, stat.st_size, stat.st_mtime_ns]
    name = path_tag(resolved)
    cache_file = user_cache_dir() / "parsed" / f"{path.stem}-{name}.json"
    try:
        with cache_file.open("rb") as handle:
            raw = handle.read(MAX_CACHE_BYTES + 1)
        if len(raw) <= MAX_CACHE_BYTES:
            stored = json.loads(raw, object_hook=_decode)
            if stored.get("key") == key:
                return stored["data"]
    except (OSError, ValueError, AttributeError, TypeError, RecursionError, KeyError):
        pass
    data = parse(path)
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"key": key, "data": data}, ensure_ascii=False, default=_encode)
        atomic_write(cache_file, text, mode=0o600)
    except (OSError, TypeError, ValueError, RecursionError):
        pass
    return data
