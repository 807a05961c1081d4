"""
Chronological output for exports that may be stored newest-first, in bounded memory.

Every built-in parser yields each chat oldest first. Exports written oldest
first are still not always in order: a WhatsApp group export starts with the
encryption notice stamped when you joined, before "X created group" stamped
earlier, and delayed delivery leaves single messages a minute or two late.
`ReorderWindow` mends that disorder without losing a message, by one rule:

- the latest *window* messages (and at most *budget* characters of text) are
  held back, sorted by time; a message earlier than some of them is put in its
  place, and reported as a warning;
- a message earlier than one already released (more than *window* places late)
  is clamped: it keeps its place after the latest message before it and gets
  that message's time, and a warning says so.

`chronological` compares the first and the sixteenth time of a stream to tell
its order. An oldest-first stream passes through a `ReorderWindow`. A
newest-first (or unordered) stream goes through an external merge sort: runs
of at most *spill_at* messages are sorted in memory and, when there is more
than one run, written to temporary files (pickled in blocks) and merged
lazily, so memory holds one run plus one block per run, whatever the size of
the export.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import operator
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Final, Literal, TypeAlias

import attrs

from persona_clone.message import Message
from persona_clone.parsers.base import ParseContext, Severity


__all__ = ["Order", "ReorderWindow", "chronological", "late_reporter", "sort_key"]

Order: TypeAlias = Literal["auto", "oldest-first", "newest-first", "any"]
"""How a file's messages are stored: detected (``"auto"``), or known."""

ORDERS: Final = ("auto", "oldest-first", "newest-first", "any")

WINDOW: Final = 1000
"""How many of the latest messages a `ReorderWindow` holds back by default."""
BUDGET: Final = 1 << 23
"""How many characters of text a `ReorderWindow` holds back at most by default."""

_BLOCK: Final = 1024
_PROBE: Final = 16
_BATCH: Final = 256

Key: TypeAlias = tuple[float, int]

Late: TypeAlias = Callable[[Message, Message, bool], None]
"""Told of a late message (as read), the latest message before it, and whether it was clamped."""

_text = operator.attrgetter("text")
_sent_at = operator.attrgetter("sent_at")
_chat = operator.attrgetter("chat")


def _instant(message: Message) -> float:
    return message.sent_at.timestamp()


def _after(early: dt.datetime, later: dt.datetime) -> str:
    """``2024-03-14 18:00:00 after 18:19:00``: the later time without what it shares."""
    if early.date() == later.date():
        second = "%H:%M:%S"
    elif early.year == later.year:
        second = "%m-%d %H:%M:%S"
    else:
        second = "%Y-%m-%d %H:%M:%S"
    return f"{early.strftime('%Y-%m-%d %H:%M:%S')} after {later.strftime(second)}"


def sort_key(message: Message, position: int) -> Key:
    """Return the output order of *message*: its instant, then *position*."""
    return (message.sent_at.timestamp(), position)


def late_reporter(context: ParseContext, items: str) -> Late:
    """
    Return a *late* callback for `ReorderWindow` that reports to *context*.

    Each mended message is one warning located at the message: moved back into
    place, or (more than the window late) given the time of the message before it.

    Args:
        context: Where the issues go.
        items: What the file holds, e.g. ``"rows"`` or ``"messages"``.
    """

    def late(message: Message, later: Message, clamped: bool) -> None:  # noqa: FBT001
        if clamped:
            expected = (
                f"{items} in chronological order (too late to move back into place: "
                "read at the time of the latest message before it)"
            )
        else:
            expected = f"{items} in chronological order (moved back into place)"
        context.report(
            str(message.source),
            expected,
            _after(message.sent_at, later.sent_at),
            severity=Severity.WARNING,
            lines=0,
        )

    return late


@attrs.define
class ReorderWindow:
    """
    Mends small disorder in an oldest-first stream, in bounded memory, losing nothing.

    Feed it the stream in batches (`push`), yield what it returns, and at the end
    yield `finish`. It holds back the latest *window* messages (fewer when their
    text exceeds *budget* characters), sorted by instant, ties in stream order.
    A message earlier than a held one is moved into place; one earlier than a
    message already returned keeps its place after the latest message so far
    and gets that message's time (clamped). Both are reported to *late*.

    Args:
        late: Told of every moved or clamped message.
        window: How many messages are held back.
        budget: How many characters of text are held back at most.
    """

    late: Late
    window: int = WINDOW
    budget: int = BUDGET
    _held: list[Message] = attrs.field(init=False, factory=list)
    _last: Message | None = attrs.field(init=False, default=None)
    _chars: int = attrs.field(init=False, default=0)

    def push(
        self, batch: list[Message], *, ordered: bool | None = None, chars: int | None = None
    ) -> list[Message]:
        """
        Take the next *batch* (stream order); return the messages now final, in order.

        Args:
            batch: The next messages.
            ordered: The caller's word that no message of *batch* is earlier
                than any message before it (in the batch or pushed before);
                checked here when ``None``.
            chars: An upper bound of the batch's text length (computed when ``None``).
        """
        held = self._held
        if ordered is None:
            ordered = self._ordered(batch)
        self._chars += sum(map(len, map(_text, batch))) if chars is None else chars
        if ordered:
            held += batch
            excess = len(held) - self.window
            out = held[:excess] if excess > 0 else []
            if out:
                del held[:excess]
        else:
            out = self._mend(batch)
        if self._chars > self.budget:
            excess = self._over_budget()
            out += held[:excess]
            del held[:excess]
        if out:
            self._last = out[-1]
        return out

    def finish(self) -> list[Message]:
        """Return the messages still held (the stream has ended)."""
        out = self._held
        self._held = []
        self._chars = 0
        if out:
            self._last = out[-1]
        return out

    def _ordered(self, batch: list[Message]) -> bool:
        times = list(map(_sent_at, batch))
        before = self._held[-1] if self._held else self._last
        if before is not None and times and times[0] < before.sent_at:
            return False
        return all(map(operator.le, times, itertools.islice(times, 1, None)))

    def _mend(self, batch: list[Message]) -> list[Message]:
        """Take *batch* one message at a time, moving or clamping the late ones."""
        held = self._held
        last = self._last
        out: list[Message] = []
        for message in batch:
            top = held[-1] if held else last  # the latest message so far
            if top is not None and message.sent_at.timestamp() < top.sent_at.timestamp():
                if last is not None and message.sent_at.timestamp() < last.sent_at.timestamp():
                    self.late(message, top, True)  # noqa: FBT003
                    held.append(attrs.evolve(message, sent_at=top.sent_at))
                else:
                    self.late(message, top, False)  # noqa: FBT003
                    bisect.insort_right(held, message, key=_instant)
            else:
                held.append(message)
            if len(held) > self.window:
                last = held.pop(0)
                out.append(last)
        return out

    def _over_budget(self) -> int:
        """Count the oldest held messages to release so the rest fit the budget."""
        sizes = list(map(len, map(_text, self._held)))
        total = sum(sizes)
        excess = 0
        for size in sizes:
            if total <= self.budget:
                break
            total -= size
            excess += 1
        self._chars = total
        return excess


def chronological(
    messages: Iterable[Message],
    *,
    order: Order = "auto",
    spill_at: int = 100_000,
    window: int = WINDOW,
    late: Late,
) -> Iterator[Message]:
    """
    Yield *messages* oldest first.

    Args:
        messages: One file's messages in file order; in an oldest-first
            stream, each chat (a run of one `Message.chat`) is mended on its own.
        order: ``"auto"`` decides from the first sixteen messages;
            ``"oldest-first"`` streams through a `ReorderWindow`; ``"newest-first"``
            reverses (ties keep their original, un-reversed order); ``"any"``
            sorts (ties keep file order).
        spill_at: Most messages held in memory while sorting.
        window: In an oldest-first stream, how many messages are held back so
            that one stored up to *window* places too late still comes out in place.
        late: Told of every message of an oldest-first stream that was moved into
            place or (more than *window* places late) clamped to the time before it.
    """
    stream = iter(messages)
    if order == "auto":
        head = list(itertools.islice(stream, _PROBE))
        newest_first = len(head) > 1 and head[-1].sent_at < head[0].sent_at
        order = "newest-first" if newest_first else "oldest-first"
        stream = itertools.chain(head, stream)
    if order == "oldest-first":
        return _mended(stream, late, window)
    return _external_sort(stream, reverse=order == "newest-first", spill_at=spill_at)


def _mended(stream: Iterator[Message], late: Late, window: int) -> Iterator[Message]:
    """Pass an oldest-first stream through a `ReorderWindow`, a fresh one per chat."""
    for _, chat in itertools.groupby(stream, key=_chat):
        mender = ReorderWindow(late=late, window=window)
        while batch := list(itertools.islice(chat, _BATCH)):
            yield from mender.push(batch)
        yield from mender.finish()


def _external_sort(stream: Iterator[Message], *, reverse: bool, spill_at: int) -> Iterator[Message]:
    sign = -1 if reverse else 1
    spill_at = max(spill_at, 1)
    runs: list[IO[bytes]] = []
    try:
        position = 0
        while True:
            run: list[tuple[Key, Message]] = []
            for message in itertools.islice(stream, spill_at):
                run.append((sort_key(message, sign * position), message))
                position += 1
            run.sort(key=lambda pair: pair[0])
            if (not runs and position < spill_at) or not run:
                if runs:
                    iterators = [_read_run(f) for f in runs]
                    if run:
                        iterators.append(iter(run))
                    merged = heapq.merge(*iterators, key=lambda pair: pair[0])
                    yield from (message for _, message in merged)
                else:
                    yield from (message for _, message in run)
                return
            runs.append(_write_run(run))
    finally:
        for handle in runs:
            handle.close()


def _write_run(run: list[tuple[Key, Message]]) -> IO[bytes]:
    handle = tempfile.TemporaryFile(prefix="persona-clone-sort-")  # noqa: SIM115 - closed by the caller
    for start in range(0, len(run), _BLOCK):
        pickle.dump(run[start : start + _BLOCK], handle, protocol=pickle.HIGHEST_PROTOCOL)
    handle.seek(0)
    return handle


def _read_run(handle: IO[bytes]) -> Iterator[tuple[Key, Message]]:
    while True:
        try:
            block: list[tuple[Key, Message]] = pickle.load(handle)  # noqa: S301 - our own temporary file
        except EOFError:
            return
        yield from block
