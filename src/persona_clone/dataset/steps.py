"""
The steps a dataset build composes, and the shapes they share.

A build reads sessions of turns (what `persona_clone.Merger` yields) and
writes examples. Steps fit in at three places, in this order:

1. **Steps over sessions of turns** (`TurnsStep`), between the `Merger` and the
   builder: `persona_clone.OptOut` (people who opted out never appear), or
   anything that drops or rewrites whole sessions.
2. **Message steps** (`persona_clone.MessageStep`), given to the builder as
   *message_steps*: they run on the messages a model will see, of the sessions
   the persona speaks in, so text that is never written is never read
   (`persona_clone.Redact`).
3. **Example steps** (`ExampleStep`), given to the builder as *example_steps*:
   they run on the examples as they are cut, before the train/validation split
   (`CapRepeats`: train near-identical persona turns at most so often).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, TypeAlias, runtime_checkable

from attrs import field, frozen

from persona_clone.session import Turn

from .example import Example
from .split import DuplicateCap, near_duplicate_key


__all__ = ["CapRepeats", "ExampleStep", "TurnsStep"]

TurnsStep: TypeAlias = Callable[[Iterable[Sequence[Turn]]], Iterator[Sequence[Turn]]]
"""A step over sessions of turns (what `persona_clone.Merger` yields)."""


@runtime_checkable
class ExampleStep(Protocol):
    """
    A step over the examples of one build, in the order they are cut.

    It may pass an example on, change which of its persona turns are trained
    (`attrs.evolve` with new *trained* flags), or leave it out; every persona
    turn it stops training is counted in *skipped*, by reason, so the report
    adds up. A step reads its examples one at a time and yields each survivor
    before it reads the next (the report's per-session counts rely on it).
    State kept while reading (counts seen so far) lives in the call, so one
    step serves any number of builds.
    """

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield the examples to keep, counting untrained persona turns into *skipped*."""
        ...


def _positive(_: object, __: object, value: int) -> None:
    if value < 1:
        msg = f"expected max_repeats >= 1, found {value}"
        raise ValueError(msg)


@frozen(kw_only=True)
class CapRepeats:
    """
    Train each near-identical persona turn at most *max_repeats* times in a build.

    A turn over the cap stays in its example as context (weight 0); an example
    left with nothing to train is dropped. Counted in the report as
    ``near-duplicate over the cap``.

    Args:
        max_repeats: How many times one near-identical turn may be trained.
        key: What near-identical turns share (default
            `persona_clone.dataset.near_duplicate_key`).
    """

    max_repeats: int = field(validator=_positive)
    key: Callable[[str], str | None] = near_duplicate_key

    def __call__(self, examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
        """Yield *examples* with repeats over the cap untrained; count them at the end."""
        cap = DuplicateCap(max_repeats=self.max_repeats, key=self.key)
        for example in examples:
            kept = cap(example)
            if kept is not None:
                yield kept
        skipped["near-duplicate over the cap"] += cap.capped
