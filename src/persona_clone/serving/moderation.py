"""
Moderation of the clone's replies before they are sent.

A clone can say what the real person never would. A `Moderator` looks at each
reply the `persona_clone.Responder` is about to send; a flagged reply is not
sent, and the log says why (never the reply itself). Two come with the library:

- `EndpointModerator` asks an OpenAI-compatible ``/moderations`` endpoint
  (usually the same server that serves the model);
- `WordListModerator` checks a list of words and phrases, offline.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

import openai
from attrs import field, frozen

from ..errors import ConfigError
from ..privacy.identity import normalise_name


__all__ = ["EndpointModerator", "Moderator", "Verdict", "WordListModerator"]

logger = logging.getLogger(__name__)


@frozen(kw_only=True)
class Verdict:
    """
    What a moderator decided about one reply.

    Args:
        flagged: The reply must not be sent.
        reasons: Why, in words that do not quote the reply (categories, list entries).
    """

    flagged: bool
    reasons: tuple[str, ...] = ()


@runtime_checkable
class Moderator(Protocol):
    """Decides whether a reply may be sent."""

    async def moderate(self, text: str) -> Verdict:
        """Return the verdict on *text*."""
        ...


@frozen(kw_only=True)
class EndpointModerator:
    """
    Asks an OpenAI-compatible moderations endpoint about each reply.

    When the endpoint cannot answer, the reply counts as flagged (fail closed):
    an unmoderated reply is never sent.

    Args:
        client: The ``openai.AsyncOpenAI`` client (the responder's, usually).
        model: The moderation model.

    .. versionadded:: 0.1.0
    """

    client: openai.AsyncOpenAI = field(repr=False)
    model: str = "omni-moderation-latest"

    async def moderate(self, text: str) -> Verdict:
        """Return the endpoint's verdict on *text* (flagged when it fails)."""
        try:
            answer = await self.client.moderations.create(input=text, model=self.model)
        except openai.OpenAIError as error:
            return Verdict(
                flagged=True, reasons=(f"the moderation endpoint failed ({type(error).__name__})",)
            )
        reasons: list[str] = []
        flagged = False
        for result in answer.results:
            flagged = flagged or bool(result.flagged)
            categories = result.categories.model_dump(by_alias=True)
            reasons.extend(name for name, value in categories.items() if value is True)
        if flagged and not reasons:
            reasons.append("flagged by the moderation endpoint")
        return Verdict(flagged=flagged, reasons=tuple(dict.fromkeys(reasons)))


def _pattern(entry: str) -> re.Pattern[str]:
    words = [re.escape(word) for word in entry.split()]
    return re.compile(r"(?<!\w)" + r"\W+".join(words) + r"(?!\w)")


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _fold(text: str) -> str:
    return normalise_name(text).casefold()


@frozen(kw_only=True)
class WordListModerator:
    """
    Flags a reply that contains a listed word or phrase, offline.

    Entries match whole words, without regard to letter case; the words of a
    phrase may be separated by any spaces or punctuation.

    Args:
        words: The words and phrases.
        source: Where they came from, for reasons (``blocklist.txt``).

    Example:
        >>> import asyncio
        >>> moderator = WordListModerator(words=("darn", "go away"))
        >>> asyncio.run(moderator.moderate("Go... away!")).reasons
        ('word list entry 2',)
        >>> asyncio.run(moderator.moderate("darned")).flagged
        False

    .. versionadded:: 0.1.0
    """

    words: tuple[str, ...] = field(converter=_strings)
    source: str = "word list"
    _patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        patterns = tuple(_pattern(_fold(word)) for word in self.words if word.strip())
        object.__setattr__(self, "_patterns", patterns)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> WordListModerator:
        """
        Read one word or phrase a line (UTF-8); blank lines and ``#`` comments are skipped.

        Raises:
            ConfigError: The file cannot be read, or lists nothing.
        """
        where = os.fspath(path)
        try:
            lines = Path(path).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            msg = f"{where}: expected a UTF-8 word list, one entry a line ({error})"
            raise ConfigError(msg) from error
        words = tuple(
            line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")
        )
        if not words:
            msg = f"{where}: expected at least one word or phrase, found none"
            raise ConfigError(msg)
        return cls(words=words, source=Path(where).name)

    async def moderate(self, text: str) -> Verdict:
        """Flag *text* when it contains a listed entry; the reasons give entry numbers."""
        folded = _fold(text)
        hits = tuple(
            f"{self.source} entry {number}"
            for number, pattern in enumerate(self._patterns, start=1)
            if pattern.search(folded)
        )
        return Verdict(flagged=bool(hits), reasons=hits)
