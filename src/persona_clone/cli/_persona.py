"""
Which participant ``--persona`` names, decided before a build reads its exports.

The dataset build recognises the persona by exact name, id or alias, while
consent lists match letter case aside; a name typed in another case used to pass
the consent check and fail at the end of the build. The exports are looked
through first, and one rule applies: the name as given when someone has it
exactly, else the one participant whose name differs from it in letter case only.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Final

from persona_clone.errors import ConfigError
from persona_clone.message import Message, Participant


if TYPE_CHECKING:
    from persona_clone.privacy.consent import Consent
    from persona_clone.privacy.identity import AliasMap


__all__ = ["resolve_persona"]

_CLOSEST: Final = 3


def resolve_persona(
    reopen: Callable[[bool], list[Iterator[Message]]],
    persona: str,
    *,
    aliases: AliasMap,
    consent: Consent,
) -> str:
    """
    Return the name the build should clone for *persona*, reading the exports as far as needed.

    ``reopen(quick)`` gives new streams over the exports (see
    `persona_clone.cli._exports.OpenExports`). A quick read stops at the first
    message by *persona* itself (by name, id or alias, as the build matches
    it). Otherwise the exports are read whole: *persona* if they hold it after
    all, else the one participant whose name differs only in letter case;
    none or several is an error naming the closest names and the speakers
    (people who opted out left out, phone numbers masked).

    Raises:
        ConfigError: no participant is *persona*, or several differ from it in letter case only.
    """
    wanted = aliases.resolve(Participant.from_name(persona))

    def speaks(author: Participant) -> bool:
        resolved = aliases.resolve(author)
        return resolved.id == wanted.id or resolved.name == wanted.name

    if any(map(speaks, _authors(reopen(True)))):  # noqa: FBT003
        return persona
    counts = Counter(_authors(reopen(False)))  # noqa: FBT003
    if any(map(speaks, counts)):
        return persona
    folded = persona.casefold()
    near = {
        name
        for author in counts
        for name in (author.name, aliases.resolve(author).name)
        if name.casefold() == folded
    }
    if len(near) == 1:
        return near.pop()
    raise _not_found(persona, near, counts, aliases=aliases, consent=consent)


def _authors(exports: Iterable[Iterator[Message]]) -> Iterator[Participant]:
    return (m.author for export in exports for m in export if m.author is not None)


def _not_found(
    persona: str,
    near: set[str],
    counts: Counter[Participant],
    *,
    aliases: AliasMap,
    consent: Consent,
) -> ConfigError:
    """The error for a persona nobody is, or several people are but for letter case."""
    # the speakers' list lives with the privacy modules, imported when it is needed
    from persona_clone.privacy.speakers import mask_phone, speakers_text  # noqa: PLC0415

    shown = repr(mask_phone(persona))
    if near:
        names = ", ".join(repr(mask_phone(name)) for name in sorted(near))
        return ConfigError(
            f"--persona {shown}: expected one participant by that name, found several "
            f"differing only in letter case: {names}; give the one to clone exactly"
        )
    speakers: Counter[str] = Counter()
    for author, count in counts.items():
        if not consent.is_excluded(author, aliases):
            speakers[aliases.resolve(author).name] += count
    by_fold = {name.casefold(): name for name in speakers}
    closest = [
        mask_phone(by_fold[name])
        for name in difflib.get_close_matches(persona.casefold(), by_fold, n=_CLOSEST)
    ]
    hint = f"closest: {', '.join(closest)}; " if closest else ""
    return ConfigError(
        f"expected the persona {shown} to speak in the input, found no message by them; "
        f"{hint}speakers: {speakers_text(speakers)}"
    )
