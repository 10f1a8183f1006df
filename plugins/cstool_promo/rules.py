"""The rule types: the interface every rule class implements, and the built-in ones.

A rule class sets ``level`` and implements the methods of that level (see
docs/promo.md); a plugin's class need not subclass :class:`Rule` (plugins do
not import each other), the engine only calls these methods:

- ``"item"`` (L1): ``unit_prices(sku, list_prices)`` -> a price or ``None`` per unit;
- ``"bundle"`` (L1): attributes ``items`` ({sku: qty}) and ``price``; the engine chooses instances;
- ``"order"`` (L2) and ``"coupon"`` (L3): ``in_scope(line)``, ``reward(measure)``, ``next_step(measure)``;
- ``"shipping"``: ``frees(measure, region)``, ``next_step(measure, region)``.

``read(f)`` reads the rule's own fields from a :class:`~.fields.Fields`; the
loader has already set ``id``, ``type``, ``start``, ``end``, ``path``, ``line``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from cstool.money import round_cent

from .fields import Fields

LEVELS = ("item", "bundle", "order", "coupon", "shipping")


@dataclass(frozen=True)
class Measure:
    """What an order-level rule sees of its scope: L1 amount, units, and what is still owed."""

    amount: Decimal
    qty: int
    owed: Decimal


@dataclass(frozen=True)
class Reward:
    amount: Decimal
    label: str
    gift: str | None = None
    free_shipping: bool = False


@dataclass(frozen=True)
class NextStep:
    """How far the order is from a rule's next reward (凑单)."""

    need: Decimal | int  # 元 for amount thresholds, units for quantity thresholds
    unit: str  # "元" or "件"
    gives: str  # what the next reward is, e.g. "满299减40，送小样"
    extra: Decimal | None = None  # how much more it takes off than now, when known
    gift: str | None = None


def yuan(amount: Decimal | int) -> str:
    """A money amount written the way shops write it: 199, 79.9, 0.5."""
    text = f"{Decimal(amount):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def zhe(rate: Decimal) -> str:
    return yuan(rate) + "折"


class Rule:
    """Base of every rule type. Subclasses set ``level`` and read their fields in ``read``."""

    level: ClassVar[str] = ""
    id: str
    type: str
    start: datetime
    end: datetime
    path: str
    line: int | None

    def read(self, f: Fields) -> None:
        """Read this type's fields; whatever is not read is reported as an unknown field."""

    def describe(self, title: Any = str) -> str:
        """A short Chinese description for summaries; ``title(sku)`` names a SKU."""
        return f"{self.type}活动"

    def skus_used(self) -> set[str]:
        """Every SKU this rule names (for the unknown-sku and listing checks)."""
        return set(getattr(self, "skus", None) or ())


class ScopedRule(Rule):
    """A rule limited to some SKUs and/or categories (default: every item)."""

    skus: set[str] | None = None
    categories: set[str] | None = None

    def read_scope(self, f: Fields) -> None:
        skus = f.text_list("skus", None)
        categories = f.text_list("categories", None)
        self.skus = set(skus) if skus is not None else None
        self.categories = set(categories) if categories is not None else None

    def in_scope(self, line: Any) -> bool:
        if self.skus is None and self.categories is None:
            return True
        return bool(
            (self.skus and line.sku in self.skus) or (self.categories and line.category in self.categories)
        )

    def scope_text(self, title: Any = str) -> str:
        parts = [title(s) for s in sorted(self.skus or ())] + sorted(self.categories or ())
        return "、".join(parts)


class LimitedTimeDiscount(ScopedRule):
    """限时折扣: a unit price in 折 (``discount``), ``off`` per unit, or a fixed ``price``."""

    level = "item"

    def read(self, f: Fields) -> None:
        self.skus = set(f.text_list("skus"))
        self.categories = None
        given = [name for name in ("discount", "off", "price") if f.has(name)]
        if len(given) != 1:
            raise f.error(None, "discount（折）、off（每件减）、price（活动价）三选一")
        self.discount = f.number("discount", None)
        self.off = f.money("off", None)
        self.price = f.money("price", None)
        if self.discount is not None and self.discount <= 0:
            raise f.error("discount", f"折扣应大于 0，得到 {self.discount}")
        self.limit_per_order = f.integer("limit_per_order", None, minimum=1)

    def unit_price(self, list_price: Decimal) -> Decimal:
        if self.discount is not None:
            return round_cent(list_price * self.discount / 10)
        if self.off is not None:
            return max(list_price - self.off, Decimal("0.00"))
        assert self.price is not None  # exactly one of discount, off, price (checked on reading)
        return self.price

    def unit_prices(self, sku: str, list_prices: list[Decimal]) -> list[Decimal | None]:
        if sku not in (self.skus or ()):
            return [None] * len(list_prices)
        limit = self.limit_per_order if self.limit_per_order is not None else len(list_prices)
        return [self.unit_price(p) if i < limit else None for i, p in enumerate(list_prices)]

    def offer_text(self) -> str:
        if self.discount is not None:
            return f"限时{zhe(self.discount)}"
        if self.off is not None:
            return f"限时每件减{yuan(self.off)}元"
        return f"活动价{yuan(self.price or 0)}元"

    def describe(self, title: Any = str) -> str:
        limit = f"（每单限{self.limit_per_order}件）" if self.limit_per_order else ""
        return f"{self.scope_text(title)}{self.offer_text()}{limit}"


class Bundle(Rule):
    """搭配套餐: these items together for one price; the engine picks how many instances."""

    level = "bundle"

    def read(self, f: Fields) -> None:
        items = f.mapping("items")
        parsed: dict[str, int] = {}
        for sku, qty in items.items():
            if isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                raise f.error("items", f"{sku} 的件数应为正整数，得到 {qty!r}")
            parsed[str(sku)] = qty
        if not parsed:
            raise f.error("items", "套餐至少要有一个商品")
        self.items = parsed
        self.price = f.money("price")

    def skus_used(self) -> set[str]:
        return set(self.items)

    def describe(self, title: Any = str) -> str:
        parts = "+".join(title(s) + (f"×{q}" if q > 1 else "") for s, q in self.items.items())
        return f"{parts}套餐价{yuan(self.price)}元"


@dataclass(frozen=True)
class Tier:
    at: Decimal | int
    off: Decimal | None = None
    discount: Decimal | None = None
    gift: str | None = None
    free_shipping: bool = False


class Tiered(ScopedRule):
    """满减 / 满件折 / 满就送: the highest tier reached applies (or 每满 with ``repeat``)."""

    level = "order"

    def read(self, f: Fields) -> None:
        self.read_scope(f)
        self.basis = f.text("basis", "amount")
        if self.basis not in ("amount", "quantity"):
            raise f.error("basis", f"应为 amount（按金额）或 quantity（按件数），得到 {self.basis!r}")
        self.repeat = f.flag("repeat", False)
        self.cap = f.money("cap", None)
        self.tiers = [self._read_tier(t) for t in f.sub_list("tiers")]
        if self.repeat:
            if len(self.tiers) != 1:
                raise f.error("tiers", "repeat（每满减）只能有一个档位")
            if self.tiers[0].off is None or not self.tiers[0].at:
                raise f.error("tiers", "repeat（每满减）的档位要写 at（大于 0）和 off")
        elif self.cap is not None:
            raise f.error("cap", "cap（封顶）只用于 repeat: true 的每满减")

    def _read_tier(self, t: Fields) -> Tier:
        at = t.integer("at", minimum=1) if self.basis == "quantity" else t.money("at")
        if t.has("off") and t.has("discount"):
            raise t.error("discount", "一个档位只能写 off（减）或 discount（折）之一")
        discount = t.number("discount", None)
        if discount is not None and not 0 < discount < 10:
            raise t.error("discount", f"折扣应在 0 到 10 之间（如 9 表示九折），得到 {discount}")
        tier = Tier(
            at=at,
            off=t.money("off", None),
            discount=discount,
            gift=t.text("gift", None),
            free_shipping=t.flag("free_shipping", False),
        )
        t.finish()
        if tier.off is None and tier.discount is None and tier.gift is None and not tier.free_shipping:
            raise t.error(None, "档位没有任何优惠：写 off、discount、gift 或 free_shipping")
        return tier

    def _measure(self, m: Measure) -> Decimal | int:
        return m.amount if self.basis == "amount" else m.qty

    def _unit(self) -> str:
        return "元" if self.basis == "amount" else "件"

    def tier_text(self, tier: Tier) -> str:
        cache = self.__dict__.setdefault("_tier_texts", {})
        if tier not in cache:
            cache[tier] = self._tier_text(tier)
        return cache[tier]

    def _tier_text(self, tier: Tier) -> str:
        if self.repeat:
            text = f"每满{yuan(tier.at)}{self._unit()}减{yuan(_every(tier))}元"
            return text + (f"（最多减{yuan(self.cap)}元）" if self.cap is not None else "")
        parts = [f"满{yuan(tier.at)}{self._unit() if self.basis == 'quantity' else ''}"]
        if tier.off is not None:
            parts.append(f"减{yuan(tier.off)}")
        if tier.discount is not None:
            parts.append(f"打{zhe(tier.discount)}")
        text = "".join(parts)
        extras = [f"送{tier.gift}"] if tier.gift else []
        if tier.free_shipping:
            extras.append("包邮")
        return "，".join([text, *extras]) if extras else text

    def reached(self, m: Measure) -> Tier | None:
        measure = self._measure(m)
        best = None
        for tier in self.tiers:
            if tier.at <= measure and (best is None or tier.at >= best.at):
                best = tier
        return best

    def reward(self, m: Measure) -> Reward | None:
        tier = self.reached(m)
        if tier is None:
            return None
        if self.repeat:
            times = int(self._measure(m) // tier.at)
            total = _every(tier) * times
            if self.cap is not None:
                total = min(total, self.cap)
            label = f"{self.tier_text(tier)}（{times}次）" if times > 1 else self.tier_text(tier)
            return Reward(total, label, tier.gift, tier.free_shipping)
        amount = Decimal("0.00")
        if tier.off is not None:
            amount = tier.off
        elif tier.discount is not None:
            amount = m.owed - round_cent(m.owed * tier.discount / 10)
        return Reward(amount, self.tier_text(tier), tier.gift, tier.free_shipping)

    def next_step(self, m: Measure) -> NextStep | None:
        measure = self._measure(m)
        if self.repeat:
            tier = self.tiers[0]
            times = int(measure // tier.at)
            every = _every(tier)
            if self.cap is not None and every * times >= self.cap:
                return None
            extra = every if self.cap is None else min(every, self.cap - every * times)
            return NextStep(
                tier.at * (times + 1) - measure, self._unit(), self.tier_text(tier), extra, tier.gift
            )
        now = self.reached(m)
        for nxt in sorted((t for t in self.tiers if t.at > measure), key=lambda t: t.at):
            extra = None
            if nxt.off is not None:
                now_off = now.off if now is not None and now.off is not None else Decimal("0.00")
                extra = nxt.off - now_off
                if extra <= 0:
                    # a higher tier that takes off no more (a campaign `promo check` rejects):
                    # never offered as 再减 a negative amount; only a new gift or 包邮 makes it worth it
                    if not self._adds_something(nxt, now):
                        continue
                    extra = None
            elif (
                now is not None
                and now.discount is not None
                and nxt.discount is not None
                and nxt.discount >= now.discount
                and not self._adds_something(nxt, now)
            ):
                continue  # not a deeper 折
            return NextStep(nxt.at - measure, self._unit(), self.tier_text(nxt), extra, nxt.gift)
        return None

    @staticmethod
    def _adds_something(nxt: Tier, now: Tier | None) -> bool:
        return bool(
            (nxt.gift and (now is None or nxt.gift != now.gift))
            or (nxt.free_shipping and (now is None or not now.free_shipping))
        )

    def describe(self, title: Any = str) -> str:
        scope = self.scope_text(title)
        tiers = "，".join(self.tier_text(t) for t in self.tiers)
        return f"{scope}{'：' if scope else ''}{tiers}"


def _every(tier: Tier) -> Decimal:
    """The ``off`` of a 每满 (``repeat``) tier, which the loader requires."""
    assert tier.off is not None
    return tier.off


class Coupon(ScopedRule):
    """店铺优惠券: ``off`` when the scope's L1 amount reaches ``at`` (0 = 无门槛). At most one per order."""

    level = "coupon"

    def read(self, f: Fields) -> None:
        self.read_scope(f)
        self.at = f.money("at", Decimal("0.00"))
        self.off = f.money("off")
        if self.off <= 0:
            raise f.error("off", "优惠券面额应大于 0")

    def reward(self, m: Measure) -> Reward | None:
        if m.amount < self.at:
            return None
        label = self.__dict__.get("_label")
        if label is None:
            label = self.__dict__["_label"] = self.describe()
        return Reward(self.off, label)

    def next_step(self, m: Measure) -> NextStep | None:
        return None

    def describe(self, title: Any = str) -> str:
        scope = self.scope_text(title)
        threshold = f"满{yuan(self.at)}元" if self.at else "无门槛"
        return f"{scope}{threshold}优惠券减{yuan(self.off)}元"


class FreeShipping(Rule):
    """包邮: free shipping when the order's L1 amount reaches ``at``, except in ``exclude_regions``."""

    level = "shipping"

    def read(self, f: Fields) -> None:
        self.at = f.money("at", Decimal("0.00"))
        self.exclude_regions = f.text_list("exclude_regions", [])

    def excluded(self, region: str | None) -> bool:
        return bool(region) and any(r in (region or "") for r in self.exclude_regions)

    def frees(self, m: Measure, region: str | None) -> bool:
        return m.amount >= self.at and not self.excluded(region)

    def next_step(self, m: Measure, region: str | None) -> NextStep | None:
        if self.excluded(region) or m.amount >= self.at:
            return None
        return NextStep(self.at - m.amount, "元", "包邮")

    def describe(self, title: Any = str) -> str:
        text = f"满{yuan(self.at)}元包邮" if self.at else "全场包邮"
        if self.exclude_regions:
            text += f"（{'、'.join(self.exclude_regions)}除外）"
        return text


def is_active(rule: Any, at: datetime) -> bool:
    return rule.start <= at < rule.end


def describe(rule: Any, title: Any = str) -> str:
    """A rule's short Chinese description; plugin rules may leave ``describe`` out."""
    method = getattr(rule, "describe", None)
    return str(method(title)) if method is not None else f"{rule.type}活动"


def skus_of(rule: Any) -> set[str]:
    method = getattr(rule, "skus_used", None)
    if method is not None:
        return set(method())
    if getattr(rule, "level", None) == "bundle":
        return set(rule.items)
    return set(getattr(rule, "skus", None) or ())


BUILTIN_TYPES: dict[str, type[Rule]] = {
    "limited_time_discount": LimitedTimeDiscount,
    "bundle": Bundle,
    "tiered": Tiered,
    "coupon": Coupon,
    "free_shipping": FreeShipping,
}
