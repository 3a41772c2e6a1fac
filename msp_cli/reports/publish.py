"""The national publication rule, and percentages honest about their denominators.

A count under 5 is set to 0, every count is rounded to the nearest 5, and what is then under
5 is shown as [c]. Percentages are computed from the unrounded figures, and suppressed where
either of their counts is [c], so no small number can be worked back out.
"""

from __future__ import annotations

SUPPRESSED = "[c]"
RULE = (
    "Published figures: counts under 5 set to 0, all counts rounded to the nearest 5, and under 5"
    " shown as [c]; percentages are computed from the unrounded figures and suppressed where"
    " either count is [c]."
)

Count = int | str


def publish_count(n: int) -> Count:
    n = 0 if n < 5 else n
    rounded = (n + 2) // 5 * 5  # nearest 5 (n is whole, so there is never a tie)
    return SUPPRESSED if rounded < 5 else rounded


def shown_count(n: int, publish: bool) -> Count:
    return publish_count(n) if publish else n


def percent(numerator: int, denominator: int | None, publish: bool = False) -> float | str | None:
    """numerator / denominator as a percentage to one decimal; None when there is no denominator."""
    if not denominator:
        return None
    if publish and SUPPRESSED in (publish_count(numerator), publish_count(denominator)):
        return SUPPRESSED
    return round(100 * numerator / denominator, 1)
