"""The hooks the promo plugin owns (added to the plugin manager through ``cstool_add_hookspecs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cstool.hookspecs import hookspec


@hookspec
def cstool_promo_rule_types(register: Callable[[str, Any], None]) -> None:
    """Add promotion rule types (e.g. 第二件半价) to ``cstool promo``.

    Call ``register(type_name, rule_class)``; the interface a rule class
    implements is documented in docs/promo.md (and :mod:`cstool_promo.levels`).
    """
