"""
Style metrics: what one reply looks like, in numbers a person would recognise.

`measure` describes one reply (a merged turn, its messages one a line) by the
features `persona-clone evaluate` compares between the person and the clone:
its length in words, characters and messages, how much of it is upper case,
punctuation and emoji, whether it laughs, and which language it is in.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from attrs import frozen

from ..dataset.laughter import LAUGH_EMOJI, is_laugh
from ..dataset.repetition import tokens
from .language import Language, language_of


__all__ = ["NUMERIC_FEATURES", "ReplyFeatures", "measure"]


@frozen(kw_only=True)
class ReplyFeatures:
    """
    The style features of one reply.

    Args:
        words: Words (emoji and punctuation not counted).
        characters: Characters, line breaks not counted.
        messages: Messages the turn was sent as (its non-empty lines).
        uppercase: Share of its letters that are upper case (0-1).
        punctuation: Punctuation marks per character (0-1).
        emoji: Emoji and other pictographic symbols.
        laughs: Whether it laughs (``haha``, ``lol``, 😂, ...).
        language: Which language its words are in.
    """

    words: int
    characters: int
    messages: int
    uppercase: float
    punctuation: float
    emoji: int
    laughs: bool
    language: Language


NUMERIC_FEATURES: Final = (
    "words",
    "characters",
    "messages",
    "uppercase",
    "punctuation",
    "emoji",
)
"""The features compared as distributions of numbers (the others are categories)."""


def measure(text: str) -> ReplyFeatures:
    r"""
    Return the style features of the reply *text*.

    Example:
        >>> f = measure("haha Moda'da park yeri 😂\nGood luck!")
        >>> f.words, f.messages, f.emoji, f.laughs, f.language.value
        (6, 2, 1, True, 'mixed')

    """
    lines = [line for line in text.splitlines() if line.strip()]
    found = tokens(text)
    letters = upper = punctuation = emoji = 0
    for char in text:
        if char.isalpha():
            letters += 1
            upper += char.isupper()
            continue
        category = unicodedata.category(char)
        if category[0] == "P":
            punctuation += 1
        elif category == "So":
            emoji += 1
    characters = sum(map(len, lines))
    return ReplyFeatures(
        words=sum(1 for token in found if token[0].isalnum()),
        characters=characters,
        messages=len(lines),
        uppercase=upper / letters if letters else 0.0,
        punctuation=punctuation / characters if characters else 0.0,
        emoji=emoji,
        laughs=any(is_laugh(token) for token in found) or not LAUGH_EMOJI.isdisjoint(text),
        language=language_of(text),
    )
