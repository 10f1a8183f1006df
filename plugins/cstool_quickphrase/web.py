"""The 接待 page of ``cstool serve``: search as you type, copy a reply, remember the pick.

Loaded only by the web plugin's hook (never at CLI start). Every search goes
through the same :class:`SearchSession` as ``cstool search``; ``/api/search``
returns exactly what ``cstool search --json`` prints. The session stays open
for the server's life: one worker thread owns it (SQLite and whoosh objects
stay in their thread), and a cheap freshness check (one ``stat`` per KB file,
at most once a second) reopens it after a KB edit. When the KB has a broken
file, the page shows a banner and keeps searching the files that are fine.
"""

from __future__ import annotations

import contextlib
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cstool.errors import BadInput

HERE = Path(__file__).resolve().parent
CHECK_EVERY = 1.0  # seconds between freshness checks
MAX_LIMIT = 100


def contribute(register: Any) -> None:
    register(
        "quickphrase",
        routes=[
            ("/", reception_page),
            ("/api/search", api_search),
            ("/api/pick", api_pick, ["POST"]),
            ("/api/kb-status", api_status),
        ],
        templates=HERE / "templates",
        static=HERE / "static",
        nav=[("/", "接待", 10)],
        startup=startup,
    )


class LiveSearch:
    """The server's one search session, reopened when the KB changes."""

    def __init__(self, state: Any):
        self.state = state
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cstool-search")
        self.session: Any = None
        self.problem: str | None = None  # the KB could not be (re)loaded: why, with file:line
        self.failed: Any = None  # the KB signature that failed, not retried until it changes
        self.checked = 0.0
        self.tags: list[str] = []

    def call(self, fn: Any, *args: Any) -> Any:
        return self.worker.submit(self._run, fn, args).result()

    async def acall(self, fn: Any, *args: Any) -> Any:
        """``call`` from the event loop: one hop to the search thread, none through the request pool."""
        import asyncio

        return await asyncio.wrap_future(self.worker.submit(self._run, fn, args))

    def _run(self, fn: Any, args: tuple[Any, ...]) -> Any:
        self._refresh()
        return fn(self.session, *args)

    def _refresh(self) -> None:
        now = time.monotonic()
        if self.session is not None and now - self.checked < CHECK_EVERY:
            return
        self.checked = now
        from .index import signature

        sig = signature(self.state.kb)
        if self.session is not None and sig == self.session.index.meta.get("signature"):
            return
        if sig == self.failed and self.session is not None:
            return
        self._open(sig)

    def _open(self, sig: Any) -> None:
        from .session import SearchSession

        try:
            session = SearchSession(self.state.kb, self.state.placeholders, pm=self.state.pm)
        except BadInput as exc:
            self.failed = sig
            self.problem = str(exc)
            if self.session is None:
                raise
            return  # keep serving the last good index
        old, self.session = self.session, session
        self.failed = None
        self.problem = None
        self.tags = sorted({t for doc in session.index.documents() for t in doc.get("tags") or []})
        if old is not None:
            old.close()

    def touch(self) -> None:
        """Open or refresh the session now; a KB that cannot be loaded is shown on the page, not raised."""
        with contextlib.suppress(BadInput):
            self.call(lambda session: None)

    def status(self) -> dict[str, Any]:
        skipped = list(getattr(self.session, "skipped", None) or []) if self.session else []
        problems = [self.problem] if self.problem else []
        problems += [_where(item) for item in skipped]
        return {
            "problems": problems,
            "entries": self.session.index.count if self.session else 0,
            "stages": dict(self.session.stages) if self.session else {},
            "tags": self.tags,
        }


def _where(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    where = str(item.get("file") or "")
    if item.get("line"):
        where += f":{item['line']}"
    return f"{where}: {item.get('message', '')}".strip(": ")


def live(web: Any) -> LiveSearch:
    searcher = web.shared.get("quickphrase")
    if searcher is None:
        searcher = web.shared.setdefault("quickphrase", LiveSearch(web.state))
    return searcher


def startup(state: Any, shared: dict[str, Any]) -> None:
    shared.setdefault("quickphrase", LiveSearch(state)).touch()


# ---------------------------------------------------------------- handlers


def _limit(value: str | None, default: int = 5) -> int:
    if value in (None, ""):
        return default
    try:
        limit = int(str(value))
    except ValueError:
        raise BadInput(f"limit 应为 1 到 {MAX_LIMIT} 的整数，得到 {value!r}") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise BadInput(f"limit 应为 1 到 {MAX_LIMIT} 的整数，得到 {value!r}")
    return limit


def find(session: Any, query: str, limit: int, chat: str, stage: str | None, tag: str | None) -> list[Any]:
    from .usage import DEFAULT_CHAT

    session.chat = chat or DEFAULT_CHAT
    return session.find(query, limit=limit, stage=stage or None, tag=tag or None)


async def api_search(web: Any) -> Any:
    """``GET /api/search?q=…&limit=N[&chat=C][&stage=S][&tag=T]``: the JSON of ``cstool search --json``.

    A coroutine: the web plugin awaits it on the event loop and the search runs on the one
    search thread (a keystroke pays one thread hop, not two).
    """
    query = web.query.get("q", "").strip()
    limit = _limit(web.query.get("limit"))
    if not query:
        return []

    def run(session: Any) -> list[dict[str, Any]]:
        found = find(
            session, query, limit, web.query.get("chat", ""), web.query.get("stage"), web.query.get("tag")
        )
        return [f.as_json(session.stages) for f in found]

    return web.json(await live(web).acall(run))


def api_pick(web: Any) -> Any:
    """``POST /api/pick {q, id, chat, stage, tag}``: the browser copied this reply; remember it.

    The same bookkeeping as ``cstool search --pick`` (the pick count that lifts
    an entry in later searches, and the variant rotation in this chat); the
    copy itself happened in the agent's browser, not on the server.
    """
    query = str(web.data.get("q", "")).strip()
    entry = str(web.data.get("id", "")).strip()
    if not query or not entry:
        raise BadInput("缺少 q 或 id")

    def run(session: Any) -> dict[str, Any]:
        found = find(
            session,
            query,
            MAX_LIMIT,
            str(web.data.get("chat", "")),
            web.data.get("stage"),
            web.data.get("tag"),
        )
        chosen = next((f for f in found if f.id == entry), None)
        if chosen is None:
            raise BadInput(f"这次搜索结果里没有 {entry}（知识库可能刚改过，请重新搜索）")
        if getattr(chosen, "reply", None) is None:
            raise BadInput(f"「{chosen.hit.title}」现在不能用：{getattr(chosen, 'unavailable', '')}")
        remember_pick(session, chosen)
        return {
            "id": chosen.id,
            "title": chosen.hit.title,
            "reply": chosen.reply,
            "variant": chosen.variant + 1,
        }

    return live(web).call(run)


def remember_pick(session: Any, found: Any) -> None:
    """What ``SearchSession.pick`` does after copying: count the pick, rotate this entry's variant."""
    import inspect

    record = session.usage.record_pick
    if len(inspect.signature(record).parameters) >= 2:  # newer usage store keeps the query too
        record(found.id, getattr(found, "query", ""))
    else:
        record(found.id)
    session.handed_out([found])


def api_status(web: Any) -> Any:
    searcher = live(web)
    searcher.touch()
    return searcher.status()


def reception_page(web: Any) -> Any:
    searcher = live(web)
    searcher.touch()
    status = searcher.status()
    return web.render(
        "quickphrase/reception.html",
        problems=status["problems"],
        stages=status["stages"],
        tags=status["tags"],
        entries=status["entries"],
        query=web.query.get("q", ""),
        chat=web.query.get("chat", ""),
    )
