"""
Splitting and capping: `SessionSplit` and `DuplicateCap`.

`SessionSplit` is a deterministic, seedable train/validation split by session;
`DuplicateCap` limits how often near-identical persona turns are trained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Final

from attrs import define, evolve, field, frozen

from persona_clone.message import Message
from persona_clone.session import Session

from .example import Example
from .repetition import repeat_key


__all__ = ["DuplicateCap", "SessionSplit", "message_key", "near_duplicate_key", "session_key"]

_SCALE: Final = float(2**64)


def session_key(session: Session) -> str:
    """
    Return a stable key for *session*: its source file, first message id and start.

    The same session gets the same key in every run, whatever the order of the
    exports given, so the split it decides does not move.
    """
    return message_key(session.messages[0])


def message_key(first: Message) -> str:
    """Return `session_key` of the session whose first message is *first*."""
    source = first.source.file if first.source is not None else ""
    return f"{source}|{first.id}|{first.sent_at.isoformat()}"


def _share(_: object, __: object, value: float) -> None:
    if not 0.0 <= value < 1.0:
        msg = f"expected a validation share in [0, 1), found {value}"
        raise ValueError(msg)


@frozen(kw_only=True)
class SessionSplit:
    """
    Decide, per session, whether its examples go to training or validation.

    The decision hashes the session's key with *seed*, so it is deterministic,
    streams (no need to see every session first), and never puts one session's
    examples in both files.

    Args:
        validation_share: The share of sessions held out (0 holds none out).
        seed: Change it to draw another split.

    Example:
        >>> split = SessionSplit(validation_share=0.5, seed=7)
        >>> key = "chat.txt|12|2024-01-01T10:00:00+03:00"
        >>> split.is_validation(key) == split.is_validation(key)
        True

    """

    validation_share: float = field(default=0.0, validator=_share)
    seed: int = 0

    def is_validation(self, key: str) -> bool:
        """Whether the session with *key* is held out for validation."""
        if self.validation_share <= 0.0:
            return False
        digest = hashlib.blake2b(f"{self.seed}\x00{key}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "big") / _SCALE < self.validation_share


_TRACKED_LENGTH: Final = 40
_LONGEST_TRACKED_TEXT: Final = 4 * _TRACKED_LENGTH


def near_duplicate_key(text: str) -> str | None:
    """
    Return the `persona_clone.dataset.repeat_key` of a short *text*, ``None`` for a long one.

    Near-identical short turns share a key: case (the Turkish way), punctuation,
    repeated letters, laughs, words and emoji do not count, so ``"Hahaha!!"``,
    ``"haha"`` and ``"HAHAHA"`` share ``"haha"``, and ``"lool"`` and ``"LOL"`` share
    ``"lol"``. Long texts are never near-duplicates, which bounds what a cap keeps.

    Example:
        >>> [near_duplicate_key(t) for t in ("Hahaha!!", "looool", "x y " * 99)]
        ['haha', 'lol', None]

    """
    if len(text) > _LONGEST_TRACKED_TEXT:
        return None
    key = repeat_key(text)
    return key if key and len(key) <= _TRACKED_LENGTH else None


@define(kw_only=True)
class DuplicateCap:
    """
    Train each near-identical persona turn at most *max_repeats* times.

    A persona turn beyond the cap stays in its example as context (weight 0)
    instead of being trained again, so a clone does not learn to answer "lol"
    to everything. An example left with nothing to train is dropped.
    Memory is bounded: only short turns are tracked (see *key*), and at most
    *max_keys* distinct ones.

    Args:
        max_repeats: How many times one near-identical turn may be trained.
        key: What near-identical turns share (default `near_duplicate_key`);
            ``None`` means "never a duplicate".
        max_keys: The most distinct turns remembered.
    """

    max_repeats: int
    key: Callable[[str], str | None] = near_duplicate_key
    max_keys: int = 100_000
    capped: int = field(default=0, init=False)
    _seen: dict[str, int] = field(factory=dict, init=False)

    def __call__(self, example: Example) -> Example | None:
        """Return *example* with turns over the cap untrained (None: nothing left)."""
        trained = list(example.trained)
        changed = False
        seen = self._seen
        for index, turn in enumerate(example.turns):
            if not trained[index]:
                continue
            key = self.key(turn.text)
            if key is None:
                continue
            count = seen.get(key, 0)
            if count >= self.max_repeats:
                trained[index] = False
                changed = True
                self.capped += 1
            elif count or len(seen) < self.max_keys:
                seen[key] = count + 1
        if not changed:
            return example
        if not any(trained):
            return None
        return evolve(example, trained=tuple(trained))
