"""
Repetition: phrases a persona over-uses, and capping near-identical turns.

A clone trained on a chat where someone answers "lol" to everything learns to
say "lol" endlessly. `repeated_phrases` reports the phrases that are
over-represented in the persona's turns (compared with the other speakers when
their texts are given). `repeat_key` is the package's one near-duplicate key,
so "lol", "LOL", "lol lol lol" and "loool" count as the same reply wherever
repeats are counted or capped (`persona_clone.dataset.CapRepeats` in a build,
the phrase report, curation flags, evaluation).

Everything here is pure: texts in, values out.
"""

from __future__ import annotations

import re
import warnings
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Container, Hashable, Iterable, Iterator
from itertools import chain, compress, islice, pairwise, repeat
from operator import add, ge, itemgetter
from typing import TypeAlias, TypeVar

from attrs import define, field, frozen

from ._words import (
    _ANY_RUN,
    _BATCH,
    _BATCH_TOKEN,
    _BATCH_TOKEN_WITHOUT_UNDERSCORE,
    _SEP,
    _SHORT_MESSAGE,
    _Cores,
    _Kept,
    _key_of,
    _squash,
    tokens,
    turkish_lower,
)


__all__ = [
    "PhraseStat",
    "RepeatCap",
    "cap_repeats",
    "repeat_key",
    "repeat_words",
    "repeated_phrases",
    "tokens",
    "turkish_lower",
]

T = TypeVar("T")
_Key = TypeVar("_Key", bound=Hashable)
_Gram: TypeAlias = tuple[str, ...]


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


def repeat_words(text: str) -> list[str]:
    """
    Return the words of *text* as `repeat_key` sees them, repeats kept.

    Each word and emoji lower-cased the Turkish way, with repeated letters and
    laughs squeezed; punctuation is dropped. The serving loop guard compares
    replies by these words, so it and the dataset agree on what repeats.

    Example:
        >>> repeat_words("HAHAHA, loool ok ok!")
        ['haha', 'lol', 'ok', 'ok']

    """
    return [_squash(token) for token in tokens(text)]


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


@frozen(kw_only=True)
class _Corpus:
    """
    The `tokens` of many texts, in one list.

    Args:
        words: Every text's tokens, each text's followed by _SEP.
        starts: Where each text's tokens start in *words*.
        ends: Where each text's tokens end in *words* (the index of its _SEP).
    """

    words: list[str]
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, texts: Iterable[str]) -> _Corpus:
        """
        Tokenize *texts*, a batch of texts per regular expression search.

        Each batch is lowered text by text (as `tokens` does), joined with _SEP
        (no word character: a word never runs across it) and searched once; a
        batch holding _SEP itself is tokenized text by text. Equal tokens are
        one string: the word lists cost a pointer per word.
        """
        words: list[str] = []
        ends: list[int] = []
        keep = _Kept({_SEP: _SEP}).__getitem__
        index = words.index
        remaining = iter(texts)
        while batch := list(islice(remaining, _BATCH)):
            joined = _SEP.join([*map(turkish_lower, batch), ""])
            if joined.count(_SEP) == len(batch):
                pattern = _BATCH_TOKEN if "_" in joined else _BATCH_TOKEN_WITHOUT_UNDERSCORE
                found = pattern.findall(joined)
            else:
                found = [token for text in batch for token in (*tokens(text), _SEP)]
            end = len(words) - 1
            words.extend(filter(None, map(keep, found)))
            for _ in batch:
                end = index(_SEP, end + 1)
                ends.append(end)
        starts = [0, *map(add, ends, repeat(1))]
        starts.pop()
        return cls(words=words, starts=starts, ends=ends)

    def texts(self) -> Iterator[list[str]]:
        """Each text's tokens."""
        return map(self.words.__getitem__, map(slice, self.starts, self.ends))

    def pairs(self, limit: int) -> Counter[_Gram]:
        """
        How often each two consecutive words occur (not once per text).

        Counting occurrences needs no set per text; across the end of a text a
        pair holds _SEP (forgotten first when there are over *limit* pairs).
        """
        counter: Counter[_Gram] = Counter()
        words = self.words
        for first in range(0, len(self.ends), _BATCH):
            part = words[self.starts[first] : self.ends[min(first + _BATCH, len(self.ends)) - 1]]
            counter.update(zip(part, islice(part, 1, None), strict=False))
            if len(counter) > limit:
                for pair in [pair for pair in counter if _SEP in pair]:
                    del counter[pair]
                if len(counter) > limit:
                    _prune(counter, limit)
        return counter

    def pairs_among(
        self, wanted: Container[_Gram], heads: Container[str]
    ) -> tuple[list[int], list[_Gram]]:
        """Where the *wanted* pairs of words (first words: *heads*) are, and which."""
        words = self.words
        positions = list(compress(range(len(words) - 1), map(heads.__contains__, words)))
        at = words.__getitem__
        pairs = list(zip(map(at, positions), map(at, map(add, positions, repeat(1))), strict=True))
        keep = list(map(wanted.__contains__, pairs))
        return list(compress(positions, keep)), list(compress(pairs, keep))

    def grow(
        self,
        positions: list[int],
        grams: list[_Gram],
        prefixes: Container[_Gram],
        lasts: Container[str],
    ) -> tuple[list[int], list[_Gram]]:
        """
        The phrases one word longer than *grams*, and where they start.

        *grams* start at *positions* of `words`; a gram in *prefixes* is
        extended by its next word when that is in *lasts* (never across the end
        of a text: _SEP is no word).
        """
        keep = list(map(prefixes.__contains__, grams))
        positions = list(compress(positions, keep))
        grams = list(compress(grams, keep))
        size = len(grams[0]) if grams else 0
        following = list(map(self.words.__getitem__, map(add, positions, repeat(size))))
        keep = list(map(lasts.__contains__, following))
        return (
            list(compress(positions, keep)),
            list(map(add, compress(grams, keep), zip(compress(following, keep)))),
        )

    def per_text(self, positions: list[int], grams: list[_Gram]) -> Iterator[Iterable[_Gram]]:
        """
        The *grams* once per text they are in (*positions*, sorted, say where they start).

        Few grams are told apart by text one by one, many by a set per text.
        """
        if len(positions) < len(self.starts):
            texts = map(bisect_right, repeat(self.starts), positions)
            return iter([map(itemgetter(1), set(zip(texts, grams, strict=True)))])
        cuts = list(map(bisect_left, repeat(positions), self.starts))
        cuts.append(len(positions))
        return map(set, map(grams.__getitem__, map(slice, cuts, islice(cuts, 1, None))))

    def messages(self, limit: int, wanted: Container[str] | None = None) -> Counter[str]:
        """Count the short texts by `repeat_key` (only the *wanted* keys, when given)."""
        words = self.words
        cores = _Cores().__getitem__
        keys = (
            _key_of(words[start:end], cores)
            for start, end in zip(self.starts, self.ends, strict=True)
            if 0 < end - start <= _SHORT_MESSAGE
        )
        if wanted is not None:
            keys = (key for key in keys if key in wanted)
        return _tally(map(_alone, keys), limit)


def _alone(key: str) -> tuple[str]:
    return (key,)


def _tally(groups: Iterator[Iterable[_Key]], limit: int) -> Counter[_Key]:
    """Count the phrases of *groups*, a batch at a time, forgetting the rarest past *limit*."""
    counter: Counter[_Key] = Counter()
    while batch := list(islice(groups, _BATCH)):
        counter.update(chain.from_iterable(batch))
        if len(counter) > limit:
            _prune(counter, limit)
    return counter


def _prune(counter: Counter[_Key], limit: int) -> None:
    """Forget the rarest phrases until *counter* holds at most half of *limit*."""
    level = 1
    while len(counter) > limit // 2:
        # Rebuilt rather than deleted from: Counter.__delitem__ runs in Python,
        # a dict comprehension and dict.update in C; the order kept is the same.
        kept = {phrase: count for phrase, count in counter.items() if count > level}
        counter.clear()
        dict.update(counter, kept)
        level += 1


def _least_count(total: int, min_count: int, min_share: float) -> int:
    """The least count out of *total* texts that meets both minimums (or ``total + 1``)."""

    def enough(count: int) -> bool:
        return count >= min_count and count / total >= min_share

    if not enough(total):
        return total + 1
    if enough(0):
        return 0
    low, high = 0, total  # a share only grows with its count
    while high - low > 1:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle
    return high


def _at_least(counter: Counter[_Key], least: int) -> dict[_Key, int]:
    """The phrases of *counter* counted at least *least* times."""
    return dict(compress(counter.items(), map(ge, counter.values(), repeat(least))))


def _frequent(corpus: _Corpus, max_n: int, limit: int, least: int) -> list[dict[_Gram, int]]:
    """
    The phrases of 1 to *max_n* words in at least *least* texts, by length.

    Level by level (a phrase is in at most as many texts as its first words and
    its last word): only a frequent phrase followed by a frequent word is
    counted at the next length. Pairs are first counted by occurrence, which is
    cheap, and only those that occur often enough once per text.
    """
    if max_n < 1:
        return []
    counts = _at_least(_tally(map(dict.fromkeys, corpus.texts()), limit), least)
    levels: list[dict[_Gram, int]] = [{(word,): count for word, count in counts.items()}]
    if len(levels) == max_n or not counts:
        return levels
    often = {
        pair
        for pair, count in corpus.pairs(limit).items()
        if count >= least and pair[0] in counts and pair[1] in counts
    }
    positions, grams = corpus.pairs_among(often, {pair[0] for pair in often})
    while True:
        levels.append(_at_least(_tally(corpus.per_text(positions, grams), limit), least))
        if len(levels) == max_n or not levels[-1]:
            return levels
        positions, grams = corpus.grow(positions, grams, levels[-1], counts)


@frozen(kw_only=True)
class _Wanted:
    """
    The persona's phrases of one length, to look for in the others' texts.

    Args:
        phrases: The phrases.
        heads: Their first words.
        lasts: Their last words.
    """

    phrases: set[_Gram]
    heads: set[str]
    lasts: set[str]

    @classmethod
    def of(cls, phrases: Iterable[_Gram]) -> _Wanted:
        """The *phrases*, with their first and last words."""
        wanted = set(phrases)
        return cls(
            phrases=wanted,
            heads={phrase[0] for phrase in wanted},
            lasts={phrase[-1] for phrase in wanted},
        )


def _among(corpus: _Corpus, wanted: list[_Wanted], limit: int) -> Counter[_Gram]:
    """
    In how many texts each *wanted* phrase is.

    *wanted* holds the phrases by length, each one's first words among the
    shorter ones: a phrase is looked for only where its first words are.
    """
    found: Counter[_Gram] = Counter()
    words = wanted[0].heads if wanted else set()
    for word, texts in _tally(map(words.intersection, corpus.texts()), limit).items():
        found[word,] = texts
    if len(wanted) <= 1 or not wanted[1].phrases:
        return found
    positions, grams = corpus.pairs_among(wanted[1].phrases, wanted[1].heads)
    found.update(_tally(corpus.per_text(positions, grams), limit))
    for shorter, longer in pairwise(wanted[1:]):
        if not longer.phrases:
            break
        positions, grams = corpus.grow(positions, grams, shorter.phrases, longer.lasts)
        keep = list(map(longer.phrases.__contains__, grams))
        positions = list(compress(positions, keep))
        grams = list(compress(grams, keep))
        found.update(_tally(corpus.per_text(positions, grams), limit))
    return found


def _theirs(
    others: Iterable[str], levels: list[dict[_Gram, int]], messages: Collection[str], limit: int
) -> tuple[Counter[_Gram], Counter[str], int]:
    """
    Count the persona's phrases and short *messages* in the *others*' texts.

    Reads the others a batch at a time; returns the phrases' counts, the
    messages' counts and how many texts there were.
    """
    wanted = [_Wanted.of(level) for level in levels]
    phrases: Counter[_Gram] = Counter()
    keys: Counter[str] = Counter()
    total = 0
    remaining = iter(others)
    while batch := list(islice(remaining, _BATCH)):
        total += len(batch)
        if not messages and not any(level.phrases for level in wanted):
            continue
        corpus = _Corpus.of(batch)
        phrases.update(_among(corpus, wanted, limit))
        keys.update(corpus.messages(limit, messages))
    return phrases, keys, total


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

    Reads each iterable once, *texts* first. Phrases are counted length by
    length: only a frequent phrase followed by a frequent word can make a
    frequent longer one, so the rest are never built. Of the *others* only the
    persona's candidate phrases are counted, a batch of texts at a time. It
    costs about ten microseconds per chat turn of a few dozen words, most of it
    splitting the texts into words: on a very large export, pass a sample of
    the others' turns (``itertools.islice(others, 0, None, 10)``); shares stay
    comparable. Memory holds the persona's texts as word lists (a pointer per
    word, and about as much again while counting) and at most about
    *max_phrases* phrases per length and side: past it, the rarest phrases are
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
        max_phrases: Most distinct phrases of one length held in memory per side.

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
    persona = _Corpus.of(texts)
    total = len(persona.ends)
    if total == 0:
        return []
    least = _least_count(total, min_count, min_share)
    levels = _frequent(persona, max_n, max_phrases, least)
    messages = _at_least(persona.messages(max_phrases), least)
    their_phrases: Counter[_Gram] = Counter()
    their_messages: Counter[str] = Counter()
    other_total = 0
    if others is not None:
        # Only the persona's candidates are counted there: a phrase below
        # min_count or min_share is never reported, whatever the others say.
        their_phrases, their_messages, other_total = _theirs(others, levels, messages, max_phrases)
    rate = _Rate(
        total=total,
        other_total=other_total if others is not None else None,
        min_ratio=min_ratio,
    )
    stats = chain(
        (rate.stat(key, count, their_messages[key], whole=True) for key, count in messages.items()),
        (
            rate.stat(gram, count, their_phrases[gram], whole=False)
            for level in levels
            for gram, count in level.items()
        ),
    )
    return _most_repeated([found for found in stats if found is not None], top)


@frozen(kw_only=True)
class _Rate:
    """
    Turns a phrase's counts into its `PhraseStat`, if it is over-represented.

    Args:
        total: The persona's texts.
        other_total: The other speakers' texts (``None``: not compared).
        min_ratio: Smallest persona-to-others share ratio.
    """

    total: int
    other_total: int | None
    min_ratio: float

    def stat(
        self, phrase: str | _Gram, count: int, theirs: int, *, whole: bool
    ) -> PhraseStat | None:
        """The statistics of *phrase* (counted *count* >= least times), if over-represented."""
        share = count / self.total
        ratio = None
        if self.other_total is not None:
            ratio = share / ((theirs + 1) / (self.other_total + 1))
            if ratio < self.min_ratio:
                return None
        if not isinstance(phrase, str):
            phrase = " ".join(phrase)
        return PhraseStat(phrase=phrase, count=count, share=share, ratio=ratio, whole_message=whole)


def _most_repeated(candidates: list[PhraseStat], top: int) -> list[PhraseStat]:
    """
    The *top* phrases, most used first, without a phrase inside a longer one of the same count.

    Ordered by count, then whole messages before phrases, then longer phrases, then
    alphabetically.
    """
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


_DEPRECATED_CAP = (
    "{name} is deprecated and will be removed in the next release: cap near-duplicate "
    "turns in a build with persona_clone.dataset.CapRepeats (or DuplicateCap for "
    "examples), keyed by the same repeat_key"
)


@define(kw_only=True)
class _Cap:
    """Keeps at most *max_per_key* items per `repeat_key`, counting the rest."""

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


@define(kw_only=True)
class RepeatCap(_Cap):
    """
    Keeps at most *max_per_key* items per near-duplicate key, counting the rest.

    Items are kept in order of arrival: the first *max_per_key* "lol" turns stay,
    later ones are dropped. Memory holds one counter per distinct key.

    .. deprecated::
        Nothing in a build used it; `persona_clone.dataset.CapRepeats` caps the
        near-duplicate turns of a build (as weight 0, by the same `repeat_key`).
        It will be removed in the next release.

    Args:
        max_per_key: How many items with the same key to keep.
        key: The near-duplicate key of a text (default `repeat_key`).
    """

    def __attrs_post_init__(self) -> None:
        warnings.warn(_DEPRECATED_CAP.format(name="RepeatCap"), DeprecationWarning, stacklevel=3)


def cap_repeats(
    items: Iterable[T],
    *,
    max_per_key: int = 3,
    text: Callable[[T], str] | None = None,
) -> Iterator[T]:
    """
    Yield *items*, keeping at most *max_per_key* per near-duplicate key.

    .. deprecated::
        See `RepeatCap`; it will be removed in the next release.
    """
    warnings.warn(_DEPRECATED_CAP.format(name="cap_repeats()"), DeprecationWarning, stacklevel=2)
    return _Cap(max_per_key=max_per_key)(items, text=text)
