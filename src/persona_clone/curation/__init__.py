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

from .decisions import Decision, ReviewState, example_key, kept, read_examples, review_path
from .flags import Flag, flag_examples, flag_texts
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
