"""`LegacyDatasetBuilder`: prompt/completion JSONL for completion models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import frozen

from persona_clone.dataset.rendering import LegacyRenderer, NameRenderer, ParticipantResolver
from persona_clone.dataset.tokens import TokenCounter
from persona_clone.message import Participant
from persona_clone.session import Turn

from .base import BuildOptions, DatasetFormat, persona_renderer_args
from .example import Example


__all__ = ["LegacyDatasetBuilder"]


@frozen(kw_only=True)
class LegacyDatasetBuilder(BuildOptions):
    r"""
    Build ``{"prompt": ..., "completion": ...}`` datasets for completion models.

    A completion holds one turn, so each trained persona turn of an example
    becomes one line: the example's turns before it are the prompt. Call the
    fine-tuned model with ``stop=renderer.stop`` (``"\n###"`` by default).

    Call it on sessions of turns for the examples, or `write` them; the
    options every builder shares are `persona_clone.dataset.BuildOptions`.

    Args:
        renderer: The `persona_clone.LegacyRenderer`.
    """

    renderer: LegacyRenderer
    format: ClassVar[DatasetFormat] = DatasetFormat.LEGACY

    @classmethod
    def for_persona(
        cls,
        persona: str | Participant,
        *,
        aliases: ParticipantResolver | None = None,
        names: NameRenderer | None = None,
        named: bool = False,
        end_marker: str = "\n###\n",
        separator: str = "\n",
        **options: Any,
    ) -> LegacyDatasetBuilder:
        """
        Return a builder for *persona* (a name or participant id; *aliases* apply).

        Args:
            persona: Who to clone.
            aliases: Resolves participants (default: none).
            names: Names people (default a `persona_clone.NameBook`).
            named: Label speakers by name instead of User/Assistant.
            end_marker: What ends every completion.
            separator: What goes between prompt entries.
            options: `persona_clone.dataset.BuildOptions`.
        """
        renderer = LegacyRenderer(
            named=named,
            end_marker=end_marker,
            separator=separator,
            **persona_renderer_args(persona, aliases=aliases, names=names),
        )
        return cls(renderer=renderer, **options)

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        return self.renderer.is_persona(author)

    def overhead(self, counter: TokenCounter) -> int:
        """The prompt's final label, the completion's space and the end marker."""
        r = self.renderer
        return (
            counter.count(f"{r.label(r.persona)}:")
            + counter.count(" ")
            + counter.count(r.end_marker)
        )

    def turn_cost(
        self,
        turn: Turn,
        counter: TokenCounter,
        *,
        persona: bool,  # noqa: ARG002  (the protocol's signature)
    ) -> int:
        """The turn's entry in a prompt (or its completion), with a separator."""
        assert turn.author is not None  # noqa: S101  (system turns are never sliced)
        label = self.renderer.label(turn.author)
        return counter.count(f"{label}: {turn.text}") + counter.count(self.renderer.separator)

    def lines(self, example: Example) -> list[dict[str, Any]]:
        """Return one line per trained turn of *example*."""
        r = self.renderer
        return [
            {
                "prompt": r.prompt(example.turns[:index]),
                "completion": r.completion(turn),
            }
            for index, turn in enumerate(example.turns)
            if example.trained[index]
        ]

    def extra_files(
        self,
        files: Mapping[str, str],  # noqa: ARG002  (the protocol's signature)
    ) -> dict[str, Any]:
        """The legacy format needs no extra files."""
        return {}
