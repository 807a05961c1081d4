"""
Alternating conversations for open-source chat templates.

One ``user`` message per run of other speakers (each line labelled with the
speaker's name), then one ``assistant`` message, starting with ``user``.
"""

from __future__ import annotations

from typing import Final

from persona_clone.dataset.rendering import ChatRenderer
from persona_clone.dataset.tokens import TokenCounter
from persona_clone.message import Participant
from persona_clone.session import Turn

from .example import Example


__all__ = ["DEFAULT_OPENER", "alternate"]

DEFAULT_OPENER: Final = "<conversation starts>"
"""The user message placed first when the persona opens the conversation."""


def alternate(
    example: Example, renderer: ChatRenderer, *, opener: str, keep_untrained: bool
) -> list[tuple[str, str, bool]]:
    """
    Return ``(role, content, trained)`` entries that alternate, starting with ``user``.

    Other speakers' turns, and quoted turns, go to the ``user`` side as
    ``"Name: text"`` lines. Persona turns that are not trained stay ``assistant``
    (untrained) when *keep_untrained*, else they join the ``user`` side too.
    """
    entries: list[tuple[str, str, bool]] = []
    pending: list[str] = []
    names = renderer.names
    persona_label = names.display_name(renderer.persona)
    for turn, persona, trained, quoted in zip(
        example.turns, example.persona, example.trained, example.quoted, strict=False
    ):
        author = turn.author
        if author is None:
            continue
        assistant = persona and not quoted and (trained or keep_untrained)
        if not assistant:
            label = (
                persona_label if persona else names.display_name(renderer.aliases.resolve(author))
            )
            pending.append(f"{label}: {turn.text}")
            continue
        if pending or not entries or entries[-1][0] == "assistant":
            entries.append(("user", "\n".join(pending) if pending else opener, False))
            pending = []
        entries.append(("assistant", turn.text, trained))
    return entries


class AlternatingCosts:
    """
    Persona test and token costs shared by the builders whose lines alternate roles.

    A slot-less mixin for attrs builders that hold a ``renderer`` and an ``opener``.
    """

    renderer: ChatRenderer
    opener: str

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        return self.renderer.is_persona(author)

    def overhead(self, counter: TokenCounter) -> int:
        """The system prompt and the opener (an upper bound)."""
        prompt = self.renderer.system_prompt
        system = 3 + counter.count("system") + counter.count(prompt) if prompt else 0
        return 3 + system + 3 + counter.count("user") + counter.count(self.opener)

    def turn_cost(
        self,
        turn: Turn,
        counter: TokenCounter,
        *,
        persona: bool,  # noqa: ARG002  (the protocol's signature)
    ) -> int:
        """The turn as a labelled line or its own message (an upper bound)."""
        assert turn.author is not None  # noqa: S101  (system turns are never sliced)
        label = self.renderer.names.display_name(self.renderer.aliases.resolve(turn.author))
        return 3 + counter.count("assistant") + counter.count(f"{label}: {turn.text}\n")
