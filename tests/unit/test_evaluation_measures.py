"""Tests for the evaluation's per-reply measures: language mix, laughter, features, plan."""

from __future__ import annotations

from pathlib import Path

import pytest

from persona_clone.dataset.laughter import is_laugh, laughs, only_laughter
from persona_clone.errors import ConfigError, ParseError
from persona_clone.evaluation import (
    Language,
    SignaturePhrases,
    language_of,
    measure,
    plan_requests,
    read_conversations,
)


class TestLanguage:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ben varım haha\nnereye gidiyoruz", Language.TURKISH),
            ("Moda'da buluşalım", Language.TURKISH),
            ("naber nasilsin", Language.TURKISH),
            ("see you tomorrow!", Language.ENGLISH),
            ("haha Moda'da park yeri 😂\ngood luck", Language.MIXED),
            ("yine mi mesai, so sorry", Language.MIXED),
            ("lol 😂", Language.NEITHER),
            ("ok", Language.NEITHER),
        ],
    )
    def test_language_of(self, text: str, expected: Language) -> None:
        """Turkish and English words in one message count as mixed; names and laughs as neither."""
        assert expected == language_of(text)

    def test_turkish_capitals(self) -> None:
        """Upper-case Turkish is still Turkish (İ and I lowered the Turkish way)."""
        assert Language.TURKISH == language_of("İYİYİM, GELİYORUM")


class TestLaughter:
    def test_laughs(self) -> None:
        """Laughs of every shape count; other words do not."""
        assert [True, True, True, False, False] == [
            is_laugh(t) for t in ("hahahah", "LMAO", "🤣", "hat", "aha")
        ]
        assert 3 == laughs("HAHA that's it 😂 lol")

    def test_only_laughter(self) -> None:
        """A message is laughter only when every word in it is a laugh."""
        assert (True, False, False) == (
            only_laughter("lol 😂😂"),
            only_laughter("lol ok"),
            only_laughter(""),
        )


class TestMeasure:
    def test_features(self) -> None:
        """A reply's length, casing, punctuation and emoji are counted as a reader would."""
        features = measure("OK!\nsee you 😂")

        assert (3, 2, 1, True, Language.ENGLISH) == (
            features.words,
            features.messages,
            features.emoji,
            features.laughs,
            features.language,
        )
        assert 2 / 8 == features.uppercase
        assert 1 / 12 == features.punctuation

    def test_empty(self) -> None:
        """A silent reply measures zero everywhere."""
        features = measure("")

        assert (0, 0, 0, 0.0, False) == (
            features.words,
            features.characters,
            features.messages,
            features.uppercase,
            features.laughs,
        )


class TestSignature:
    def test_usage(self) -> None:
        """Usage is the share of replies holding each phrase, whole messages apart."""
        signature = SignaturePhrases(phrases=("yine mi",), messages=("lol",))

        assert {"yine mi": 0.5, "[lol]": 0.25} == signature.usage(
            ["yine mi mesai", "LOL", "yine mi", "ok"]
        )


class TestPlan:
    def test_unbounded(self) -> None:
        """Without a bound, every reply and every round is asked, for each model."""
        plan = plan_requests([10, 20], conversations=2, rounds=3, models=2)

        assert (2, 2, 3, 16) == (plan.replies, plan.conversations, plan.rounds, plan.requests)
        assert 2 * (30 + 15 * 6) == plan.prompt_tokens

    def test_bounded(self) -> None:
        """--max-requests is never exceeded, whatever it leaves to each part."""
        for bound in range(2, 40):
            plan = plan_requests([10] * 15, conversations=5, rounds=10, max_requests=bound)
            assert plan.requests <= bound, bound
            assert plan.replies >= 1

    def test_too_small(self) -> None:
        """A bound below two requests per model is refused."""
        with pytest.raises(ConfigError, match="at least 4"):
            plan_requests([10], conversations=1, rounds=1, models=2, max_requests=3)


class TestConversations:
    def test_reads_a_chat_dataset(self, tmp_path: Path) -> None:
        """Each line is a conversation: the system prompt apart, names kept, persona None."""
        path = tmp_path / "v.jsonl"
        path.write_text(
            '{"messages":[{"role":"system","content":"Be Deniz."},'
            '{"role":"user","name":"Mert","content":"naber"},'
            '{"role":"assistant","content":"iyi","weight":1}]}\n',
            encoding="utf-8",
        )

        (conversation,) = read_conversations(path)

        assert "Be Deniz." == conversation.system_prompt
        assert [("Mert", "naber"), (None, "iyi")] == [
            (e.speaker, e.text) for e in conversation.entries
        ]
        assert [1] == list(conversation.reply_positions())

    def test_bad_role(self, tmp_path: Path) -> None:
        """An unknown role is reported with the file, line and message index."""
        path = tmp_path / "v.jsonl"
        path.write_text('{"messages":[{"role":"tool","content":"x"}]}\n', encoding="utf-8")

        with pytest.raises(ParseError, match=r"v\.jsonl:1 \$\.messages\[0\]: expected role"):
            read_conversations(path)
