"""``promo check``: platform limits, time windows, overlaps, and below-cost prices.

The platform limits (0.1折, 1 元, 5 items per bundle…) are data in the KB's
``promo-limits.yaml``, each marked whether it has been verified; none are
written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any

from cstool import yamlio
from cstool.errors import BadInput
from cstool.kb import bundled_kb_path
from cstool.money import fmt

from .model import Campaign
from .rules import Bundle, Coupon, LimitedTimeDiscount, Tiered, skus_of, yuan

LIMITS_FILE = "promo-limits.yaml"


@dataclass
class Finding:
    level: str  # "error" | "warning"
    code: str
    rule: str | None
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "code": self.code,
            "rule": self.rule,
            "message": self.message,
            **self.extra,
        }


@dataclass
class Limits:
    values: dict[str, Any]
    verified: dict[str, bool]
    path: Path

    def __getitem__(self, name: str) -> Any:
        if name not in self.values:
            raise BadInput(f"平台限制文件缺少 {name}", path=self.path)
        return self.values[name]

    def note(self, name: str) -> str:
        return "" if self.verified.get(name) else "（该平台限制尚未核实，见 promo-limits.yaml）"


def load_limits(kb: Any) -> Limits:
    """The team KB's limits file, else the one of the bundled starter KB."""
    path = Path(kb.root) / LIMITS_FILE
    if not path.exists():
        path = bundled_kb_path() / LIMITS_FILE
    data = yamlio.load(path)
    entries = data.get("limits") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise BadInput("平台限制文件应有 limits: 下的各项限制", path=path, line=1)
    values, verified = {}, {}
    for name, entry in entries.items():
        line = yamlio.line_of(entries, name)
        if not isinstance(entry, dict) or "value" not in entry or not isinstance(entry.get("verified"), bool):
            raise BadInput(
                f"限制 {name} 应写成 {{value: …, verified: true/false, source: 出处}}", path=path, line=line
            )
        if isinstance(entry["value"], float):
            raise BadInput(f"限制 {name} 的值应按文本精确读取", path=path, line=line)
        values[str(name)] = entry["value"]
        verified[str(name)] = entry["verified"]
    return Limits(values, verified, path)


def check_campaign(
    campaign: Campaign, limits: Limits, *, aov: Decimal | None = None, below_cost: bool = True
) -> list[Finding]:
    findings: list[Finding] = []
    findings += _windows(campaign)
    for rule in campaign.rules:
        lint = _LINTERS.get(type(rule)) or getattr(rule, "lint", None)
        if lint is None:
            continue
        if type(rule) in _LINTERS:
            findings += lint(rule, campaign, limits, aov)
        else:  # a plugin rule's own checks: (level, code, message) tuples
            findings += [
                Finding(level, code, rule.id, message) for level, code, message in lint(campaign, limits)
            ]
    findings += _bundle_count(campaign, limits)
    findings += _overlaps(campaign)
    if campaign.catalog:
        findings += _catalog_checks(campaign)
        if below_cost:
            findings += _below_cost(campaign)
    return findings


def _windows(c: Campaign) -> list[Finding]:
    found = []
    if c.end <= c.start:
        found.append(Finding("error", "window", None, "活动结束时间不晚于开始时间"))
    for rule in c.rules:
        if rule.end <= rule.start:
            found.append(Finding("error", "window", rule.id, "规则结束时间不晚于开始时间"))
        elif rule.start < c.start or rule.end > c.end:
            found.append(Finding("error", "window", rule.id, "规则的时间超出了活动时间"))
    return found


def _lint_ltd(rule: LimitedTimeDiscount, c: Campaign, limits: Limits, aov: Decimal | None) -> list[Finding]:
    found = []
    low, high = Decimal(limits["ltd_min_discount"]), Decimal(limits["ltd_max_discount"])
    if rule.discount is not None and not low <= rule.discount < high:
        found.append(
            Finding(
                "error",
                "ltd-rate",
                rule.id,
                f"折扣 {yuan(rule.discount)} 折超出平台允许的范围 [{yuan(low)}, {yuan(high)}) 折"
                + limits.note("ltd_min_discount"),
            )
        )
    floor = Decimal(limits["ltd_min_price"])
    for sku in sorted(rule.skus or ()):
        product = c.catalog.get(sku)
        if rule.price is None and product is None:
            continue
        price = rule.unit_price(product.price if product else Decimal(0))
        if price < floor:
            found.append(
                Finding(
                    "error",
                    "ltd-min-price",
                    rule.id,
                    f"{c.title(sku)} 折后单价 {fmt(price)} 元，低于平台最低 {fmt(floor)} 元"
                    + limits.note("ltd_min_price"),
                )
            )
    return found


def _lint_bundle(rule: Bundle, c: Campaign, limits: Limits, aov: Decimal | None) -> list[Finding]:
    found = []
    size, low, high = len(rule.items), int(limits["bundle_min_items"]), int(limits["bundle_max_items"])
    if not low <= size <= high:
        found.append(
            Finding(
                "error",
                "bundle-size",
                rule.id,
                f"套餐有 {size} 个商品，应为 {low}–{high} 个" + limits.note("bundle_max_items"),
            )
        )
    if all(s in c.catalog for s in rule.items):
        parts = sum((c.catalog[s].price * q for s, q in rule.items.items()), Decimal("0.00"))
        if rule.price >= parts:
            found.append(
                Finding(
                    "error",
                    "bundle-price",
                    rule.id,
                    f"套餐价 {fmt(rule.price)} 元不低于单品原价之和 {fmt(parts)} 元",
                )
            )
    return found


def _lint_tiered(rule: Tiered, c: Campaign, limits: Limits, aov: Decimal | None) -> list[Finding]:
    found = []
    tiers = rule.tiers
    for before, after in zip(tiers, tiers[1:], strict=False):
        if after.at <= before.at:
            found.append(
                Finding(
                    "error",
                    "tier-order",
                    rule.id,
                    f"门槛应逐档递增：满{yuan(before.at)} 之后是 满{yuan(after.at)}",
                )
            )
        if before.off is not None and after.off is not None and after.off <= before.off:
            found.append(
                Finding(
                    "error",
                    "tier-order",
                    rule.id,
                    f"优惠应逐档递增：减{yuan(before.off)} 之后是 减{yuan(after.off)}",
                )
            )
        if before.discount is not None and after.discount is not None and after.discount >= before.discount:
            found.append(
                Finding(
                    "error",
                    "tier-order",
                    rule.id,
                    f"折扣应逐档加深：{yuan(before.discount)}折 之后是 {yuan(after.discount)}折",
                )
            )
    if rule.basis == "amount":
        for tier in tiers:
            if tier.off is not None and tier.off >= tier.at:
                found.append(
                    Finding(
                        "error", "tier-order", rule.id, f"满{yuan(tier.at)}减{yuan(tier.off)}：优惠不低于门槛"
                    )
                )
    most = int(limits["tier_max_count"])
    if len(tiers) > most:
        found.append(
            Finding(
                "warning",
                "tier-count",
                rule.id,
                f"有 {len(tiers)} 档优惠，建议不超过 {most} 档" + limits.note("tier_max_count"),
            )
        )
    if aov is not None and rule.basis == "amount":
        first = min(t.at for t in tiers)
        low, high = aov * Decimal(limits["tier_aov_low"]), aov * Decimal(limits["tier_aov_high"])
        if not low <= first <= high:
            found.append(
                Finding(
                    "warning",
                    "tier-aov",
                    rule.id,
                    f"第一档门槛 {yuan(first)} 元不在客单价 {fmt(aov)} 元的 110%–130%（{fmt(low)}–{fmt(high)} 元）之间",
                )
            )
    return found


def _lint_coupon(rule: Coupon, c: Campaign, limits: Limits, aov: Decimal | None) -> list[Finding]:
    found = []
    if rule.at and rule.off >= rule.at:
        found.append(
            Finding(
                "error",
                "coupon-value",
                rule.id,
                f"优惠券面额 {yuan(rule.off)} 元不低于使用门槛 {yuan(rule.at)} 元",
            )
        )
    faces = [Decimal(str(v)) for v in limits["coupon_face_values"]]
    if rule.off not in faces:
        allowed = "、".join(yuan(v) for v in faces)
        found.append(
            Finding(
                "warning",
                "coupon-value",
                rule.id,
                f"优惠券面额 {yuan(rule.off)} 元不是平台常见面额（{allowed}）"
                + limits.note("coupon_face_values"),
            )
        )
    return found


_LINTERS: dict[type, Any] = {
    LimitedTimeDiscount: _lint_ltd,
    Bundle: _lint_bundle,
    Tiered: _lint_tiered,
    Coupon: _lint_coupon,
}


def _bundle_count(c: Campaign, limits: Limits) -> list[Finding]:
    count, most = sum(1 for r in c.rules if r.level == "bundle"), int(limits["bundle_max_count"])
    if count > most:
        return [
            Finding(
                "error",
                "bundle-count",
                None,
                f"有 {count} 个搭配套餐，平台最多 {most} 个" + limits.note("bundle_max_count"),
            )
        ]
    return []


def _overlaps(c: Campaign) -> list[Finding]:
    found = []
    items = [r for r in c.rules if r.level == "item"]
    for a, b in combinations(items, 2):
        shared = skus_of(a) & skus_of(b)
        if shared and a.start < b.end and b.start < a.end:
            names = "、".join(c.title(s) for s in sorted(shared))
            found.append(
                Finding("error", "overlap", b.id, f"{names} 同时在 {a.id} 和 {b.id} 两个单品优惠里，时间重叠")
            )
    return found


def _catalog_checks(c: Campaign) -> list[Finding]:
    found = []
    for rule in c.rules:
        skus = skus_of(rule)
        for sku in sorted(skus - set(c.catalog)):
            found.append(Finding("error", "unknown-sku", rule.id, f"商品表里没有 {sku}"))
        if rule.level not in ("item", "bundle"):
            continue
        for sku in sorted(skus & set(c.catalog)):
            product = c.catalog[sku]
            if product.listed_at is not None and product.listed_at > c.start:
                found.append(
                    Finding(
                        "error",
                        "listing-window",
                        rule.id,
                        f"{c.title(sku)} 上架时间 {product.listed_at:%Y-%m-%d %H:%M} 晚于活动开始",
                    )
                )
            if product.delisted_at is not None and product.delisted_at < c.end:
                found.append(
                    Finding(
                        "error",
                        "listing-window",
                        rule.id,
                        f"{c.title(sku)} 下架时间 {product.delisted_at:%Y-%m-%d %H:%M} 早于活动结束",
                    )
                )
    return found


def _below_cost(c: Campaign) -> list[Finding]:
    from .below_cost import lowest_prices, rule_text

    found = []
    for sku, witness in sorted(lowest_prices(c).items()):
        cost = c.catalog[sku].cost
        assert cost is not None  # only SKUs with a cost are searched
        found.append(
            Finding(
                "error",
                "below-cost",
                None,
                f"{c.title(sku)} 最低可卖到 {fmt(witness.unit_price)} 元/件，低于成本 {fmt(cost)} 元"
                f"（叠加：{rule_text(c, witness)}）",
                {"sku": sku, "unit_price": witness.unit_price, "cost": cost, "witness": witness.to_dict()},
            )
        )
    return found
