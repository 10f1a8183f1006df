"""``cstool search`` and the ``cstool kb`` group: thin shells around session.py and index.py.

Only typer is imported at module level: this runs on every ``cstool`` start.
"""

# Annotations stay objects (no `from __future__ import annotations`): Typer reads these
# signatures on every start, and would compile string annotations one by one (~3 ms).

import sys
from typing import Annotated, Any

import typer

from .results import format_results, no_results_hint

KB_HELP = "知识库：检查、添加、初始化、索引、使用统计"


def register(app: typer.Typer, invoked: str | None = None) -> None:
    from cstool.cli import make_typer

    if invoked in (None, "search"):
        app.command("search")(search_command)
    if invoked not in (None, "kb"):
        return  # the kb tools' module is not needed by this run
    kb_app = make_typer(help=KB_HELP)
    kb_app.command("index")(index_command)
    kb_app.command("stats")(stats_command)
    from .kb_commands import add_kb_tool_commands

    add_kb_tool_commands(kb_app)
    app.add_typer(kb_app, name="kb", help=KB_HELP)


def open_session(ctx: typer.Context, chat: str | None = None) -> Any:
    from cstool.context import get_state

    from .session import SearchSession

    state = get_state(ctx)
    session = SearchSession(state.kb, state.placeholders, chat=chat, progress=_rebuild_notice(), pm=state.pm)
    if session.skipped:
        print(skipped_warning(session.skipped), file=sys.stderr)
    return session


def skipped_warning(skipped: list[dict[str, Any]]) -> str:
    """One warning for the KB files (or entries) search had to leave out, naming the first ``file:line``."""
    first = skipped[0]
    where = first.get("file") or ""
    if first.get("line"):
        where = f"{where}:{first['line']}"
    more = f"（另有 {len(skipped) - 1} 处）" if len(skipped) > 1 else ""
    return (
        f"警告：知识库有错误，{where} {first.get('message', '')}{more}；"
        "出错的短语暂时搜不到，其余照常。运行 cstool kb lint 查看并修好。"
    )


def _rebuild_notice() -> Any:
    said = False

    def progress(done: int, total: int) -> None:
        nonlocal said
        if not said:
            print(f"知识库有变化，正在重建搜索索引（{total} 条）…", file=sys.stderr)
            said = True

    return progress


def search_command(
    ctx: typer.Context,
    query: Annotated[
        list[str] | None,
        typer.Argument(help="要找的话：买家原话、关键词、拼音或拼音首字母", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=100, help="最多显示几条")] = 5,
    stage: Annotated[
        str | None, typer.Option("--stage", help="只看某个聊天阶段（代码或中文名，如 ship 或 物流）")
    ] = None,
    tag: Annotated[str | None, typer.Option("--tag", help="只看带这个标签的短语")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组（最匹配的在前）")] = False,
    pick: Annotated[
        int | None, typer.Option("--pick", "-p", min=1, help="选第 N 条：复制到剪贴板并记住")
    ] = None,
    interactive: Annotated[
        bool, typer.Option("--interactive", "-i", help="交互模式：一直开着，边打字边搜，输入序号复制")
    ] = False,
    chat: Annotated[
        str | None,
        typer.Option(
            "--chat", envvar="CSTOOL_CHAT", help="当前会话（如买家昵称）：同一会话里再次找同一条会换一种说法"
        ),
    ] = None,
) -> None:
    """搜索快捷短语：买家原话（能便宜点吗）、关键词（催付）、拼音（baoyou）或首字母（bzq）都可以。"""
    text = " ".join(query or []).strip()
    if text:
        from .search import cut_query

        text, note = cut_query(text)
        if note:
            print(note, file=sys.stderr)
    if interactive or (not text and sys.stdin.isatty()):
        from .interactive import run_interactive

        if not sys.stdin.isatty() or not sys.stdout.isatty():
            from cstool.errors import BadInput

            raise BadInput("交互模式需要在终端里运行（或者直接写上要搜的话：cstool search 包邮吗）")
        session = open_session(ctx, chat)
        try:
            run_interactive(session, first_query=text, limit=limit, stage=stage, tag=tag)
        finally:
            session.close()
        raise typer.Exit(0)
    if not text:
        from cstool.errors import BadInput

        raise BadInput("缺少要搜索的话，例如：cstool search 什么时候发货")
    session = open_session(ctx, chat)
    try:
        found = session.find(text, limit=limit, stage=stage, tag=tag)
        chosen = None
        if pick is not None:
            if pick > len(found):
                from cstool.errors import CstoolError

                raise CstoolError(f"没有第 {pick} 条结果（这次只找到 {len(found)} 条）")
            chosen = found[pick - 1]
        if as_json:
            from cstool.output import print_json

            print_json([f.as_json(session.stages) for f in found])
        elif not found:
            print(no_results_hint(text), file=sys.stderr)
        elif chosen is None:
            print(format_results(found, session.stages))
        elif chosen.reply is not None:
            print(chosen.reply)
        if chosen is not None:
            note = session.pick(chosen)  # only the copied one rotates (not everything shown)
            print(note or f"已复制第 {pick} 条：{chosen.hit.title}", file=sys.stderr)
    finally:
        session.close()


def index_command(ctx: typer.Context) -> None:
    """重建搜索索引（平时会自动更新，这个命令用于手动重建）。"""
    import time

    from cstool.context import get_state

    from .index import build_index, index_dir

    state = get_state(ctx)
    kb = state.kb
    start = time.perf_counter()
    from cstool.output import console

    err = console(stderr=True)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("建索引"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        auto_refresh=False,  # no refresh thread: a large KB's build forks worker processes
    ) as bar:
        task = bar.add_task("index", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)
            bar.refresh()

        meta = build_index(kb, progress=progress, pm=state.pm)
    elapsed = time.perf_counter() - start
    where = index_dir(kb, meta["backend"])
    print(
        f"已重建搜索索引：{meta['count']} 条，用时 {elapsed:.2f} 秒（{meta['backend']}，{where}）",
        file=sys.stderr,
    )


def stats_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False,
    unused: Annotated[bool, typer.Option("--unused", help="只列出从未用过的短语")] = False,
) -> None:
    """各条快捷短语的使用次数和最近使用时间（含从未用过的），用于清理没人用的短语。"""
    from cstool.context import get_state

    from .index import open_index
    from .usage import Usage

    state = get_state(ctx)
    kb = state.kb
    index = open_index(kb, progress=_rebuild_notice(), pm=state.pm)
    try:
        docs = index.documents()
        usage = Usage(index.meta.get("kb") or str(kb.root))
        rows = usage_rows(docs, usage.pick_stats())
        usage.close()
    finally:
        index.close()
    if unused:
        rows = [r for r in rows if r["picks"] == 0]
    if as_json:
        from cstool.output import print_json

        print_json(rows)
        return
    if not rows:
        print("没有符合条件的短语。", file=sys.stderr)
        return
    from cstool.timeutil import display_time

    for row in rows:
        last = display_time(row["last_used"]) if row["last_used"] else "从未使用"
        print(f"{row['picks']:>5}  {last:<16}  {row['id']}  {row['title']}")
    never = sum(r["picks"] == 0 for r in rows)
    print(f"共 {len(rows)} 条，其中 {never} 条从未使用。", file=sys.stderr)


def usage_rows(docs: list[dict[str, Any]], stats: dict[str, Any]) -> list[dict[str, Any]]:
    """Every entry with its picks and last use, most used first (KB order among equals)."""
    rows = []
    for doc in docs:
        stat = stats.get(doc["id"])
        rows.append(
            {
                "id": doc["id"],
                "title": doc["title"],
                "stage": doc["stage"],
                "picks": stat.picks if stat else 0,
                "last_used": stat.last_used if stat else None,
            }
        )
    rows.sort(key=lambda r: -r["picks"])
    return rows
