"""Splitting an amount over parts in whole cents (largest-remainder method, 最大余额法).

Used for every split in the promo engine: a bundle price over its units, an
order-level discount over its lines, a line's paid amount over its units.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cstool.money import CENT


def to_cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) * CENT).quantize(CENT)


def split_cents(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents in proportion to ``weights`` (non-negative integers).

    Each part first gets the floor of its exact share; the cents left over go
    one each to the parts with the larger remainder, then the larger weight,
    then the earlier position. The parts always add up to ``total`` exactly.
    """
    weight_sum = sum(weights)
    if weight_sum <= 0:
        if total:
            raise ValueError("cannot split a non-zero amount over zero weights")
        return [0] * len(weights)
    shares = []
    remainders = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(total * weight, weight_sum)
        shares.append(share)
        remainders.append((-remainder, -weight, index))
    left = total - sum(shares)
    for _, _, index in sorted(remainders)[:left]:
        shares[index] += 1
    return shares


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """:func:`split_cents` for Decimal yuan amounts."""
    return [from_cents(c) for c in split_cents(to_cents(amount), [to_cents(w) for w in weights])]


def split_even(amount: Decimal, parts: int) -> list[Decimal]:
    """``amount`` over ``parts`` equal units; earlier units take the extra cents."""
    return [from_cents(c) for c in split_cents(to_cents(amount), [1] * parts)]
