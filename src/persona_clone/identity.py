"""
Provisional stand-in for the identity module (replaced at merge).

Only the agreed API: `Identity`, `AliasMap` and `NameBook`.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path

from attrs import define, field, frozen

from .errors import ConfigError
from .message import Participant


__all__ = ["AliasMap", "Identity", "NameBook"]


@frozen(kw_only=True)
class Identity:
    """
    One person under every name and id they appear as.

    Args:
        id: Canonical id.
        name: Canonical display name.
        aliases: Display names and/or participant ids that are this person.
    """

    id: str
    name: str
    aliases: tuple[str, ...] = ()


@frozen(kw_only=True)
class AliasMap:
    """
    Maps every known alias to one canonical `Participant`.

    Args:
        identities: The people known under several names.
    """

    identities: tuple[Identity, ...] = ()

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AliasMap:
        """Read an alias map from a ``.toml`` or ``.json`` file."""
        file = Path(path)
        text = file.read_text(encoding="utf-8")
        if file.suffix == ".toml":
            import tomllib  # noqa: PLC0415  (Python 3.11+; the stand-in only)

            data = tomllib.loads(text)
        else:
            data = json.loads(text)
        people = data.get("identities", [])
        if not isinstance(people, list):
            raise ConfigError(f"{file}: expected a list under 'identities'")
        return cls(
            identities=tuple(
                Identity(
                    id=str(p["id"]),
                    name=str(p.get("name", p["id"])),
                    aliases=tuple(p.get("aliases", ())),
                )
                for p in people
            )
        )

    def resolve(self, participant: Participant) -> Participant:
        """Return the canonical participant, or *participant* if unknown."""
        for identity in self.identities:
            keys = {identity.id, identity.name, *identity.aliases}
            if participant.id in keys or participant.name in keys:
                return Participant(id=identity.id, name=identity.name)
        return participant


@define(kw_only=True)
class NameBook:
    """
    Renders participants' names for outputs.

    Args:
        aliases: The alias map applied first.
    """

    aliases: AliasMap = field(factory=AliasMap)
    _seen: dict[str, str] = field(factory=dict, init=False)

    def openai_name(self, participant: Participant) -> str:
        """Return a name matching ``[A-Za-z0-9_-]{1,64}``."""
        person = self.aliases.resolve(participant)
        ascii_name = (
            unicodedata.normalize("NFKD", person.name.replace("\u0131", "i"))
            .encode("ascii", "ignore")
            .decode()
        )
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_name).strip("_")[:64]
        if not re.search("[A-Za-z]", name):
            name = self._seen.setdefault(person.name, f"Contact_{len(self._seen) + 1}")
        self._seen.setdefault(person.name, name)
        return name

    def display_name(self, participant: Participant) -> str:
        """Return a readable label for legacy prompts."""
        return self.aliases.resolve(participant).name

    def mapping(self) -> dict[str, str]:
        """Return original name -> rendered name."""
        return dict(self._seen)
