"""Tests for persona_clone.dataset.split (SessionSplit, DuplicateCap)."""

from __future__ import annotations

import pytest

from dataset_support import chat
from persona_clone import Merger
from persona_clone.dataset import (
    DuplicateCap,
    Example,
    SessionSplit,
    near_duplicate_key,
    repeat_key,
)


def example(*persona_texts: str) -> Example:
    turns = tuple(
        Merger().merge(
            chat(
                *[
                    (("Deniz" if i % 2 else "Ayşe"), t)
                    for i, t in enumerate(x for text in persona_texts for x in ("?", text))
                ]
            )
        )
    )
    flags = tuple(t.author is not None and t.author.name == "Deniz" for t in turns)
    return Example(
        session="s",
        turns=turns,
        persona=flags,
        trained=flags,
        quoted=(False,) * len(turns),
    )


class TestSessionSplit:
    def test_share_is_roughly_kept_and_deterministic(self) -> None:
        """About the given share of sessions is held out, the same way every run."""
        split = SessionSplit(validation_share=0.2, seed=3)
        keys = [f"chat.txt|{i}|t" for i in range(2_000)]

        held = [k for k in keys if split.is_validation(k)]

        assert 300 < len(held) < 500
        assert held == [
            k for k in keys if SessionSplit(validation_share=0.2, seed=3).is_validation(k)
        ]

    def test_seed_changes_the_split(self) -> None:
        """Another seed draws another split."""
        keys = [f"k{i}" for i in range(200)]
        a = [SessionSplit(validation_share=0.5, seed=1).is_validation(k) for k in keys]
        b = [SessionSplit(validation_share=0.5, seed=2).is_validation(k) for k in keys]

        assert a != b

    def test_share_must_be_below_one(self) -> None:
        """Holding out everything would leave nothing to train."""
        with pytest.raises(ValueError, match="share"):
            SessionSplit(validation_share=1.0)


class TestDuplicateCap:
    def test_near_duplicates(self) -> None:
        """Case, punctuation and repeated runs do not make a turn new."""
        assert {"haha"} == {near_duplicate_key(t) for t in ("haha", "HAHAHA!!", "hahaha")}
        assert {"ha"} == {near_duplicate_key(t) for t in ("ha", "Ha!", "ha ha")}
        assert "lol" == near_duplicate_key("looool")

    def test_key_is_the_repeat_key(self) -> None:
        """A short turn's key is the one near-duplicate key the phrase report uses."""
        texts = ("LOL lol loool!!", "IŞIK geldi", "😂😂😂", "???", "ok tamam tamam")

        assert [repeat_key(t) for t in texts] == [near_duplicate_key(t) for t in texts]

    def test_long_and_empty_turns_are_never_duplicates(self) -> None:
        """Long texts and texts without a key are not tracked."""
        assert [None, None] == [near_duplicate_key("bir iki " * 40), near_duplicate_key("  ")]

    def test_turns_over_the_cap_become_context(self) -> None:
        """The third 'haha' is untrained; an example with nothing left is dropped."""
        cap = DuplicateCap(max_repeats=2)

        first = cap(example("haha", "hahaha"))
        second = cap(example("HAHA", "bence git"))
        third = cap(example("haha!"))

        assert first is not None
        assert second is not None
        assert [False, True] == [
            t for p, t in zip(second.persona, second.trained, strict=True) if p
        ]
        assert third is None
        assert 2 == cap.capped
