"""The ``cstool log`` command group: option parsing only; the work is in :mod:`.actions`.

Imported at every start of cstool, so only Typer and the core CLI at module level.
"""

from pathlib import Path
from typing import Annotated

import typer

from cstool.cli import make_typer
from cstool.context import get_state

GROUP_HELP = "询盘与催付日志：记录未成交询盘、未付款订单、承诺备注和投诉，生成主管报表。"

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="日志库：SQLite 文件路径或 postgresql:// 连接串（默认：CSTOOL_DB、配置 db、用户数据目录）",
        show_default=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON")]
Unmasked = Annotated[bool, typer.Option("--unmasked", help="显示完整手机号、地址和姓名（默认打码）")]
Buyer = Annotated[str | None, typer.Option("--buyer", help="买家旺旺名", show_default=False)]
Order = Annotated[str | None, typer.Option("--order", help="订单号", show_default=False)]
At = Annotated[
    str | None, typer.Option("--at", help="时间，如 2026-11-11 10:00（默认：现在）", show_default=False)
]
Note = Annotated[str | None, typer.Option("--note", help="备注", show_default=False)]
Agent = Annotated[
    str | None, typer.Option("--agent", help="接待客服（默认：配置里的 agent）", show_default=False)
]
Reason = Annotated[
    str | None,
    typer.Option("--reason", help="未成交/未付款原因（团队列表见 logbook.yaml）", show_default=False),
]
Followup = Annotated[
    str | None, typer.Option("--followup", help="跟进日期，如 2026-11-12", show_default=False)
]
Since = Annotated[str | None, typer.Option("--from", help="开始日期（含）", show_default=False)]
Until = Annotated[str | None, typer.Option("--to", help="结束日期（含）", show_default=False)]
Out = Annotated[
    str | None,
    typer.Option("--out", help="保存到文件（- 表示标准输出）；已有文件需加 --force", show_default=False),
]
Force = Annotated[bool, typer.Option("--force", help="--out 的文件已存在时覆盖它")]
Kind = Annotated[
    str | None, typer.Option("--kind", help="类型：inquiry|unpaid|promise|complaint", show_default=False)
]


def _session(ctx: typer.Context, db: str | None):  # type: ignore[no-untyped-def]
    from .actions import Session

    return Session(get_state(ctx), db)


def _kind(value: str | None) -> str | None:
    from .models import parse_kind

    return parse_kind(value) if value else None


def _record(ctx: typer.Context, db: str | None, kind: str, raw: dict, as_json: bool) -> None:
    from cstool.masking import mask_data
    from cstool.output import info, print_json

    from .actions import record, summary

    with _session(ctx, db) as session:
        entry = record(session, kind, raw)
    info(summary(entry))
    if as_json:
        print_json(mask_data(entry.to_dict()))
    elif kind == "promise":
        info(f"请在订单备注里粘贴下面这行，并插{entry.details['flag']}旗：")
        print(entry.details["remark"])
    else:
        print(entry.id)


def make_group() -> typer.Typer:
    group = make_typer(help=GROUP_HELP)

    @group.callback()
    def log(ctx: typer.Context, db: Db = None) -> None:
        """询盘与催付日志。"""
        if db:
            get_state(ctx).extra["log_db"] = db

    @group.command("inquiry")
    def inquiry(
        ctx: typer.Context,
        buyer: Buyer = None,
        question: Annotated[
            list[str] | None,
            typer.Option("--question", "-q", help="买家咨询的问题（可多次）", show_default=False),
        ] = None,
        outcome: Annotated[
            str | None, typer.Option("--outcome", help="成交|未成交|跟进中", show_default=False)
        ] = None,
        reason: Reason = None,
        sku: Annotated[str | None, typer.Option("--sku", help="商品/SKU", show_default=False)] = None,
        at: At = None,
        followup: Followup = None,
        note: Note = None,
        agent: Agent = None,
        db: Db = None,
        as_json: Json = False,
    ) -> None:
        """记录一次询盘（买家问了什么、是否成交、未成交原因）。"""
        raw = dict(
            buyer=buyer,
            questions=question or [],
            outcome=outcome,
            reason=reason,
            sku=sku,
            at=at,
            followup=followup,
            note=note,
            agent=agent,
        )
        _record(ctx, db, "inquiry", raw, as_json)

    @group.command("unpaid")
    def unpaid(
        ctx: typer.Context,
        order: Order = None,
        buyer: Buyer = None,
        amount: Annotated[
            str | None, typer.Option("--amount", help="订单金额（元），如 199.00", show_default=False)
        ] = None,
        reason: Reason = None,
        outcome: Annotated[
            str | None,
            typer.Option("--outcome", help="已付款|已关闭|跟进中（默认 跟进中）", show_default=False),
        ] = None,
        at: Annotated[
            str | None, typer.Option("--at", help="下单时间（默认：现在）", show_default=False)
        ] = None,
        followup: Followup = None,
        note: Note = None,
        agent: Agent = None,
        db: Db = None,
        as_json: Json = False,
    ) -> None:
        """记录一个拍下未付款的订单（催付用）。"""
        raw = dict(
            order=order,
            buyer=buyer,
            amount=amount,
            reason=reason,
            outcome=outcome,
            at=at,
            followup=followup,
            note=note,
            agent=agent,
        )
        _record(ctx, db, "unpaid", raw, as_json)

    @group.command("promise")
    def promise(
        ctx: typer.Context,
        order: Order = None,
        buyer: Buyer = None,
        text: Annotated[
            str | None,
            typer.Option("--promise", help="答应买家的事，如 送收纳袋一个，发顺丰", show_default=False),
        ] = None,
        flag: Annotated[
            str | None,
            typer.Option("--flag", help="旗帜颜色（默认按 logbook.yaml 的关键词选）", show_default=False),
        ] = None,
        at: At = None,
        note: Note = None,
        agent: Agent = None,
        db: Db = None,
        as_json: Json = False,
    ) -> None:
        """记录给买家的承诺，并打印可直接粘贴的订单备注。"""
        raw = dict(order=order, buyer=buyer, promise=text, flag=flag, at=at, note=note, agent=agent)
        _record(ctx, db, "promise", raw, as_json)

    @group.command("complaint")
    def complaint(
        ctx: typer.Context,
        buyer: Buyer = None,
        order: Order = None,
        what: Annotated[str | None, typer.Option("--what", help="发生了什么", show_default=False)] = None,
        severity: Annotated[
            str | None,
            typer.Option(
                "--severity", help="严重程度：一般|严重|重大（重大会标记给主管）", show_default=False
            ),
        ] = None,
        check: Annotated[
            list[str] | None,
            typer.Option(
                "--check",
                help="已完成的五清楚步骤：听清楚、问清楚、跟清楚、复清楚、记清楚",
                show_default=False,
            ),
        ] = None,
        reply_by: Annotated[
            str | None, typer.Option("--reply-by", help="答应下次回复买家的日期", show_default=False)
        ] = None,
        at: At = None,
        note: Note = None,
        agent: Agent = None,
        db: Db = None,
        as_json: Json = False,
    ) -> None:
        """记录一次投诉，按“五清楚一报告”跟进。"""
        from .actions import parse_checks

        raw = dict(
            buyer=buyer,
            order=order,
            what=what,
            severity=severity,
            checklist=list(parse_checks(check)),
            followup=reply_by,
            at=at,
            note=note,
            agent=agent,
        )
        _record(ctx, db, "complaint", raw, as_json)

    @group.command("list")
    def list_entries(
        ctx: typer.Context,
        kind: Kind = None,
        start: Since = None,
        end: Until = None,
        agent: Annotated[str | None, typer.Option("--agent", help="只看这位客服", show_default=False)] = None,
        outcome: Annotated[
            str | None, typer.Option("--outcome", help="只看这个结果", show_default=False)
        ] = None,
        buyer: Annotated[str | None, typer.Option("--buyer", help="只看这位买家", show_default=False)] = None,
        limit: Annotated[int, typer.Option("--limit", min=0, help="最多显示几条（0：全部）")] = 50,
        as_json: Json = False,
        unmasked: Unmasked = False,
        db: Db = None,
    ) -> None:
        """列出记录（最新在前）。"""
        from cstool.output import info, print_json

        from .actions import shown
        from .render import entries_table

        with _session(ctx, db) as session:
            first, last = session.day_range(start, end)
            entries = session.store.query(
                kind=_kind(kind),
                start=first,
                end=last,
                agent=agent,
                outcome=outcome,
                buyer=buyer,
                limit=limit or None,
            )
        rows = shown([e.to_dict() for e in entries], unmasked)
        if as_json:
            print_json(rows)
        elif not rows:
            info("没有符合条件的记录。")
        else:
            entries_table(rows)
            if limit and len(rows) == limit:
                info(f"只显示最近 {limit} 条；用 --limit 0 显示全部。")

    @group.command("show")
    def show(
        ctx: typer.Context,
        entry_id: Annotated[int, typer.Argument(metavar="ID", help="记录编号")],
        as_json: Json = False,
        unmasked: Unmasked = False,
        db: Db = None,
    ) -> None:
        """显示一条记录及其全部修改历史。"""
        from cstool.errors import BadInput
        from cstool.output import print_json

        from .actions import entry_view, shown
        from .render import entry_detail

        with _session(ctx, db) as session:
            entry = session.store.get(entry_id)
            if entry is None:
                raise BadInput(f"没有编号为 {entry_id} 的记录")
            view = shown(entry_view(session, entry), unmasked)
        print_json(view) if as_json else entry_detail(view)

    @group.command("update")
    def update(
        ctx: typer.Context,
        entry_id: Annotated[int, typer.Argument(metavar="ID", help="记录编号")],
        outcome: Annotated[str | None, typer.Option("--outcome", help="新的结果", show_default=False)] = None,
        reason: Reason = None,
        followup: Followup = None,
        note: Annotated[
            str | None, typer.Option("--note", help="追加一条跟进备注（不覆盖原备注）", show_default=False)
        ] = None,
        remind: Annotated[
            str | None,
            typer.Option("--remind", help="记录一次催付及方式，如 旺旺、短信、电话", show_default=False),
        ] = None,
        check: Annotated[
            list[str] | None, typer.Option("--check", help="完成的五清楚步骤（投诉）", show_default=False)
        ] = None,
        severity: Annotated[
            str | None, typer.Option("--severity", help="新的严重程度（投诉）", show_default=False)
        ] = None,
        at: Annotated[
            str | None, typer.Option("--at", help="这次操作的时间（默认：现在）", show_default=False)
        ] = None,
        agent: Agent = None,
        as_json: Json = False,
        db: Db = None,
    ) -> None:
        """修改结果、记录催付或追加备注；每次修改都留在历史里。"""
        from cstool.masking import mask_data
        from cstool.output import info, print_json

        from .actions import describe_changes, parse_checks
        from .actions import update as do_update
        from .models import Update

        change = Update(
            outcome=outcome,
            reason=reason,
            followup=followup,
            note=note,
            remind=remind,
            check=parse_checks(check),
            severity=severity,
        )
        with _session(ctx, db) as session:
            entry, changes = do_update(session, entry_id, change, at=at, agent=agent)
        if not changes:
            info(f"#{entry_id} 没有变化。")
        for line in describe_changes(changes):
            info(f"#{entry_id} {line}")
        if as_json:
            print_json(mask_data(entry.to_dict()))

    @group.command("buyer")
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
        from cstool.output import info, print_json

        from .actions import buyer_view, shown
        from .actions import tag as do_tag
        from .render import buyer_summary

        with _session(ctx, db) as session:
            if tag or untag:
                do_tag(session, name, tag or [], untag or [], agent)
            view = shown(buyer_view(session, name), unmasked)
        for group_name in tag or []:
            info(f"已把 {view['buyer']} 加入客户组：{group_name}")
        for group_name in untag or []:
            info(f"已把 {view['buyer']} 移出客户组：{group_name}")
        if as_json:
            print_json(view)
        elif not view["entries"] and not view["groups"]:
            info(f"没有关于 {view['buyer']} 的记录。")
        else:
            buyer_summary(view)

    @group.command("due")
    def due(
        ctx: typer.Context,
        agent: Annotated[str | None, typer.Option("--agent", help="只看这位客服", show_default=False)] = None,
        as_json: Json = False,
        unmasked: Unmasked = False,
        db: Db = None,
    ) -> None:
        """现在要处理的事：到点的催付、今天要跟进的询盘、待回复的投诉。"""
        from cstool.output import info, print_json

        from .actions import due as due_now
        from .actions import shown
        from .render import due_table

        with _session(ctx, db) as session:
            items = shown(due_now(session, agent), unmasked)
        if as_json:
            print_json(items)
        elif not items:
            info("现在没有需要处理的事项。")
        else:
            due_table(items)

    @group.command("campaign-list")
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
        from cstool.output import info, print_json

        from .actions import campaign, shown
        from .render import campaign_table

        with _session(ctx, db) as session:
            rows = shown(campaign(session, since, group_name, limit), unmasked)
        if as_json:
            print_json(rows)
        elif not rows:
            info("没有需要联系的买家。")
        else:
            campaign_table(rows)

    @group.command("report")
    def report(
        ctx: typer.Context,
        day: Annotated[bool, typer.Option("--day", help="日报（默认）")] = False,
        week: Annotated[bool, typer.Option("--week", help="周报（周一到周日）")] = False,
        date: Annotated[
            str | None, typer.Option("--date", help="报表包含的日期（默认：今天）", show_default=False)
        ] = None,
        agent: Annotated[
            str | None, typer.Option("--agent", help="只统计这位客服", show_default=False)
        ] = None,
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

        from .actions import report as build
        from .actions import shown
        from .export import write_report
        from .report import kb_used, no_entries_note

        if day and week:
            raise BadInput("--day 和 --week 只能选一个")
        check_output(out, force=force)  # before any work: a refused --out costs nothing
        with _session(ctx, db) as session:
            data = shown(
                build(session, kind="week" if week else "day", day=date, agent=agent, top=top), unmasked
            )
            note = None
            if agent and not any(data["counts"].values()):
                known = bool(session.store.query(agent=agent, limit=1))
                note = no_entries_note(agent, data["period"]["label"], known=known)
            data["kb"] = kb_used(session.state.kb)
        if note:
            from cstool.output import info

            info(note)
        write_report(data, fmt, out, force=force, private=unmasked)

    @group.command("export")
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
        from .export import write_entries

        check_output(out, force=force)  # before any work: a refused --out costs nothing
        with _session(ctx, db) as session:
            rows = shown(
                export_entries(session, kind=_kind(kind), start=start, end=end, agent=agent), unmasked
            )
        write_entries(rows, fmt, out, force=force, private=unmasked)

    @group.command("import")
    def import_(
        ctx: typer.Context,
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help="CSV 文件（中文表头，如 旺旺名、询盘时间、咨询问题）")
        ],
        kind: Kind = None,
        db: Db = None,
    ) -> None:
        """从表格导入记录（《询盘明细表》《未付款明细表》的 CSV）；有一行不对就一条也不写。"""
        from cstool.output import info

        from .actions import import_csv

        with _session(ctx, db) as session:
            saved, skipped = import_csv(session, file, _kind(kind))
        info(f"已导入 {len(saved)} 条记录。")
        if skipped:
            info(f"跳过 {skipped} 条已导入过的记录（类型、时间、买家、订单号和内容都相同）。")

    return group
