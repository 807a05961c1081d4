"""
Speakers as the tool may show them: phone numbers masked, opted-out people left out.

When a persona is not found, the user needs the speakers' names to pick the
right one; `speakers_text` lists them without printing a whole phone number or
anyone who opted out, and `require_persona` says so before any consent check
(a user needs no consent to learn that a name is not in the chat).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ..errors import ConfigError
from ..message import Message, Participant
from .consent import OPTED_OUT, Consent
from .identity import AliasMap


__all__ = ["mask_phone", "require_persona", "speakers_text"]

_PHONE_DIGITS: Final = 7
_SHOWN: Final = 8


def mask_phone(name: str) -> str:
    """
    Hide the middle digits of a name that is a phone number.

    Example:
        >>> mask_phone("+90 532 555 01 47"), mask_phone("Ayşe")
        ('+90 5** *** ** 47', 'Ayşe')

    """
    digits = sum(c.isdigit() for c in name)
    if digits < _PHONE_DIGITS or any(c.isalpha() for c in name):
        return name
    seen, shown = 0, []
    for char in name:
        if char.isdigit():
            seen += 1
            keep = seen <= 3 or seen > digits - 2  # noqa: PLR2004  (country code, last two)
            shown.append(char if keep else "*")
        else:
            shown.append(char)
    return "".join(shown)


def speakers_text(counts: Mapping[str, int], *, limit: int = _SHOWN) -> str:
    """
    List the most active speakers with their message counts, phone numbers masked.

    The stand-in for people who opted out (``Someone``) is left out.

    Example:
        >>> speakers_text({"Ada": 12, "+90 532 555 01 47": 3, "Someone": 4})
        'Ada (12), +90 5** *** ** 47 (3)'

    """
    shown = [
        f"{mask_phone(name)} ({count:,})"
        for name, count in Counter(counts).most_common()
        if name != OPTED_OUT.name and count
    ][:limit]
    return ", ".join(shown) or "none"


def require_persona(
    exports: Sequence[Iterable[Message]],
    persona: str,
    *,
    aliases: AliasMap,
    consent: Consent,
) -> None:
    """
    Raise a `ConfigError` listing the speakers if *persona* never writes in *exports*.

    Reads the exports (they are consumed). People who opted out are neither
    counted nor shown; names that are phone numbers are masked.

    Raises:
        ConfigError: nobody in *exports* is *persona* (by id, name or alias).
    """
    wanted = aliases.resolve(Participant.from_name(persona))
    counts: Counter[Participant] = Counter()
    for export in exports:
        counts.update(message.author for message in export if message.author is not None)
    speakers: Counter[str] = Counter()
    for author, count in counts.items():
        resolved = aliases.resolve(author)
        if resolved.id == wanted.id or resolved.name == wanted.name:
            return
        if not consent.is_excluded(author, aliases):
            speakers[resolved.name] += count
    raise ConfigError(
        f"expected the persona {mask_phone(persona)!r} to speak in the input, "
        "found no message by them; "
        f"speakers: {speakers_text(speakers)}"
    )
