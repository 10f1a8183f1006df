"""cstool built-in plugin: promotion calculators (``cstool promo``).

Only hook functions live here; they import the rest lazily so that ``cstool
--help`` stays fast.
"""

from cstool import hookimpl

__version__ = "0.1.0"


@hookimpl
def cstool_add_hookspecs(pm):
    from . import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def cstool_register_commands(app, invoked):
    if invoked not in (None, "promo"):
        return  # another command: the promo commands' module is not imported
    from .commands import register

    register(app)


@hookimpl
def cstool_promo_rule_types(register):
    from .rules import BUILTIN_TYPES

    for name, cls in BUILTIN_TYPES.items():
        register(name, cls)


@hookimpl
def cstool_placeholders(kb, register):
    """``{promo}``: the campaign running now, with only the deals still open now.

    Nothing running at ``now`` (``CSTOOL_NOW`` fixes it): the producer returns
    ``None`` (nothing true to say), so the reply takes another variant or the
    team's ``placeholder_fallbacks`` text. A deal whose window has ended (双11
    at 10:00: the 00:00–02:00 price) is left out; one that starts later today
    is kept with its window.
    """

    def promo() -> str | None:
        import dataclasses

        from cstool.timeutil import now as clock

        from .summary import summary_line

        at = clock()
        running = [c for c in _campaigns(kb.promos_dir) if c.start <= at < c.end]
        if not running:
            return None
        campaign = min(running, key=lambda c: c.end)
        open_rules = [rule for rule in campaign.rules if rule.end > at]
        if not open_rules:
            return None
        return summary_line(dataclasses.replace(campaign, rules=open_rules))

    register("promo", promo)


# A long-lived search (``search -i``, ``cstool serve``) renders {promo} on every query:
# campaigns are parsed again only when a campaign file changes (~15 ms a query before).
_LOADED: dict[str, tuple[object, list]] = {}


def _campaigns(promos_dir):
    from .model import campaign_files

    files = campaign_files(promos_dir)
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    key = str(promos_dir)
    cached = _LOADED.get(key)
    if cached is not None and cached[0] == signature:
        return cached[1]
    from cstool.plugins import make_plugin_manager

    from .registry import collect_rule_types
    from .summary import load_all

    campaigns = load_all(promos_dir, collect_rule_types(make_plugin_manager()))
    _LOADED[key] = (signature, campaigns)
    return campaigns


@hookimpl
def cstool_web_routes(register):
    from .web import contribute

    contribute(register)
