"""``cstool log inquiry|unpaid|promise|complaint|update|import``: the commands that write entries.

Option parsing only; the work is in :mod:`.actions`. Imported at every start of
cstool, so only Typer and the core at module level.
"""

from pathlib import Path
from typing import Annotated, Any

import typer

from .options import (
    Agent,
    At,
    Buyer,
    Db,
    EntryId,
    Followup,
    Json,
    Kind,
    Note,
    Order,
    Reason,
    kind_or_none,
    open_session,
)


def record_and_print(
    ctx: typer.Context, db: str | None, kind: str, raw: dict[str, Any], as_json: bool
) -> None:
    """Save one entry (asking for what is missing at a terminal) and print what the agent needs next."""
    from cstool.masking import mask_data
    from cstool.output import info, print_json

    from .actions import record, summary

    with open_session(ctx, db) as session:
        entry = record(session, kind, raw)
    info(summary(entry))
    if as_json:
        print_json(mask_data(entry.to_dict()))
    elif kind == "promise":
        info(f"请在订单备注里粘贴下面这行，并插{entry.details['flag']}旗：")
        print(entry.details["remark"])
    else:
        print(entry.id)


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
    record_and_print(ctx, db, "inquiry", raw, as_json)


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
    at: Annotated[str | None, typer.Option("--at", help="下单时间（默认：现在）", show_default=False)] = None,
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
    record_and_print(ctx, db, "unpaid", raw, as_json)


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
    record_and_print(ctx, db, "promise", raw, as_json)


def complaint(
    ctx: typer.Context,
    buyer: Buyer = None,
    order: Order = None,
    what: Annotated[str | None, typer.Option("--what", help="发生了什么", show_default=False)] = None,
    severity: Annotated[
        str | None,
        typer.Option("--severity", help="严重程度：一般|严重|重大（重大会标记给主管）", show_default=False),
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
    record_and_print(ctx, db, "complaint", raw, as_json)


def update(
    ctx: typer.Context,
    entry_id: EntryId,
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
    from .actions import update as apply
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
    with open_session(ctx, db) as session:
        entry, changes = apply(session, entry_id, change, at=at, agent=agent)
    if not changes:
        info(f"#{entry_id} 没有变化。")
    for line in describe_changes(changes):
        info(f"#{entry_id} {line}")
    if as_json:
        print_json(mask_data(entry.to_dict()))


def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(metavar="FILE", help="CSV 文件（中文表头，如 旺旺名、询盘时间、咨询问题）")
    ],
    kind: Kind = None,
    db: Db = None,
) -> None:
    """从表格导入记录（《询盘明细表》《未付款明细表》的 CSV）；有一行不对就一条也不写。"""
    from cstool.files import check_input
    from cstool.output import info

    from .actions import import_csv

    check_input(file)  # a FIFO or a device would block or never end: refused before opening anything
    kind = kind_or_none(kind)
    with open_session(ctx, db) as session:
        saved, skipped = import_csv(session, file, kind)
    info(f"已导入 {len(saved)} 条记录。")
    if skipped:
        info(f"跳过 {skipped} 条已导入过的记录（类型、时间、买家、订单号和内容都相同）。")
