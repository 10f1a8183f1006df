"""A cheap, safe lower bound on what one unit of a SKU pays in a cart, to skip carts in the below-cost search.

The large-catalog search prices carts ``(P:1, T:q)`` (and ``(T:q)``). Before
pricing one, :meth:`PriceFloor.bound` computes, in a few arithmetic steps, a
price no unit of ``T`` in that cart can go below; a cart whose bound is not
under the best price found so far (or the SKU's cost) cannot change the
result, so it is not priced. The bound follows the engine's steps with every
uncertain quantity taken at its most generous:

- L1 amounts are exact (the engine's own per-unit pricing; carts where a bundle
  applies are never skipped);
- each order-level rule and the best coupon reward at most what their reached
  tier (on the exact in-scope L1 amount) gives, and ``T``'s part of it is at most
  ``reward × owed(T) / (owed(T) + owed(P))`` plus one cent of rounding, with
  ``owed(T)`` at most its L1 amount and ``owed(P)`` at least its L1 amount less
  everything earlier rules could have taken from it;
- a 折 reward is at most the scope's L1 amount × (1 − 折/10) plus a cent.

Only the built-in order-level and coupon types are understood; a campaign with
a plugin's order-level or coupon rule gets no bound (every cart is priced).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from .engine import _best_unit_prices, active_rules
from .model import Campaign, CartLine, Product
from .rules import Coupon, Tiered


def _cents(amount: Decimal | int) -> int:
    return int(Decimal(amount) * 100)


class PriceFloor:
    """Lower bounds on the cheapest unit of a target SKU in small carts at one instant."""

    def __init__(self, campaign: Campaign, at: datetime):
        active = active_rules(campaign, at)
        self.order = [r for r in active if r.level == "order"]
        self.coupons = [r for r in active if r.level == "coupon"]
        self.bundles = [r for r in active if r.level == "bundle"]
        self.items = [r for r in active if r.level == "item"]
        self.usable = all(type(r) is Tiered for r in self.order) and all(
            type(r) is Coupon for r in self.coupons
        )
        self._tiers = {
            r.id: [
                (
                    _cents(t.at) if r.basis == "amount" else int(t.at),
                    _cents(t.off) if t.off is not None else None,
                    float(1 - t.discount / 10) if t.discount is not None else None,
                )
                for t in r.tiers
            ]
            for r in self.order
        }
        self._members: dict[str, tuple[tuple[bool, ...], tuple[bool, ...]]] = {}
        self._l1: dict[tuple[str, int], int] = {}

    def members(self, product: Product) -> tuple[tuple[bool, ...], tuple[bool, ...]]:
        found = self._members.get(product.sku)
        if found is None:
            probe = CartLine(product.sku, 1, product.price, product.category, product.title)
            found = (
                tuple(bool(r.in_scope(probe)) for r in self.order),  # type: ignore[attr-defined]
                tuple(bool(r.in_scope(probe)) for r in self.coupons),  # type: ignore[attr-defined]
            )
            self._members[product.sku] = found
        return found

    def l1(self, product: Product, qty: int) -> int:
        """The exact L1 amount in cents of ``qty`` units of ``product`` with no bundle."""
        key = (product.sku, qty)
        found = self._l1.get(key)
        if found is None:
            prices = _best_unit_prices(self.items, product.sku, [product.price] * qty)
            found = self._l1[key] = sum(_cents(p) for _, p in prices)
        return found

    def bundle_applies(self, units: dict[str, int]) -> bool:
        return any(all(units.get(s, 0) >= q for s, q in b.items.items()) for b in self.bundles)  # type: ignore[attr-defined]

    def _reward(self, rule: Tiered, amount: int, qty: int) -> float:
        measure = amount if rule.basis == "amount" else qty
        best = None
        for tier in self._tiers[rule.id]:
            if tier[0] <= measure and (best is None or tier[0] >= best[0]):
                best = tier
        if best is None:
            return 0.0
        at, off, rate = best
        if rule.repeat:
            total = float(off * (measure // at))  # type: ignore[operator]
            return min(total, float(_cents(rule.cap))) if rule.cap is not None else total
        if off is not None:
            return float(off)
        if rate is not None:
            return amount * rate + 1
        return 0.0

    def bound(self, target: Product, qty: int, other: Product | None, held: frozenset[str]) -> Decimal:
        """No unit of ``target`` in the cart ``(other:1, target:qty)`` holding ``held`` pays less than this."""
        a_t = self.l1(target, qty)
        x = self.l1(other, 1) if other is not None else 0
        in_t, coupons_t = self.members(target)
        in_p, coupons_p = self.members(other) if other is not None else ((), ())
        owed_p = float(x)
        taken = 0.0
        for i, rule in enumerate(self.order):
            has_t, has_p = in_t[i], bool(in_p) and in_p[i]
            if not (has_t or has_p):
                continue
            amount = (a_t if has_t else 0) + (x if has_p else 0)
            reward = self._reward(rule, amount, (qty if has_t else 0) + (1 if has_p else 0))  # type: ignore[arg-type]
            if reward <= 0:
                continue
            if has_t:
                share = reward * a_t / (a_t + owed_p) + 1 if has_p and a_t + owed_p > 0 else reward
                taken += min(share, a_t)
            if has_p:
                owed_p = max(0.0, owed_p - reward)
        best_coupon = 0.0
        for i, rule in enumerate(self.coupons):
            if rule.id not in held or not coupons_t[i]:
                continue
            has_p = bool(coupons_p) and coupons_p[i]
            amount = a_t + (x if has_p else 0)
            if amount < _cents(rule.at):  # type: ignore[attr-defined]
                continue
            off = float(_cents(rule.off))  # type: ignore[attr-defined]
            share = off * a_t / (a_t + owed_p) + 1 if has_p and a_t + owed_p > 0 else off
            best_coupon = max(best_coupon, min(share, a_t))
        paid = a_t - taken - best_coupon - 1  # one more cent for float rounding
        if paid <= 0:
            return Decimal(0)
        return Decimal(int(paid // qty)) / 100
