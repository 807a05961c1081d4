"""
Laughter: which words of a chat message are a laugh, and whether a message is only that.

A clone's most common failure is laughing at everything, so the evaluation
counts laughs and the curation rules can leave out replies that are only a
laugh. A laugh is a word such as ``haha``, ``hehe``, ``jaja``, ``xaxa``,
``lol``, ``lmao``, ``rofl``, ``xd``, ``sjsj`` or Turkish keyboard-mashing
(``asdfgh``), in any length and case (``HAHAHAH``, ``looool``), or one of the
laughing emoji (😂 🤣 😆 😹 😅).
"""

from __future__ import annotations

import re
from typing import Final

from ._words import _LAUGH, _squash, tokens


__all__ = ["LAUGH_EMOJI", "is_laugh", "laughs", "only_laughter"]

LAUGH_EMOJI: Final = frozenset("😂🤣😆😹😅")
"""The emoji that count as a laugh."""

_LAUGH_WORDS: Final = frozenset({"lol", "lmao", "lmfao", "rofl", "xd", "kek", "ahah", "hah"})
_KEYBOARD = re.compile(r"(?:sj|sk|js|jk){2,}s?|a[sşdfghjkl]{4,}|[sşdfghjkl]{5,}")


def is_laugh(token: str) -> bool:
    """
    Whether *token* is a laugh.

    *token* is one word or emoji, as `persona_clone.dataset.repetition.tokens` gives it.

    Example:
        >>> [is_laugh(t) for t in ("HAHAHA", "looool", "😂", "xD", "asdfghj", "hah", "ha", "ok")]
        [True, True, True, True, True, True, False, False]

    """
    if token in LAUGH_EMOJI:
        return True
    lowered = token.lower()
    if _LAUGH.fullmatch(lowered) or _KEYBOARD.fullmatch(lowered):
        return True
    return _squash(lowered) in _LAUGH_WORDS


def laughs(text: str) -> int:
    """
    Return how many laughs *text* holds.

    Example:
        >>> laughs("haha Moda'da park yeri 😂😂 lol")
        4

    """
    return sum(map(is_laugh, tokens(text)))


def only_laughter(text: str) -> bool:
    """
    Whether *text* is a laugh and nothing else (punctuation aside).

    Example:
        >>> only_laughter("HAHAHA 😂!!"), only_laughter("haha tamam"), only_laughter("...")
        (True, False, False)

    """
    found = tokens(text)
    return bool(found) and all(map(is_laugh, found))
