"""A small on-disk cache of parsed files, so a command does not import a YAML parser on every start.

The parsed data is kept as JSON in the user cache dir, keyed by the file's
resolved path, size and modification time: any change re-parses the file. A
cache that cannot be read or written only costs speed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .config import user_cache_dir
from .files import atomic_write

# A parsed team file is refused over 2 MB (cstool.yamlio); its JSON is about as
# large. A cache file much larger than that was not written by us: ignore it.
MAX_CACHE_BYTES = 16 * 1024 * 1024


def _encode(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return {"__decimal__": str(obj)}
    raise TypeError(f"cannot cache {type(obj).__name__}")


def _decode(obj: dict[str, Any]) -> Any:
    return Decimal(obj["__decimal__"]) if set(obj) == {"__decimal__"} else obj


def cached_parse(path: Path, parse: Callable[[Path], Any]) -> Any:
    """``parse(path)`` as plain JSON-able data, from the cache when the file is unchanged."""
    stat = path.stat()
    resolved = str(path.resolve())
    key = [resolved, stat.st_size, stat.st_mtime_ns]
    name = hashlib.sha1(resolved.encode("utf-8")).hexdigest()[:16]
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
