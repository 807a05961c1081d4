"""
Curation rules: the example steps ``persona-clone build`` runs for what people would hand-pick.

Each is a `persona_clone.dataset.steps.ExampleStep`: it stops training the
persona turns it rules out (they stay in their example as context, weight 0),
leaves out an example with nothing left to train, and counts every turn it
untrains in the report under its own reason:

- `MinReplyLength`: turns of fewer than *min_words* words
  (``shorter than N words``);
- `DropLaughterOnly`: turns that are only a laugh (``laughter only``);
- `CapPhrases`: at most *cap* trained turns holding each phrase
  (``over the cap of 'lol'``);
- `ApplyReview`: examples dropped in ``persona-clone review`` (``dropped in review``).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final

from attrs import evolve, field, frozen

from ..dataset.example import Example
from ..dataset.laughter import only_laughter
from ..dataset.repetition import tokens


__all__ = [
    "ApplyReview",
    "CapPhrases",
    "DropLaughterOnly",
    "MinReplyLength",
    "content_key",
    "parse_phrase_cap",
]

_USER: Final = "user"
_ASSISTANT: Final = "assistant"


def _untrain(
    examples: Iterable[Example],
    skipped: Counter[str],
    rule: Callable[[str], str | None],
) -> Iterator[Example]:
    """Untrain each trained turn *rule* gives a reason for; count it under that reason."""
    for example in examples:
        trained = list(example.trained)
        changed = False
        for index, turn in enumerate(example.turns):
            if not trained[index]:
                continue
            reason = rule(turn.text)
            if reason is not None:
                trained[index] = False
                skipped[reason] += 1
                changed = True
        if not changed:
            yield example
        elif any(trained):
            yield evolve(example, trained=tuple(trained))


def _words(text: str) -> int:
    return sum(1 for token in tokens(text) if token[0].isalnum())


def _at_least_one(_: object, attribute: object, value: int) -> None:
    if value < 1:
        msg = f"expected {getattr(attribute, 'name', 'a value')} >= 1, found {value}"
        raise ValueError(msg)


@frozen(kw_only=True)
class MinReplyLength:
    """
    Train only persona turns of at least *min_words* words (emoji and punctuation not counted).

    Example:
        >>> rule = MinReplyLength(min_words=2)
        >>> rule.reason("ok!"), rule.reason("ok geldim")
        ('shorter than 2 words', None)

    """

    min_words: int = field(validator=_at_least_one)

    def reason(self, text: str) -> str | None:
        """Why *text* is not trained (``None``: it is)."""
        return f"shorter than {self.min_words} words" if _words(text) < self.min_words else None

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield *examples* with short persona turns untrained."""
        return _untrain(examples, skipped, self.reason)


@frozen(kw_only=True)
class DropLaughterOnly:
    """
    Train no persona turn that is only a laugh ("haha", "lol 😂", "HAHAHA").

    Example:
        >>> DropLaughterOnly().reason("hahaha 😂"), DropLaughterOnly().reason("haha tamam")
        ('laughter only', None)

    """

    def reason(self, text: str) -> str | None:
        """Why *text* is not trained (``None``: it is)."""
        return "laughter only" if only_laughter(text) else None

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield *examples* with laughter-only persona turns untrained."""
        return _untrain(examples, skipped, self.reason)


def parse_phrase_cap(value: str) -> tuple[str, int]:
    """
    Read a phrase cap written ``PHRASE=N``.

    Raises:
        ValueError: *value* is not ``PHRASE=N`` with N at least 1.

    Example:
        >>> parse_phrase_cap("haha mert=5")
        ('haha mert', 5)

    """
    phrase, sep, count = value.rpartition("=")
    words = " ".join(tokens(phrase))
    if not sep or not words or not count.strip().isdigit() or int(count) < 1:
        msg = f"phrase cap: expected PHRASE=N with N >= 1, found {value!r}"
        raise ValueError(msg)
    return words, int(count)


@frozen(kw_only=True)
class CapPhrases:
    """
    Train at most *caps[phrase]* persona turns holding each phrase, first come first kept.

    Phrases are matched as whole words, Turkish-aware and case-insensitive
    (``"lol"`` is in "LOL ok" but not in "lollipop").

    Args:
        caps: The most trained turns per phrase.
    """

    caps: Mapping[str, int]

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield *examples* with turns over a phrase's cap untrained."""
        seen: Counter[str] = Counter()
        phrases = {" ".join(tokens(phrase)): cap for phrase, cap in self.caps.items()}

        def reason(text: str) -> str | None:
            padded = f" {' '.join(tokens(text))} "
            held = [phrase for phrase in phrases if f" {phrase} " in padded]
            over = next((p for p in held if seen[p] >= phrases[p]), None)
            if over is not None:
                return f"over the cap of {over!r}"
            seen.update(held)
            return None

        return _untrain(examples, skipped, reason)


def content_key(roles_and_texts: Iterable[tuple[bool, str]]) -> str:
    """
    Return the review key of a conversation: a hash of who (persona or not) said what.

    The same key `persona_clone.curation.example_key` gives the written example,
    so decisions made on a dataset file apply to the examples of a rebuild.
    """
    shape = [[_ASSISTANT if persona else _USER, text] for persona, text in roles_and_texts]
    text = json.dumps(shape, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


@frozen(kw_only=True)
class ApplyReview:
    """
    Leave out the examples dropped in ``persona-clone review``, by content.

    Args:
        dropped: The keys of the dropped examples (`persona_clone.curation.ReviewState.dropped`).
    """

    dropped: frozenset[str]

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield the examples not dropped; count the dropped ones' trained turns."""
        for example in examples:
            key = content_key(zip(example.persona, (t.text for t in example.turns), strict=True))
            if key in self.dropped:
                skipped["dropped in review"] += example.trained_turns
            else:
                yield example
