"""What every dataset builder shares: `DatasetFormat` and `DatasetBuilder`."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

from persona_clone.dataset.tokens import TokenCounter
from persona_clone.message import Participant
from persona_clone.session import Turn

from .example import Example


__all__ = ["DatasetBuilder", "DatasetFormat"]


class DatasetFormat(enum.Enum):
    """The dataset file formats persona_clone writes and validates."""

    CHAT = "chat"
    """OpenAI chat JSONL: ``{"messages": [...]}`` with ``name`` and ``weight``."""
    LEGACY = "legacy"
    """OpenAI prompt/completion JSONL for ``babbage-002`` and ``davinci-002``."""
    SHAREGPT = "sharegpt"
    """LLaMA-Factory ShareGPT: ``{"conversations": [{"from": ..., "value": ...}]}``."""
    MESSAGES = "messages"
    """``{"messages": [...]}`` with a ``training`` flag per message (axolotl, TRL)."""


@runtime_checkable
class DatasetBuilder(Protocol):
    """
    Turns `Example`s into the lines of one dataset format.

    The pipeline asks the builder what each turn costs in its format, so
    examples are cut under the token budget of that format.
    """

    @property
    def format(self) -> DatasetFormat:
        """The format this builder writes."""
        ...

    def is_persona(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        ...

    def overhead(self, counter: TokenCounter) -> int:
        """Tokens every example costs besides its turns."""
        ...

    def turn_cost(self, turn: Turn, counter: TokenCounter, *, persona: bool) -> int:
        """Tokens *turn* adds to an example (an upper bound where not exact)."""
        ...

    def lines(self, example: Example) -> list[dict[str, Any]]:
        """Return the JSON lines *example* becomes (legacy: one per trained turn)."""
        ...

    def extra_files(self, files: Mapping[str, str]) -> dict[str, Any]:
        """
        Return additional files to write beside the dataset, by name.

        Args:
            files: The dataset files written, by split (``"train"``,
                ``"validation"``) -> file name.
        """
        ...
