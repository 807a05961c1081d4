"""
Provisional stand-in for the rendering module (replaced at merge).

Only the agreed API: `ChatRenderer` and `LegacyRenderer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from attrs import field, frozen

from .identity import AliasMap, NameBook
from .message import Participant
from .session import Turn


__all__ = ["ChatRenderer", "LegacyRenderer"]


@frozen(kw_only=True)
class ChatRenderer:
    """
    Renders turns as chat-format messages.

    Args:
        persona: The canonical persona.
        names: How names are rendered.
        aliases: The alias map.
        system_prompt: Optional system message.
    """

    persona: Participant
    names: NameBook
    aliases: AliasMap = field(factory=AliasMap)
    system_prompt: str | None = None

    def messages(
        self, turns: Sequence[Turn], *, weights: Sequence[int] | None = None
    ) -> list[dict[str, Any]]:
        """Return the chat messages for *turns*."""
        out: list[dict[str, Any]] = []
        if self.system_prompt:
            out.append({"role": "system", "content": self.system_prompt})
        persona = self.aliases.resolve(self.persona)
        for index, turn in enumerate(turns):
            if turn.author is None:
                continue
            author = self.aliases.resolve(turn.author)
            if author.id == persona.id:
                item: dict[str, Any] = {"role": "assistant", "content": turn.text}
                if weights is not None:
                    item["weight"] = weights[index]
            else:
                item = {
                    "role": "user",
                    "name": self.names.openai_name(author),
                    "content": turn.text,
                }
            out.append(item)
        return out


@frozen(kw_only=True)
class LegacyRenderer:
    """
    Renders turns as a prompt/completion pair.

    Args:
        persona: The canonical persona.
        names: How names are rendered.
        aliases: The alias map.
        named: Whether to show names instead of User/Assistant.
        separator: Between entries.
        end_marker: Ends every completion.
    """

    persona: Participant
    names: NameBook
    aliases: AliasMap = field(factory=AliasMap)
    named: bool = False
    separator: str = "\n"
    end_marker: str = "\n###\n"

    def prompt(self, context: Sequence[Turn]) -> str:
        """Return the prompt for *context*."""
        persona = self.aliases.resolve(self.persona)
        lines = []
        for turn in context:
            if turn.author is None:
                continue
            author = self.aliases.resolve(turn.author)
            lines.append(f"{self._label(author, persona)}: {turn.text}")
        lines.append(f"{self._label(persona, persona)}:")
        return self.separator.join(lines)

    def completion(self, turn: Turn) -> str:
        """Return the completion for *turn*."""
        return " " + turn.text + self.end_marker

    @property
    def stop(self) -> str:
        """The stop sequence to use at inference."""
        return self.end_marker

    def _label(self, author: Participant, persona: Participant) -> str:
        if self.named:
            return self.names.display_name(author)
        return "Assistant" if author.id == persona.id else "User"
