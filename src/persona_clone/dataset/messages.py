"""`MessagesDatasetBuilder`: ``messages`` JSONL with per-message train flags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import frozen

from persona_clone.dataset.rendering import ChatRenderer, NameRenderer, ParticipantResolver
from persona_clone.message import Participant

from ._alternating import DEFAULT_OPENER, AlternatingCosts, alternate
from .base import BuildOptions, DatasetFormat, persona_renderer_args
from .example import Example


__all__ = ["MessagesDatasetBuilder"]


@frozen(kw_only=True)
class MessagesDatasetBuilder(AlternatingCosts, BuildOptions):
    """
    Write examples as ``{"messages": [{"role", "content", "training"}, ...]}``.

    Roles alternate ``user``/``assistant`` starting with ``user`` (many chat
    templates insist): consecutive turns of other speakers become one ``user``
    message whose lines are labelled with the speakers' display names, and a
    conversation the persona opens starts with *opener*. Every message carries
    ``"training": true`` or ``false``; only trained persona turns are true.
    With axolotl, use ``type: chat_template``, ``field_messages: messages`` and
    ``message_field_training: training``.

    Call it on sessions of turns for the examples, or `write` them; the
    options every builder shares are `persona_clone.dataset.BuildOptions`.

    Args:
        renderer: A `persona_clone.ChatRenderer` (persona, names, system prompt).
        opener: The user message placed first when the persona speaks first.
    """

    renderer: ChatRenderer
    opener: str = DEFAULT_OPENER
    format: ClassVar[DatasetFormat] = DatasetFormat.MESSAGES

    @classmethod
    def for_persona(
        cls,
        persona: str | Participant,
        *,
        system_prompt: str | None = None,
        aliases: ParticipantResolver | None = None,
        names: NameRenderer | None = None,
        **options: Any,
    ) -> MessagesDatasetBuilder:
        """
        Return a builder for *persona* (a name or participant id; *aliases* apply).

        Args:
            persona: Who to clone.
            system_prompt: A short description of the persona, as the system prompt.
            aliases: Resolves participants (default: none).
            names: Names people (default a `persona_clone.NameBook`).
            options: The builder's own options and `persona_clone.dataset.BuildOptions`.
        """
        renderer = ChatRenderer(
            system_prompt=system_prompt,
            **persona_renderer_args(persona, aliases=aliases, names=names),
        )
        return cls(renderer=renderer, **options)

    def lines(self, example: Example) -> list[dict[str, Any]]:
        """Return the one line *example* becomes."""
        messages: list[dict[str, Any]] = []
        if self.renderer.system_prompt:
            messages.append(
                {
                    "role": "system",
                    "content": self.renderer.system_prompt,
                    "training": False,
                }
            )
        messages.extend(
            {"role": role, "content": content, "training": trained}
            for role, content, trained in alternate(
                example, self.renderer, opener=self.opener, keep_untrained=True
            )
        )
        return [{"messages": messages}]

    def extra_files(
        self,
        files: Mapping[str, str],  # noqa: ARG002  (the protocol's signature)
    ) -> dict[str, Any]:
        """The messages format needs no extra files."""
        return {}
