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
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .allocate import from_cents, to_cents
from .engine import quote
from .levels import BundleRule, is_bundle, is_item, is_scoped
from .model import Campaign, Cart, CartLine, Product
from .prune import PriceFloor
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
    priced = _priced(campaign, cart, sku)
    return None if priced is None else (priced[0], priced[1])


def _priced(campaign: Campaign, cart: Cart, sku: str) -> tuple[Decimal, int, Decimal, int] | None:
    """:func:`unit_price_of` with that line's ``paid`` and ``qty`` (what a witness keeps)."""
    q = quote(campaign, cart, lean=True)
    best = None
    for line in q.lines:
        if line.sku == sku:
            cheapest = from_cents(to_cents(line.paid) // line.qty)
            if best is None or cheapest < best[0]:
                best = (cheapest, line.index, line.paid, line.qty)
    return best


def _line(product: Product, qty: int) -> CartLine:
    return CartLine(product.sku, qty, product.price, product.category, product.title)


def _scopes(campaign: Campaign, product: Product, at: datetime) -> frozenset[str]:
    """The order-level rules and coupons active at ``at`` whose scope holds ``product``."""
    probe = _line(product, 1)
    return frozenset(r.id for r in campaign.rules if is_scoped(r) and is_active(r, at) and r.in_scope(probe))


def _groups(campaign: Campaign, at: datetime) -> list[tuple[frozenset[str], list[Product], list[Decimal]]]:
    """Catalog items by what the engine can tell apart besides price: scopes, item rules, bundles."""
    groups: dict[tuple, list[Product]] = {}
    for product in campaign.catalog.values():
        marks = []
        for rule in campaign.rules:
            if not is_active(rule, at):
                continue
            if is_item(rule):
                marks.append(rule.unit_prices(product.sku, [product.price])[0] is not None)
            elif is_bundle(rule):
                marks.append(product.sku in rule.items)
        key = (_scopes(campaign, product, at), product.category, tuple(marks))
        groups.setdefault(key, []).append(product)
    found = []
    for key, members in groups.items():
        members.sort(key=lambda p: (p.price, p.sku))
        found.append((key[0], members, [p.price for p in members]))
    return found


def _thresholds(campaign: Campaign, at: datetime, mine: frozenset[str]) -> list[Decimal]:
    """Amount thresholds that can change what the target pays: its rules' tiers and coupons, shipping."""
    found = []
    for rule in campaign.rules:
        if not is_active(rule, at) or (rule.level in ("order", "coupon") and rule.id not in mine):
            continue
        for tier in getattr(rule, "tiers", ()):
            if getattr(rule, "basis", "amount") == "amount":
                found.append(Decimal(tier.at))
        if rule.level in ("coupon", "shipping"):
            threshold = getattr(rule, "at", None)  # (a plugin's coupon may have none)
            if threshold is not None:
                found.append(threshold)
    return found


def _pool(campaign: Campaign, target: Product, at: datetime, qty: int, groups: list) -> list[Product]:
    """Other items worth adding next to ``target``: all of a small catalog, else representatives.

    In a large catalog only items sharing an order-level scope with ``target``
    (or a bundle) can change what it pays; of each group of look-alikes we take
    the cheapest and the first that lands on or above each threshold.
    """
    if len(campaign.catalog) <= EXHAUSTIVE_SKUS:
        return [p for p in campaign.catalog.values() if p.sku != target.sku]
    return list(_pool_large(campaign, target, at, qty, groups, {}))


def _pool_large(
    campaign: Campaign, target: Product, at: datetime, qty: int, groups: list, shared: dict
) -> Iterator[Product]:
    """:func:`_pool` of a large catalog, one item at a time in the same order (the search often stops early).

    ``shared`` (one per target and instant) keeps what does not depend on ``qty``.
    """
    if "mine" not in shared:
        mine = shared["mine"] = _scopes(campaign, target, at)
        shared["thresholds"] = _thresholds(campaign, at, mine)
    mine = shared["mine"]
    if "groups" in shared:
        relevant = shared["groups"]
    else:  # the groups sharing a scope with the target, found as they are needed (kept once all are known)
        relevant = _sharing(groups, mine, shared)
    partners = {
        s
        for r in campaign.rules
        if is_bundle(r) and is_active(r, at) and target.sku in r.items
        for s in r.items
    }
    deficits = sorted({t - target.price * qty for t in shared["thresholds"]})
    chosen: set[str] = set()
    if partners:
        for p in campaign.catalog.values():
            if p.sku in partners and p.sku != target.sku:
                chosen.add(p.sku)
                yield p
    for _, members, prices in relevant:  # members sorted by price: the first at or above, by bisection
        first = 1 if members[0].sku == target.sku else 0
        if first >= len(members):
            continue
        if members[first].sku not in chosen:
            chosen.add(members[first].sku)
            yield members[first]
        # a deficit at or below the cheapest member picks the cheapest (just taken); above the dearest, none
        for deficit in deficits[bisect_right(deficits, prices[0]) : bisect_right(deficits, prices[-1])]:
            i = bisect_left(prices, deficit)
            if i < len(members) and members[i].sku == target.sku:
                i += 1
            if i < len(members) and members[i].sku not in chosen:
                chosen.add(members[i].sku)
                yield members[i]


def _sharing(groups: list, mine: frozenset[str], shared: dict) -> Iterator[tuple]:
    """The groups with a scope in ``mine``, in order; the whole list is kept in ``shared`` once walked through."""
    found = []
    for group in groups:
        if group[0] & mine:
            found.append(group)
            yield group
    shared["groups"] = found


def _carts(
    campaign: Campaign, target: Product, at: datetime, max_units: int, max_fill: int, groups: list
) -> Iterator[tuple[CartLine, ...]]:
    for qty in range(1, max_units + 1):
        pool = _pool(campaign, target, at, qty, groups)
        room = min(max_units - qty, max_fill)
        for n in range(room + 1):
            for combo in itertools.combinations_with_replacement(pool, n):
                counts: dict[str, int] = {}
                for product in combo:
                    counts[product.sku] = counts.get(product.sku, 0) + 1
                others = [_line(campaign.catalog[s], c) for s, c in counts.items()]
                yield from _orders(
                    _line(target, qty), others, exhaustive=len(campaign.catalog) <= EXHAUSTIVE_SKUS
                )


def rule_scopes(campaign: Campaign, at: datetime) -> dict[str, frozenset[str]]:
    """For each order-level rule and coupon active at ``at``: the catalog SKUs in its scope."""
    return {
        r.id: frozenset(p.sku for p in campaign.catalog.values() if r.in_scope(_line(p, 1)))
        for r in campaign.rules
        if is_scoped(r) and is_active(r, at)
    }


def _orders(target: CartLine, others: list[CartLine], exhaustive: bool) -> Iterator[tuple[CartLine, ...]]:
    """Line orders worth trying: cents left over by a split go to earlier lines, so order matters."""
    if exhaustive:
        yield from itertools.permutations([target, *others])
        return
    yield (*others, target)  # last: the target takes no left-over cent on an exact tie


def floor_price(
    campaign: Campaign, product: Product, at: datetime, scopes: dict[str, frozenset[str]] | None = None
) -> Decimal:
    """A safe lower bound on what one unit of ``product`` can pay at ``at`` in a cart of catalog items.

    Its lowest item-level price (a limited-time price or its share of a
    bundle) less the most each order-level rule, and the best single coupon,
    could take from one unit; no such cart can go below it.
    """
    if scopes is None:
        scopes = rule_scopes(campaign, at)
    active = [r for r in campaign.rules if is_active(r, at)]
    low = product.price
    for rule in active:
        if is_item(rule):
            price = rule.unit_prices(product.sku, [product.price])[0]
            if price is not None:
                low = min(low, max(price, Decimal(0)))
        elif is_bundle(rule) and product.sku in rule.items:
            low = min(low, _bundle_share(campaign, rule, product))
    order_rules = [r for r in active if r.level == "order"]
    befores = _befores(campaign, at, order_rules, scopes)
    take = Decimal(0)
    for rule in order_rules:
        if product.sku in scopes[rule.id]:
            before = befores[rule.id]
            take += min(low, _most_share(rule, product.price, before) + Decimal("0.01"))
    best_coupon = Decimal(0)  # at most one coupon per order
    for rule in active:
        if rule.level == "coupon" and product.sku in scopes[rule.id]:
            before = befores[rule.id]
            best_coupon = max(
                best_coupon, min(low, _most_share(rule, product.price, before) + Decimal("0.01"))
            )
    return low - take - best_coupon - Decimal("0.01")


def _befores(
    campaign: Campaign, at: datetime, order_rules: list, scopes: dict[str, frozenset[str]]
) -> dict[str, Decimal | None]:
    """:func:`_taken_before` for each order-level rule (its earlier ones) and coupon (every one) at ``at``.

    It depends on the rules only, not on the SKU, so it is worked out once per instant.
    """
    key = ("befores", at)
    found = campaign.memo.get(key)
    if found is None:
        found = {}
        for index, rule in enumerate(order_rules):
            found[rule.id] = _taken_before(order_rules[:index], scopes, scopes[rule.id])
        for rule_id in scopes:
            if rule_id not in found:
                found[rule_id] = _taken_before(order_rules, scopes, scopes[rule_id])
        campaign.memo[key] = found
    return found


def _taken_before(earlier: list, scopes: dict[str, frozenset[str]], scope: frozenset[str]) -> Decimal | None:
    """The most the earlier rules touching ``scope`` can take (None: no fixed bound)."""
    total = Decimal(0)
    for rule in earlier:
        if scopes[rule.id] & scope:
            most = _most_taken(rule, None)
            if most is None:
                return None
            total += most
    return total


def _most_share(rule: object, unit: Decimal, before: Decimal | None) -> Decimal:
    """The most ``rule`` can take from one unit listed at ``unit``.

    A reward is split in proportion to what each line owes, and an amount
    threshold ``at`` is only reached when the scope's L1 amount is at least
    ``at``; the scope then still owes at least ``at - before`` (``before``: the
    most the earlier rules could take). So one unit's share is at most
    ``off × unit / (at - before)`` — also for 每满 (``repeat``), whose reward
    grows no faster than the amount.
    """
    tiers = getattr(rule, "tiers", None)
    if tiers is None:  # a coupon (one of a plugin's type without off and at: the whole unit)
        off, at = getattr(rule, "off", None), getattr(rule, "at", None)
        return unit if off is None or at is None else min(unit, _prorata(off, unit, at, before))
    repeat, cap = getattr(rule, "repeat", False), getattr(rule, "cap", None)
    by_amount = getattr(rule, "basis", "amount") == "amount"
    most = Decimal(0)
    for tier in tiers:
        if tier.discount is not None:
            share = unit * (10 - tier.discount) / 10
        elif tier.off is None:
            continue
        elif not by_amount:
            share = unit if repeat else tier.off
        elif repeat:
            share = _prorata(None, unit, tier.at, before, per=tier.off)
            share = min(share, cap) if cap is not None else share
        else:
            share = _prorata(tier.off, unit, tier.at, before)
        most = max(most, share)
    return min(most, unit)


def _prorata(
    off: Decimal | None, unit: Decimal, at: Decimal, before: Decimal | None, per: Decimal | None = None
) -> Decimal:
    """``(off or per) × unit / (at - before)``; without a usable bound, ``off`` (or the whole unit)."""
    rate = per if per is not None else off
    if rate is None or before is None or at - before <= 0:
        return off if off is not None else unit
    share = rate * unit / (at - before)
    return min(share, off) if off is not None else share


def _most_taken(rule: object, unit: Decimal | None) -> Decimal | None:
    """The most a rule can take in total from an order (None: no fixed bound)."""
    tiers = getattr(rule, "tiers", None)
    if tiers is None:
        return None
    if getattr(rule, "repeat", False):
        return getattr(rule, "cap", None)
    if any(t.discount is not None for t in tiers):
        return None
    return max((t.off or Decimal(0)) for t in tiers)


def _bundle_share(campaign: Campaign, rule: BundleRule, product: Product) -> Decimal:
    """The most a unit of ``product`` can get off inside one bundle instance: its pro-rata share."""
    items = rule.items
    if any(s not in campaign.catalog for s in items):
        return Decimal(0)
    total = sum(campaign.catalog[s].price * q for s, q in items.items())
    if total <= 0:
        return Decimal(0)
    return max(Decimal(0), rule.price * product.price / total - Decimal("0.01"))


def default_max_units(campaign: Campaign) -> int:
    """Enough units to fill any bundle or quantity tier once, at least 3, at most 6."""
    need = 3
    for rule in campaign.rules:
        if is_bundle(rule):
            need = max(need, sum(rule.items.values()) + 1)
        tiers = getattr(rule, "tiers", None) or ()
        if getattr(rule, "basis", None) == "quantity":
            need = max(need, max(int(t.at) for t in tiers))
        limit = getattr(rule, "limit_per_order", None)
        if limit:
            need = max(need, limit + 1)
    return min(need, 6)


def lowest_prices(
    campaign: Campaign, *, max_units: int | None = None, max_fill: int = 1, only_below_cost: bool = True
) -> dict[str, Witness]:
    """For each SKU with a cost: the lowest unit price found, with the cart that pays it.

    With ``only_below_cost`` (what ``promo check`` uses), SKUs that provably
    cannot go below cost are skipped and only those below cost are returned.
    """
    if max_units is None:
        max_units = default_max_units(campaign)
    small = len(campaign.catalog) <= EXHAUSTIVE_SKUS
    max_fill = max_units if small else min(max_fill, 1)
    found: dict[str, Witness] = {}
    every_option = coupon_options(campaign)
    for at in time_points(campaign):
        groups = [] if small else _groups(campaign, at)
        scopes = rule_scopes(campaign, at)
        bounds = price_floor(campaign, at)
        for product in campaign.catalog.values():
            if product.cost is None:
                continue
            if only_below_cost and floor_price(campaign, product, at, scopes) >= product.cost:
                continue
            if small:  # every cart, every single coupon: the exhaustive search
                for lines in _carts(campaign, product, at, max_units, max_fill, groups):
                    if _search_cart(campaign, product, lines, at, every_option, found):
                        break
                continue
            # a large catalog: no coupon, or the one the engine picks from all those reaching the item
            mine = _scopes(campaign, product, at)
            held = frozenset(c for o in every_option for c in o if c in mine)
            ceiling = product.cost if only_below_cost else None
            _search_large(campaign, product, at, max_units, max_fill, groups, held, bounds, ceiling, found)
    if only_below_cost:
        return {s: w for s, w in found.items() if _below(w.unit_price, campaign.catalog[s].cost)}
    return found


def _below(price: Decimal, cost: Decimal | None) -> bool:
    return cost is not None and price < cost


def _improve(sku: str, cart: Cart, priced: tuple[Decimal, int, Decimal, int] | None, found: dict) -> bool:
    """Keep ``cart`` if it is strictly cheaper for ``sku``; True once nothing can be cheaper (0.00)."""
    if priced is None:
        return False
    best = found.get(sku)
    if best is None or priced[0] < best.unit_price:
        found[sku] = Witness(sku, priced[0], cart, priced[2], priced[3])
    return found[sku].unit_price <= 0  # a unit never pays less than 0: no later cart can improve


Pricer = Callable[[Cart], "tuple[Decimal, int, Decimal, int] | None"]


def _search_cart(
    campaign: Campaign,
    product: Product,
    lines: tuple,
    at: datetime,
    options: list,
    found: dict,
    pricer: Pricer | None = None,
) -> bool:
    """Try one cart holding each coupon option in turn (the first strictly cheaper one is kept)."""
    worth = sum((ln.price * ln.qty for ln in lines), Decimal(0))
    for coupons in options:
        if coupons and all(getattr(campaign.rule(c), "at", 0) > worth for c in coupons):
            continue  # the coupon's threshold is out of reach: same as holding none
        cart = Cart(items=lines, at=at, coupons=coupons)
        priced = pricer(cart) if pricer is not None else _priced(campaign, cart, product.sku)
        if _improve(product.sku, cart, priced, found):
            return True
    return False


def _search_large(
    campaign: Campaign,
    product: Product,
    at: datetime,
    max_units: int,
    max_fill: int,
    groups: list,
    held: frozenset[str],
    bounds: PriceFloor,
    ceiling: Decimal | None,
    found: dict,
) -> None:
    """The carts of :func:`_carts` for a large catalog, in the same order, skipping those :mod:`.prune` rules out.

    Each cart is ``target:qty`` alone or after one unit of one other item; with
    no bundle to choose, holding coupons never raises a unit's price (a coupon
    only takes), so a cart is priced once holding them, and again without only
    when that is strictly cheaper than the best so far (the coupon-less cart
    comes first, so it wins a tie). A cart where a bundle applies is priced
    both ways, as before.
    """
    thresholds = [getattr(campaign.rule(c), "at", 0) for c in held]
    lowest_at = min(thresholds) if thresholds else None

    def pricer(cart: Cart) -> tuple[Decimal, int, Decimal, int] | None:
        # the engine's own figures, without building a quote (prune.PriceFloor.paid; no bundle applies)
        return bounds.priced(cart.items, cart.coupons or frozenset(), product.sku)

    shared: dict = {}
    for qty in range(1, max_units + 1):
        pool = _pool_large(campaign, product, at, qty, groups, shared)
        room = min(max_units - qty, max_fill)
        target_line = _line(product, qty)
        target_worth = product.price * qty
        viable = (
            bounds.viable(product, qty, held, ceiling)
            if ceiling is not None and bounds.usable and room >= 1
            else None
        )
        for other in itertools.chain([None], pool if room >= 1 else ()):
            bundled = product.sku in bounds.bundles_of or (
                other is not None and other.sku in bounds.bundles_of
            )
            if bundled:
                units = {product.sku: qty}
                if other is not None:
                    units[other.sku] = units.get(other.sku, 0) + 1
                bundled = bounds.bundle_applies(units)
            low = None
            if not bundled and viable is not None and other is not None:
                low = viable(other)
                if low is None:
                    continue  # cannot go under the cost next to this item
                best = found.get(product.sku)
                if best is not None and low >= best.unit_price:
                    continue  # (the same test as below, before building the cart)
            worth = target_worth + (other.price if other is not None else 0)
            reachable = lowest_at is not None and lowest_at <= worth
            options = [frozenset(), held] if reachable else [frozenset()]
            lines = (target_line,) if other is None else (_line(other, 1), target_line)
            if bundled or not bounds.usable:
                if _search_cart(campaign, product, lines, at, options, found):
                    return
                continue
            if low is None:  # (a bound holding every coupon is also one for fewer)
                low = bounds.bound(product, qty, other, options[-1])
            best = found.get(product.sku)
            limit = best.unit_price if best is not None else None
            if ceiling is not None:
                limit = ceiling if limit is None else min(limit, ceiling)
            if limit is not None and low >= limit:
                continue  # no unit of it can pay less here: nothing to learn from this cart
            if not reachable:
                if _search_cart(campaign, product, lines, at, options, found, pricer):
                    return
                continue
            if _price_twice(product, lines, at, held, found, pricer):
                return


def _price_twice(
    product: Product, lines: tuple, at: datetime, held: frozenset[str], found: dict, pricer: Pricer
) -> bool:
    """Holding ``held`` first; without only if that could change the result (see :func:`_search_large`)."""
    with_coupon = Cart(items=lines, at=at, coupons=held)
    priced = pricer(with_coupon)
    if priced is None:
        return False
    best = found.get(product.sku)
    if best is not None and priced[0] >= best.unit_price:
        return False
    without = Cart(items=lines, at=at, coupons=frozenset())
    plain = pricer(without)
    if plain is not None and plain[0] <= priced[0]:
        return _improve(product.sku, without, plain, found)
    return _improve(product.sku, with_coupon, priced, found)


def rule_text(campaign: Campaign, witness: Witness) -> str:
    cart = witness.cart
    bounds = price_floor(campaign, cart.at)
    units: dict[str, int] = {}
    for line in cart.items:
        units[line.sku] = units.get(line.sku, 0) + line.qty
    if bounds.usable and cart.coupons is not None and not bounds.bundle_applies(units):
        ids = bounds.applied(cart.items, cart.coupons)  # what the quote applies, without building one
    else:
        ids = [a.rule for a in quote(campaign, cart, lean=True).applied if a.amount]
    return "、".join(_described(campaign, rule_id) for rule_id in ids)


def price_floor(campaign: Campaign, at: datetime) -> PriceFloor:
    """The :class:`.prune.PriceFloor` of ``campaign`` at ``at`` (one per instant, kept in the campaign's memo)."""
    key = ("floor", at)
    found = campaign.memo.get(key)
    if found is None:
        found = campaign.memo[key] = PriceFloor(campaign, at)
    return found


def _described(campaign: Campaign, rule_id: str) -> str:
    """A rule's description, remembered per campaign (every finding names the same few rules)."""
    key = ("describe", rule_id)
    found = campaign.memo.get(key)
    if found is None:
        found = campaign.memo[key] = describe(campaign.rule(rule_id), campaign.title)
    return found
