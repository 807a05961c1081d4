"""
Sample data shipped with persona_clone.

``whatsapp_group.txt`` is a WhatsApp Android group chat (English UK locale,
24-hour clock, day/month/year dates) written for persona_clone: five invented
people, Turkish and English mixed, with replies, bursts, a late answer, media,
system lines, a deleted and an edited message, multi-line messages, a phone
number and an e-mail address to redact, a participant shown only by phone
number, and one person (Deniz, the suggested persona) who says "haha" and "lol"
far too often. Its people are fictional, so they need no consent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path
from typing import Final


__all__ = [
    "SAMPLE_PARTICIPANTS",
    "SAMPLE_PERSONA",
    "SAMPLE_TZ",
    "WHATSAPP_GROUP",
    "sample_path",
]

WHATSAPP_GROUP: Final = "whatsapp_group.txt"
"""The bundled WhatsApp group chat."""

SAMPLE_PERSONA: Final = "Deniz"
"""The participant to clone from the sample."""

SAMPLE_TZ: Final = "Europe/Istanbul"
"""The zone the sample's wall-clock times are in."""

SAMPLE_PARTICIPANTS: Final = (
    "Deniz",
    "Ayşe Kaya",
    "Çağrı Öztürk",
    "Mert",
    "+90 532 555 01 47",
)
"""Everyone who writes in the sample (all fictional)."""


@contextlib.contextmanager
def sample_path(name: str = WHATSAPP_GROUP) -> Iterator[Path]:
    """
    Give a filesystem path to the bundled sample *name* for the ``with`` block.

    Example:
        >>> with sample_path() as path:
        ...     path.name
        'whatsapp_group.txt'

    """
    with as_file(files(__name__) / name) as path:
        yield path
