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

from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from cstool.money import round_cent

from .allocate import from_cents, split_cents, to_cents
from .engine import _best_unit_prices, active_rules
from .levels import is_bundle, is_item
from .model import Campaign, CartLine, Product
from .rules import Coupon, Tiered

_NONE: frozenset[int] = frozenset()
Item = Product | CartLine  # what the bounds read of an item: sku, price, category, title


def _cents(amount: Decimal | int) -> int:
    return int(Decimal(amount) * 100)


class PriceFloor:
    """Lower bounds on the cheapest unit of a target SKU in small carts at one instant."""

    def __init__(self, campaign: Campaign, at: datetime):
        active = active_rules(campaign, at)
        order = [r for r in active if r.level == "order"]
        coupons = [r for r in active if r.level == "coupon"]
        self.bundles = [r for r in active if is_bundle(r)]
        self.items = [r for r in active if is_item(r)]
        self.usable = all(type(r) is Tiered for r in order) and all(type(r) is Coupon for r in coupons)
        # only consulted when usable: then every order-level rule is a Tiered and every coupon a Coupon
        self.order = [r for r in order if isinstance(r, Tiered)] if self.usable else []
        self.coupons = [r for r in coupons if isinstance(r, Coupon)] if self.usable else []
        self._tiers: dict[str, list[tuple[int, int | None, float | None]]] = {
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
        self._coupon_cents = [(_cents(r.at), float(_cents(r.off))) for r in self.coupons]
        self._exact_tiers: dict[str, list[tuple[int, int | None, Decimal | None]]] = {
            r.id: [
                (
                    _cents(t.at) if r.basis == "amount" else int(t.at),
                    _cents(t.off) if t.off is not None else None,
                    t.discount,
                )
                for t in r.tiers
            ]
            for r in self.order
        }
        self._members: dict[str, tuple[frozenset[int], frozenset[int]]] = {}
        self._others: dict[str, tuple[int, frozenset[int], frozenset[int], dict[int, float]]] = {}
        self._targets: dict[
            tuple, tuple[int, frozenset[int], dict[int, float], list[tuple[int, int, float]]]
        ] = {}
        self._l1: dict[tuple[str, int], int] = {}
        self.bundles_of: dict[str, list] = {}
        for bundle in self.bundles:
            for sku in bundle.items:
                self.bundles_of.setdefault(sku, []).append(bundle)

    def members(self, product: Item) -> tuple[frozenset[int], frozenset[int]]:
        """The positions of the order-level rules and of the coupons whose scope holds ``product``."""
        found = self._members.get(product.sku)
        if found is None:
            probe = CartLine(product.sku, 1, product.price, product.category, product.title)
            found = (
                frozenset(i for i, r in enumerate(self.order) if r.in_scope(probe)),
                frozenset(i for i, c in enumerate(self.coupons) if c.in_scope(probe)),
            )
            self._members[product.sku] = found
        return found

    def l1(self, product: Item, qty: int) -> int:
        """The exact L1 amount in cents of ``qty`` units of ``product`` with no bundle."""
        key = (product.sku, qty)
        found = self._l1.get(key)
        if found is None:
            prices = _best_unit_prices(self.items, product.sku, [product.price] * qty)
            found = self._l1[key] = sum(_cents(p) for _, p in prices)
        return found

    def paid(
        self, lines: tuple[CartLine, ...], held: frozenset[str], took: list[str] | None = None
    ) -> list[int]:
        """Exactly what each line pays, in cents, as :func:`.engine.quote` prices it (no bundle applying).

        Only for a campaign whose order-level rules and coupons are the built-in
        ones (``usable``) and a cart holding only ``held`` coupons where no active
        bundle can be formed: then the engine's steps are the L1 prices, each
        满减 in file order split over its scope by what is owed, and the one
        coupon saving most; the same integer arithmetic is done here without
        building a quote. ``took`` (when given) receives the ids of the
        order-level rules and the coupon that took something, in the order the
        quote lists them.
        """
        l1 = [self.l1(ln, ln.qty) for ln in lines]
        owed = list(l1)
        members = [self.members(ln) for ln in lines]
        span = range(len(lines))
        touched = members[0][0].union(*(m[0] for m in members[1:]))
        for i in sorted(touched):  # the order-level rules in file order, those whose scope holds a line
            scope = [k for k in span if i in members[k][0]]
            amount = qty = owing = 0
            for k in scope:
                amount += l1[k]
                qty += lines[k].qty
                owing += owed[k]
            reward = self._exact_reward(self.order[i], amount, qty, owing)
            if reward is None:
                continue
            take = reward if reward < owing else owing
            if take <= 0:
                continue
            if took is not None:
                took.append(self.order[i].id)
            if len(scope) == 1:  # split_cents over one part gives it all
                owed[scope[0]] -= take
            else:
                for k, share in zip(scope, split_cents(take, [owed[k] for k in scope]), strict=True):
                    owed[k] -= share
        best: tuple[int, list[int]] | None = None
        for j, rule in enumerate(self.coupons):
            if rule.id not in held:
                continue
            scope = [k for k in span if j in members[k][1]]
            if not scope:
                continue
            amount = owing = 0
            for k in scope:
                amount += l1[k]
                owing += owed[k]
            at, off = self._coupon_cents[j]
            if amount < at:
                continue
            saving = max(0, min(int(off), owing))
            if saving > 0 and (best is None or saving > best[0]):
                best, best_id = (saving, scope), rule.id
        if best is not None:
            saving, scope = best
            if took is not None:
                took.append(best_id)
            if len(scope) == 1:
                owed[scope[0]] -= saving
            else:
                for k, share in zip(scope, split_cents(saving, [owed[k] for k in scope]), strict=True):
                    owed[k] -= share
        return owed

    def priced(
        self, lines: tuple[CartLine, ...], held: frozenset[str], sku: str
    ) -> tuple[Decimal, int, Decimal, int] | None:
        """The cheapest unit of ``sku``, its line's index, ``paid`` and ``qty`` (what :func:`.below_cost._priced` gives)."""
        best = None
        for index, (line, cents) in enumerate(zip(lines, self.paid(lines, held), strict=True)):
            if line.sku == sku:
                cheapest = from_cents(cents // line.qty)
                if best is None or cheapest < best[0]:
                    best = (cheapest, index, from_cents(cents), line.qty)
        return best

    def applied(self, lines: tuple[CartLine, ...], held: frozenset[str]) -> list[str]:
        """The ids of the rules that take something from this cart, in the order ``quote().applied`` lists them.

        The item-level rules that price some unit below its list price (file
        order), then what :meth:`paid` records. Only where :meth:`paid` applies.
        """
        ids: set[str] = set()
        for line in lines:
            for rule_id, price in _best_unit_prices(self.items, line.sku, [line.price] * line.qty):
                if rule_id is not None and price < line.price:
                    ids.add(rule_id)
        took = [r.id for r in self.items if r.id in ids]
        self.paid(lines, held, took)
        return took

    def _exact_reward(self, rule: Tiered, amount: int, qty: int, owed: int) -> int | None:
        """:meth:`.rules.Tiered.reward` in cents (None: no tier reached)."""
        measure = amount if rule.basis == "amount" else qty
        best = None
        for tier in self._exact_tiers[rule.id]:
            if tier[0] <= measure and (best is None or tier[0] >= best[0]):
                best = tier
        if best is None:
            return None
        at, off, discount = best
        if rule.repeat:
            total = (off or 0) * (measure // at)  # (a 每满 tier always has off)
            return min(total, _cents(rule.cap)) if rule.cap is not None else total
        if off is not None:
            return off
        if discount is not None:
            owed_yuan = from_cents(owed)
            return owed - to_cents(round_cent(owed_yuan * discount / 10))
        return 0

    def bundle_applies(self, units: dict[str, int]) -> bool:
        """Whether some active bundle can be formed from ``units`` (only bundles naming one of them can)."""
        for sku in units:
            for b in self.bundles_of.get(sku, ()):
                if all(units.get(s, 0) >= q for s, q in b.items.items()):
                    return True
        return False

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
            total = float((off or 0) * (measure // at))  # (a 每满 tier always has off)
            return min(total, float(_cents(rule.cap))) if rule.cap is not None else total
        if off is not None:
            return float(off)
        if rate is not None:
            return amount * rate + 1
        return 0.0

    def bound(self, target: Product, qty: int, other: Product | None, held: frozenset[str]) -> Decimal:
        """No unit of ``target`` in the cart ``(other:1, target:qty)`` holding ``held`` pays less than this."""
        a_t, in_t, alone, coupons = self._target(target, qty, held)
        if other is not None:
            x, in_p, coupons_p, alone_p = self._other(other)
        else:
            x, in_p, coupons_p, alone_p = 0, _NONE, _NONE, {}
        owed_p = float(x)
        taken = 0.0
        for i in sorted(in_t | in_p) if in_p else alone:
            if i not in in_p:  # the target's alone: all of its (positive) reward, at most a_t
                taken += alone[i]
                continue
            if i not in in_t:  # the other item's alone: it owes less for the rules after
                reward = alone_p[i]
                if reward > 0:
                    owed_p = owed_p - reward if owed_p > reward else 0.0
                continue
            reward = self._reward(self.order[i], a_t + x, qty + 1)
            if reward <= 0:
                continue
            whole = a_t + owed_p
            share = reward * a_t / whole + 1 if whole > 0 else reward
            taken += share if share < a_t else a_t
            owed_p = owed_p - reward if owed_p > reward else 0.0
        best_coupon = 0.0
        for i, at, off in coupons:
            has_p = i in coupons_p
            amount = a_t + (x if has_p else 0)
            if amount < at:
                continue
            share = off * a_t / (a_t + owed_p) + 1 if has_p and a_t + owed_p > 0 else off
            best_coupon = max(best_coupon, min(share, a_t))
        paid = a_t - taken - best_coupon - 1  # one more cent for float rounding
        if paid <= 0:
            return Decimal(0)
        return Decimal(int(paid // qty)) / 100

    def _other(self, other: Product) -> tuple[int, frozenset[int], frozenset[int], dict[int, float]]:
        """What :meth:`bound` needs of the other item: its L1 price, scopes, and each rule's reward on it alone."""
        found = self._others.get(other.sku)
        if found is None:
            x = self.l1(other, 1)
            in_p, coupons_p = self.members(other)
            alone = {i: self._reward(self.order[i], x, 1) for i in in_p}
            found = self._others[other.sku] = (x, in_p, coupons_p, alone)
        return found

    def _target(
        self, target: Product, qty: int, held: frozenset[str]
    ) -> tuple[int, frozenset[int], dict[int, float], list[tuple[int, int, float]]]:
        """What :meth:`bound` needs of ``target:qty`` whatever the other item: its L1 amount, its
        order-level rules, each one's reward on ``target`` alone, and the coupons it can hold."""
        key = (target.sku, qty, held)
        found = self._targets.get(key)
        if found is None:
            a_t = self.l1(target, qty)
            in_t, coupons_t = self.members(target)
            alone = {}  # each rule's take from the target alone: its reward when positive, at most a_t
            for i in sorted(in_t):
                reward = self._reward(self.order[i], a_t, qty)
                alone[i] = min(reward, a_t) if reward > 0 else 0.0
            coupons = [(i, *self._coupon_cents[i]) for i in sorted(coupons_t) if self.coupons[i].id in held]
            found = self._targets[key] = (a_t, in_t, alone, coupons)
        return found

    def viable(
        self, target: Product, qty: int, held: frozenset[str], ceiling: Decimal
    ) -> Callable[[Product], Decimal | None]:
        """A test for the items next to which ``target:qty`` might pay under ``ceiling``: their bound, else None.

        Items in the same scopes reach the same tiers and coupons while their L1
        price stays between two thresholds, and there the bound only grows with
        that price; so once one of them is at or above ``ceiling``, the dearer
        ones in the same stretch are not examined. ``held`` is the most the
        buyer can hold (holding more never raises the bound).
        """
        a_t = self.l1(target, qty)
        in_t, coupons_t = self.members(target)
        cuts_of: dict[tuple[frozenset[int], frozenset[int]], tuple[list[int], bool]] = {}
        dead: dict[tuple, int] = {}  # (scopes, stretch) -> the lowest L1 price known to be at or above

        def cuts(key: tuple[frozenset[int], frozenset[int]]) -> tuple[list[int], bool]:
            found = cuts_of.get(key)
            if found is None:
                in_p, coupons_p = key
                breaks: set[int] = set()
                monotone = True
                for i in in_p:
                    rule = self.order[i]
                    if rule.repeat:
                        monotone = False
                    if rule.basis == "amount":
                        shift = a_t if i in in_t else 0
                        breaks.update(at - shift for at, _, _ in self._tiers[rule.id])
                for i in coupons_p & coupons_t:
                    breaks.add(self._coupon_cents[i][0] - a_t)
                found = cuts_of[key] = (sorted(breaks), monotone)
            return found

        # scopes seen once: their lowest dead L1 price (the stretch is worked out on a second sighting)
        first_dead: dict[tuple, int] = {}

        seen: set[tuple] = set()  # scopes whose stretches are known (or worth knowing)

        def settle(key: tuple, x: int) -> None:
            stretches, monotone = cuts(key)
            if monotone:
                where = (key, bisect_right(stretches, x))
                if where not in dead or x < dead[where]:
                    dead[where] = x

        def test(product: Product) -> Decimal | None:
            x, in_p, coupons_p, _ = self._other(product)
            key = (in_p, coupons_p)
            if key in first_dead:  # a second item with these scopes: now the stretches are worth knowing
                settle(key, first_dead.pop(key))
                seen.add(key)
            if key in seen:
                stretches, monotone = cuts(key)
                where = (key, bisect_right(stretches, x))
                if monotone and where in dead and dead[where] <= x:
                    return None
            low = self.bound(target, qty, product, held)
            if low < ceiling:
                if key not in seen:
                    seen.add(key)
                return low
            if key in seen:
                settle(key, x)
            else:
                first_dead[key] = x
            return None

        return test
