"""The chats a caller asked a multi-chat parser to read."""

from __future__ import annotations

from collections.abc import Collection


__all__ = ["selectors"]


def selectors(value: Collection[str | int] | str | int | None) -> frozenset[str] | None:
    """
    Return the chat names or ids in *value* as strings, or ``None`` for all chats.

    A single name or id is a selection of one; ids may be given as numbers.
    """
    if value is None:
        return None
    if isinstance(value, (str, int)):
        return frozenset({str(value)})
    return frozenset(str(item) for item in value)
