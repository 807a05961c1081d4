"""
Chronological output for exports that may be stored newest-first, in bounded memory.

`chronological` compares the first and the sixteenth time of a stream to tell
its order. An oldest-first stream passes through a window of a thousand
messages that mends small disorder (two messages of one second swapped).
A newest-first (or unordered) stream goes through an external merge sort:
runs of at most *spill_at* messages are sorted in memory and, when there is
more than one run, written to temporary files (pickled in blocks) and merged
lazily, so memory holds one run plus one block per run, whatever the size of
the export.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Final, Literal, TypeAlias

from persona_clone.message import Message
from persona_clone.parsers.base import ParseContext


__all__ = ["Order", "chronological", "late_reporter", "sort_key"]

Order: TypeAlias = Literal["auto", "oldest-first", "newest-first", "any"]
"""How a file's messages are stored: detected (``"auto"``), or known."""

ORDERS: Final = ("auto", "oldest-first", "newest-first", "any")

_BLOCK: Final = 1024
_PROBE: Final = 16

Key: TypeAlias = tuple[float, int]


def sort_key(message: Message, position: int) -> Key:
    """Return the output order of *message*: its instant, then *position*."""
    return (message.sent_at.timestamp(), position)


def late_reporter(context: ParseContext, items: str) -> Callable[[Message, Message], None]:
    """
    Return a *late* callback for `chronological` that reports to *context*.

    Args:
        context: Where the issue goes.
        items: What the file holds, e.g. ``"rows"`` or ``"messages"``.
    """

    def late(message: Message, previous: Message) -> None:
        context.report(
            str(message.source),
            f"{items} in chronological order (pass order='any' to sort this file)",
            f"{message.sent_at.isoformat()} after {previous.sent_at.isoformat()}",
        )

    return late


def chronological(
    messages: Iterable[Message],
    *,
    order: Order = "auto",
    spill_at: int = 100_000,
    window: int = 1000,
    late: Callable[[Message, Message], None],
) -> Iterator[Message]:
    """
    Yield *messages* oldest first.

    Args:
        messages: One file's messages in file order.
        order: ``"auto"`` decides from the first sixteen messages;
            ``"oldest-first"`` streams; ``"newest-first"`` reverses (ties keep
            their original, un-reversed order); ``"any"`` sorts (ties keep file order).
        spill_at: Most messages held in memory while sorting.
        window: In an oldest-first stream, how many messages are held back so
            that one stored up to *window* places too late still comes out in order.
        late: Called with a message of an oldest-first stream that is older than
            one already yielded (more than *window* places late); the message is
            not yielded (the callback reports it).
    """
    stream = iter(messages)
    if order == "auto":
        head = list(itertools.islice(stream, _PROBE))
        newest_first = len(head) > 1 and head[-1].sent_at < head[0].sent_at
        order = "newest-first" if newest_first else "oldest-first"
        stream = itertools.chain(head, stream)
    if order == "oldest-first":
        return _checked(stream, late, window)
    return _external_sort(stream, reverse=order == "newest-first", spill_at=spill_at)


def _checked(
    stream: Iterator[Message],
    late: Callable[[Message, Message], None],
    window: int,
) -> Iterator[Message]:
    """Pass an oldest-first stream through a window that mends small disorder."""
    buffer: deque[Message] = deque()
    last: Message | None = None
    for message in stream:
        when = message.sent_at
        if not buffer or buffer[-1].sent_at <= when:
            buffer.append(message)
        elif last is not None and when < last.sent_at:
            late(message, last)
            continue
        else:  # a little late: insert after the last message not after it
            index = len(buffer) - 1
            while index >= 0 and buffer[index].sent_at > when:
                index -= 1
            buffer.insert(index + 1, message)
        if len(buffer) > window:
            last = buffer.popleft()
            yield last
    yield from buffer


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
