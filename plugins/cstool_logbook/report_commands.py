"""``cstool log report|export``: the commands that write a report or the entries to a file or stdout.

Option parsing only; the figures are in :mod:`.report`, the files in :mod:`.export`.
Imported at every start of cstool, so only Typer and the core at module level.
"""

from typing import Annotated

import typer

from .options import Db, Force, Kind, Out, Since, Unmasked, Until, kind_or_none, open_session


def report(
    ctx: typer.Context,
    day: Annotated[bool, typer.Option("--day", help="日报（默认）")] = False,
    week: Annotated[bool, typer.Option("--week", help="周报（周一到周日）")] = False,
    date: Annotated[
        str | None, typer.Option("--date", help="报表包含的日期（默认：今天）", show_default=False)
    ] = None,
    agent: Annotated[str | None, typer.Option("--agent", help="只统计这位客服", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="table|markdown|csv|xlsx|json")] = "table",
    out: Out = None,
    force: Force = False,
    top: Annotated[int, typer.Option("--top", min=1, help="列出咨询最多的前几个问题")] = 10,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """主管报表：询盘转化、未成交原因、常见问题、催付挽回、未结投诉、知识库缺口。"""
    from cstool.errors import BadInput
    from cstool.files import check_output
    from cstool.output import info

    from .actions import report as build
    from .actions import shown
    from .export import FORMATS, check_format, write_report
    from .report import kb_used, no_entries_note

    if day and week:
        raise BadInput("--day 和 --week 只能选一个")
    check_format(fmt, FORMATS)  # every refusal before the database is opened
    check_output(out, force=force)  # before any work: a refused --out costs nothing
    with open_session(ctx, db) as session:
        data = shown(build(session, kind="week" if week else "day", day=date, agent=agent, top=top), unmasked)
        note = None
        if agent and not any(data["counts"].values()):
            known = bool(session.store.query(agent=agent, limit=1))
            note = no_entries_note(agent, data["period"]["label"], known=known)
        data["kb"] = kb_used(session.state.kb)
    if note:
        info(note)
    write_report(data, fmt, out, force=force, private=unmasked)


def export(
    ctx: typer.Context,
    kind: Kind = None,
    start: Since = None,
    end: Until = None,
    agent: Annotated[
        str | None, typer.Option("--agent", help="只导出这位客服的记录", show_default=False)
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv|markdown|xlsx|json")] = "csv",
    out: Out = None,
    force: Force = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """导出记录（中文表头，Excel/WPS 可直接打开）。"""
    from cstool.files import check_output

    from .actions import export_entries, shown
    from .export import ENTRY_FORMATS, check_format, write_entries

    check_format(fmt, ENTRY_FORMATS)  # every refusal before the database is opened
    kind = kind_or_none(kind)
    check_output(out, force=force)  # before any work: a refused --out costs nothing
    with open_session(ctx, db) as session:
        rows = shown(export_entries(session, kind=kind, start=start, end=end, agent=agent), unmasked)
    write_entries(rows, fmt, out, force=force, private=unmasked)
