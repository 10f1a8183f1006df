"""What the ``cstool log`` commands share: option aliases, opening the logbook, reading ``--kind``.

Imported at every start of cstool (through :mod:`.commands`), so only Typer and
the core at module level; the logbook itself is imported when a command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cstool.context import get_state

if TYPE_CHECKING:
    from .actions import Session

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
EntryId = Annotated[int, typer.Argument(metavar="ID", help="记录编号")]
OnlyAgent = Annotated[str | None, typer.Option("--agent", help="只看这位客服", show_default=False)]


def open_session(ctx: typer.Context, db: str | None) -> Session:
    """The logbook this command works on: ``--db`` here, else ``cstool log --db``, else the defaults."""
    from .actions import Session

    return Session(get_state(ctx), db)


def kind_or_none(value: str | None) -> str | None:
    """``--kind`` as a kind code (Chinese names accepted); ``None`` when not given."""
    from .models import parse_kind

    return parse_kind(value) if value else None
