"""Tests for persona_clone.serving.moderation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import openai
import pytest

from persona_clone.errors import ConfigError
from persona_clone.serving.moderation import EndpointModerator, Verdict, WordListModerator
from persona_clone.testing import FakeOpenAI
from persona_clone.testing.fake_openai import refused_base_url


class TestWordListModerator:
    def test_whole_words_in_any_case(self) -> None:
        """Entries match whole words without regard to case, phrases across punctuation."""
        moderator = WordListModerator(words=("idiot", "shut up"))

        verdicts = [
            asyncio.run(moderator.moderate(text))
            for text in ("You IDIOT!", "shut... up", "idiotic", "fine")
        ]

        assert [True, True, False, False] == [v.flagged for v in verdicts]
        assert ("word list entry 1",) == verdicts[0].reasons

    def test_load_skips_comments_and_blank_lines(self, tmp_path: Path) -> None:
        """A word list file holds one entry a line; comments and blank lines are skipped."""
        path = tmp_path / "words.txt"
        path.write_text("# mine\n\nidiot\n  moron  \n", encoding="utf-8")

        moderator = WordListModerator.load(path)

        assert (("idiot", "moron"), "words.txt") == (moderator.words, moderator.source)

    def test_empty_list_is_refused(self, tmp_path: Path) -> None:
        """A word list without any entry is a configuration error naming the file."""
        path = tmp_path / "words.txt"
        path.write_text("# nothing\n", encoding="utf-8")

        with pytest.raises(ConfigError, match=r"words\.txt: expected at least one word"):
            WordListModerator.load(path)


class TestEndpointModerator:
    def test_flags_with_the_endpoints_categories(self) -> None:
        """The fake's /v1/moderations flags listed words in their category."""
        with FakeOpenAI(flagged_words={"idiot": "harassment"}) as fake:
            client = openai.AsyncOpenAI(api_key="test", base_url=fake.base_url)
            moderator = EndpointModerator(client=client)

            flagged = asyncio.run(moderator.moderate("what an IDIOT"))
            clean = asyncio.run(moderator.moderate("what a day"))

        assert Verdict(flagged=True, reasons=("harassment",)) == flagged
        assert Verdict(flagged=False) == clean

    def test_fails_closed(self) -> None:
        """When the endpoint cannot answer, the reply counts as flagged."""
        client = openai.AsyncOpenAI(api_key="test", base_url=refused_base_url(), max_retries=0)

        verdict = asyncio.run(EndpointModerator(client=client).moderate("hi"))

        assert verdict.flagged
        assert ("the moderation endpoint failed (APIConnectionError)",) == verdict.reasons
