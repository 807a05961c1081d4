"""
Words for the repetition statistics: Turkish-safe lower-casing and tokens.

`persona_clone.dataset.repetition` re-exports the public names (`turkish_lower`, `tokens`).
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from itertools import compress, repeat
from operator import contains, or_


__all__ = ["tokens", "turkish_lower"]

_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
_SEP = "\x00"  # ends each text of a batch (see _Corpus.of)
_BATCH = 1024
# Possessive quantifiers (Python 3.11+) give the same matches without the
# bookkeeping for backtracking, which never happens in these patterns.
_POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""


def _token_pattern(word: str, symbol: str) -> re.Pattern[str]:
    """A run of *word* characters (inner apostrophes kept), or a *symbol* character."""
    run = f"{word}+{_POSSESSIVE}"
    return re.compile(f"{run}(?:['’]{run})*{_POSSESSIVE}|{symbol}")


# A word, or a character that is neither a word character nor a space and may
# be a symbol (category So or Sk): ASCII has no So and only "^" and "`" in Sk,
# so the pattern itself skips ASCII punctuation and only the other candidates
# need their category looked up. In a text without "_", \w is [^\W_], faster.
_SYMBOL = r"[^\x00-\x5d\x5f\x61-\x7f\w\s]"
_TOKEN = _token_pattern(r"[^\W_]", _SYMBOL)
_TOKEN_WITHOUT_UNDERSCORE = _token_pattern(r"\w", _SYMBOL)
# The same, also matching _SEP.
_SYMBOL_OR_SEP = r"[^\x01-\x5d\x5f\x61-\x7f\w\s]"
_BATCH_TOKEN = _token_pattern(r"[^\W_]", _SYMBOL_OR_SEP)
_BATCH_TOKEN_WITHOUT_UNDERSCORE = _token_pattern(r"\w", _SYMBOL_OR_SEP)
_WORD = re.compile(r"(\w+)")
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
    # Each word lowered on its own, what is around the words left as it is.
    parts = _WORD.split(text)
    words = parts[1::2]
    lowered = list(map(str.lower, words))
    dotted = map(contains, words, repeat("İ"))
    with_i = map(or_, map(contains, words, repeat("I")), dotted)
    for index in compress(range(len(words)), with_i):
        lowered[index] = _lower_word(words[index])
    parts[1::2] = lowered
    return "".join(parts)


def _lower_word(word: str) -> str:
    turkish = not _TURKISH_LETTERS.isdisjoint(word)
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
    lowered = turkish_lower(text)
    found = (_TOKEN if "_" in lowered else _TOKEN_WITHOUT_UNDERSCORE).findall(lowered)
    if text.isascii():
        return found
    return [token for token in found if _kept(token)]


def _kept(token: str) -> bool:
    """Whether `tokens` keeps a token found by _TOKEN: a word, or a symbol."""
    return token[0].isalnum() or unicodedata.category(token[0]) in _SYMBOL_CATEGORIES


def _squash(token: str) -> str:
    """Reduce a token to its core without repeats: "loool" → "lol"."""
    if _LAUGH.fullmatch(token):
        return "heh" if "e" in token else "haha"
    token = _RUN.sub(r"\1", token)
    unit = _UNIT.fullmatch(token)
    if unit and unit.group(1).startswith(unit.group(2)):
        return unit.group(1) + unit.group(2)
    return token


def _key_of(words: list[str], squash: Callable[[str], str] = _squash) -> str:
    squashed: list[str] = []
    for word in words:
        core = squash(word)
        if not squashed or squashed[-1] != core:
            squashed.append(core)
    return " ".join(squashed)


class _Kept(dict[str, str]):
    """Each token seen, mapped to itself when `tokens` keeps it and to "" when not."""

    def __missing__(self, token: str) -> str:
        kept = token if token == _SEP or _kept(token) else ""
        self[token] = kept
        return kept


class _Cores(dict[str, str]):
    """Each word seen, mapped to its `_squash`ed core."""

    def __missing__(self, word: str) -> str:
        core = self[word] = _squash(word)
        return core
