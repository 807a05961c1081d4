"""Tests for repetition.py: repeated_phrases, repeat_key, RepeatCap, cap_repeats."""

from __future__ import annotations

from collections import Counter

import pytest

from persona_clone.dataset import (
    PhraseStat,
    RepeatCap,
    cap_repeats,
    repeat_key,
    repeated_phrases,
)
from persona_clone.dataset.repetition import _least_count, _prune, tokens, turkish_lower


class TestTurkishLower:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("İSTANBUL", "istanbul"),
            ("IŞIK", "ışık"),
            ("KIŞ", "kış"),
            ("I LOVE IT", "i love it"),
            ("Işıl İpek", "ışıl ipek"),
            ("ÇOK GÜZEL", "çok güzel"),
        ],
    )
    def test_lowers(self, text: str, expected: str) -> None:
        """Dotted and dotless I lower correctly; İ never becomes 'i̇'."""
        assert expected == turkish_lower(text)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("ΑΣ'Α I Ⓐ", "ας'α i Ⓐ"),
            ("ΑΣ'Α Ⓐ", "ασ'α ⓐ"),
            ("KIŞ_I", "kış_ı"),
        ],
    )
    def test_word_by_word_with_an_i(self, text: str, expected: str) -> None:
        """With an I, each word is lowered on its own and what is between words is kept."""
        assert expected == turkish_lower(text)


class TestTokens:
    def test_words_and_emoji(self) -> None:
        """Words keep inner apostrophes, punctuation goes, each emoji is a token."""
        assert ["ayşe'nin", "kitabı", "😂", "👍"] == tokens("Ayşe'nin KİTABI?! 😂👍")

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("a_b ^ ` ~ $ + ok.", ["a", "b", "^", "`", "ok"]),
            ("x\u200dy \u0307 z", ["x", "y", "z"]),
            ("👍🏽👨\u200d💻 ❤\ufe0f", ["👍", "🏽", "👨", "💻", "❤"]),
            ("“naber” … «selam» ¿qué?", ["naber", "selam", "qué"]),
            ("ayşe' 'nin ’ok’", ["ayşe", "nin", "ok"]),
        ],
    )
    def test_symbols_kept_and_punctuation_dropped(self, text: str, expected: list[str]) -> None:
        """Symbols (So, Sk) are tokens; punctuation, joiners and marks are not."""
        assert expected == tokens(text)


class TestRepeatKey:
    @pytest.mark.parametrize(
        "variants",
        [
            ["lol", "LOL", "lol lol lol", "loool", "lol!!!", "Lol.", "lololol"],
            ["haha", "hahaha", "HAHAHAHA", "ahahah", "hahah"],
            ["hehe", "hehehe"],
            ["😂", "😂😂😂", "😂 😂"],
            ["çok iyi", "ÇOK İYİ", "çokkk iyiii"],
            ["ışık", "IŞIK"],
            ["???", "?"],
        ],
    )
    def test_same_reply(self, variants: list[str]) -> None:
        """Spelling, case and repetition variants of one reply share a key."""
        assert 1 == len({repeat_key(text) for text in variants})

    @pytest.mark.parametrize(
        ("first", "second"),
        [("lol", "ok"), ("sık", "sik"), ("geliyorum", "gelmiyorum"), ("?", "!")],
    )
    def test_different_replies(self, first: str, second: str) -> None:
        """Different replies, dotless and dotted i included, keep different keys."""
        assert repeat_key(first) != repeat_key(second)


class TestRepeatedPhrases:
    def test_finds_the_tic(self) -> None:
        """A word the persona says far more than the others tops the report."""
        persona = ["lol"] * 6 + ["ok lol", "geliyorum lol", "tamam", "evet ve hayır"]
        others = ["ve sonra", "geldin mi ve", "tamam mı"] * 3

        stats = repeated_phrases(persona, others=others, top=2)

        assert [
            PhraseStat(
                phrase="lol",
                count=8,
                share=0.8,
                ratio=pytest.approx(8.0),  # type: ignore[arg-type]
                whole_message=False,
            ),
            PhraseStat(
                phrase="lol",
                count=6,
                share=0.6,
                ratio=pytest.approx(6.0),  # type: ignore[arg-type]
                whole_message=True,
            ),
        ] == stats

    def test_common_words_are_not_over_represented(self) -> None:
        """Words everyone uses as often are left out when others are given."""
        persona = ["ve ben de", "ve sen", "ve o"] * 2
        others = ["ve biz", "ve siz", "ve onlar"] * 2

        assert [] == repeated_phrases(persona, others=others)

    def test_absolute_share_without_others(self) -> None:
        """Without other texts, phrases are ranked by their share alone."""
        persona = ["naber nasılsın", "naber nasılsın canım", "naber nasılsın", "selam"]

        stats = repeated_phrases(persona, min_count=2)

        assert ("naber nasılsın", 3, None) == (
            stats[0].phrase,
            stats[0].count,
            stats[0].ratio,
        )
        assert "naber" not in [stat.phrase for stat in stats]

    def test_once_per_text(self) -> None:
        """A phrase repeated inside one text counts once for that text."""
        stats = repeated_phrases(["lol lol lol lol", "lol"], min_count=1, min_share=0)

        assert 2 == next(stat.count for stat in stats if stat.phrase == "lol")

    def test_empty(self) -> None:
        """No texts, no phrases."""
        assert [] == repeated_phrases([])

    def test_top(self) -> None:
        """At most *top* phrases are returned."""
        persona = [f"a{number} b{number}" for number in range(20)] * 3

        assert 5 == len(repeated_phrases(persona, top=5))

    def test_turkish_case_is_kept_apart(self) -> None:
        """'sık' and 'sik' are different phrases."""
        stats = repeated_phrases(["sık", "Sık", "sik"], min_count=1)

        assert {("sık", 2), ("sik", 1)} == {
            (stat.phrase, stat.count) for stat in stats if not stat.whole_message
        }

    def test_whole_phrases_and_messages_of_every_length(self) -> None:
        """Phrases up to four words are counted; shorter ones with the same count are left out."""
        persona = ["ne diyorsun sen ya", "ne diyorsun sen ya!", "ne diyorsun sen", "ya"]

        stats = repeated_phrases(persona, min_count=2, min_share=0, top=20)

        assert [
            ("ne diyorsun sen", 3, False),
            ("ya", 3, False),
            ("ne diyorsun sen ya", 2, False),
        ] == [(stat.phrase, stat.count, stat.whole_message) for stat in stats]

    def test_texts_and_others_are_read_once(self) -> None:
        """Both iterables may be one-shot iterators."""
        persona = iter(["lol"] * 5 + ["naber lol"])
        others = iter(["naber", "ok", "naber"])

        stats = repeated_phrases(persona, others=others, min_count=2, min_share=0)

        assert [("lol", 6, 4.0)] == [
            (stat.phrase, stat.count, stat.ratio) for stat in stats if not stat.whole_message
        ]

    def test_texts_holding_the_batch_separator(self) -> None:
        """A NUL character inside a text changes nothing (it is punctuation)."""
        persona = ["lol\x00ok", "lol ok", "lol\x00\x00ok"] * 2

        stats = repeated_phrases(persona, min_count=2, min_share=0, top=1)

        assert [("lol ok", 6)] == [(stat.phrase, stat.count) for stat in stats]

    def test_max_n_zero_counts_whole_messages_only(self) -> None:
        """With max_n=0 no word phrase is counted, whole short messages still are."""
        stats = repeated_phrases(["lol", "lol", "lol ok"], max_n=0, min_count=1, min_share=0)

        assert [("lol", 2, True), ("lol ok", 1, True)] == [
            (stat.phrase, stat.count, stat.whole_message) for stat in stats
        ]

    def test_unreachable_share(self) -> None:
        """A minimum share no phrase can reach (above one, or NaN) reports nothing."""
        persona = ["lol"] * 5

        assert [] == repeated_phrases(persona, min_share=1.5)
        assert [] == repeated_phrases(persona, min_share=float("nan"))

    @pytest.mark.parametrize(
        ("total", "min_count", "min_share", "expected"),
        [
            (20_000, 3, 0.02, 400),
            (3, 3, 0.02, 3),
            (7, 1, 0.3, 3),
            (10, 0, 0.0, 0),
            (10, 11, 0.0, 11),
            (10, 1, 1.5, 11),
            (10, 1, float("nan"), 11),
        ],
    )
    def test_least_count(self, total: int, min_count: int, min_share: float, expected: int) -> None:
        """The least count that meets both minimums, or one more than the texts when none does."""
        assert expected == _least_count(total, min_count, min_share)


@pytest.mark.filterwarnings("ignore:RepeatCap is deprecated:DeprecationWarning")
class TestRepeatCap:
    def test_is_deprecated(self) -> None:
        """RepeatCap and cap_repeats() warn: builds cap repeats with CapRepeats."""
        with pytest.deprecated_call(match="CapRepeats"):
            RepeatCap(max_per_key=1)
        with pytest.deprecated_call(match="CapRepeats"):
            cap_repeats(["lol"])

    def test_caps_by_key(self) -> None:
        """Only the first *max_per_key* near-identical texts are kept, in order."""
        cap = RepeatCap(max_per_key=2)
        texts = ["lol", "naber", "LOL", "loool", "lol lol", "naber?", "NABER"]

        assert ["lol", "naber", "LOL", "naber?"] == list(cap(texts))
        assert 3 == cap.dropped

    def test_items_with_text(self) -> None:
        """Any item can be capped by the text it carries."""
        items = [("a", "haha"), ("b", "hahaha"), ("c", "tamam")]

        with pytest.deprecated_call():
            kept = list(cap_repeats(items, max_per_key=1, text=lambda item: item[1]))

        assert [("a", "haha"), ("c", "tamam")] == kept

    def test_allow(self) -> None:
        """allow() counts one text at a time, for builders that weight, not drop."""
        cap = RepeatCap(max_per_key=1)

        assert [True, False, True] == [cap.allow(t) for t in ("ok", "OK", "tamam")]

    def test_custom_key(self) -> None:
        """A custom key function replaces the near-duplicate key."""
        cap = RepeatCap(max_per_key=1, key=len)  # type: ignore[arg-type]

        assert ["ab", "abc"] == list(cap(["ab", "cd", "abc"]))

    def test_max_per_key_positive(self) -> None:
        """A cap below one is refused."""
        with pytest.raises(ValueError, match="max_per_key: expected at least 1"):
            RepeatCap(max_per_key=0)


class TestBoundedMemory:
    def test_frequent_phrases_survive_pruning(self) -> None:
        """With a tiny phrase budget, the rare phrases go and the tic stays."""
        persona = [f"lol w{number}" for number in range(200)]

        stats = repeated_phrases(persona, max_phrases=20, top=1)

        assert [("lol", 200)] == [(stat.phrase, stat.count) for stat in stats]

    def test_no_pruning_below_the_budget(self) -> None:
        """With a budget as large as the phrases counted, the report is exact."""
        persona = [f"lol w{number % 7} x{number % 5}" for number in range(60)]
        distinct = 1 + 7 + 5 + 7 + 35 + 35  # words, pairs and triples

        assert repeated_phrases(persona, top=100, min_count=1, min_share=0) == repeated_phrases(
            persona, top=100, min_count=1, min_share=0, max_phrases=distinct
        )

    def test_prune_keeps_the_counts_above_the_level_in_order(self) -> None:
        """Pruning forgets the rarest phrases and keeps the others' counts and order."""
        counter = Counter({"a": 1, "b": 3, "c": 2, "d": 1, "e": 5})

        _prune(counter, 6)

        assert [("b", 3), ("c", 2), ("e", 5)] == list(counter.items())
