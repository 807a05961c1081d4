"""
Distances between two samples, each between 0 (the same) and 1 (nothing alike).

They compare the distribution of a feature over the person's replies with its
distribution over the clone's, whatever the sample sizes:

- `ks_distance` for numbers (words per reply): the largest gap between the two
  empirical cumulative distributions (the Kolmogorov-Smirnov statistic).
- `total_variation` for categories (the language of a reply): half the sum of
  the gaps between the two shares of each category.
- `weighted_jaccard_distance` for how much each phrase is used: one minus the
  sum of the smaller usages over the sum of the larger ones.

All three are symmetric, 0 for identical distributions and 1 for distributions
with nothing in common.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar


__all__ = ["ks_distance", "total_variation", "weighted_jaccard_distance"]

_K = TypeVar("_K", bound=Hashable)


def ks_distance(first: Sequence[float], second: Sequence[float]) -> float:
    """
    Return the largest gap between the empirical distributions of two samples.

    An empty sample is as far as can be from a non-empty one (1.0); two empty
    samples are the same (0.0).

    Example:
        >>> ks_distance([1, 2, 3], [1, 2, 3]), ks_distance([1, 2], [5, 6])
        (0.0, 1.0)
        >>> ks_distance([1, 2], [2, 3])
        0.5

    """
    if not first or not second:
        return 0.0 if not first and not second else 1.0
    a, b = sorted(first), sorted(second)
    gap = 0.0
    for value in (*a, *b):
        gap = max(gap, abs(bisect_right(a, value) / len(a) - bisect_right(b, value) / len(b)))
    return gap


def total_variation(first: Mapping[_K, int], second: Mapping[_K, int]) -> float:
    """
    Return the total variation distance between two category counts.

    Example:
        >>> total_variation({"tr": 3, "en": 1}, {"tr": 1, "en": 3})
        0.5

    """
    first_total, second_total = sum(first.values()), sum(second.values())
    if not first_total or not second_total:
        return 0.0 if not first_total and not second_total else 1.0
    keys = set(first) | set(second)
    gaps = (
        abs(first.get(key, 0) / first_total - second.get(key, 0) / second_total) for key in keys
    )
    return min(sum(gaps) / 2, 1.0)


def weighted_jaccard_distance(first: Mapping[_K, float], second: Mapping[_K, float]) -> float:
    """
    Return one minus the weighted Jaccard similarity of two non-negative weightings.

    Two weightings that are both all zero are the same (0.0).

    Example:
        >>> weighted_jaccard_distance({"lol": 0.4, "haha": 0.2}, {"lol": 0.2, "haha": 0.2})
        0.33333333333333337

    """
    keys = set(first) | set(second)
    larger = sum(max(first.get(key, 0.0), second.get(key, 0.0)) for key in keys)
    if larger <= 0:
        return 0.0
    smaller = sum(min(first.get(key, 0.0), second.get(key, 0.0)) for key in keys)
    return 1.0 - smaller / larger
