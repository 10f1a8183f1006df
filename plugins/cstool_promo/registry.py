"""Collecting rule types from every plugin (the built-in ones come through the same hook)."""

from __future__ import annotations

from typing import Any

from .rules import LEVELS


def validate_rule_type(name: Any, cls: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"rule type name must be a non-empty string, got {name!r}")
    if not isinstance(cls, type):
        raise ValueError(f"rule type {name!r} must be a class, got {cls!r}")
    if getattr(cls, "level", None) not in LEVELS:
        raise ValueError(
            f"rule type {name!r}: level must be one of {LEVELS}, got {getattr(cls, 'level', None)!r}"
        )


def collect_rule_types(pm: Any) -> dict[str, type]:
    """``{type name: class}`` from ``cstool_promo_rule_types``; a broken plugin is reported and skipped."""
    from cstool.plugins import call_each

    types: dict[str, type] = {}

    def register(name: str, cls: type) -> None:
        validate_rule_type(name, cls)
        types[name] = cls

    call_each(pm, "cstool_promo_rule_types", register=register)
    return types
