"""
Helpers for testing code that uses persona_clone; none of them needs Hypothesis.

- `FakeClock`: a clock (and sleep functions) that only moves when told to.
- `make_message`, `make_participant`: valid values with defaults for every field.
- `check_parser`: the rules every parser obeys, checked on a sample export.
- `FakeOpenAI`: a local fake of OpenAI's fine-tuning and inference API
  (`persona_clone.testing.fake_openai`).

Hypothesis strategies live in `persona_clone.testing.strategies` (install the
``testing`` extra).
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pendulum
from attrs import define, field

from ..durations import to_duration
from ..message import Message, MessageKind, Participant
from .fake_openai import FakeOpenAI, Fault
from .parser_check import check_parser


__all__ = ["FakeClock", "FakeOpenAI", "Fault", "check_parser", "make_message", "make_participant"]

DEFAULT_TIME = pendulum.datetime(2024, 1, 15, 12, 0, 0, tz="UTC")
"""The time `make_message` gives a message when none is given."""

_ids = itertools.count(1)


def make_participant(name: str = "Ada", *, id: str | None = None) -> Participant:  # noqa: A002
    """Return a participant called *name* whose id is the lower-cased name unless given."""
    return Participant(id=name.lower() if id is None else id, name=name)


def make_message(**overrides: Any) -> Message:
    """
    Return a valid `Message`, with defaults for every field not given.

    Defaults: a fresh id (``"m1"``, ``"m2"``, ...), sent at `DEFAULT_TIME`, by Ada,
    text ``"hello"``, kind text. A system message (``kind=MessageKind.SYSTEM``)
    gets no author unless one is given.

    Example:
        >>> make_message(text="merhaba").text
        'merhaba'

    """
    kind = overrides.get("kind", MessageKind.TEXT)
    values: dict[str, Any] = {
        "id": f"m{next(_ids)}",
        "sent_at": DEFAULT_TIME,
        "author": None if kind is MessageKind.SYSTEM else make_participant(),
        "text": "hello",
    }
    values.update(overrides)
    return Message(**values)


@define
class FakeClock:
    """
    A clock for tests: it tells the time it was set to and moves only when told.

    Its `sleep` and `async_sleep` advance the clock instead of waiting, and record
    each wait in `sleeps`, so code that polls runs instantly and its back-off can
    be asserted.

    Args:
        current: The time it starts at (timezone-aware).
    """

    current: pendulum.DateTime = field(default=DEFAULT_TIME)
    sleeps: list[float] = field(factory=list)

    def now(self) -> pendulum.DateTime:
        """Return the current fake time."""
        return self.current

    def advance(self, delta: dt.timedelta | None = None, **duration: float) -> pendulum.DateTime:
        """
        Move the clock forward by *delta* or by keyword units (``seconds=30``).

        Returns:
            The new time.
        """
        step = to_duration(delta) if delta is not None else pendulum.duration(**duration)
        self.current = self.current + step
        return self.current

    def sleep(self, seconds: float) -> None:
        """Record a wait of *seconds* and advance the clock by it."""
        self.sleeps.append(seconds)
        self.advance(seconds=seconds)

    async def async_sleep(self, seconds: float) -> None:
        """Like `sleep`, as a coroutine for async code."""
        self.sleep(seconds)
