"""The interface of each rule level, as typing Protocols, and guards that narrow a rule by its ``level``.

A rule class need not subclass :class:`.rules.Rule` (a plugin's does not import
this one); its ``level`` says which of these interfaces it implements
(docs/promo.md states them in words). The engine narrows with the guards below,
so the type checker knows which methods a rule of that level has.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol, TypeGuard

from .rules import Measure, NextStep, Reward


class AnyRule(Protocol):
    """What every rule has (the loader sets these)."""

    id: str
    type: str
    start: datetime
    end: datetime

    @property
    def level(self) -> str:
        """``item``, ``bundle``, ``order``, ``coupon`` or ``shipping`` (a class attribute)."""
        ...


class ItemRule(AnyRule, Protocol):
    """``item`` (L1): a price for some units of a SKU."""

    def unit_prices(self, sku: str, list_prices: list[Decimal]) -> list[Decimal | None]:
        """A price or ``None`` (this rule does not price it) per unit, in the order given."""
        ...


class BundleRule(AnyRule, Protocol):
    """``bundle`` (L1): these units together for one price; the engine picks how many instances."""

    items: dict[str, int]
    price: Decimal


class ScopedRule(AnyRule, Protocol):
    """``order`` (L2) and ``coupon`` (L3): a reward over the lines in scope."""

    def in_scope(self, line: Any) -> bool: ...

    def reward(self, m: Measure) -> Reward | None: ...

    def next_step(self, m: Measure) -> NextStep | None: ...


class ShippingRule(AnyRule, Protocol):
    """``shipping``: whether the order ships free, and how far it is from it."""

    def frees(self, m: Measure, region: str | None) -> bool: ...

    def next_step(self, m: Measure, region: str | None) -> NextStep | None: ...


def is_item(rule: AnyRule) -> TypeGuard[ItemRule]:
    return rule.level == "item"


def is_bundle(rule: AnyRule) -> TypeGuard[BundleRule]:
    return rule.level == "bundle"


def is_order(rule: AnyRule) -> TypeGuard[ScopedRule]:
    return rule.level == "order"


def is_coupon(rule: AnyRule) -> TypeGuard[ScopedRule]:
    return rule.level == "coupon"


def is_scoped(rule: AnyRule) -> TypeGuard[ScopedRule]:
    """An order-level rule or a coupon."""
    return rule.level in ("order", "coupon")


def is_shipping(rule: AnyRule) -> TypeGuard[ShippingRule]:
    return rule.level == "shipping"
