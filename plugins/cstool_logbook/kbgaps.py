"""Which of the report's top questions the knowledge base answers: the ``cstool_kb_match`` hook, cached.

Asking the search plugin costs more than the rest of a weekly report (it
imports the search engine and opens the index), and a shop asks the same few
questions week after week. So the answers (answered or not, per question) are
kept in ``user_cache_dir()/logbook/kb-answers.json`` under a *signature* of
everything they depend on:

- the KB folder (resolved) and every file in it: path, size, modification time;
- every loaded plugin (the one implementing ``cstool_kb_match`` may take its
  engine from another, e.g. a search backend) and the size and modification
  time of their source files;
- the ``CSTOOL_*`` environment (e.g. ``CSTOOL_SEARCH_BACKEND``) and the user's
  ``config.toml`` (size and time).

Any change there asks the plugin again; a question not seen under the current
signature is asked (only those). The file holds hashes of the questions, never
their text (buyers' questions may carry phone numbers). A cache that cannot be
read or written only costs speed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CACHE_FILE = "kb-answers.json"
KEEP = 8  # signatures remembered (a supervisor switching between KBs or databases)
MAX_DEPTH = 8  # folders below the KB root (or a plugin's package) that are looked at
KEEP_ANSWERS = 5000  # answers remembered per signature, the most recent
# Settings that cannot change what the KB answers.
_IRRELEVANT_ENV = {"CSTOOL_DB", "CSTOOL_NOW", "CSTOOL_DEBUG"}


def answered(state: Any, questions: Sequence[str]) -> list[bool] | None:
    """Per question, whether the KB answers it; None when no search plugin can tell (or it failed)."""
    questions = list(questions)
    if not questions:
        return []
    hook = state.pm.hook.cstool_kb_match
    impls = hook.get_hookimpls()
    if not impls:
        return None
    try:
        key: str | None = signature(state.kb, state.pm)
    except Exception:  # a KB or plugin that cannot be looked at: ask, and cache nothing
        key = None
    stored = _load() if key else {}
    known: dict[str, bool] = dict(stored.get(key, {})) if key else {}
    hashed = {q: _hash(q) for q in questions}
    missing = [q for q in hashed if hashed[q] not in known]
    if missing:
        try:
            result = hook(kb=state.kb, questions=missing)
        except Exception as exc:  # a broken search plugin must not cost the supervisor the report
            from cstool.output import info

            info(f"警告：知识库匹配失败，跳过缺口分析：{type(exc).__name__}: {exc}")
            return None
        if result is None:
            return None
        matches = list(result) + [None] * (len(missing) - len(result))
        known.update({hashed[q]: bool(m) for q, m in zip(missing, matches, strict=False)})
        if key:
            _save(stored, key, known)
    return [known[hashed[q]] for q in questions]


def _hash(text: str) -> str:
    return _blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


try:  # hashlib's own blake2b, without hashlib loading OpenSSL (~5 ms of every report's start)
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b as _blake2b


def signature(kb: Any, pm: Any) -> str:
    """A hash of everything a plugin's answer may depend on (see the module docstring)."""
    from cstool.config import user_config_path

    root = Path(kb.root).resolve()
    parts: list[Any] = [str(root), _files(root)]
    for impl in pm.hook.cstool_kb_match.get_hookimpls():  # which plugin answers, in call order
        parts.append(_plugin_id(impl.plugin))
    plugins = sorted(([_plugin_id(p), _files_of(p)] for p in pm.get_plugins()), key=json.dumps)
    parts.append(plugins)
    parts.append(
        sorted((k, v) for k, v in os.environ.items() if k.startswith("CSTOOL_") and k not in _IRRELEVANT_ENV)
    )
    config = user_config_path()
    parts.append(_stat(config) if config.is_file() else None)
    return _hash(json.dumps(parts, ensure_ascii=False, sort_keys=True))


def _stat(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _files(folder: Path, suffix: str = "") -> list[Any]:
    """``[relative path, size, mtime_ns]`` of the files under ``folder`` (hidden ones and caches skipped)."""
    rows: list[Any] = []

    def walk(here: str, prefix: str, depth: int) -> None:
        with os.scandir(here) as found:
            entries = sorted(found, key=lambda e: e.name)
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            if entry.is_dir():  # a symlinked folder is followed, a loop stops at MAX_DEPTH
                if depth < MAX_DEPTH:
                    walk(entry.path, f"{prefix}{entry.name}/", depth + 1)
            elif entry.name.endswith(suffix):
                try:
                    st = entry.stat()
                except OSError:
                    continue
                rows.append([prefix + entry.name, st.st_size, st.st_mtime_ns])

    walk(str(folder), "", 0)
    return rows


def _plugin_id(plugin: Any) -> str:
    """A module plugin by its name; an object by its class (its registered name may be its ``id()``)."""
    if hasattr(plugin, "__file__"):
        return str(plugin.__name__)
    return f"{type(plugin).__module__}.{type(plugin).__qualname__}"


def _files_of(plugin: Any) -> list[Any]:
    """The source a plugin's answers come from: its package's ``.py`` files, or its one module."""
    module = plugin if hasattr(plugin, "__file__") else sys.modules.get(type(plugin).__module__)
    where = getattr(module, "__file__", None)
    if not where:
        return [repr(type(plugin))]
    path = Path(where)
    if path.name == "__init__.py":
        return [str(path.parent), _files(path.parent, ".py")]
    return [str(path), _stat(path)]


def _cache_path() -> Path:
    from cstool.config import user_cache_dir

    return user_cache_dir() / "logbook" / CACHE_FILE


def _load() -> dict[str, dict[str, bool]]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: {q: v for q, v in answers.items() if isinstance(v, bool)}
        for k, answers in data.items()
        if isinstance(answers, dict)
    }


def _save(stored: dict[str, dict[str, bool]], key: str, known: dict[str, bool]) -> None:
    from cstool.files import atomic_write

    stored.pop(key, None)
    stored[key] = dict(list(known.items())[-KEEP_ANSWERS:])  # newest last; the oldest are dropped
    kept = dict(list(stored.items())[-KEEP:])
    path = _cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(kept, ensure_ascii=False), mode=0o600)
    except OSError:
        pass
