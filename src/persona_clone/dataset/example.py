"""
The model every dataset format shares: `Example` and `Slicer`.

An `Example` is the turns of one window of a conversation and which of the
persona's turns are trained; `Slicer` cuts a session's turns into examples under
a token budget and a cap on entries.
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Final

from attrs import frozen

from persona_clone.session import Turn


__all__ = ["DEFAULT_MAX_ENTRIES", "Example", "Slicer", "Slot", "WeightPolicy"]

_TURN: Final = operator.attrgetter("turn")
_PERSONA: Final = operator.attrgetter("persona")
_QUOTED: Final = operator.attrgetter("quoted")

DEFAULT_MAX_ENTRIES: Final = 20
"""Most turns in one example (the original bot's conversation log held 20 entries)."""


class WeightPolicy(enum.Enum):
    """Which of the persona's turns in an example are trained."""

    ALL = "all"
    """Every persona turn that no earlier example trained."""
    LAST = "last"
    """Only the last persona turn of an example; earlier ones get ``weight: 0``."""


@frozen(kw_only=True)
class Slot:
    """
    One turn of a session as the slicer sees it.

    Args:
        turn: The turn.
        persona: Whether the persona spoke it.
        quoted: Whether it was brought in from an earlier session because a
            message of this session replies to it (context only, never trained).
        cost: Its tokens in the target format.
    """

    turn: Turn
    persona: bool
    quoted: bool = False
    cost: int = 0


@frozen(kw_only=True)
class Example:
    """
    One training example: a window of a conversation and what is trained in it.

    Args:
        session: Key of the session it comes from (the split keeps sessions whole).
        turns: The turns, oldest first, ending with a persona turn.
        persona: For each turn, whether the persona spoke it.
        trained: For each turn, whether the model learns it (only persona turns).
        quoted: For each turn, whether it was brought in from an earlier
            session as the message a reply answers.
        tokens: The example's tokens in the target format, as the builder counts them.
    """

    session: str
    turns: tuple[Turn, ...]
    persona: tuple[bool, ...]
    trained: tuple[bool, ...]
    quoted: tuple[bool, ...]
    tokens: int = 0

    def __attrs_post_init__(self) -> None:
        size = len(self.turns)
        if not (len(self.persona) == len(self.trained) == len(self.quoted) == size):
            msg = f"expected one flag per turn ({size}) in persona, trained and quoted"
            raise ValueError(msg)
        if any(map(operator.gt, self.trained, self.persona)):  # trained, not persona
            msg = "expected only persona turns to be trained"
            raise ValueError(msg)

    @property
    def trained_turns(self) -> int:
        """How many turns the model learns from this example."""
        return sum(self.trained)


@frozen(kw_only=True)
class Slicer:
    """
    Cut a session's turns into examples.

    Each example ends with a persona turn that no earlier example trained. Before
    it comes as much recent context as *max_entries* and *budget* allow (reaching
    back at most *overlap* turns into the previous example, whose persona turns
    are then context only); after it, the window grows forward while whole
    exchanges ending in a persona turn still fit. Nothing is cut inside a turn:
    a persona turn that alone exceeds the budget is skipped and reported to
    *on_skip*; context that does not fit is left out of the window.

    Args:
        budget: Most tokens one example may hold, including *overhead*.
        overhead: Tokens every example costs besides its turns (a system
            prompt, the format's fixed cost).
        max_entries: Most turns in one example.
        overlap: Turns of the previous example a new example may repeat as context.
        policy: Which persona turns are trained.
    """

    budget: int
    overhead: int = 0
    max_entries: int = DEFAULT_MAX_ENTRIES
    overlap: int = 2
    policy: WeightPolicy = WeightPolicy.ALL

    def __attrs_post_init__(self) -> None:
        if self.max_entries < 1:
            msg = f"expected max_entries >= 1, found {self.max_entries}"
            raise ValueError(msg)
        if self.overlap < 0:
            msg = f"expected overlap >= 0, found {self.overlap}"
            raise ValueError(msg)

    def _example(self, window: Sequence[Slot], fresh_from: int, session: str, used: int) -> Example:
        """The example of *window*; its turns from index *fresh_from* on are new."""
        persona = tuple(map(_PERSONA, window))
        quoted = tuple(map(_QUOTED, window))
        if self.policy is WeightPolicy.LAST:
            trained = (False,) * (len(window) - 1) + (True,)
        else:
            trained = tuple(
                p and not q and i >= fresh_from
                for i, (p, q) in enumerate(zip(persona, quoted, strict=True))
            )
        return Example(
            session=session,
            turns=tuple(map(_TURN, window)),
            persona=persona,
            trained=trained,
            quoted=quoted,
            tokens=used,
        )

    def __call__(
        self,
        slots: Sequence[Slot],
        *,
        session: str,
        on_skip: Callable[[Slot], None] | None = None,
    ) -> Iterator[Example]:
        """Yield the examples of one session's *slots*, in order."""
        budget, overhead, max_entries = self.budget, self.overhead, self.max_entries
        count = len(slots)
        previous_end = -1
        target = 0
        while True:
            anchor = _next_trainable(slots, target)
            if anchor < 0:
                return
            used = overhead + slots[anchor].cost
            if used > budget:
                if on_skip is not None:
                    on_skip(slots[anchor])
                target = anchor + 1
                previous_end = max(previous_end, anchor)
                continue
            start, entries = anchor, 1
            lowest = max(0, previous_end + 1 - self.overlap)
            index = anchor - 1
            while index >= lowest and entries < max_entries:
                cost = slots[index].cost
                if used + cost > budget:
                    break
                used += cost
                entries += 1
                start = index
                index -= 1
            end = anchor
            pending_cost = pending_entries = 0
            index = anchor + 1
            while index < count and entries + pending_entries < max_entries:
                slot = slots[index]
                if used + pending_cost + slot.cost > budget:
                    break
                pending_cost += slot.cost
                pending_entries += 1
                if slot.persona and not slot.quoted:
                    used += pending_cost
                    entries += pending_entries
                    pending_cost = pending_entries = 0
                    end = index
                index += 1
            yield self._example(slots[start : end + 1], previous_end + 1 - start, session, used)
            previous_end = end
            target = end + 1


def _next_trainable(slots: Sequence[Slot], start: int) -> int:
    for index in range(start, len(slots)):
        slot = slots[index]
        if slot.persona and not slot.quoted:
            return index
    return -1
