"""Refunds: returning k units of a line refunds those units' part of its ``paid``.

A line's ``paid`` is split over its units by the largest-remainder rule
(earlier units take the extra cents) and the returned units are the last
ones, so returning every unit refunds exactly what was paid, never more.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from cstool.errors import BadInput

from .engine import Quote


@dataclass
class RefundLine:
    index: int
    sku: str
    title: str
    line_qty: int
    line_paid: Decimal
    returned: int
    unit_refunds: list[Decimal]

    @property
    def refund(self) -> Decimal:
        return sum(self.unit_refunds, Decimal("0.00"))


@dataclass
class Refund:
    quote: Quote
    lines: list[RefundLine]

    @property
    def total(self) -> Decimal:
        return sum((line.refund for line in self.lines), Decimal("0.00"))


def parse_return(text: str) -> tuple[str, int]:
    sku, sep, qty_text = text.rpartition(":")
    if not sep:
        sku, qty_text = text, "1"
    try:
        qty = int(qty_text)
    except ValueError:
        qty = 0
    if not sku.strip() or qty < 1:
        raise BadInput(f"--return 写法不对：{text!r}（应为 SKU:件数，如 A:1）")
    return sku.strip(), qty


def refund(quote: Quote, returns: list[tuple[str, int]]) -> Refund:
    """Take each SKU's returned units from its last lines first, the last units of each line first."""
    taken = [0] * len(quote.lines)
    for sku, qty in returns:
        held = sum(ln.qty - taken[ln.index] for ln in quote.lines if ln.sku == sku)
        if held < qty:
            raise BadInput(f"退货 {sku}×{qty} 超过了订单里的件数（{held} 件）")
        for line in reversed(quote.lines):
            if line.sku == sku and qty:
                n = min(qty, line.qty - taken[line.index])
                taken[line.index] += n
                qty -= n
    lines = []
    for line, n in zip(quote.lines, taken, strict=True):
        if n:
            shares = line.unit_shares()
            lines.append(
                RefundLine(line.index, line.sku, line.title, line.qty, line.paid, n, shares[line.qty - n :])
            )
    return Refund(quote, lines)
