"""cstool built-in plugin: the inquiry and unpaid-order logbook (``cstool log``)."""

import typer

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_register_commands(app: typer.Typer, invoked: str | None) -> None:
    if invoked not in (None, "log"):
        return  # another command: the logbook commands' modules are not imported
    from .commands import register

    register(app)


@hookimpl
def cstool_web_routes(register):
    from .web import contribute

    contribute(register)


@hookimpl
def cstool_learning_examples(kb, register):
    from .learning import hook

    hook(kb, register)


@hookimpl
def cstool_describe_setup(state, register):
    from .store import _redact, is_postgres_url, resolve_target

    target = resolve_target(None)
    if is_postgres_url(target):
        try:
            target = _redact(target)
        except ValueError:  # a malformed URL (e.g. port 99999): never show its password
            target = target.split("://", 1)[0] + "://…"
    register("logbook_db", "日志库", target)
