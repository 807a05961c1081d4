"""
Flags: what a reviewer should look at in a persona turn before keeping it.

`flag_texts` marks each of the persona's turns, seen against all of them:

- `Flag.LAUGHTER_ONLY`: the turn is only a laugh (``haha``, ``lol 😂``);
- `Flag.VERY_SHORT`: it has at most *short* words;
- `Flag.OVERUSED_PHRASE`: it holds one of the phrases the persona over-uses
  (the build report's phrases, `persona_clone.dataset.repetition.repeated_phrases`);
- `Flag.NEAR_DUPLICATE`: more than *max_repeats* turns are the same reply
  (`persona_clone.dataset.repetition.repeat_key`: "lol", "LOL", "loool").
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from ..dataset.laughter import only_laughter
from ..dataset.repetition import repeat_key, repeated_phrases, tokens


__all__ = ["Flag", "flag_examples", "flag_texts"]


class Flag(enum.Enum):
    """Why a persona turn may be worth leaving out."""

    LAUGHTER_ONLY = "laughter-only"
    """Only a laugh."""
    VERY_SHORT = "very short"
    """A word or less."""
    OVERUSED_PHRASE = "over-used phrase"
    """Holds a phrase the persona says far too often."""
    NEAR_DUPLICATE = "near-duplicate"
    """The same reply as many other turns."""


def flag_texts(
    texts: Sequence[str],
    *,
    others: Sequence[str] = (),
    short: int = 1,
    max_repeats: int = 3,
) -> list[frozenset[Flag]]:
    """
    Return the flags of each of the persona's *texts*.

    Args:
        texts: The persona's turns.
        others: The other speakers' turns (to tell over-used phrases from common words).
        short: Most words of a very short turn.
        max_repeats: How many turns may be the same reply before they are near-duplicates.

    Example:
        >>> flags = flag_texts(["lol", "LOL", "loool", "lol!", "geliyorum birazdan"])
        >>> sorted(f.value for f in flags[0])
        ['laughter-only', 'near-duplicate', 'over-used phrase', 'very short']
        >>> flags[4]
        frozenset()

    """
    keys = [repeat_key(text) for text in texts]
    counts = Counter(keys)
    phrases = [
        f" {stat.phrase} "
        for stat in repeated_phrases(texts, others=others or None)
        if not stat.whole_message
    ]
    flagged: list[frozenset[Flag]] = []
    for text, key in zip(texts, keys, strict=True):
        words = tokens(text)
        found: set[Flag] = set()
        if only_laughter(text):
            found.add(Flag.LAUGHTER_ONLY)
        if len(words) <= short:
            found.add(Flag.VERY_SHORT)
        if counts[key] > max_repeats:
            found.add(Flag.NEAR_DUPLICATE)
        padded = f" {' '.join(words)} "
        if any(phrase in padded for phrase in phrases):
            found.add(Flag.OVERUSED_PHRASE)
        flagged.append(frozenset(found))
    return flagged


def flag_examples(examples: Sequence[Mapping[str, Any]]) -> list[dict[int, frozenset[Flag]]]:
    """
    Return the flags of each chat-format example's persona turns, by message index.

    The persona's turns (``assistant`` messages) of all *examples* are flagged
    together (`flag_texts`), against everyone else's messages.
    """
    places: list[tuple[int, int]] = []
    texts: list[str] = []
    others: list[str] = []
    for number, example in enumerate(examples):
        for index, message in enumerate(example.get("messages", ())):
            if not isinstance(message, dict):
                continue
            content = str(message.get("content", ""))
            if message.get("role") == "assistant":
                places.append((number, index))
                texts.append(content)
            else:
                others.append(content)
    found: list[dict[int, frozenset[Flag]]] = [{} for _ in examples]
    for (number, index), flags in zip(places, flag_texts(texts, others=others), strict=True):
        if flags:
            found[number][index] = flags
    return found
