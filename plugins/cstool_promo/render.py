"""Output: Chinese text an agent can read and paste, and the JSON contracts."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from cstool.money import fmt

from .engine import NextTier, Quote
from .refund import Refund
from .rules import yuan

TYPE_NAMES = {
    "limited_time_discount": "限时折扣",
    "bundle": "搭配套餐",
    "tiered": "满减",
    "coupon": "优惠券",
    "free_shipping": "包邮",
}


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def rjust(text: str, n: int) -> str:
    return " " * max(0, n - width(text)) + text


def minus(amount: Decimal) -> str:
    """A discount column: ``-29.70``; an amount that adds to the price shows as ``+5.00``, never ``--5.00``."""
    if amount > 0:
        return f"-{fmt(amount)}"
    if amount < 0:
        return f"+{fmt(-amount)}"
    return "0.00"


def shipping_text(q: Quote) -> str:
    """The shipping line of a quote: free (and by which rule), a fee, or 运费另计 when none is known."""
    if q.free_shipping_rule:
        saved = f"，省 ¥{fmt(q.shipping_fee)}" if q.shipping_fee else ""
        return f"¥0.00（包邮：{q.free_shipping_rule}{saved}）"
    why = f"（{q.region}不参加包邮：{q.excluded_by}）" if q.excluded_by else ""
    if q.shipping is None:
        return f"运费另计{why}（用 --shipping-fee 写明运费）"
    return f"¥{fmt(q.shipping)}{why}"


def need_text(step: NextTier) -> str:
    return f"{fmt(Decimal(step.need))} 元" if step.unit == "元" else f"{step.need} 件"


def next_message(step: NextTier) -> str:
    """``再买 1.70 元可享满299减40，送小样（比现在再省 20.00 元）``."""
    scope = f"（{step.scope}）" if step.scope else ""
    if step.gives == "包邮":
        return f"再买 {need_text(step)}就包邮"
    extra = f"，比现在再省 {yuan(step.extra)} 元" if step.extra and step.extra > 0 else ""
    return f"再买 {need_text(step)}{scope}可享{step.gives}{extra}"


# ---------------------------------------------------------------- quote


def quote_text(q: Quote, campaign: Any = None) -> str:
    rows = [("商品", "数量", "原价小计", "单品优惠", "活动分摊", "实付", "")]
    for line in q.lines:
        rows.append(
            (
                f"{line.sku} {line.title}" if line.title != line.sku else line.sku,
                str(line.qty),
                fmt(line.list_amount),
                minus(line.item_saving),
                minus(line.order_discount),
                fmt(line.paid),
                _line_rules(q, line),
            )
        )
    widths = [max(width(r[i]) for r in rows) for i in range(6)]
    at = q.at.astimezone(campaign.tz) if campaign is not None else q.at  # the campaign's zone
    out = [f"{q.campaign} · 下单时间 {at:%Y-%m-%d %H:%M}" + (f" · 收货地区 {q.region}" if q.region else "")]
    if campaign is not None and not campaign.start <= q.at < campaign.end:
        from .summary import window_text

        out.append(
            f"注意：下单时间不在活动时间内（活动时间：{window_text(campaign.start, campaign.end)}），按原价计算"
        )
    for row in rows:
        cells = [ljust(row[0], widths[0])] + [rjust(c, w) for c, w in zip(row[1:6], widths[1:], strict=True)]
        out.append("  ".join(cells) + (f"  {row[6]}" if row[6] else ""))
    out.append("")
    out.append(f"商品原价  ¥{fmt(q.list_total)}")
    for a in q.applied:
        if a.level == "shipping":
            continue
        gift = f"，送{a.gift}" if a.gift and a.gift not in a.label else ""
        sign = f"-¥{fmt(a.amount)}" if a.amount >= 0 else f"+¥{fmt(-a.amount)}"
        out.append(f"  {TYPE_NAMES.get(a.type, a.type)}（{a.rule}）{a.label}{gift}  {sign}")
    saving = f"（共优惠 ¥{fmt(q.saving)}）" if q.saving > 0 else ""
    out.append(f"商品实付  ¥{fmt(q.goods_total)}{saving}")
    out.append(f"运费      {shipping_text(q)}")
    out.append(f"应付合计  ¥{fmt(q.total)}" + ("（不含运费，运费另计）" if q.shipping is None else ""))
    if q.gifts:
        out.append("赠品      " + "、".join(g["gift"] for g in q.gifts))
    for step in q.next:
        out.append(f"凑单      {next_message(step)}（{step.rule}）")
    out.append("")
    out.append("复制给买家：")
    out.append(buyer_message(q))
    return "\n".join(out)


def _line_rules(q: Quote, line: Any) -> str:
    parts = []
    for rule_id, (units, _) in line.pricing.items():
        if rule_id is not None:
            parts.append(rule_id if units == line.qty else f"{rule_id}×{units}")
    parts.extend(line.shares)
    return "、".join(parts)


def buyer_message(q: Quote) -> str:
    """The sentence an agent pastes to the buyer: 亲，这样拍共 …元，已享 …，再买 …元可再减 …"""
    excluded = f"，{q.region}不参加包邮" if q.excluded_by else ""
    if q.shipping is None:
        text = f"亲，这样拍商品共 {fmt(q.total)} 元（运费另计{excluded}）"
    else:
        text = f"亲，这样拍共 {fmt(q.total)} 元"
        if q.free_shipping_rule:
            text += "（已包邮）"
        elif q.shipping:
            text += f"（含运费 {fmt(q.shipping)} 元{excluded}）"
    kinds = []
    for a in q.applied:
        name = TYPE_NAMES.get(a.type, a.label)
        if a.level != "shipping" and a.amount > 0 and name not in kinds:
            kinds.append(name)
    if q.saving > 0 and kinds:
        text += f"，已享{'、'.join(kinds)}，共优惠 {fmt(q.saving)} 元"
    if q.gifts:
        text += f"，还送{'、'.join(g['gift'] for g in q.gifts)}"
    if q.next:
        step = q.next[0]
        if step.gives == "包邮":
            text += f"；再买 {need_text(step)}就包邮啦"
        elif step.extra is not None and step.extra > 0:
            text += f"；再买 {need_text(step)}{'（' + step.scope + '）' if step.scope else ''}可再减 {yuan(step.extra)} 元"
            if step.gift and not q.gifts:
                text += f"，还送{step.gift}"
        elif step.extra is None:
            text += f"；再买 {need_text(step)}可享{step.gives}"
    return text + "哦～"


def quote_json(q: Quote) -> dict[str, Any]:
    return {
        "campaign": q.campaign,
        "at": q.at,
        "region": q.region,
        "list_total": q.list_total,
        "goods_total": q.goods_total,
        "shipping": q.shipping,
        "shipping_known": q.shipping is not None,
        "shipping_excluded_by": q.excluded_by,
        "total": q.total,
        "saving": q.saving,
        "lines": [
            {
                "sku": ln.sku,
                "title": ln.title,
                "qty": ln.qty,
                "list_price": ln.list_price,
                "list_amount": ln.list_amount,
                "item_saving": ln.item_saving,
                "order_discount": ln.order_discount,
                "paid": ln.paid,
                "rule": ln.rule,
                "pricing": [
                    {"rule": rid, "qty": units, "amount": amount}
                    for rid, (units, amount) in ln.pricing.items()
                ],
                "shares": [{"rule": rid, "amount": amount} for rid, amount in ln.shares.items()],
            }
            for ln in q.lines
        ],
        "applied": [
            {"rule": a.rule, "type": a.type, "level": a.level, "amount": a.amount, "label": a.label}
            for a in q.applied
        ],
        "gifts": q.gifts,
        "next": [
            {
                "rule": s.rule,
                "need": s.need if isinstance(s.need, int) else Decimal(s.need),
                "unit": s.unit,
                "gives": s.gives,
                "extra": s.extra,
                "gift": s.gift,
                "message": next_message(s),
            }
            for s in q.next
        ],
        "bundles": q.bundles,
        "free_shipping_rule": q.free_shipping_rule,
        "message": buyer_message(q),
    }


# ---------------------------------------------------------------- refund


def refund_text(r: Refund) -> str:
    out = [
        f"{r.quote.campaign} · 订单时间 {r.quote.at:%Y-%m-%d %H:%M} · 订单实付 ¥{fmt(r.quote.goods_total)}"
    ]
    for line in r.lines:
        shares = " + ".join(fmt(s) for s in line.unit_refunds)
        out.append(
            f"  退 {line.sku} {line.title if line.title != line.sku else ''}×{line.returned}："
            f"该行实付 {fmt(line.line_paid)} 元共 {line.line_qty} 件，退 {shares} = {fmt(line.refund)} 元"
        )
    out.append(f"应退金额  ¥{fmt(r.total)}（运费不退；按下单时的优惠分摊计算）")
    out.append("")
    out.append("复制给买家：")
    out.append(f"亲，退回的商品按您下单时实际支付的金额退款，共 {fmt(r.total)} 元，请您查收哦～")
    return "\n".join(out)


def refund_json(r: Refund) -> dict[str, Any]:
    return {
        "campaign": r.quote.campaign,
        "refund": r.total,
        "goods_total": r.quote.goods_total,
        "lines": [
            {
                "sku": ln.sku,
                "qty": ln.returned,
                "line_qty": ln.line_qty,
                "line_paid": ln.line_paid,
                "unit_refunds": ln.unit_refunds,
                "refund": ln.refund,
            }
            for ln in r.lines
        ],
    }


# ---------------------------------------------------------------- check


def findings_text(campaign: Any, findings: list[Any]) -> str:
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    out = [f"{campaign.name}（{campaign.path}）"]
    for f in [*errors, *warnings]:
        mark = "错误" if f.level == "error" else "警告"
        out.append(f"  {mark} [{f.code}]{' ' + f.rule if f.rule else ''}：{f.message}")
        witness = f.extra.get("witness")
        if witness:
            items = " ".join(f"{i['sku']}:{i['qty']}" for i in witness["items"])
            held = ",".join(witness["coupons"] or [])
            at = witness["at"].isoformat()
            out.append(
                f"      复现：cstool promo quote {campaign.path} {items} --at '{at}' --coupons '{held}' --force"
            )
    if not findings:
        out.append("  通过：没有发现问题。")
    else:
        out.append(f"共 {len(errors)} 个错误，{len(warnings)} 个警告。")
    return "\n".join(out)
