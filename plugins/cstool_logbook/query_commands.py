"""``cstool log list|show|buyer|due|campaign-list``: the commands that look entries up.

Option parsing only; the work is in :mod:`.actions`, the drawing in :mod:`.render`.
Imported at every start of cstool, so only Typer and the core at module level.
"""

from typing import Annotated

import typer

from .options import (
    Agent,
    Db,
    EntryId,
    Json,
    Kind,
    OnlyAgent,
    Since,
    Unmasked,
    Until,
    kind_or_none,
    open_session,
)


def list_entries(
    ctx: typer.Context,
    kind: Kind = None,
    start: Since = None,
    end: Until = None,
    agent: OnlyAgent = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="只看这个结果", show_default=False)] = None,
    buyer: Annotated[str | None, typer.Option("--buyer", help="只看这位买家", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="最多显示几条（0：全部）")] = 50,
    as_json: Json = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """列出记录（最新在前）。"""
    from cstool.output import emit, info

    from .actions import shown
    from .render import entries_table
    from .store import check_limit

    kind = kind_or_none(kind)  # every refusal before the database is opened
    check_limit(limit)
    with open_session(ctx, db) as session:
        first, last = session.day_range(start, end)
        entries = session.store.query(
            kind=kind,
            start=first,
            end=last,
            agent=agent,
            outcome=outcome,
            buyer=buyer,
            limit=limit or None,
        )
    rows = shown([e.to_dict() for e in entries], unmasked)
    emit(rows, as_json=as_json, empty="没有符合条件的记录。", table=entries_table)
    if not as_json and limit and len(rows) == limit:
        info(f"只显示最近 {limit} 条；用 --limit 0 显示全部。")


def show(
    ctx: typer.Context,
    entry_id: EntryId,
    as_json: Json = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """显示一条记录及其全部修改历史。"""
    from cstool.errors import BadInput
    from cstool.output import emit

    from .actions import entry_view, shown
    from .render import entry_detail
    from .store import check_id

    check_id(entry_id)  # before the database is opened
    with open_session(ctx, db) as session:
        entry = session.store.get(entry_id)
        if entry is None:
            raise BadInput(f"没有编号为 {entry_id} 的记录")
        view = shown(entry_view(session, entry), unmasked)
    emit(view, as_json=as_json, table=entry_detail)


def buyer(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="买家旺旺名")],
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="加入客户组（可多次）", show_default=False)
    ] = None,
    untag: Annotated[
        list[str] | None, typer.Option("--untag", help="移出客户组（可多次）", show_default=False)
    ] = None,
    agent: Agent = None,
    as_json: Json = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """一位买家的全部记录和所在客户组（买家回来时先看历史）。"""
    from cstool.output import emit, info

    from .actions import buyer_view, shown
    from .actions import tag as retag
    from .render import buyer_summary

    with open_session(ctx, db) as session:
        if tag or untag:
            retag(session, name, tag or [], untag or [], agent)
        view = shown(buyer_view(session, name), unmasked)
    for group_name in tag or []:
        info(f"已把 {view['buyer']} 加入客户组：{group_name}")
    for group_name in untag or []:
        info(f"已把 {view['buyer']} 移出客户组：{group_name}")
    emit(
        view,
        as_json=as_json,
        empty=f"没有关于 {view['buyer']} 的记录。",
        is_empty=not view["entries"] and not view["groups"],
        table=buyer_summary,
    )


def due(
    ctx: typer.Context,
    agent: OnlyAgent = None,
    as_json: Json = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """现在要处理的事：到点的催付、今天要跟进的询盘、待回复的投诉。"""
    from cstool.output import emit

    from .actions import due as due_now
    from .actions import shown
    from .render import due_table

    with open_session(ctx, db) as session:
        items = shown(due_now(session, agent), unmasked)
    emit(items, as_json=as_json, empty="现在没有需要处理的事项。", table=due_table)


def campaign_list(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="从哪天起（默认：90 天前）", show_default=False)
    ] = None,
    group_name: Annotated[
        str | None, typer.Option("--group", help="只看这个客户组", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="最多几位（0：全部）")] = 0,
    as_json: Json = False,
    unmasked: Unmasked = False,
    db: Db = None,
) -> None:
    """活动开始时优先联系的买家：问过没买的、拍下没付的。"""
    from cstool.output import emit

    from .actions import campaign, shown
    from .render import campaign_table
    from .store import check_limit

    check_limit(limit)  # before the database is opened
    with open_session(ctx, db) as session:
        rows = shown(campaign(session, since, group_name, limit), unmasked)
    emit(rows, as_json=as_json, empty="没有需要联系的买家。", table=campaign_table)
