"""
Alternating conversations for open-source chat templates.

One ``user`` message per run of other speakers (each line labelled with the
speaker's name), then one ``assistant`` message, starting with ``user``.
"""

from __future__ import annotations

from typing import Final

from persona_clone.rendering import ChatRenderer

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
