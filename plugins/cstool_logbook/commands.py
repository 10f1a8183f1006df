"""The ``cstool log`` command group: ``register(app)`` puts the commands together.

The commands are plain module-level functions, one module per job:
:mod:`.entry_commands` writes entries, :mod:`.query_commands` looks them up,
:mod:`.report_commands` writes reports and exports; :mod:`.options` holds what
they share. All of them are imported at every start of cstool, so only Typer
and the core at module level.
"""

import typer

from cstool.cli import make_typer
from cstool.context import get_state

from . import entry_commands, query_commands, report_commands
from .options import Db

GROUP_HELP = "询盘与催付日志：记录未成交询盘、未付款订单、承诺备注和投诉，生成主管报表。"


def register(app: typer.Typer) -> None:
    """Add ``cstool log`` and its commands (in the order ``cstool log --help`` lists them)."""
    group = make_typer(help=GROUP_HELP)
    group.callback()(log)
    group.command("inquiry")(entry_commands.inquiry)
    group.command("unpaid")(entry_commands.unpaid)
    group.command("promise")(entry_commands.promise)
    group.command("complaint")(entry_commands.complaint)
    group.command("list")(query_commands.list_entries)
    group.command("show")(query_commands.show)
    group.command("update")(entry_commands.update)
    group.command("buyer")(query_commands.buyer)
    group.command("due")(query_commands.due)
    group.command("campaign-list")(query_commands.campaign_list)
    group.command("report")(report_commands.report)
    group.command("export")(report_commands.export)
    group.command("import")(entry_commands.import_)
    app.add_typer(group, name="log", help=GROUP_HELP)


def log(ctx: typer.Context, db: Db = None) -> None:
    """询盘与催付日志。"""
    if db:
        get_state(ctx).extra["log_db"] = db
