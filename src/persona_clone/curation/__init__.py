"""
Curation: choosing which examples a clone is trained on.

- `flag_texts` marks the persona turns worth a second look (laughter only,
  very short, an over-used phrase, a near-duplicate).
- `ReviewState` holds a person's keep/drop decisions, keyed by content
  (`example_key`), saved beside the dataset (`review_path`) and reapplied by
  `kept` (``persona-clone review --apply``, ``persona-clone build --review``).
- `Review` is the interactive screen of ``persona-clone review`` (the ``review`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .decisions import (
        Decision,
        ReviewState,
        example_key,
        kept,
        read_examples,
        review_path,
    )
    from .flags import (
        Flag,
        flag_examples,
        flag_texts,
    )
    from .review_app import Review


__all__ = [
    "Decision",
    "Flag",
    "Review",
    "ReviewState",
    "example_key",
    "flag_examples",
    "flag_texts",
    "kept",
    "read_examples",
    "review_path",
]

_NAMES: Final = {
    "Decision": ".decisions",
    "Flag": ".flags",
    "Review": ".review_app",
    "ReviewState": ".decisions",
    "example_key": ".decisions",
    "flag_examples": ".flags",
    "flag_texts": ".flags",
    "kept": ".decisions",
    "read_examples": ".decisions",
    "review_path": ".decisions",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
