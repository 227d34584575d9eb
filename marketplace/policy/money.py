"""Exact money in yuan.

Amounts are computed as `fractions.Fraction` (exact, no binary floating point and
no intermediate Decimal rounding) and turned into a `Decimal` with two places by
`round_money`, once, at the end of a computation (POLICY.md section 0).
**[choice]** Half-up means half away from zero; amounts are never negative in
practice, so this is the ordinary "四舍五入".
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Union

Number = Union[int, Decimal, Fraction]

CENT = Decimal("0.01")


def exact(value: Number) -> Fraction:
    """Return `value` as an exact Fraction (Decimal converts without loss)."""
    return Fraction(value)


def round_money(value: Number) -> Decimal:
    """Round an exact amount half-up to 0.01 yuan; the only rounding step."""
    frac = Fraction(value)
    cents = frac * 100
    sign = -1 if cents < 0 else 1
    cents = abs(cents)
    whole = cents.numerator // cents.denominator
    if (cents - whole) * 2 >= 1:
        whole += 1
    return (Decimal(sign * whole) * CENT).quantize(CENT)


def format_money(value: Decimal) -> str:
    """Render a rounded amount as the contract's decimal string, e.g. '9000.00'."""
    return str(value.quantize(CENT))
