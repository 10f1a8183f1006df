"""cstool built-in plugin: promotion calculators (``cstool promo``).

Only hook functions live here; they import the rest lazily so that ``cstool
--help`` stays fast.
"""

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_register_commands(app):
    from .commands import GROUP_HELP, make_group

    app.add_typer(make_group(), name="promo", help=GROUP_HELP)


@hookimpl
def cstool_promo_rule_types(register):
    from .rules import BUILTIN_TYPES

    for name, cls in BUILTIN_TYPES.items():
        register(name, cls)


@hookimpl
def cstool_placeholders(kb, register):
    def promo() -> str:
        from .summary import current_summary

        return current_summary(kb)

    register("promo", promo)
