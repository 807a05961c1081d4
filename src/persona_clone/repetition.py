"""
Repetition: phrases a persona over-uses, and capping near-identical turns.

A clone trained on a chat where someone answers "lol" to everything learns to
say "lol" endlessly. `repeated_phrases` reports the phrases that are
over-represented in the persona's turns (compared with the other speakers when
their texts are given); `RepeatCap` and `cap_repeats` keep at most N turns per
near-duplicate key (`repeat_key`), so "lol", "LOL", "lol lol lol" and "loool"
count as the same reply.

Everything here is pure: texts in, values out, no state beyond a `RepeatCap`'s
counts.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from attrs import define, field, frozen


__all__ = [
    "PhraseStat",
    "RepeatCap",
    "cap_repeats",
    "repeat_key",
    "repeated_phrases",
    "tokens",
    "turkish_lower",
]

T = TypeVar("T")

_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[^\w\s]")
_RUN = re.compile(r"(\w)\1+")
_ANY_RUN = re.compile(r"(.)\1+", re.DOTALL)
_UNIT = re.compile(r"(.{2,3}?)\1+(.*)")
_LAUGH = re.compile(r"(?:a*h+a+){2,}h*|(?:e*h+e+){2,}h*|(?:ja){2,}j?|(?:xa){2,}x?")
_SYMBOL_CATEGORIES = frozenset({"So", "Sk"})
_SHORT_MESSAGE = 3


def turkish_lower(text: str) -> str:
    """
    Lower-case *text* without breaking Turkish.

    ``İ`` becomes ``i`` (never ``i̇``, which ``str.lower`` gives); ``I`` becomes
    ``ı`` in a word that has Turkish letters (``IŞIK`` → ``ışık``) and ``i``
    elsewhere (``I`` → ``i``, ``LOL`` → ``lol``).

    Example:
        >>> turkish_lower("İSTANBUL'DA IŞIK, I LOVE IT")
        "istanbul'da ışık, i love it"

    """
    if "I" not in text and "İ" not in text:
        return text.lower()
    return re.sub(r"\w+", _lower_word, text)


def _lower_word(match: re.Match[str]) -> str:
    word = match.group()
    turkish = any(char in _TURKISH_LETTERS for char in word)
    word = word.replace("İ", "i")
    if turkish:
        word = word.replace("I", "ı")
    return word.lower()


def tokens(text: str) -> list[str]:
    """
    Split *text* into lower-cased words and emoji, for phrase counting.

    Words keep inner apostrophes (``ayşe'nin``); punctuation is dropped; each
    emoji or symbol is a token of its own.

    Example:
        >>> tokens("Ayşe'nin LOL 😂😂!")
        ["ayşe'nin", 'lol', '😂', '😂']

    """
    return [
        token
        for token in _TOKEN.findall(turkish_lower(text))
        if token[0].isalnum() or unicodedata.category(token[0]) in _SYMBOL_CATEGORIES
    ]


def _squash(token: str) -> str:
    """Reduce a token to its core without repeats: "loool" → "lol"."""
    if _LAUGH.fullmatch(token):
        return "heh" if "e" in token else "haha"
    token = _RUN.sub(r"\1", token)
    unit = _UNIT.fullmatch(token)
    if unit and unit.group(1).startswith(unit.group(2)):
        return unit.group(1) + unit.group(2)
    return token


def repeat_key(text: str) -> str:
    """
    Return the near-duplicate key of *text*: equal keys mean "the same reply".

    Lower-cases (Turkish-safe), drops punctuation, squeezes repeated letters
    (``"loool"`` → ``"lol"``), laughs (``"hahahah"`` → ``"haha"``) and repeated
    words or emoji (``"lol lol lol"`` → ``"lol"``, ``"😂😂😂"`` → ``"😂"``).
    A text of punctuation only keys on its squeezed punctuation (``"???"`` → ``"?"``).

    Example:
        >>> repeat_key("LOL lol  loool!!") == repeat_key("lol") == "lol"
        True
        >>> repeat_key("hahahaha") == repeat_key("HAHAHA")
        True
        >>> repeat_key("Işık geldi") == repeat_key("ışık geldi")
        True

    """
    return _key_of(tokens(text)) or _ANY_RUN.sub(r"\1", re.sub(r"\s+", "", text))


def _key_of(words: list[str]) -> str:
    squashed: list[str] = []
    for word in words:
        core = _squash(word)
        if not squashed or squashed[-1] != core:
            squashed.append(core)
    return " ".join(squashed)


@frozen(kw_only=True)
class PhraseStat:
    """
    How often the persona uses a phrase.

    Args:
        phrase: The phrase, lower-cased (a word n-gram, or a whole short message).
        count: Number of the persona's texts that contain it (once per text).
        share: ``count`` divided by the number of the persona's texts.
        ratio: ``share`` divided by the share of the other speakers' texts that
            contain it (add-one smoothed), or ``None`` when no other texts were given.
        whole_message: Whether the phrase is a whole message ("lol" on its own)
            rather than words inside messages.
    """

    phrase: str
    count: int
    share: float
    ratio: float | None = None
    whole_message: bool = False


def _ngrams(words: list[str], max_n: int) -> set[str]:
    """Every run of 1 to *max_n* consecutive words, joined by spaces."""
    grams = set(words) if max_n > 0 else set()
    join = " ".join
    for size in range(2, min(max_n, len(words)) + 1):
        # zip of the shifted lists (shorter ones end it) yields each run, in C.
        shifted = (words[shift:] for shift in range(size))
        grams.update(map(join, zip(*shifted, strict=False)))
    return grams


def _ngrams_among(words: list[str], max_n: int, wanted: set[str]) -> set[str]:
    """
    The n-grams of *words* that are in *wanted*, found without making the others.

    An n-gram can only be wanted if its first n-1 words are (a phrase is in at
    least as many texts as any phrase it contains), so each run stops early.
    """
    found: set[str] = set()
    size = len(words)
    for start, word in enumerate(words):
        if word not in wanted:
            continue
        found.add(word)
        gram = word
        for end in range(start + 1, min(start + max_n, size)):
            gram = gram + " " + words[end]
            if gram not in wanted:
                break
            found.add(gram)
    return found


def _prune(counter: Counter[str], limit: int) -> None:
    """Forget the rarest phrases until *counter* holds at most half of *limit*."""
    level = 1
    while len(counter) > limit // 2:
        # Rebuilt rather than deleted from: Counter.__delitem__ runs in Python,
        # a dict comprehension and dict.update in C; the order kept is the same.
        kept = {phrase: count for phrase, count in counter.items() if count > level}
        counter.clear()
        dict.update(counter, kept)
        level += 1


def _count(
    texts: Iterable[str],
    max_n: int,
    limit: int,
    only: tuple[set[str], set[str]] | None = None,
) -> tuple[Counter[str], Counter[str], int]:
    """Count phrases and short messages once per text (only those in *only*)."""
    phrases: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    total = 0
    for text in texts:
        total += 1
        words = tokens(text)
        phrases.update(
            _ngrams(words, max_n) if only is None else _ngrams_among(words, max_n, only[0])
        )
        if 0 < len(words) <= _SHORT_MESSAGE:
            key = _key_of(words)
            if only is None or key in only[1]:
                messages[key] += 1
        if len(phrases) > limit:
            _prune(phrases, limit)
        if len(messages) > limit:
            _prune(messages, limit)
    return phrases, messages, total


def repeated_phrases(
    texts: Iterable[str],
    *,
    others: Iterable[str] | None = None,
    top: int = 10,
    max_n: int = 4,
    min_count: int = 3,
    min_share: float = 0.02,
    min_ratio: float = 2.0,
    max_phrases: int = 1_000_000,
) -> list[PhraseStat]:
    """
    Report the phrases most over-represented in the persona's *texts*.

    Counts word n-grams (1 to *max_n* words) once per text, and whole short
    messages (up to three words, by `repeat_key`), so "lol" said alone 40 times
    shows as one whole-message phrase. A phrase is reported when at least
    *min_count* texts and *min_share* of them contain it and, when the *others*
    (the other speakers' texts) are given, when its share is at least
    *min_ratio* times theirs: that keeps everyday words ("ve", "the") out.
    A shorter phrase is left out when a longer reported one has the same count
    ("naber" inside "naber nasılsın").

    Reads each iterable once, *texts* first; of the *others* only the persona's
    candidate phrases are counted. It costs some tens of microseconds per text:
    on a very large export, pass a sample of the others' turns
    (``itertools.islice(others, 0, None, 10)``); shares stay comparable.
    Memory is bounded by *max_phrases*: past it, the rarest phrases are
    forgotten (lossy counting), so on very large inputs a phrase that was rare
    early on may be counted a little low.

    Args:
        texts: The persona's turns.
        others: The other speakers' turns, to compare with (recommended).
        top: How many phrases to return at most.
        max_n: Longest n-gram in words.
        min_count: Fewest texts that must contain a phrase.
        min_share: Smallest share of the persona's texts that must contain it.
        min_ratio: Smallest persona-to-others share ratio (when *others* are given).
        max_phrases: Most distinct phrases held in memory per side.

    Returns:
        The phrases, most used first (by count, then longer phrases, then
        alphabetically).

    Example:
        >>> persona = ["lol", "lol", "LOL!", "ok lol", "geliyorum", "lol"]
        >>> others = ["naber?", "geliyor musun", "ok"]
        >>> for stat in repeated_phrases(persona, others=others):
        ...     print(stat.phrase, stat.count, stat.whole_message)
        lol 5 False
        lol 4 True

    """
    phrases, messages, total = _count(texts, max_n, max_phrases)
    if total == 0:
        return []
    other_phrases: Counter[str] | None = None
    other_messages: Counter[str] = Counter()
    other_total = 0
    if others is not None:
        # Only the persona's candidates matter on the other side: counting just
        # those keeps the others' pass small in memory.
        # A phrase below min_count or min_share is never reported, whatever the
        # others say; a wanted phrase's first words are wanted too (see _ngrams_among).
        wanted = (
            {
                phrase
                for phrase, count in phrases.items()
                if count >= min_count and count / total >= min_share
            },
            {
                phrase
                for phrase, count in messages.items()
                if count >= min_count and count / total >= min_share
            },
        )
        other_phrases, other_messages, other_total = _count(others, max_n, max_phrases, wanted)

    def stat(phrase: str, count: int, *, whole: bool) -> PhraseStat | None:
        share = count / total
        if count < min_count or share < min_share:
            return None
        ratio = None
        if other_phrases is not None:
            theirs = (other_messages if whole else other_phrases)[phrase]
            ratio = share / ((theirs + 1) / (other_total + 1))
            if ratio < min_ratio:
                return None
        return PhraseStat(phrase=phrase, count=count, share=share, ratio=ratio, whole_message=whole)

    # The first two tests of stat(), inline: most phrases fail them, without a call.
    candidates = [
        found
        for counter, whole in ((messages, True), (phrases, False))
        for phrase, count in counter.items()
        if count >= min_count
        and count / total >= min_share
        and (found := stat(phrase, count, whole=whole)) is not None
    ]
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


@define(kw_only=True)
class RepeatCap:
    """
    Keeps at most *max_per_key* items per near-duplicate key, counting the rest.

    Items are kept in order of arrival: the first *max_per_key* "lol" turns stay,
    later ones are dropped (or, through `allow`, can be trained with weight 0).
    Memory holds one counter per distinct key.

    Args:
        max_per_key: How many items with the same key to keep.
        key: The near-duplicate key of a text (default `repeat_key`).

    Example:
        >>> cap = RepeatCap(max_per_key=2)
        >>> list(cap(["lol", "LOL", "loool", "naber", "lol lol"]))
        ['lol', 'LOL', 'naber']
        >>> cap.dropped
        2

    """

    max_per_key: int = field(default=3)
    key: Callable[[str], str] = repeat_key
    dropped: int = field(init=False, default=0)
    _seen: Counter[str] = field(init=False, factory=Counter)

    @max_per_key.validator
    def _positive(self, _: object, value: int) -> None:
        if value < 1:
            msg = f"max_per_key: expected at least 1, found {value}"
            raise ValueError(msg)

    def allow(self, text: str) -> bool:
        """Count *text* and return whether it is within the cap."""
        key = self.key(text)
        self._seen[key] += 1
        if self._seen[key] > self.max_per_key:
            self.dropped += 1
            return False
        return True

    def __call__(
        self, items: Iterable[T], *, text: Callable[[T], str] | None = None
    ) -> Iterator[T]:
        """
        Yield the items within the cap, lazily.

        Args:
            items: Texts, or anything *text* can read a text from.
            text: How to get the text of an item (default: the item itself).
        """
        for item in items:
            if self.allow(text(item) if text is not None else str(item)):
                yield item


def cap_repeats(
    items: Iterable[T],
    *,
    max_per_key: int = 3,
    text: Callable[[T], str] | None = None,
) -> Iterator[T]:
    """
    Yield *items*, keeping at most *max_per_key* per near-duplicate key.

    A one-call form of `RepeatCap` (use the class to read how many were dropped).

    Example:
        >>> list(cap_repeats(["haha", "hahaha", "HAHAHAHA", "tamam"], max_per_key=1))
        ['haha', 'tamam']

    """
    return RepeatCap(max_per_key=max_per_key)(items, text=text)
