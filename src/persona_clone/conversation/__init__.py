"""
Conversations: a chronological message stream cut into sessions of turns.

- `Sessionizer` (``conversation.sessionizer``): a new session where the chat pauses.
- `Merger` (``conversation.merger``): a person's consecutive messages become one turn;
  `MergedSession` is a session whose turns are merged when first read.
- ``conversation.streams``: steps over message streams, and merging several
  chronological streams into one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .merger import MergedSession, Merger
    from .sessionizer import (
        DEFAULT_GAP,
        Sessionizer,
    )
    from .streams import (
        MessageStep,
        apply,
        merge_chronological,
    )


__all__ = [
    "DEFAULT_GAP",
    "MergedSession",
    "Merger",
    "MessageStep",
    "Sessionizer",
    "apply",
    "merge_chronological",
]

_NAMES: Final = {
    "DEFAULT_GAP": ".sessionizer",
    "MergedSession": ".merger",
    "Merger": ".merger",
    "MessageStep": ".streams",
    "Sessionizer": ".sessionizer",
    "apply": ".streams",
    "merge_chronological": ".streams",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
