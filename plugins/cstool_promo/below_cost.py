"""Below-cost search: the lowest price per unit any cart can pay for a SKU once everything stacks.

A unit's price is its share of its line's ``paid`` (the same split a refund
uses), so the cheapest unit of a line costs ``floor(paid / qty)`` cents.

The search is bounded and stated as such (docs/promo.md): carts of at most
``max_units`` units, tried at every point where the set of active rules
changes, holding no coupon or exactly one (the engine always uses the best
coupon held, so this covers every coupon outcome). With a small catalog every
such cart is tried; with a large one the other items come from a few
representatives per kind of item (same rules, same category), chosen to land
just above each threshold. A SKU whose lowest possible price cannot fall below
its cost (checked with a safe bound first) is not searched at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .allocate import from_cents, to_cents
from .engine import quote
from .model import Campaign, Cart, CartLine, Product
from .rules import describe, is_active

EXHAUSTIVE_SKUS = 8  # catalogs up to this size: every cart within max_units is tried


@dataclass(frozen=True)
class Witness:
    sku: str
    unit_price: Decimal
    cart: Cart
    line_paid: Decimal
    line_qty: int

    def to_dict(self) -> dict:
        return {
            "at": self.cart.at,
            "coupons": sorted(self.cart.coupons) if self.cart.coupons is not None else None,
            "items": [{"sku": ln.sku, "qty": ln.qty, "price": ln.price} for ln in self.cart.items],
        }


def time_points(campaign: Campaign) -> list[datetime]:
    """One instant inside each stretch of time where the set of active rules is constant."""
    points = {campaign.start}
    for rule in campaign.rules:
        points.update((rule.start, rule.end))
    return sorted(t for t in points if any(is_active(r, t) for r in campaign.rules))


def coupon_options(campaign: Campaign) -> list[frozenset[str]]:
    return [frozenset()] + [frozenset([r.id]) for r in campaign.rules if r.level == "coupon"]


def unit_price_of(campaign: Campaign, cart: Cart, sku: str) -> tuple[Decimal, int] | None:
    """The cheapest unit of ``sku`` in this cart and the index of its line."""
    q = quote(campaign, cart)
    best = None
    for line in q.lines:
        if line.sku == sku:
            cheapest = from_cents(to_cents(line.paid) // line.qty)
            if best is None or cheapest < best[0]:
                best = (cheapest, line.index)
    return best


def _line(product: Product, qty: int) -> CartLine:
    return CartLine(product.sku, qty, product.price, product.category, product.title)


def _signature(campaign: Campaign, product: Product, at: datetime) -> tuple:
    """What the engine can tell apart about an item, besides its price."""
    probe = CartLine(product.sku, 1, product.price, product.category, product.title)
    marks = []
    for rule in campaign.rules:
        if not is_active(rule, at):
            continue
        if rule.level in ("order", "coupon"):
            marks.append(rule.in_scope(probe))  # type: ignore[attr-defined]
        elif rule.level == "item":
            marks.append(rule.unit_prices(product.sku, [product.price])[0] is not None)  # type: ignore[attr-defined]
        elif rule.level == "bundle":
            marks.append(product.sku in rule.items)  # type: ignore[attr-defined]
    return (product.category, tuple(marks))


def _thresholds(campaign: Campaign, at: datetime) -> list[Decimal]:
    found = []
    for rule in campaign.rules:
        if not is_active(rule, at):
            continue
        for tier in getattr(rule, "tiers", ()):
            if getattr(rule, "basis", "amount") == "amount":
                found.append(Decimal(tier.at))
        if rule.level in ("coupon", "shipping"):
            found.append(rule.at)  # type: ignore[attr-defined]
    return found


def _pool(campaign: Campaign, target: Product, at: datetime, qty: int) -> list[Product]:
    """Other items worth adding next to ``target``: all of a small catalog, else representatives."""
    others = [p for p in campaign.catalog.values() if p.sku != target.sku]
    if len(campaign.catalog) <= EXHAUSTIVE_SKUS:
        return others
    partners = {
        s
        for r in campaign.rules
        if r.level == "bundle" and is_active(r, at) and target.sku in r.items  # type: ignore[attr-defined]
        for s in r.items
    }  # type: ignore[attr-defined]
    groups: dict[tuple, list[Product]] = {}
    for product in others:
        groups.setdefault(_signature(campaign, product, at), []).append(product)
    deficits = [t - target.price * k for t in _thresholds(campaign, at) for k in range(1, qty + 1)]
    chosen = {p.sku: p for p in others if p.sku in partners}
    for members in groups.values():
        members.sort(key=lambda p: (p.price, p.sku))
        chosen.setdefault(members[0].sku, members[0])
        for deficit in deficits:
            above = next((p for p in members if p.price >= deficit), None)
            if above is not None:
                chosen.setdefault(above.sku, above)
    return list(chosen.values())


def _carts(
    campaign: Campaign, target: Product, at: datetime, max_units: int, max_fill: int
) -> Iterator[tuple[CartLine, ...]]:
    for qty in range(1, max_units + 1):
        pool = _pool(campaign, target, at, qty)
        room = min(max_units - qty, max_fill)
        for n in range(room + 1):
            for combo in itertools.combinations_with_replacement(pool, n):
                counts: dict[str, int] = {}
                for product in combo:
                    counts[product.sku] = counts.get(product.sku, 0) + 1
                lines = [_line(target, qty)] + [_line(campaign.catalog[s], c) for s, c in counts.items()]
                yield tuple(lines)


def floor_price(campaign: Campaign, product: Product, at: datetime) -> Decimal:
    """A safe lower bound on what one unit of ``product`` can pay at ``at``.

    Its lowest item-level price (a limited-time price or its share of a
    bundle) less everything an order-level rule or coupon could take from
    one unit; no cart can go below it.
    """
    active = [r for r in campaign.rules if is_active(r, at)]
    low = product.price
    for rule in active:
        if rule.level == "item":
            price = rule.unit_prices(product.sku, [product.price])[0]  # type: ignore[attr-defined]
            if price is not None:
                low = min(low, max(price, Decimal(0)))
        elif rule.level == "bundle" and product.sku in rule.items:  # type: ignore[attr-defined]
            low = min(low, _bundle_share(campaign, rule, product))
    take = Decimal(0)
    probe = _line(product, 1)
    for rule in active:
        if rule.level not in ("order", "coupon") or not rule.in_scope(probe):  # type: ignore[attr-defined]
            continue
        most = _most_taken(rule, low)
        take += low if most is None else min(low, most + Decimal("0.01"))
    return low - take - Decimal("0.01")


def _bundle_share(campaign: Campaign, rule: object, product: Product) -> Decimal:
    """The most a unit of ``product`` can get off inside one bundle instance: its pro-rata share."""
    items = rule.items  # type: ignore[attr-defined]
    if any(s not in campaign.catalog for s in items):
        return Decimal(0)
    total = sum(campaign.catalog[s].price * q for s, q in items.items())
    if total <= 0:
        return Decimal(0)
    return max(Decimal(0), rule.price * product.price / total - Decimal("0.01"))  # type: ignore[attr-defined]


def _most_taken(rule: object, unit: Decimal) -> Decimal | None:
    """The most a rule can take from one unit worth ``unit`` (None: no bound but the unit itself)."""
    tiers = getattr(rule, "tiers", None)
    if tiers is not None:
        if getattr(rule, "repeat", False):
            return getattr(rule, "cap", None)
        most = Decimal(0)
        for tier in tiers:
            if tier.discount is not None:
                most = max(most, unit * (10 - tier.discount) / 10)
            if tier.off is not None:
                most = max(most, tier.off)
        return most
    off = getattr(rule, "off", None)
    return off if isinstance(off, Decimal) else None


def default_max_units(campaign: Campaign) -> int:
    """Enough units to fill any bundle or quantity tier once, at least 3, at most 6."""
    need = 3
    for rule in campaign.rules:
        if rule.level == "bundle":
            need = max(need, sum(rule.items.values()) + 1)  # type: ignore[attr-defined]
        if getattr(rule, "basis", None) == "quantity":
            need = max(need, max(int(t.at) for t in rule.tiers))  # type: ignore[attr-defined]
        limit = getattr(rule, "limit_per_order", None)
        if limit:
            need = max(need, limit + 1)
    return min(need, 6)


def lowest_prices(
    campaign: Campaign, *, max_units: int | None = None, max_fill: int = 2, only_below_cost: bool = True
) -> dict[str, Witness]:
    """For each SKU with a cost: the lowest unit price found, with the cart that pays it.

    With ``only_below_cost`` (what ``promo check`` uses), SKUs that provably
    cannot go below cost are skipped and only those below cost are returned.
    """
    if max_units is None:
        max_units = default_max_units(campaign)
    if len(campaign.catalog) <= EXHAUSTIVE_SKUS:
        max_fill = max_units
    found: dict[str, Witness] = {}
    options = coupon_options(campaign)
    for at in time_points(campaign):
        for product in campaign.catalog.values():
            if product.cost is None:
                continue
            if only_below_cost and floor_price(campaign, product, at) >= product.cost:
                continue
            for lines in _carts(campaign, product, at, max_units, max_fill):
                for coupons in options:
                    cart = Cart(items=lines, at=at, coupons=coupons)
                    priced = unit_price_of(campaign, cart, product.sku)
                    if priced is None:
                        continue
                    best = found.get(product.sku)
                    if best is None or priced[0] < best.unit_price:
                        line = quote(campaign, cart).lines[priced[1]]
                        found[product.sku] = Witness(product.sku, priced[0], cart, line.paid, line.qty)
    if only_below_cost:
        return {s: w for s, w in found.items() if w.unit_price < campaign.catalog[s].cost}  # type: ignore[operator]
    return found


def rule_text(campaign: Campaign, witness: Witness) -> str:
    q = quote(campaign, witness.cart)
    return "、".join(describe(campaign.rule(a.rule), campaign.title) for a in q.applied if a.amount)  # type: ignore[arg-type]
