"""Tests for persona_clone.serving.loop_guard."""

from __future__ import annotations

import logging

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import ConfigError, LoopGuard, LoopPolicy
from persona_clone.dataset import repeat_key
from persona_clone.serving.loop_guard import Intervention, Repetition, RepetitionKind, normalize


WORDS = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=8)


class TestCheck:
    @pytest.mark.parametrize(
        "reply",
        ["lol lol lol lol", "LOL lol Lol! lol", "ok lol ok lol ok lol", "ha " * 9],
    )
    def test_repeated_word(self, reply: str) -> None:
        """A reply that is one word (or a pair) over and over is a loop on its own."""
        found = LoopGuard().check(reply, history=[])

        assert found is not None
        assert RepetitionKind.REPEATED_WORD == found.kind

    @pytest.mark.parametrize("reply", ["no no no", "lol", "ok lol ok lol", "very very good"])
    def test_short_repetition_is_fine(self, reply: str) -> None:
        """Ordinary emphasis ("no no no") is not a loop."""
        assert LoopGuard().check(reply, history=[]) is None

    def test_near_duplicates(self) -> None:
        """A reply nearly identical to two recent ones is a loop, naming them."""
        found = LoopGuard().check("lol", history=["LOL", "what", "lol!"])

        assert Repetition(kind=RepetitionKind.NEAR_DUPLICATE, count=3, matches=(0, 2)) == found

    def test_two_is_not_several(self) -> None:
        """One earlier identical reply is not yet a loop (repeats=3)."""
        assert LoopGuard().check("lol", history=["hm", "lol"]) is None

    def test_only_the_window_counts(self) -> None:
        """Replies older than the window are not compared."""
        guard = LoopGuard(window=2)

        assert guard.check("lol", history=["lol", "lol", "a", "b"]) is None

    def test_repeated_phrase(self) -> None:
        """A phrase of three words shared with two recent replies is a loop."""
        history = ["ok that's what she said", "eh", "that's what she said lol"]

        found = LoopGuard().check("haha that's what she said", history=history)

        assert found is not None
        assert (RepetitionKind.REPEATED_PHRASE, (0, 2)) == (found.kind, found.matches)

    def test_fresh_reply(self) -> None:
        """A reply unlike the recent ones is fine."""
        history = ["see you", "lol", "where are you"]

        assert LoopGuard().check("I'm at the station", history=history) is None

    def test_punctuation_only(self) -> None:
        """A reply without words is not judged."""
        assert LoopGuard().check("!!!", history=["?", "?"]) is None

    def test_normalize(self) -> None:
        """Case, punctuation, stretched letters and laughs do not matter when comparing."""
        assert "çağrı naber haha" == normalize("  ÇAĞRI, naaaber?! HAHAHA")

    def test_normalize_is_the_dataset_key(self) -> None:
        """The guard reads a reply as the dataset's near-duplicate key does."""
        assert repeat_key("hahaha lol lol") == repeat_key(normalize("HAHAHA, loool, LOL"))

    def test_invalid_settings(self) -> None:
        """Non-positive settings raise ConfigError."""
        with pytest.raises(ConfigError, match="positive"):
            LoopGuard(repeats=0)


class TestPenalties:
    def test_first_attempt_has_none(self) -> None:
        """The first attempt is asked with the endpoint's own settings."""
        assert {} == LoopGuard().penalties(1)

    def test_raised_and_capped(self) -> None:
        """Each attempt raises both penalties by the step, up to 2.0."""
        guard = LoopGuard(penalty_step=0.8)

        assert [0.8, 1.6, 2.0] == [guard.penalties(n)["presence_penalty"] for n in (2, 3, 4)]


class TestRecord:
    def test_kept_logged_and_announced(self, caplog: pytest.LogCaptureFixture) -> None:
        """An intervention is kept, logged with why (no text) and passed on."""
        seen: list[Intervention] = []
        guard = LoopGuard(policy=LoopPolicy.SILENT, on_intervention=seen.append)
        intervention = Intervention(
            chat="general",
            at=pendulum.datetime(2024, 1, 1, tz="UTC"),
            policy=LoopPolicy.SILENT,
            repetition=Repetition(kind=RepetitionKind.REPEATED_WORD, count=5),
            action="stayed silent",
        )

        with caplog.at_level(logging.WARNING, logger="persona_clone.serving.loop_guard"):
            guard.record(intervention)

        assert [intervention] == seen == guard.interventions
        assert (
            "loop guard in chat 'general' (silent): one word repeated 5 times "
            "in the reply; stayed silent (attempt 1)"
        ) == caplog.records[0].getMessage()

    @pytest.mark.parametrize(
        ("kind", "words"),
        [
            (RepetitionKind.NEAR_DUPLICATE, "3 near-identical replies"),
            (RepetitionKind.REPEATED_PHRASE, "3 replies sharing one phrase"),
        ],
    )
    def test_describe(self, kind: RepetitionKind, words: str) -> None:
        """The description says how many replies repeat, without quoting them."""
        assert words in Repetition(kind=kind, count=3).describe()


class TestLaws:
    @given(WORDS, st.integers(min_value=4, max_value=30))
    def test_any_word_repeated_is_caught(self, word: str, times: int) -> None:
        """Any word said four or more times in a row is a loop."""
        found = LoopGuard().check(" ".join([word] * times), history=[])

        assert found is not None
        assert times == found.count

    @given(st.lists(WORDS, min_size=1, max_size=6), st.integers(min_value=2, max_value=6))
    def test_the_same_reply_again_and_again(self, words: list[str], earlier: int) -> None:
        """A reply said repeats - 1 times before is a loop, however it is written."""
        reply = " ".join(words)
        history = [reply.upper() + "!"] * earlier

        assert LoopGuard(repeats=3).check(reply, history=history) is not None
