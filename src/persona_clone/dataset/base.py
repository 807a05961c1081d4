"""
What every dataset builder shares: `DatasetFormat`, `DatasetBuilder` and `BuildOptions`.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from attrs import field, frozen

from persona_clone.conversation.merger import Merger
from persona_clone.conversation.streams import MessageStep
from persona_clone.dataset.cost import PriceTable
from persona_clone.dataset.rendering import (
    MEDIA_PLACEHOLDER,
    ChatRenderer,
    LegacyRenderer,
    NameRenderer,
    ParticipantResolver,
)
from persona_clone.dataset.tokens import DEFAULT_MODEL, TokenCounter, counter_for
from persona_clone.message import Participant
from persona_clone.session import Turn

from .example import DEFAULT_MAX_ENTRIES, Example, WeightPolicy
from .split import SessionSplit
from .steps import ExampleStep


if TYPE_CHECKING:
    from persona_clone.privacy.redaction import PrivacyReport

    from .pipeline import DatasetPipeline
    from .report import DatasetReport


__all__ = [
    "DEFAULT_REPLY_MEMORY",
    "LEGACY_DEFAULT_MODEL",
    "BuildOptions",
    "DatasetBuilder",
    "DatasetFormat",
    "persona_renderer_args",
]

DEFAULT_REPLY_MEMORY: Final = 10_000
"""How many recent messages per export a build keeps to bring in what replies answer."""

LEGACY_DEFAULT_MODEL: Final = "davinci-002"
"""The model legacy datasets are planned for when none is named."""


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
    Builds a dataset in one format from sessions of turns.

    Called on sessions of turns (what `persona_clone.Merger` yields) it yields
    examples; `write` writes them as JSONL and returns the report. The
    pipeline asks the builder what each turn costs in its format, so examples
    are cut under the token budget of that format.
    """

    @property
    def format(self) -> DatasetFormat:
        """The format this builder writes."""
        ...

    @property
    def persona(self) -> Participant:
        """The persona (canonical participant)."""
        ...

    @property
    def names(self) -> NameRenderer:
        """How the dataset names people."""
        ...

    def __call__(self, sessions: Iterable[Sequence[Turn]]) -> Iterator[Example]:
        """Yield the examples of *sessions*, lazily."""
        ...

    def write(
        self,
        sessions: Iterable[Sequence[Turn]],
        path: str | os.PathLike[str],
        *,
        privacy: PrivacyReport | None = None,
    ) -> DatasetReport:
        """Write the dataset of *sessions* to *path* and return the report."""
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


def _steps(values: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(values)


@frozen(kw_only=True)
class BuildOptions:
    """
    The options every builder takes besides its renderer, and what they build.

    Args:
        model: The target model: its training limit is the default *budget*,
            its price the report's cost estimate, its limits the validation
            (default ``gpt-4o-mini-2024-07-18``, ``davinci-002`` for legacy).
        counter: Counts tokens (default `persona_clone.dataset.counter_for` (*model*)).
        budget: Most tokens in one example (default the model's training limit).
        max_entries: Most turns in one example.
        overlap: Turns of the previous example a new one may repeat as context.
        policy: Which persona turns are trained.
        message_steps: Run on the messages a model will see, of the sessions the
            persona speaks in (`persona_clone.Redact`), in order.
        example_steps: Run on the examples as they are cut
            (`persona_clone.dataset.CapRepeats`), in order.
        split: Sends each session to training or validation.
        reply_memory: How many recent messages per export are kept so a reply
            to an earlier session brings in the message it answers; 0 when no
            export can carry reply links (`persona_clone.parsers.carries_replies`).
        media: The text media messages get (``None`` drops them).
        merger: Merges a speaker's messages again where rendering or a message
            step changed a session: the merger that made the turns.
        seed: Seeds the phrase report's samples.
        prices: The price table for the cost estimate.
    """

    model: str | None = None
    counter: TokenCounter | None = None
    budget: int | None = None
    max_entries: int = DEFAULT_MAX_ENTRIES
    overlap: int = 2
    policy: WeightPolicy = WeightPolicy.ALL
    message_steps: tuple[MessageStep, ...] = field(default=(), converter=_steps)
    example_steps: tuple[ExampleStep, ...] = field(default=(), converter=_steps)
    split: SessionSplit = field(factory=SessionSplit)
    reply_memory: int = DEFAULT_REPLY_MEMORY
    media: str | None = MEDIA_PLACEHOLDER
    merger: Merger = field(factory=Merger)
    seed: int = 0
    prices: PriceTable | None = None

    if TYPE_CHECKING:
        renderer: ChatRenderer | LegacyRenderer

        @property
        def format(self) -> DatasetFormat:
            """The format this builder writes."""

    @property
    def persona(self) -> Participant:
        """The persona (canonical participant), as the renderer knows it."""
        return self.renderer.persona

    @property
    def names(self) -> NameRenderer:
        """How the dataset names people (the renderer's name book)."""
        return self.renderer.names

    @property
    def target_model(self) -> str:
        """*model*, or the default model of the format."""
        if self.model is not None:
            return self.model
        return LEGACY_DEFAULT_MODEL if self.format is DatasetFormat.LEGACY else DEFAULT_MODEL

    def token_counter(self) -> TokenCounter:
        """*counter*, or the best counter for the target model."""
        return self.counter if self.counter is not None else counter_for(self.target_model)

    def pipeline(self, *, counter: TokenCounter, budget: int) -> DatasetPipeline:
        """A `DatasetPipeline` that runs this builder with *counter* and *budget*."""
        from .pipeline import DatasetPipeline  # noqa: PLC0415  (the pipeline runs builders)

        builder: DatasetBuilder = self  # type: ignore[assignment]
        return DatasetPipeline(
            builder=builder,
            merger=self.merger,
            message_steps=self.message_steps,
            example_steps=self.example_steps,
            counter=counter,
            budget=budget,
            max_entries=self.max_entries,
            overlap=self.overlap,
            policy=self.policy,
            split=self.split,
            reply_memory=self.reply_memory,
            media=self.media,
            seed=self.seed,
        )

    def __call__(self, sessions: Iterable[Sequence[Turn]]) -> Iterator[Example]:
        """
        Yield the examples of *sessions*, lazily, in order.

        Args:
            sessions: Sessions of turns (what `persona_clone.Merger` yields),
                or `persona_clone.dataset.Exports` of several exports.
        """
        from .build import example_budget  # noqa: PLC0415  (build composes builders)

        counter = self.token_counter()
        budget, _ = example_budget(self.target_model, self.budget)
        return self.pipeline(counter=counter, budget=budget).examples(sessions)

    def write(
        self,
        sessions: Iterable[Sequence[Turn]],
        path: str | os.PathLike[str],
        *,
        privacy: PrivacyReport | None = None,
    ) -> DatasetReport:
        """
        Write the dataset of *sessions* to the JSONL file *path*, check it, report.

        Beside *path* go ``validation.jsonl`` when *split* holds sessions out,
        ``names.json`` (the name book, for serving) and the format's extra
        files. Each file is written whole or not at all. Every line is checked
        as the fine-tuning service would check it; the report lists the
        problems.

        Args:
            sessions: Sessions of turns (what `persona_clone.Merger` yields),
                or `persona_clone.dataset.Exports` of several exports.
            path: The training file (``out/train.jsonl``).
            privacy: The report the privacy steps counted into, to include.

        Raises:
            ConfigError: The persona never speaks in *sessions*.
        """
        from .build import write_dataset  # noqa: PLC0415  (build composes builders)

        return write_dataset(self, sessions, path, privacy=privacy)


def persona_renderer_args(
    persona: str | Participant,
    *,
    aliases: ParticipantResolver | None = None,
    names: NameRenderer | None = None,
) -> dict[str, Any]:
    """
    The persona, names and aliases a renderer needs, from a name or participant.

    *persona* is resolved through *aliases* (default: none); *names* default to
    a `persona_clone.NameBook` over *aliases*.
    """
    from persona_clone.privacy.identity import AliasMap, NameBook  # noqa: PLC0415

    resolver: ParticipantResolver = aliases if aliases is not None else AliasMap()
    participant = persona if isinstance(persona, Participant) else Participant.from_name(persona)
    if names is None:
        names = NameBook(aliases=resolver) if isinstance(resolver, AliasMap) else NameBook()
    return {"persona": resolver.resolve(participant), "names": names, "aliases": resolver}
