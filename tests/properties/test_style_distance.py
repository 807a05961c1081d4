"""Laws of the evaluation's distances and of style_distance."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.evaluation import (
    compare_styles,
    distinct_n,
    ks_distance,
    total_variation,
    weighted_jaccard_distance,
)


numbers = st.lists(st.integers(min_value=0, max_value=50).map(float), max_size=30)
categories = st.dictionaries(st.sampled_from("abcde"), st.integers(min_value=0, max_value=9))
weights = st.dictionaries(st.sampled_from("abcde"), st.floats(min_value=0, max_value=1))
replies = st.lists(
    st.text(alphabet=st.sampled_from("abc ABC ıİşğ.!?\n😂lolhaha"), max_size=40), max_size=12
)


class TestDistances:
    @given(numbers, numbers)
    def test_ks_is_a_bounded_symmetric_distance(self, a: list[float], b: list[float]) -> None:
        """ks_distance lies in [0, 1], is symmetric and is 0 from a sample to itself."""
        d = ks_distance(a, b)

        assert 0.0 <= d <= 1.0
        assert d == ks_distance(b, a)
        assert 0.0 == ks_distance(a, list(reversed(a)))

    @given(numbers.filter(bool), st.integers(min_value=1, max_value=4))
    def test_ks_ignores_sample_size(self, a: list[float], times: int) -> None:
        """Repeating a sample does not change its distribution: distance 0."""
        assert 0.0 == ks_distance(a, a * times)

    @given(categories, categories)
    def test_total_variation_bounded_symmetric(self, a: dict[str, int], b: dict[str, int]) -> None:
        """total_variation lies in [0, 1], is symmetric and is 0 on identical counts."""
        d = total_variation(Counter(a), Counter(b))

        assert 0.0 <= d <= 1.0
        assert abs(d - total_variation(Counter(b), Counter(a))) < 1e-12
        assert 0.0 == total_variation(Counter(a), Counter(a))

    @given(weights, weights)
    def test_weighted_jaccard_bounded_symmetric(
        self, a: dict[str, float], b: dict[str, float]
    ) -> None:
        """weighted_jaccard_distance lies in [0, 1], is symmetric, 0 on identical weights."""
        d = weighted_jaccard_distance(a, b)

        assert 0.0 <= d <= 1.0 + 1e-12
        assert abs(d - weighted_jaccard_distance(b, a)) < 1e-12
        assert 0.0 == weighted_jaccard_distance(a, a)


class TestStyleDistance:
    @given(replies, replies)
    def test_bounded_and_symmetric_parts(self, person: list[str], clone: list[str]) -> None:
        """style_distance lies in [0, 1], and so does each part, whichever side is which."""
        forward = compare_styles(person, clone)
        backward = compare_styles(clone, person)

        assert 0.0 <= forward.distance <= 1.0
        assert all(0.0 <= d <= 1.0 for d in forward.components.values())
        assert forward.components.keys() == backward.components.keys()
        for name, value in forward.components.items():
            assert abs(value - backward.components[name]) < 1e-9, name

    @given(replies, st.randoms())
    def test_zero_for_the_same_replies(self, person: list[str], random: object) -> None:
        """The same replies in another order are indistinguishable from the person: 0."""
        shuffled = list(person)
        random.shuffle(shuffled)  # type: ignore[attr-defined]

        assert 0.0 == compare_styles(person, shuffled).distance


class TestDistinctN:
    @given(replies, st.integers(min_value=1, max_value=3))
    def test_a_share(self, texts: list[str], n: int) -> None:
        """distinct-n is a share in (0, 1]."""
        assert 0.0 < distinct_n(texts, n) <= 1.0

    @given(st.text(alphabet="abc ", min_size=1, max_size=20), st.integers(2, 20))
    def test_repeating_lowers_it(self, text: str, times: int) -> None:
        """Saying the same reply again never raises distinct-1."""
        assert distinct_n([text] * times, 1) <= distinct_n([text], 1)
