"""
The pipeline's shapes: steps over message streams, and helpers that chain them.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import TypeAlias

from ..message import Message


__all__ = ["MessageStep", "apply", "merge_chronological"]

MessageStep: TypeAlias = Callable[[Iterable[Message]], Iterator[Message]]
"""A step that reads messages and yields messages (filter, redact, normalise)."""


def apply(messages: Iterable[Message], steps: Iterable[MessageStep]) -> Iterator[Message]:
    """Run *messages* through *steps* in order, lazily."""
    stream: Iterable[Message] = messages
    for step in steps:
        stream = step(stream)
    yield from stream


def merge_chronological(*streams: Iterable[Message]) -> Iterator[Message]:
    """
    Merge several chronological message streams into one, lazily.

    Messages with equal times keep the order of the streams given (stable), and
    memory holds one message per stream.
    """
    return heapq.merge(*streams, key=lambda message: message.sent_at)
