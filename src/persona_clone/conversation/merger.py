"""
`Merger`: a speaker's consecutive messages become one `Turn`.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import Final, overload

import pendulum
from attrs import evolve, field, frozen

from .._fast import turn as fast_turn
from ..durations import optional_duration
from ..message import Message
from ..session import Session, Turn


__all__ = ["MergedSession", "Merger"]


_AUTHOR: Final = operator.attrgetter("author")
_AUTHOR_ID: Final = operator.attrgetter("author.id")
_SEQUENCES: Final = (list, tuple)
"""Inputs read twice without cost: a session's messages are a tuple."""


def _speaker(message: Message) -> str | None:
    return None if message.author is None else message.author.id


@frozen(kw_only=True)
class Merger:
    r"""
    Merge each speaker's consecutive messages into one `Turn`.

    Speakers are compared by `Participant.id`, so a nickname change inside a run
    does not split it; a run of system events (no author) is one turn too. The
    turn's text is the messages' texts joined by *joiner*, and the turn keeps the
    messages it came from.

    The same rule serves training (`Merger.turns`) and live chat
    (`persona_clone.ConversationBuffer` uses `Merger.continues` and
    `Merger.append`), so both see conversations in the same shape.

    Args:
        joiner: What goes between merged texts (default a newline).
        within: Merge only messages at most this far apart (default: any two
            consecutive messages of one speaker in a session).

    Example:
        >>> from persona_clone import Merger, Session
        >>> from persona_clone.testing import make_message, make_participant
        >>> ada, bob = make_participant("Ada"), make_participant("Bob")
        >>> session = Session(messages=[make_message(author=ada, text="hi"),
        ...     make_message(author=ada, text="you there?"), make_message(author=bob, text="yes")])
        >>> [(t.author.name, t.text) for t in Merger().turns(session)]
        [('Ada', 'hi\nyou there?'), ('Bob', 'yes')]

    """

    joiner: str = "\n"
    within: pendulum.Duration | None = field(default=None, converter=optional_duration)

    def continues(self, turn: Turn, message: Message) -> bool:
        """Whether *message* belongs to *turn* (same speaker, close enough in time)."""
        if _speaker(turn.messages[-1]) != _speaker(message):
            return False
        if self.within is None:
            return True
        pause = message.sent_at.timestamp() - turn.messages[-1].sent_at.timestamp()
        return pause <= self.within.total_seconds()

    def start(self, message: Message) -> Turn:
        """Return a new turn holding only *message*."""
        return Turn(author=message.author, text=message.text, messages=(message,))

    def append(self, turn: Turn, message: Message) -> Turn:
        """Return *turn* extended by *message* (call only when `continues` is true)."""
        return evolve(
            turn,
            text=turn.text + self.joiner + message.text,
            messages=(*turn.messages, message),
        )

    def merge(self, messages: Iterable[Message]) -> Iterator[Turn]:
        """Yield the turns of a run of *messages*, lazily."""
        within = None if self.within is None else self.within.total_seconds()
        joiner = self.joiner
        make = self._turn
        if within is None and type(messages) in _SEQUENCES and all(map(_AUTHOR, messages)):
            # A list or a tuple (a session's messages) where everyone has an
            # author: runs of one speaker id are grouped in C.
            for _, group in groupby(messages, key=_AUTHOR_ID):
                yield make(list(group), joiner)
            return
        run: list[Message] = []
        speaker: str | None = None  # the speaker of run (_speaker, inline)
        for message in messages:
            author = message.author
            current = None if author is None else author.id
            if run and (
                speaker != current
                or (
                    within is not None
                    and message.sent_at.timestamp() - run[-1].sent_at.timestamp() > within
                )
            ):
                yield make(run, joiner)
                run = []
            run.append(message)
            speaker = current
        if run:
            yield make(run, joiner)

    def lazy(self, sessions: Iterable[Session]) -> Iterator[MergedSession]:
        """
        Yield each of *sessions* as a `MergedSession`, merged only when read.

        What `__call__` yields, for a consumer that skips some sessions
        unread (a dataset build skips those the persona is silent in) or
        merges them again after changing messages: it reads the
        `MergedSession.messages` and asks this merger for the turns itself.
        """
        for session in sessions:
            yield MergedSession(session.messages, self)

    def turns(self, session: Session) -> tuple[Turn, ...]:
        """Return the turns of one *session*, in order."""
        return tuple(self.merge(session.messages))

    def __call__(self, sessions: Iterable[Session]) -> Iterator[tuple[Turn, ...]]:
        """Yield the turns of each of *sessions*, lazily, one tuple per session."""
        for session in sessions:
            yield self.turns(session)

    @staticmethod
    def _turn(run: list[Message], joiner: str) -> Turn:
        # run is never empty: the fast constructor's one condition holds
        if len(run) == 1:
            only = run[0]
            return fast_turn(only.author, only.text, (only,))
        return fast_turn(run[0].author, joiner.join([m.text for m in run]), tuple(run))


class MergedSession(Sequence[Turn]):
    r"""
    The turns of one session, merged by *merger* when first read.

    A read-only sequence of `Turn` like the tuples `Merger.__call__` yields
    (and equal to them), that also keeps the session's *messages*: who needs
    the messages reads them without merging, and who needs the turns of
    changed messages can merge those instead (`Merger.lazy`).

    Example:
        >>> from persona_clone import Merger, Session
        >>> from persona_clone.testing import make_message, make_participant
        >>> ada = make_participant("Ada")
        >>> session = Session(messages=[make_message(author=ada, text="hi"),
        ...                             make_message(author=ada, text="there")])
        >>> merged = next(Merger().lazy([session]))
        >>> len(merged.messages), [t.text for t in merged]
        (2, ['hi\nthere'])

    """

    __slots__ = ("_turns", "merger", "messages")

    def __init__(self, messages: Sequence[Message], merger: Merger) -> None:
        self.messages: tuple[Message, ...] = tuple(messages)
        """The session's messages, in order."""
        self.merger = merger
        """The merger that makes the turns."""
        self._turns: tuple[Turn, ...] | None = None

    @property
    def turns(self) -> tuple[Turn, ...]:
        """The turns, merged on first use."""
        if self._turns is None:
            self._turns = tuple(self.merger.merge(self.messages))
        return self._turns

    @overload
    def __getitem__(self, index: int) -> Turn: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Turn, ...]: ...

    def __getitem__(self, index: int | slice) -> Turn | tuple[Turn, ...]:
        return self.turns[index]

    def __len__(self) -> int:
        return len(self.turns)

    def __iter__(self) -> Iterator[Turn]:
        return iter(self.turns)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MergedSession):
            return self.turns == other.turns
        if isinstance(other, tuple):
            return self.turns == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.turns)

    def __repr__(self) -> str:
        return f"MergedSession({len(self.messages)} messages)"
