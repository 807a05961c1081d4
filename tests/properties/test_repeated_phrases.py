"""
Laws of the phrase report: the fast counting agrees with a plain reference.

The reference below is the straightforward algorithm `repeated_phrases` and
`tokens` used before they were made faster: every n-gram of every text counted
once per text, texts tokenized one by one. Both must give the same results.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.dataset import PhraseStat, repeated_phrases
from persona_clone.dataset.repetition import _among, _Corpus, _Wanted, tokens, turkish_lower
from persona_clone.testing.strategies import message_texts


# -- the reference ---------------------------------------------------------------------------

_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")


def _reference_lower_word(match: re.Match[str]) -> str:
    word = match.group()
    turkish = any(char in _TURKISH_LETTERS for char in word)
    word = word.replace("İ", "i")
    if turkish:
        word = word.replace("I", "ı")
    return word.lower()


def reference_turkish_lower(text: str) -> str:
    """`turkish_lower` as it was."""
    if "I" not in text and "İ" not in text:
        return text.lower()
    return re.sub(r"\w+", _reference_lower_word, text)


def reference_tokens(text: str) -> list[str]:
    """`tokens` as it was."""
    return [
        token
        for token in _TOKEN.findall(reference_turkish_lower(text))
        if token[0].isalnum() or unicodedata.category(token[0]) in {"So", "Sk"}
    ]


_RUN = re.compile(r"(\w)\1+")
_UNIT = re.compile(r"(.{2,3}?)\1+(.*)")
_LAUGH = re.compile(r"(?:a*h+a+){2,}h*|(?:e*h+e+){2,}h*|(?:ja){2,}j?|(?:xa){2,}x?")


def _squash(token: str) -> str:
    if _LAUGH.fullmatch(token):
        return "heh" if "e" in token else "haha"
    token = _RUN.sub(r"\1", token)
    unit = _UNIT.fullmatch(token)
    if unit and unit.group(1).startswith(unit.group(2)):
        return unit.group(1) + unit.group(2)
    return token


def _key_of(words: list[str]) -> str:
    squashed: list[str] = []
    for word in words:
        core = _squash(word)
        if not squashed or squashed[-1] != core:
            squashed.append(core)
    return " ".join(squashed)


def _ngrams(words: list[str], max_n: int) -> set[str]:
    grams = set(words) if max_n > 0 else set()
    for size in range(2, min(max_n, len(words)) + 1):
        grams.update(
            " ".join(words[start : start + size]) for start in range(len(words) - size + 1)
        )
    return grams


def _ngrams_among(words: list[str], max_n: int, wanted: set[str]) -> set[str]:
    found: set[str] = set()
    for start, word in enumerate(words):
        if word not in wanted:
            continue
        found.add(word)
        gram = word
        for end in range(start + 1, min(start + max_n, len(words))):
            gram = gram + " " + words[end]
            if gram not in wanted:
                break
            found.add(gram)
    return found


def _count(
    texts: Iterable[str], max_n: int, only: tuple[set[str], set[str]] | None = None
) -> tuple[Counter[str], Counter[str], int]:
    phrases: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    total = 0
    for text in texts:
        total += 1
        words = reference_tokens(text)
        phrases.update(
            _ngrams(words, max_n) if only is None else _ngrams_among(words, max_n, only[0])
        )
        if 0 < len(words) <= 3:
            key = _key_of(words)
            if only is None or key in only[1]:
                messages[key] += 1
    return phrases, messages, total


def _reference_candidates(
    texts: Iterable[str],
    others: Iterable[str] | None,
    *,
    max_n: int,
    min_count: int,
    min_share: float,
    min_ratio: float,
) -> list[PhraseStat]:
    phrases, messages, total = _count(texts, max_n)

    def enough(count: int) -> bool:
        return count >= min_count and count / total >= min_share

    other_phrases: Counter[str] | None = None
    other_messages: Counter[str] = Counter()
    other_total = 0
    if others is not None:
        wanted = (
            {phrase for phrase, count in phrases.items() if enough(count)},
            {phrase for phrase, count in messages.items() if enough(count)},
        )
        other_phrases, other_messages, other_total = _count(others, max_n, wanted)
    candidates = []
    for counter, whole in ((messages, True), (phrases, False)):
        for phrase, count in counter.items():
            ratio = None
            if other_phrases is not None:
                theirs = (other_messages if whole else other_phrases)[phrase]
                ratio = count / total / ((theirs + 1) / (other_total + 1))
            if enough(count) and (ratio is None or not ratio < min_ratio):
                stat = PhraseStat(
                    phrase=phrase,
                    count=count,
                    share=count / total,
                    ratio=ratio,
                    whole_message=whole,
                )
                candidates.append(stat)
    return candidates


def reference_repeated_phrases(
    texts: list[str],
    *,
    others: list[str] | None = None,
    top: int = 10,
    max_n: int = 4,
    min_count: int = 3,
    min_share: float = 0.02,
    min_ratio: float = 2.0,
) -> list[PhraseStat]:
    """`repeated_phrases` as it was (without its lossy pruning, which is never reached here)."""
    if not texts:
        return []
    candidates = _reference_candidates(
        texts,
        others,
        max_n=max_n,
        min_count=min_count,
        min_share=min_share,
        min_ratio=min_ratio,
    )
    candidates.sort(
        key=lambda item: (
            -item.count,
            not item.whole_message,
            -len(item.phrase.split()),
            item.phrase,
        )
    )
    chosen: list[PhraseStat] = []
    for candidate in candidates:
        if len(chosen) >= top:
            break
        if not candidate.whole_message and any(
            not kept.whole_message
            and kept.count == candidate.count
            and f" {candidate.phrase} " in f" {kept.phrase} "
            for kept in chosen
        ):
            continue
        chosen.append(candidate)
    return chosen


# -- strategies ------------------------------------------------------------------------------

# Characters that matter to tokenizing: Turkish dotted and dotless I, final sigma,
# apostrophes, underscores, joiners and variation selectors inside emoji, symbols
# with and without a lower case, the batch separator, other spaces and marks.
_TRICKY = [
    *"IİıiŞşÇçĞğÖöÜüΣσςΑα'’_ \t\n.,!?^`~$+<>|@#-",
    "\x00",
    "\u200d",
    "\ufe0f",
    "\u0307",
    "\u0301",
    "\u200b",
    "¿",
    "«",
    "\u00a0",
    "\u2019",
    "\u201c",
    "…",
    "Ⓐ",
    "ⓐ",
    "😂",
    "👍",
    "🏽",
    "©",
    "¨",
    "Ⅻ",
    "²",
]

any_texts = st.one_of(
    st.text(st.sampled_from(_TRICKY), max_size=30),
    st.text(st.one_of(st.characters(), st.sampled_from(_TRICKY)), max_size=40),
)

_WORDS = [
    "ve",
    "lol",
    "LOL",
    "loool",
    "hahaha",
    "ok",
    "ya",
    "çok",
    "IŞIK",
    "İyi",
    "😂",
    "a_b",
    "Ayşe'nin",
]
_GLUE = [" ", " ", " ", ", ", "! ", "\n", "😂", " ' ", "\x00"]


@st.composite
def chat_texts(draw: st.DrawFn) -> str:
    """A short text from a small vocabulary, so phrases repeat."""
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=7))
    glue = draw(st.lists(st.sampled_from(_GLUE), min_size=len(words), max_size=len(words)))
    return "".join(word + between for word, between in zip(words, glue, strict=True))


chat_lists = st.lists(st.one_of(chat_texts(), message_texts()), max_size=30)


# -- the laws --------------------------------------------------------------------------------


class TestTokenizing:
    @given(any_texts)
    def test_turkish_lower_agrees_with_the_reference(self, text: str) -> None:
        """Lower-casing gives what the reference gives, for any text."""
        assert reference_turkish_lower(text) == turkish_lower(text)

    @given(st.one_of(any_texts, message_texts()))
    def test_tokens_agree_with_the_reference(self, text: str) -> None:
        """Tokens are what the reference finds, for any text."""
        assert reference_tokens(text) == tokens(text)

    @given(st.lists(st.one_of(any_texts, message_texts(), chat_texts()), max_size=8))
    def test_batches_tokenize_like_single_texts(self, texts: list[str]) -> None:
        """Tokenizing texts together gives each text's own tokens."""
        assert [reference_tokens(text) for text in texts] == list(_Corpus.of(texts).texts())


class TestCounting:
    @given(
        st.lists(
            st.lists(st.sampled_from(["ve", "lol", "ok", "ya", "çok"]), max_size=9), max_size=6
        ),
        st.lists(st.lists(st.sampled_from(["ve", "lol", "ok", "ya"]), max_size=9), max_size=5),
    )
    def test_wanted_phrases_are_found_level_by_level(
        self, texts: list[list[str]], seen: list[list[str]]
    ) -> None:
        """Growing only wanted phrases finds exactly the wanted n-grams, once per text."""
        wanted = set().union(*(_ngrams(words, 4) for words in seen))
        by_length = [
            _Wanted.of(tuple(p.split()) for p in wanted if len(p.split()) == n) for n in range(1, 5)
        ]
        expected = Counter(gram for words in texts for gram in _ngrams(words, 4) & wanted)

        found = _among(_Corpus.of(" ".join(words) for words in texts), by_length, 1_000_000)

        assert expected == Counter({" ".join(gram): count for gram, count in found.items()})


class TestAgreesWithReference:
    @given(
        chat_lists,
        st.one_of(st.none(), chat_lists),
        st.fixed_dictionaries(
            {
                "top": st.integers(min_value=1, max_value=15),
                "max_n": st.integers(min_value=0, max_value=5),
                "min_count": st.integers(min_value=0, max_value=4),
                "min_share": st.sampled_from([0.0, 0.02, 0.1, 0.3, 1.0]),
                "min_ratio": st.sampled_from([0.0, 1.0, 1.5, 2.0]),
            }
        ),
    )
    def test_same_report(
        self, texts: list[str], others: list[str] | None, settings: dict[str, Any]
    ) -> None:
        """The report equals the reference's, phrase for phrase, for any settings."""
        expected = reference_repeated_phrases(texts, others=others, **settings)

        assert expected == repeated_phrases(
            iter(texts), others=None if others is None else iter(others), **settings
        )

    @given(chat_lists, chat_lists)
    def test_same_report_with_the_defaults(self, texts: list[str], others: list[str]) -> None:
        """With the default settings too (ratios included, bit for bit)."""
        expected = reference_repeated_phrases(texts * 3, others=others)

        assert expected == repeated_phrases(texts * 3, others=others)

    @given(st.lists(st.sampled_from([*string.ascii_lowercase[:4], "😂"]), max_size=12))
    def test_same_report_on_single_letters(self, letters: list[str]) -> None:
        """Texts of one-letter words, where every phrase is frequent."""
        texts = [" ".join(letters[start:]) for start in range(len(letters))] * 2

        expected = reference_repeated_phrases(texts, min_count=1, min_share=0, top=50)

        assert expected == repeated_phrases(texts, min_count=1, min_share=0, top=50)
