"""Tests for persona_clone.curation.rules: the build's curation steps."""

from __future__ import annotations

from collections import Counter

import pytest

from persona_clone.curation import Decision, ReviewState, example_key
from persona_clone.curation.rules import (
    ApplyReview,
    CapPhrases,
    DropLaughterOnly,
    MinReplyLength,
    parse_phrase_cap,
)
from persona_clone.dataset.example import Example
from persona_clone.session import Turn
from persona_clone.testing import make_message, make_participant


ADA, BOB = make_participant("Ada"), make_participant("Bob")


def example(*replies: str, ask: str = "naber") -> Example:
    """An example: Bob asks, then Ada (the persona) replies once per *replies*, each trained."""
    turns = [Turn(author=BOB, text=ask, messages=[make_message(author=BOB, text=ask)])]
    turns.extend(
        Turn(author=ADA, text=reply, messages=[make_message(author=ADA, text=reply)])
        for reply in replies
    )
    persona = (False, *(True for _ in replies))
    return Example(
        session="s",
        turns=tuple(turns),
        persona=persona,
        trained=persona,
        quoted=(False,) * len(turns),
    )


class TestRules:
    def test_min_reply_length(self) -> None:
        """Short persona turns become context; an example with nothing left is left out."""
        skipped: Counter[str] = Counter()

        kept = list(
            MinReplyLength(min_words=2)([example("ok", "geliyorum ben"), example("ok")], skipped)
        )

        assert [(False, False, True)] == [e.trained for e in kept]
        assert {"shorter than 2 words": 2} == skipped

    def test_laughter_only(self) -> None:
        """A turn that is only a laugh is not trained; a laugh with words is."""
        skipped: Counter[str] = Counter()

        kept = list(DropLaughterOnly()([example("HAHAHA 😂", "haha tamam")], skipped))

        assert [(False, False, True)] == [e.trained for e in kept]
        assert {"laughter only": 1} == skipped

    def test_phrase_caps(self) -> None:
        """Each phrase is trained at most its cap, first come first kept, whole words only."""
        skipped: Counter[str] = Counter()
        step = CapPhrases(caps={"lol": 2})

        kept = list(step([example("lol", "LOL ok", "lollipop", "lol yine")], skipped))

        assert [(False, True, True, True, False)] == [e.trained for e in kept]
        assert {"over the cap of 'lol'": 1} == skipped

    def test_review(self) -> None:
        """An example dropped in review is left out, its trained turns counted."""
        dropped, kept_one = example("lol", "ok"), example("geliyorum")
        written = {
            "messages": [
                {"role": "system", "content": "Be Ada."},
                {"role": "user", "name": "Bob", "content": "naber"},
                {"role": "assistant", "content": "lol", "weight": 1},
                {"role": "assistant", "content": "ok", "weight": 0},
            ]
        }
        state = ReviewState()
        state.decide(example_key(written), Decision.DROP)
        skipped: Counter[str] = Counter()

        kept = list(ApplyReview(dropped=state.dropped())([dropped, kept_one], skipped))

        assert [kept_one] == kept
        assert {"dropped in review": 2} == skipped

    @pytest.mark.parametrize("value", ["lol", "=3", "lol=0", "lol=x"])
    def test_bad_phrase_cap(self, value: str) -> None:
        """A phrase cap must read PHRASE=N with N at least 1."""
        with pytest.raises(ValueError, match="expected PHRASE=N"):
            parse_phrase_cap(value)
