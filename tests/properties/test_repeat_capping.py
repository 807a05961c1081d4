"""Laws of repetition: keys are stable, caps hold, reports stay within their input."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.dataset import RepeatCap, near_duplicate_key, repeat_key, repeated_phrases
from persona_clone.testing.strategies import message_texts


_TEXTS = st.lists(
    st.one_of(message_texts(), st.sampled_from(["lol", "LOL", "haha", "hahaha", "😂😂"])),
    max_size=40,
)


@given(message_texts())
def test_key_is_a_fixed_point(text: str) -> None:
    """The key of a key is the key itself."""
    assert repeat_key(text) == repeat_key(repeat_key(text))


@given(message_texts())
def test_near_duplicate_key_is_the_repeat_key(text: str) -> None:
    """A build's cap keys a turn as the phrase report does, or leaves a long one untracked."""
    key = near_duplicate_key(text)

    assert key is None or key == repeat_key(text)
    assert key is not None or len(text) > 160 or not 0 < len(repeat_key(text)) <= 40


@pytest.mark.filterwarnings("ignore:RepeatCap is deprecated:DeprecationWarning")
@given(_TEXTS, st.integers(min_value=1, max_value=4))
def test_cap_keeps_an_ordered_subsequence_within_the_cap(texts: list[str], cap: int) -> None:
    """Capping keeps items in order, at most *cap* per key, and counts the rest."""
    capper = RepeatCap(max_per_key=cap)
    kept = list(capper(texts))

    remaining = iter(texts)
    assert all(any(item == other for other in remaining) for item in kept)
    assert max(Counter(map(repeat_key, kept)).values(), default=0) <= cap
    assert len(texts) == len(kept) + capper.dropped


@given(_TEXTS, _TEXTS)
def test_reported_counts_stay_within_the_input(texts: list[str], others: list[str]) -> None:
    """No phrase is counted in more texts than there are; shares agree with counts."""
    for stat in repeated_phrases(texts, others=others, min_count=1, min_share=0):
        assert 1 <= stat.count <= len(texts)
        assert stat.share == stat.count / len(texts)
