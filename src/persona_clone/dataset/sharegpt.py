"""`ShareGPTDatasetBuilder`: LLaMA-Factory's ShareGPT and its ``dataset_info.json``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import frozen

from persona_clone.dataset.rendering import ChatRenderer, NameRenderer, ParticipantResolver
from persona_clone.message import Participant

from ._alternating import DEFAULT_OPENER, AlternatingCosts, alternate
from .base import BuildOptions, DatasetFormat, persona_renderer_args
from .example import Example


__all__ = ["ShareGPTDatasetBuilder"]


@frozen(kw_only=True)
class ShareGPTDatasetBuilder(AlternatingCosts, BuildOptions):
    """
    Write examples in LLaMA-Factory's ShareGPT format.

    Each example becomes ``{"conversations": [{"from": "human", "value": ...},
    {"from": "gpt", "value": ...}, ...], "system": ...}``. LLaMA-Factory needs
    human and gpt to alternate, starting with human, so consecutive turns of other
    speakers are joined into one human message, each line labelled with its
    speaker's display name, and a conversation the persona opens starts with
    *opener*. ShareGPT has no per-message weights: every ``gpt`` message is
    trained, so persona turns that are not trained in the example join the human
    side as labelled lines. (`WeightPolicy.LAST` therefore gives one ``gpt``
    message per example.)

    Call it on sessions of turns for the examples, or `write` them; the
    options every builder shares are `persona_clone.dataset.BuildOptions`.

    Args:
        renderer: A `persona_clone.ChatRenderer` (persona, names, system prompt).
        dataset_name: The key of the ``dataset_info.json`` entry.
        opener: The human message placed first when the persona speaks first.
    """

    renderer: ChatRenderer
    dataset_name: str = "persona"
    opener: str = DEFAULT_OPENER
    format: ClassVar[DatasetFormat] = DatasetFormat.SHAREGPT

    @classmethod
    def for_persona(
        cls,
        persona: str | Participant,
        *,
        system_prompt: str | None = None,
        aliases: ParticipantResolver | None = None,
        names: NameRenderer | None = None,
        **options: Any,
    ) -> ShareGPTDatasetBuilder:
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
        entries = alternate(example, self.renderer, opener=self.opener, keep_untrained=False)
        line: dict[str, Any] = {
            "conversations": [
                {"from": "human" if role == "user" else "gpt", "value": content}
                for role, content, _ in entries
            ]
        }
        if self.renderer.system_prompt:
            line["system"] = self.renderer.system_prompt
        return [line]

    def extra_files(self, files: Mapping[str, str]) -> dict[str, Any]:
        """Return ``dataset_info.json``, registering the dataset with LLaMA-Factory."""
        entry: dict[str, Any] = {
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
            },
        }
        info: dict[str, Any] = {}
        for split, name in files.items():
            key = self.dataset_name if split == "train" else f"{self.dataset_name}_{split}"
            info[key] = {"file_name": name, **entry}
        return {"dataset_info.json": info}
