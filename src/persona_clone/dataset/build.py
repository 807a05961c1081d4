"""
Building a dataset: the report of one write, and `build_dataset`, the whole recipe in one call.

`write_dataset` is what `DatasetBuilder.write` does: write the files, check
them, and report. `build_dataset` composes the public steps the way the CLI's
``build`` command does::

    sessions = Merger()(Sessionizer(gap=gap)(messages))       # per export
    sessions = OptOut(consent=consent, aliases=aliases, report=privacy)(sessions)
    builder = ChatDatasetBuilder.for_persona(persona, message_steps=[Redact(...)], ...)
    report = builder.write(sessions, directory / "train.jsonl", privacy=privacy)
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from attrs import evolve

from persona_clone._serialization import converter
from persona_clone.conversation.merger import Merger
from persona_clone.conversation.sessionizer import DEFAULT_GAP, Sessionizer
from persona_clone.dataset.cost import DEFAULT_PRICES, PriceTable, estimate_cost
from persona_clone.dataset.rendering import (
    ChatRenderer,
    LegacyRenderer,
    NameRenderer,
    ParticipantResolver,
)
from persona_clone.dataset.tokens import (
    UNKNOWN_MODEL_LIMIT,
    TokenCounter,
    training_limit,
)
from persona_clone.errors import ConfigError
from persona_clone.message import Message, Participant
from persona_clone.session import Turn

from .base import (
    DEFAULT_REPLY_MEMORY,
    LEGACY_DEFAULT_MODEL,
    BuildOptions,
    DatasetBuilder,
    DatasetFormat,
    persona_renderer_args,
)
from .chat import ChatDatasetBuilder
from .example import DEFAULT_MAX_ENTRIES, WeightPolicy
from .exports import Exports
from .legacy import LegacyDatasetBuilder
from .messages import MessagesDatasetBuilder
from .pipeline import BuildStats, write_atomically
from .report import DatasetReport, PhraseCount, TokenStats
from .sharegpt import ShareGPTDatasetBuilder
from .split import SessionSplit
from .steps import CapRepeats, ExampleStep
from .validation import MAX_FILE_BYTES, LineChecker, file_problems


if TYPE_CHECKING:
    from persona_clone.privacy.consent import Consent
    from persona_clone.privacy.identity import AliasMap
    from persona_clone.privacy.redaction import PrivacyReport, RedactionKind


__all__ = [
    "LEGACY_DEFAULT_MODEL",
    "NAMES_FILE",
    "build_dataset",
    "example_budget",
    "make_builder",
    "write_dataset",
]

logger = logging.getLogger(__name__)

NAMES_FILE: Final = "names.json"
"""The name book written next to the dataset (`persona_clone.NameBook.to_json`), for serving."""

_OPENAI_FORMATS: Final = (DatasetFormat.CHAT, DatasetFormat.LEGACY)
_SPEAKERS_SHOWN: Final = 8


def make_builder(
    format: DatasetFormat,  # noqa: A002
    *,
    persona: Participant,
    names: NameRenderer,
    aliases: ParticipantResolver,
    system_prompt: str | None = None,
    named: bool = False,
    end_marker: str = "\n###\n",
    separator: str = "\n",
    **options: Any,
) -> DatasetBuilder:
    """
    Return the builder for *format*, with its renderer.

    Args:
        format: The dataset format.
        persona: The persona (canonical participant).
        names: Renders names (`persona_clone.NameBook`).
        aliases: Resolves participants (`persona_clone.AliasMap`).
        system_prompt: The system prompt (chat, ShareGPT, messages).
        named: Legacy only: label speakers by name instead of User/Assistant.
        end_marker: Legacy only: what ends every completion.
        separator: Legacy only: what goes between prompt entries.
        options: `persona_clone.dataset.BuildOptions`.
    """
    if format is DatasetFormat.LEGACY:
        return LegacyDatasetBuilder(
            renderer=LegacyRenderer(
                persona=persona,
                names=names,
                aliases=aliases,
                named=named,
                end_marker=end_marker,
                separator=separator,
            ),
            **options,
        )
    renderer = ChatRenderer(
        persona=persona, names=names, aliases=aliases, system_prompt=system_prompt
    )
    if format is DatasetFormat.SHAREGPT:
        return ShareGPTDatasetBuilder(renderer=renderer, **options)
    if format is DatasetFormat.MESSAGES:
        return MessagesDatasetBuilder(renderer=renderer, **options)
    return ChatDatasetBuilder(renderer=renderer, **options)


def example_budget(model: str, budget: int | None) -> tuple[int, list[str]]:
    """
    Return the per-example token budget for *model* (*budget* if given), with notes.

    Example:
        >>> example_budget("gpt-4o-mini-2024-07-18", None)
        (65536, [])

    """
    if budget is not None:
        return budget, []
    limit = training_limit(model)
    if limit is not None:
        return limit, []
    note = (
        f"{model} has no known training limit; "
        f"examples were kept under {UNKNOWN_MODEL_LIMIT:,} tokens"
    )
    return UNKNOWN_MODEL_LIMIT, [note]


def _plain(value: Any) -> Any:
    """Return *value* with enum keys and values as their values, for JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def write_dataset(
    builder: BuildOptions,
    sessions: Iterable[Sequence[Turn]],
    path: str | os.PathLike[str],
    *,
    privacy: PrivacyReport | None = None,
) -> DatasetReport:
    """
    Write, check and report the dataset *builder* makes of *sessions* (`DatasetBuilder.write`).

    Raises:
        ConfigError: The persona never speaks in *sessions*.
    """
    model = builder.target_model
    counter = builder.token_counter()
    budget, notes = example_budget(model, builder.budget)
    if not counter.exact:
        notes.append("token counts are estimates (install the 'tiktoken' extra for exact counts)")
    pipeline = builder.pipeline(counter=counter, budget=budget)
    checker = LineChecker(fmt=builder.format, model=model, counter=counter)
    paths = pipeline.write(sessions, path, checker=checker)
    stats = pipeline.stats
    if stats.persona_turns == 0:
        _no_persona(builder.persona, stats)
    problems = _file_checks(paths, stats, builder.format, model)
    validation_stats = TokenStats()
    if "validation" in paths:
        if stats.examples["validation"] == 0:
            paths.pop("validation").unlink()
            notes.append("no session was drawn for validation; raise the validation share")
        else:
            validation_stats = TokenStats.of(stats.tokens.get("validation", []))
    problems.extend(
        f"{paths[role]}: expected at most 512 MB"
        for role in ("train", "validation")
        if role in paths and paths[role].stat().st_size > MAX_FILE_BYTES
    )
    names = builder.names
    to_json = getattr(names, "to_json", None)
    if callable(to_json):
        paths["names"] = paths["train"].with_name(NAMES_FILE)
        write_atomically(paths["names"], str(to_json()) + "\n")
    if isinstance(builder, LegacyDatasetBuilder):
        notes.append(f"call the model with stop={builder.renderer.stop!r}")
    return _report(
        builder,
        stats,
        model=model,
        budget=budget,
        exact=counter.exact,
        limit=checker.limit,
        files={role: str(p) for role, p in paths.items()},
        problems=problems,
        validation_tokens=validation_stats,
        privacy=privacy,
        notes=notes,
    )


def _no_persona(persona: Participant, stats: BuildStats) -> None:
    """Raise the error for a persona who never speaks, naming who does (phones masked)."""
    # the speakers' list lives with the privacy modules, imported when it is needed
    from persona_clone.privacy.speakers import mask_phone, speakers_text  # noqa: PLC0415

    raise ConfigError(
        f"expected the persona {mask_phone(persona.name)!r} to speak in the input, "
        "found no message by them; "
        f"speakers: {speakers_text(stats.speakers, limit=_SPEAKERS_SHOWN)}"
    )


def _file_checks(
    paths: Mapping[str, Path], stats: BuildStats, fmt: DatasetFormat, model: str
) -> list[str]:
    """The problems of the lines written, then of the training file as a whole."""
    problems = list(stats.problems)
    problems.extend(
        f"{paths['train']}: {text}"
        for text in file_problems(examples=stats.examples["train"], fmt=fmt, model=model)
    )
    return problems


def _report(
    builder: BuildOptions,
    stats: BuildStats,
    *,
    model: str,
    budget: int,
    exact: bool,
    limit: int,
    files: dict[str, str],
    problems: list[str],
    validation_tokens: TokenStats,
    privacy: PrivacyReport | None,
    notes: list[str],
) -> DatasetReport:
    """The report of one write."""
    # the phrase report lives with the repetition checks, imported when a report is made
    from persona_clone.dataset.repetition import repeated_phrases  # noqa: PLC0415

    fmt = builder.format
    train_tokens = stats.tokens.get("train", [])
    cost = None
    if fmt in _OPENAI_FORMATS:
        cost = estimate_cost(
            model=model,
            billed_tokens_per_epoch=sum(min(limit, t) for t in train_tokens),
            examples=stats.examples["train"],
            prices=builder.prices if builder.prices is not None else DEFAULT_PRICES,
        )
    phrases = tuple(
        PhraseCount(phrase=str(p.phrase), count=int(p.count), share=float(p.share))
        for p in repeated_phrases(stats.persona_sample, others=stats.others_sample, top=10)
    )
    names = builder.names
    mapping = names.mapping() if hasattr(names, "mapping") else {}
    persona = builder.persona
    from persona_clone.privacy.speakers import mask_phone  # noqa: PLC0415

    return DatasetReport(
        format=fmt.value,
        model=model,
        persona=(
            names.openai_name(persona) if fmt is DatasetFormat.CHAT else names.display_name(persona)
        ),
        files=files,
        examples=dict(stats.examples) or {"train": 0},
        sessions=stats.sessions,
        sessions_used=stats.sessions_used,
        skipped_sessions=dict(stats.skipped_sessions),
        skipped_turns={k: v for k, v in stats.skipped_turns.items() if v},
        skipped_turn_locations=tuple(stats.skipped_turn_locations),
        dropped_messages=dict(stats.dropped_messages),
        messages=stats.messages,
        persona_messages=stats.persona_messages,
        persona_turns=stats.persona_turns,
        turns=stats.turns,
        trained_turns=stats.trained_turns,
        quoted_turns=stats.quoted_turns,
        budget=budget,
        tokens=TokenStats.of(train_tokens),
        validation_tokens=validation_tokens,
        exact_tokens=exact,
        cost=cost,
        problems=tuple(problems),
        privacy={} if privacy is None else _plain(converter.unstructure(privacy)),
        repeated_phrases=phrases,
        names={mask_phone(str(k)): str(v) for k, v in mapping.items()},
        notes=tuple(notes),
    )


def build_dataset(
    exports: Sequence[Iterable[Message]],
    directory: str | os.PathLike[str],
    *,
    persona: str,
    format: DatasetFormat = DatasetFormat.CHAT,  # noqa: A002
    model: str | None = None,
    system_prompt: str | None = None,
    aliases: AliasMap | None = None,
    names: NameRenderer | None = None,
    consent: Consent | None = None,
    exclude: Iterable[str] = (),
    consenting: Iterable[str] = (),
    no_redact: Iterable[RedactionKind | str] = (),
    redact: bool = True,
    gap: dt.timedelta = DEFAULT_GAP,
    policy: WeightPolicy = WeightPolicy.ALL,
    max_entries: int = DEFAULT_MAX_ENTRIES,
    budget: int | None = None,
    validation_share: float = 0.0,
    seed: int = 0,
    max_repeats: int | None = None,
    named: bool = False,
    end_marker: str = "\n###\n",
    counter: TokenCounter | None = None,
    prices: PriceTable | None = None,
    reply_memory: int = DEFAULT_REPLY_MEMORY,
    example_steps: Sequence[ExampleStep] = (),
) -> DatasetReport:
    """
    Build a validated dataset that clones *persona* from *exports*, and report on it.

    One call for the composition the ``build`` command runs (see the module
    docstring): each export sessionized and merged, `persona_clone.OptOut`,
    the builder of *format* with `persona_clone.Redact` and
    `persona_clone.dataset.CapRepeats` as its steps. Privacy is on by default:
    *persona* must have consented (`persona_clone.Consent`), people in
    *exclude* never appear (their messages are replaced or their sessions
    dropped, and their names redacted), and phone numbers, e-mail addresses,
    IBANs, card numbers, URLs and names are redacted except the kinds in
    *no_redact*.

    Args:
        exports: One message stream per export (several exports of the same
            person combine; each is sessionized on its own).
        directory: Where ``train.jsonl`` (and ``validation.jsonl``,
            ``dataset_info.json``) are written, and ``names.json``: the name
            book, to give the chat bot (``persona-clone chat --names``) so it
            names people exactly as the dataset did.
        persona: The persona's name or participant id (aliases apply).
        format: The dataset format.
        model: The target model: its token limit is the example budget and its
            price the cost estimate (default ``gpt-4o-mini-2024-07-18``, or
            ``davinci-002`` for the legacy format).
        system_prompt: A short description of the persona, as the system message.
        aliases: A `persona_clone.AliasMap` (default: none).
        names: A `persona_clone.NameBook` (default: one over *aliases*).
        consent: A `persona_clone.Consent` (``Consent.load`` reads the people
            file's ``consent``/``opted_out`` entries and its opt-out policy);
            *exclude* and *consenting* are added to it.
        exclude: People who opted out (names or ids).
        consenting: People who agreed to be cloned (names or ids).
        no_redact: `persona_clone.RedactionKind` values (or their names) to keep.
        redact: Set to ``False`` to skip redaction altogether.
        gap: The pause that ends a session.
        policy: Which persona turns are trained.
        max_entries: Most turns in one example.
        budget: Most tokens in one example (default the model's training limit).
        validation_share: Share of sessions held out for validation.
        seed: Seeds the split and the phrase sample.
        max_repeats: Train near-identical persona turns at most this often.
        named: Legacy format: label speakers by name.
        end_marker: Legacy format: what ends every completion.
        counter: Counts tokens (default exact with tiktoken when available).
        prices: The price table for the cost estimate.
        reply_memory: How many recent messages per export are kept so a reply
            to an earlier session brings in the message it answers; pass 0 when
            no export can carry reply links (`persona_clone.parsers.carries_replies`).
        example_steps: Curation steps run on the examples before the repeat cap
            (`persona_clone.curation.rules`: minimum reply length, laughter-only
            replies, phrase caps, review decisions); each counts what it leaves out.

    Raises:
        ConfigError: the persona never speaks (when the persona has not
            consented, this is checked first, so a misspelt name is reported
            as such), or has not consented.
    """
    from persona_clone.privacy.identity import AliasMap  # noqa: PLC0415
    from persona_clone.privacy.redaction import PrivacyReport  # noqa: PLC0415
    from persona_clone.privacy.speakers import require_persona  # noqa: PLC0415
    from persona_clone.privacy.steps import OptOut, Redact  # noqa: PLC0415

    alias_map = aliases if aliases is not None else AliasMap()
    consent = _with_people(consent, consenting=consenting, exclude=exclude)
    renderer_args = persona_renderer_args(persona, aliases=alias_map, names=names)
    try:
        consent.check_persona(renderer_args["persona"], alias_map)
    except ConfigError:
        # a persona not in the chat is told so first: no consent needed to learn it
        require_persona(exports, persona, aliases=alias_map, consent=consent)
        raise
    privacy = PrivacyReport()
    opt_out = OptOut(consent=consent, aliases=alias_map, report=privacy)
    sessions = Exports(
        streams=[opt_out(Merger().lazy(Sessionizer(gap=gap)(messages))) for messages in exports]
    )
    redaction = Redact.for_consent(consent, aliases=alias_map, keep=no_redact, report=privacy)
    steps: list[ExampleStep] = [*example_steps]
    if max_repeats is not None:
        steps.append(CapRepeats(max_repeats=max_repeats))
    builder = make_builder(
        format,
        **renderer_args,
        system_prompt=system_prompt,
        named=named,
        end_marker=end_marker,
        model=model,
        counter=counter,
        budget=budget,
        policy=policy,
        max_entries=max_entries,
        message_steps=[redaction] if redact else [],
        example_steps=steps,
        split=SessionSplit(validation_share=validation_share, seed=seed),
        reply_memory=reply_memory,
        seed=seed,
        prices=prices,
    )
    return builder.write(sessions, Path(directory) / "train.jsonl", privacy=privacy)


def _with_people(
    consent: Consent | None, *, consenting: Iterable[str], exclude: Iterable[str]
) -> Consent:
    """*consent* (default none given) with *consenting* and *exclude* added."""
    from persona_clone.privacy.consent import Consent  # noqa: PLC0415

    given = consent if consent is not None else Consent()
    return evolve(
        given,
        consenting=given.consenting | frozenset(consenting),
        excluded=given.excluded | frozenset(exclude),
    )
