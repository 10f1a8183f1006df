"""Pricing a cart: L1 item prices and bundles, L2 tiers, L3 coupon, shipping, allocation, next tier.

Plain functions over plain data (:mod:`.model`); the rules decide their own
rewards (:mod:`.rules`), this module decides the order they stack in and who
pays what. The semantics are stated in docs/promo.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .allocate import split, split_even
from .levels import (
    AnyRule,
    BundleRule,
    ItemRule,
    ScopedRule,
    is_bundle,
    is_coupon,
    is_item,
    is_order,
    is_shipping,
)
from .model import Campaign, Cart
from .rules import Measure, NextStep, Rule, describe, is_active

ZERO = Decimal("0.00")
MAX_BUNDLE_CHOICES = 4096  # bundle-instance combinations tried per quote (exhaustive below this)


@dataclass
class PricedLine:
    index: int
    sku: str
    title: str
    qty: int
    list_price: Decimal
    category: str | None
    pricing: dict[str | None, list] = field(default_factory=dict)  # rule id -> [units, amount]
    shares: dict[str, Decimal] = field(default_factory=dict)  # L2/L3 rule id -> allocated discount
    l1_amount: Decimal = ZERO
    order_discount: Decimal = ZERO  # sum of ``shares``, kept up to date by the engine
    paid: Decimal = ZERO

    @property
    def list_amount(self) -> Decimal:
        return self.list_price * self.qty

    @property
    def item_saving(self) -> Decimal:
        return self.list_amount - self.l1_amount

    @property
    def owed(self) -> Decimal:
        return self.l1_amount - self.order_discount

    @property
    def rule(self) -> str | None:
        """The item-level rule that priced most of this line's units (None: list price)."""
        ruled = [(units, rid) for rid, (units, _) in self.pricing.items() if rid is not None]
        return max(ruled, key=lambda x: x[0])[1] if ruled else None

    def unit_shares(self) -> list[Decimal]:
        """``paid`` over the units; earlier units take the extra cents (refunds use the last ones)."""
        return split_even(self.paid, self.qty)


@dataclass
class Applied:
    rule: str
    type: str
    level: str
    amount: Decimal
    label: str
    gift: str | None = None


@dataclass
class NextTier:
    rule: str
    need: Decimal | int
    unit: str
    gives: str
    extra: Decimal | None
    gift: str | None = None
    scope: str = ""  # the items that count towards it, "" for the whole order


@dataclass
class Quote:
    campaign: str
    at: datetime
    region: str | None
    lines: list[PricedLine]
    applied: list[Applied]
    next: list[NextTier]
    shipping_fee: Decimal | None  # None: the fee is not known (运费另计)
    shipping: Decimal | None  # what the buyer pays for shipping; None: not known
    free_shipping_rule: str | None
    bundles: dict[str, int]
    excluded_by: str | None = None  # a free-shipping rule that excludes the cart's region

    @property
    def shipping_known(self) -> bool:
        return self.shipping is not None

    @property
    def list_total(self) -> Decimal:
        return sum((ln.list_amount for ln in self.lines), ZERO)

    @property
    def l1_total(self) -> Decimal:
        return sum((ln.l1_amount for ln in self.lines), ZERO)

    @property
    def goods_total(self) -> Decimal:
        return sum((ln.paid for ln in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        """Goods plus shipping; without a known fee, the goods only (the text says 运费另计)."""
        return self.goods_total + (self.shipping if self.shipping is not None else ZERO)

    @property
    def saving(self) -> Decimal:
        return self.list_total - self.goods_total

    @property
    def gifts(self) -> list[dict[str, str]]:
        return [{"rule": a.rule, "gift": a.gift} for a in self.applied if a.gift]


def quote(
    campaign: Campaign, cart: Cart, bundle_counts: Mapping[str, int] | None = None, *, lean: bool = False
) -> Quote:
    """Price ``cart``; bundle instances are chosen to give the buyer the lowest total.

    ``bundle_counts`` forces a choice ({bundle rule id: instances}); it raises
    ``ValueError`` when the cart does not hold the units for it. ``lean``
    (for the below-cost search) leaves out what only people read: the 凑单
    steps and the rules' labels; every amount is the same.
    """
    active = active_rules(campaign, cart.at)
    available: dict[str, int] = {}
    for line in cart.items:
        available[line.sku] = available.get(line.sku, 0) + line.qty
    bundles = [
        r for r in active if is_bundle(r) and all(available.get(s, 0) >= q for s, q in r.items.items())
    ]
    if bundle_counts is not None:
        unknown = set(k for k, v in bundle_counts.items() if v) - {b.id for b in bundles}
        if unknown:
            raise ValueError(f"bundle not applicable to this cart: {sorted(unknown)}")
        choice = tuple(bundle_counts.get(b.id, 0) for b in bundles)
        if not _fits(bundles, choice, available):
            raise ValueError("the cart does not hold the units for these bundles")
        return _price(campaign, cart, active, bundles, choice, lean=lean)
    best: Quote | None = None
    best_key = None
    offers_cache: dict = {}  # item-level prices per (sku, units), shared by the bundle choices
    for choice in _bundle_choices(bundles, available):
        priced = _price(campaign, cart, active, bundles, choice, offers_cache, lean=lean)
        # lowest total; then fewer instances; then more instances of rules earlier in the file
        key = (priced.total, sum(choice), tuple(-n for n in choice))
        if best_key is None or key < best_key:
            best, best_key = priced, key
    assert best is not None
    return best


def active_rules(campaign: Campaign, at: datetime) -> list[Rule]:
    """The rules active at ``at`` in file order (remembered per campaign: rules do not change once loaded)."""
    key = ("active", at)
    found = campaign.memo.get(key)
    if found is None:
        if len(campaign.memo) > 500_000:
            campaign.memo.clear()
        found = campaign.memo[key] = [r for r in campaign.rules if is_active(r, at)]
    return found


def _fits(bundles: list[BundleRule], choice: tuple[int, ...], available: Mapping[str, int]) -> bool:
    used: dict[str, int] = {}
    for bundle, n in zip(bundles, choice, strict=True):
        for sku, q in bundle.items.items():
            used[sku] = used.get(sku, 0) + q * n
    return all(available.get(s, 0) >= u for s, u in used.items())


def _bundle_choices(bundles: list[BundleRule], available: Mapping[str, int]) -> Iterator[tuple[int, ...]]:
    """Every feasible vector of instance counts (up to MAX_BUNDLE_CHOICES of them)."""

    def walk(index: int, left: dict[str, int]) -> Iterator[tuple[int, ...]]:
        if index == len(bundles):
            yield ()
            return
        items = bundles[index].items
        most = min(left[s] // q for s, q in items.items())
        for n in range(most + 1):
            rest = dict(left)
            for s, q in items.items():
                rest[s] -= q * n
            for tail in walk(index + 1, rest):
                yield (n, *tail)

    for count, choice in enumerate(walk(0, dict(available)), start=1):
        yield choice
        if count >= MAX_BUNDLE_CHOICES:
            return


def _price(
    campaign: Campaign,
    cart: Cart,
    active: list[Rule],
    bundles: list[BundleRule],
    choice: tuple[int, ...],
    offers_cache: dict | None = None,
    *,
    lean: bool = False,
) -> Quote:
    lines = [
        PricedLine(i, ln.sku, ln.title or ln.sku, ln.qty, ln.price, ln.category)
        for i, ln in enumerate(cart.items)
    ]
    applied: list[Applied] = []
    _price_items(campaign, lines, active, bundles, choice, applied, offers_cache, lean)
    for line in lines:
        line.l1_amount = sum((amount for _, amount in line.pricing.values()), ZERO)

    nexts: list[NextTier] = []
    tier_free_shipping: str | None = None
    for rule in active:
        if not is_order(rule):
            continue
        scope = _scope(rule, lines, offers_cache, campaign.memo)
        if not scope:
            continue
        m = _measure(scope)
        if not lean:
            step = rule.next_step(m)
            if step is not None:
                nexts.append(_next(campaign, rule, step))
        reward = rule.reward(m)
        if reward is None:
            continue
        amount = _take(rule, reward.amount, scope)
        applied.append(_applied(rule, amount, reward, lean))
        if getattr(reward, "free_shipping", False) and tier_free_shipping is None:
            tier_free_shipping = rule.id

    _apply_best_coupon(lines, active, cart, applied, offers_cache, lean, campaign.memo)

    order = _measure(lines)
    free_by = tier_free_shipping
    shipping_rules = [r for r in active if is_shipping(r)]
    if free_by is None:
        free_by = next((r.id for r in shipping_rules if r.frees(order, cart.region)), None)
    fee = cart.shipping_fee
    if (
        free_by is None and fee != ZERO and not lean
    ):  # a cart that already ships at no cost is never told to 凑包邮
        for shipping in shipping_rules:
            shipping_step = shipping.next_step(order, cart.region)
            if shipping_step is not None:
                nexts.append(_next(campaign, shipping, shipping_step))
    elif free_by is not None and free_by != tier_free_shipping:
        freeing = campaign.rule(free_by)
        assert freeing is not None  # free_by is the id of one of the campaign's rules
        applied.append(Applied(free_by, freeing.type, "shipping", fee or ZERO, "包邮"))
    excluded = None
    if free_by is None and cart.region:
        excluded = next(
            (r.id for r in shipping_rules if _excludes(r, cart.region)),
            None,
        )

    for line in lines:
        line.paid = line.owed
    return Quote(
        campaign=campaign.name,
        at=cart.at,
        region=cart.region,
        lines=lines,
        applied=applied,
        next=nexts,
        shipping_fee=fee,
        shipping=ZERO if free_by else fee,
        free_shipping_rule=free_by,
        bundles={b.id: n for b, n in zip(bundles, choice, strict=True) if n},
        excluded_by=excluded,
    )


def _excludes(rule: AnyRule, region: str) -> bool:
    """Whether a shipping rule excludes ``region`` (a plugin's may have no ``excluded``)."""
    excluded = getattr(rule, "excluded", None)
    return bool(excluded and excluded(region))


def _next(campaign: Campaign, rule: AnyRule, step: NextStep) -> NextTier:
    return NextTier(
        rule.id,
        step.need,
        step.unit,
        step.gives,
        getattr(step, "extra", None),
        getattr(step, "gift", None),
        _scope_text(campaign, rule),
    )


def _scope_text(campaign: Campaign, rule: AnyRule) -> str:
    """The rule's scope in words (remembered per campaign: a wide scope names hundreds of items)."""
    key = ("scope_text", rule.id)
    found = campaign.memo.get(key)
    if found is None:
        scope_text = getattr(rule, "scope_text", None)
        found = campaign.memo[key] = scope_text(campaign.title) if scope_text is not None else ""
    return found


def _applied(rule: AnyRule, amount: Decimal, reward: object, lean: bool = False) -> Applied:
    label = "" if lean else getattr(reward, "label", None) or describe(rule)
    return Applied(rule.id, rule.type, rule.level, amount, label, getattr(reward, "gift", None))


def _measure(scope: list[PricedLine]) -> Measure:
    return Measure(
        amount=sum((ln.l1_amount for ln in scope), ZERO),
        qty=sum(ln.qty for ln in scope),
        owed=sum((ln.owed for ln in scope), ZERO),
    )


def _take(rule: AnyRule, amount: Decimal, scope: list[PricedLine]) -> Decimal:
    """Allocate an order-level discount over its scope by what each line still owes."""
    owed = [ln.owed for ln in scope]
    amount = max(ZERO, min(amount, sum(owed, ZERO)))
    for line, share in zip(scope, split(amount, owed), strict=True):
        if share:
            line.shares[rule.id] = line.shares.get(rule.id, ZERO) + share
            line.order_discount += share
    return amount


def _scope(
    rule: ScopedRule, lines: list[PricedLine], memo: dict | None, shared: dict | None = None
) -> list[PricedLine]:
    """The lines a rule applies to (the same for every bundle choice, so remembered per quote).

    ``shared`` remembers ``in_scope`` per (rule, sku, category) across quotes: a
    scope is decided by what a line is, not by how many or at what price.
    """
    key = ("scope", rule.id)
    indexes = memo.get(key) if memo is not None else None
    if indexes is None:
        if shared is None:
            indexes = [ln.index for ln in lines if rule.in_scope(ln)]
        else:
            indexes = []
            for ln in lines:
                probe = ("in", rule.id, ln.sku, ln.category)
                inside = shared.get(probe)
                if inside is None:
                    inside = shared[probe] = bool(rule.in_scope(ln))
                if inside:
                    indexes.append(ln.index)
        if memo is not None:
            memo[key] = indexes
    return [lines[i] for i in indexes]


def _apply_best_coupon(
    lines: list[PricedLine],
    active: list[Rule],
    cart: Cart,
    applied: list[Applied],
    memo: dict | None,
    lean: bool = False,
    shared: dict | None = None,
) -> None:
    """At most one coupon: the one that saves most among those held whose threshold is met."""
    best = None
    for rule in active:
        if not is_coupon(rule) or (cart.coupons is not None and rule.id not in cart.coupons):
            continue
        scope = _scope(rule, lines, memo, shared)
        if not scope:
            continue
        m = _measure(scope)
        reward = rule.reward(m)
        if reward is None:
            continue
        saving = max(ZERO, min(reward.amount, m.owed))
        if saving > 0 and (best is None or saving > best[0]):
            best = (saving, rule, reward, scope)
    if best is not None:
        saving, coupon, reward, scope = best
        _take(coupon, saving, scope)
        applied.append(_applied(coupon, saving, reward, lean))


def _best_unit_prices(
    item_rules: list[ItemRule], sku: str, list_prices: list[Decimal]
) -> list[tuple[str | None, Decimal]]:
    """Each unit's lowest item-level price and the rule giving it (ties: the earlier rule)."""
    best: list[tuple[str | None, Decimal]] = [(None, p) for p in list_prices]
    for rule in item_rules:
        named = getattr(rule, "skus", None)
        if isinstance(named, set | frozenset) and sku not in named:
            continue  # a rule naming its SKUs cannot price another one
        for position, price in enumerate(rule.unit_prices(sku, list_prices)):
            if price is not None and price < best[position][1]:
                best[position] = (rule.id, max(price, ZERO))
    return best


def _price_items(
    campaign: Campaign,
    lines: list[PricedLine],
    active: list[Rule],
    bundles: list[BundleRule],
    choice: tuple[int, ...],
    applied: list[Applied],
    offers_cache: dict | None,
    lean: bool = False,
) -> None:
    """L1: bundle instances first, then each remaining unit at its lowest item-level price."""
    left = [ln.qty for ln in lines]
    savings: dict[str, Decimal] = {}

    def add(line: PricedLine, rule_id: str | None, units: int, amount: Decimal) -> None:
        slot = line.pricing.setdefault(rule_id, [0, ZERO])
        slot[0] += units
        slot[1] += amount
        if rule_id is not None:
            savings[rule_id] = savings.get(rule_id, ZERO) + line.list_price * units - amount

    for bundle, count in zip(bundles, choice, strict=True):
        for _ in range(count):
            units: list[PricedLine] = []
            for sku, q in bundle.items.items():
                for line in lines:
                    while q and line.sku == sku and left[line.index]:
                        units.append(line)
                        left[line.index] -= 1
                        q -= 1
            for line, share in zip(units, split(bundle.price, [u.list_price for u in units]), strict=True):
                add(line, bundle.id, 1, share)

    item_rules = [r for r in active if is_item(r)]
    by_sku: dict[str, list[PricedLine]] = {}
    for line in lines:
        by_sku.setdefault(line.sku, []).extend([line] * left[line.index])
    for sku, units in by_sku.items():
        list_prices = [u.list_price for u in units]
        key = (sku, tuple(list_prices))
        best = offers_cache.get(key) if offers_cache is not None else None
        if best is None:
            best = _best_unit_prices(item_rules, sku, list_prices)
            if offers_cache is not None:
                offers_cache[key] = best
        for line, (rule_id, price) in zip(units, best, strict=True):
            add(line, rule_id, 1, price)

    for rule in [*bundles, *item_rules]:
        if savings.get(rule.id):
            label = "" if lean else describe(rule, campaign.title)
            applied.append(Applied(rule.id, rule.type, rule.level, savings[rule.id], label))
