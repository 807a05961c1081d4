"""Tests for persona_clone.curation: flags, review decisions, and applying them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.curation import (
    Decision,
    Flag,
    ReviewState,
    example_key,
    flag_examples,
    flag_texts,
    kept,
    review_path,
)
from persona_clone.errors import ConfigError


def chat(*pairs: tuple[str, str]) -> dict[str, Any]:
    """A chat example from (role, content) pairs; users are called Bob."""
    return {
        "messages": [
            {"role": role, "content": content, **({"name": "Bob"} if role == "user" else {})}
            for role, content in pairs
        ]
    }


class TestFlags:
    def test_each_flag(self) -> None:
        """Laughs, one-word replies, over-used phrases and near-duplicates are flagged."""
        texts = ["hahaha", "tamam", "yine mi mesai", "yine mi", "yine mi ya", "ok", "OK", "ok!"]

        flags = flag_texts(texts, others=["naber", "ne yapıyorsun"] * 10, max_repeats=2)

        assert {Flag.LAUGHTER_ONLY, Flag.VERY_SHORT} == flags[0]
        assert {Flag.VERY_SHORT} == flags[1]
        assert Flag.OVERUSED_PHRASE in flags[2]
        assert {Flag.VERY_SHORT, Flag.NEAR_DUPLICATE} <= flags[5]

    def test_by_example(self) -> None:
        """Flags are given per example and message index, persona turns only."""
        examples = [
            chat(("user", "hi"), ("assistant", "lol")),
            chat(("assistant", "geliyorum ben")),
        ]

        found = flag_examples(examples)

        assert [{1}, set()] == [set(f) for f in found]
        assert Flag.LAUGHTER_ONLY in found[0][1]


class TestDecisions:
    def test_key_ignores_weights_not_text(self) -> None:
        """The key follows the conversation's content, not its weights."""
        one = chat(("user", "hi"), ("assistant", "lol"))
        weighted = {
            "messages": [*one["messages"][:1], {"role": "assistant", "content": "lol", "weight": 0}]
        }

        assert example_key(one) == example_key(weighted)
        assert example_key(one) != example_key(chat(("user", "hi"), ("assistant", "lol!")))

    def test_decide_and_undo(self) -> None:
        """A new decision replaces the old; undo takes back the latest."""
        state = ReviewState()
        state.decide("a", Decision.KEEP)
        state.decide("b", Decision.DROP)
        state.decide("a", Decision.DROP)

        assert ["b", "a"] == state.history
        assert "a" == state.undo()
        assert {"b": Decision.DROP} == state.decisions
        assert 1 == state.first_undecided(["b", "a"])

    def test_beside_the_dataset(self, tmp_path: Path) -> None:
        """The review is saved beside the dataset and loads back the same."""
        path = review_path(tmp_path / "train.jsonl")
        state = ReviewState()
        state.decide("x", Decision.DROP)
        state.save(path)

        assert tmp_path / "train.review.json" == path
        assert state == ReviewState.load(path)
        assert ReviewState() == ReviewState.load(tmp_path / "none.review.json")

    def test_bad_file(self, tmp_path: Path) -> None:
        """A file that is not a saved review is an error naming it."""
        path = tmp_path / "x.review.json"
        path.write_text('{"version": 1, "decisions": {"a": "maybe"}, "history": []}', "utf-8")

        with pytest.raises(ConfigError, match=r"x\.review\.json: expected a saved review"):
            ReviewState.load(path)

    def test_kept(self) -> None:
        """Applying keeps every example whose key was not dropped, in order."""
        examples = [chat(("assistant", "a")), chat(("assistant", "b")), chat(("assistant", "a"))]

        result = list(kept(examples, frozenset({example_key(examples[1])})))

        assert [examples[0], examples[2]] == result


keys = st.text(alphabet="0123456789abcdef", min_size=1, max_size=6)


@given(st.lists(st.tuples(keys, st.sampled_from(Decision)), max_size=20))
def test_save_load_round_trip(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[str, Decision]]
) -> None:
    """Any sequence of decisions saves and loads back equal (decisions and their order)."""
    state = ReviewState()
    for key, decision in steps:
        state.decide(key, decision)
    path = tmp_path_factory.mktemp("review") / "d.review.json"
    state.save(path)

    assert state == ReviewState.load(path)
