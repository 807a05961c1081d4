"""`ChatDatasetBuilder`: OpenAI chat-format JSONL, the persona as ``assistant``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from attrs import field, frozen

from persona_clone.dataset.rendering import ChatRenderer, NameRenderer, ParticipantResolver
from persona_clone.dataset.tokens import TokenCounter
from persona_clone.message import Participant
from persona_clone.session import Turn

from .base import BuildOptions, DatasetFormat, persona_renderer_args
from .example import Example


__all__ = ["ChatDatasetBuilder"]

_FIXED_KEPT: Final = 4096


@frozen(kw_only=True)
class ChatDatasetBuilder(BuildOptions):
    """
    Build OpenAI chat fine-tuning datasets.

    Each example becomes ``{"messages": [...]}``: the system prompt if the
    renderer has one, the other speakers as ``user`` messages with a ``name``,
    the persona as ``assistant``. When some persona turn of an example is not
    trained (context repeated from the previous example, a quoted message, or
    every turn but the last under `WeightPolicy.LAST`), every assistant
    message carries ``"weight": 0`` or ``1``; otherwise no weights are written
    (a missing weight means 1).

    Call it on sessions of turns for the examples, or `write` them; the
    options every builder shares are `persona_clone.dataset.BuildOptions`.
    `for_persona` builds one from a name.

    Args:
        renderer: The `persona_clone.ChatRenderer` (the same one serves the clone).
    """

    renderer: ChatRenderer
    format: ClassVar[DatasetFormat] = DatasetFormat.CHAT
    # (id(counter), id(author), persona) -> (counter, author, the turn's cost
    # besides its text); holding both keeps their ids from being reused.
    _fixed: dict[tuple[int, int, bool], tuple[object, object, int]] = field(
        init=False, factory=dict, eq=False, repr=False
    )

    @classmethod
    def for_persona(
        cls,
        persona: str | Participant,
        *,
        system_prompt: str | None = None,
        aliases: ParticipantResolver | None = None,
        names: NameRenderer | None = None,
        **options: Any,
    ) -> ChatDatasetBuilder:
        """
        Return a builder for *persona* (a name or participant id; *aliases* apply).

        Args:
            persona: Who to clone.
            system_prompt: A short description of the persona, as the system message.
            aliases: Resolves participants (default: none).
            names: Names people in the dataset (default a `persona_clone.NameBook`).
            options: `persona_clone.dataset.BuildOptions`.
        """
        renderer = ChatRenderer(
            system_prompt=system_prompt,
            **persona_renderer_args(persona, aliases=aliases, names=names),
        )
        return cls(renderer=renderer, **options)

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        return self.renderer.is_persona(author)

    def overhead(self, counter: TokenCounter) -> int:
        """The example's fixed 3 tokens plus the system message, if any."""
        prompt = self.renderer.system_prompt
        if not prompt:
            return 3
        return 3 + 3 + counter.count("system") + counter.count(prompt)

    def turn_cost(self, turn: Turn, counter: TokenCounter, *, persona: bool) -> int:
        """The turn's message as OpenAI's cookbook counts it."""
        key = (id(counter), id(turn.author), persona)
        found = self._fixed.get(key)
        if found is None:
            if persona:
                fixed = 3 + counter.count("assistant")
            else:
                assert turn.author is not None  # noqa: S101  (system turns are never sliced)
                name = self.renderer.name(turn.author)
                fixed = 3 + counter.count("user") + counter.count(name) + 1
            if len(self._fixed) >= _FIXED_KEPT:
                self._fixed.clear()
            found = self._fixed[key] = (counter, turn.author, fixed)
        return found[2] + counter.count(turn.text)

    def lines(self, example: Example) -> list[dict[str, Any]]:
        """Return the one line *example* becomes."""
        weights: list[int] | None = None
        if any(p and not t for p, t in zip(example.persona, example.trained, strict=False)):
            weights = [int(t) for t in example.trained]
        return [
            {
                "messages": self.renderer.messages(
                    example.turns, weights=weights, personas=example.persona
                )
            }
        ]

    def extra_files(
        self,
        files: Mapping[str, str],  # noqa: ARG002  (the protocol's signature)
    ) -> dict[str, Any]:
        """The chat format needs no extra files."""
        return {}
