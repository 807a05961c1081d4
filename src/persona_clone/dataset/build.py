"""
`build_dataset`: the one call from exports to validated dataset files and a report.

Consent and redaction are on by default. The CLI's ``build`` command calls it.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

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
    DEFAULT_MODEL,
    UNKNOWN_MODEL_LIMIT,
    TokenCounter,
    counter_for,
    training_limit,
)
from persona_clone.errors import ConfigError
from persona_clone.message import Message, Participant

from .base import DatasetBuilder, DatasetFormat
from .chat import ChatDatasetBuilder
from .example import DEFAULT_MAX_ENTRIES, WeightPolicy
from .legacy import LegacyDatasetBuilder
from .messages import MessagesDatasetBuilder
from .pipeline import DEFAULT_REPLY_MEMORY, DatasetPipeline
from .report import DatasetReport, PhraseCount, TokenStats
from .sharegpt import ShareGPTDatasetBuilder
from .split import SessionSplit
from .validation import MAX_FILE_BYTES, LineChecker, file_problems


__all__ = ["LEGACY_DEFAULT_MODEL", "NAMES_FILE", "build_dataset", "make_builder"]

logger = logging.getLogger(__name__)

LEGACY_DEFAULT_MODEL: Final = "davinci-002"
"""The model legacy datasets are planned for when none is named."""

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
            )
        )
    renderer = ChatRenderer(
        persona=persona, names=names, aliases=aliases, system_prompt=system_prompt
    )
    if format is DatasetFormat.SHAREGPT:
        return ShareGPTDatasetBuilder(renderer=renderer)
    if format is DatasetFormat.MESSAGES:
        return MessagesDatasetBuilder(renderer=renderer)
    return ChatDatasetBuilder(renderer=renderer)


_PHONE_DIGITS: Final = 7


def _masked(name: str) -> str:
    """
    Hide the middle digits of a name that is a phone number.

    Example:
        >>> _masked("+90 532 555 01 47"), _masked("Ayşe")
        ('+90 5** *** ** 47', 'Ayşe')

    """
    digits = sum(c.isdigit() for c in name)
    if digits < _PHONE_DIGITS or any(c.isalpha() for c in name):
        return name
    seen, shown = 0, []
    for char in name:
        if char.isdigit():
            seen += 1
            keep = seen <= 3 or seen > digits - 2  # noqa: PLR2004  (country code, last two)
            shown.append(char if keep else "*")
        else:
            shown.append(char)
    return "".join(shown)


def _plain(value: Any) -> Any:
    """Return *value* with enum keys and values as their values, for JSON."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def build_dataset(  # noqa: C901, PLR0912, PLR0915  (one linear recipe)
    exports: Sequence[Iterable[Message]],
    directory: str | os.PathLike[str],
    *,
    persona: str,
    format: DatasetFormat = DatasetFormat.CHAT,  # noqa: A002
    model: str | None = None,
    system_prompt: str | None = None,
    aliases: Any | None = None,
    names: NameRenderer | None = None,
    consent: Any | None = None,
    exclude: Iterable[str] = (),
    consenting: Iterable[str] = (),
    no_redact: Iterable[Any] = (),
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
) -> DatasetReport:
    """
    Build a validated dataset that clones *persona* from *exports*, and report on it.

    Privacy is on by default: *persona* must have consented (`persona_clone.Consent`),
    people in *exclude* never appear (their messages are replaced or their sessions
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

    Raises:
        ConfigError: the persona never speaks (when the persona has not
            consented, this is checked first, so a misspelt name is reported
            as such), or has not consented.
    """
    # privacy lives in its own modules, imported when a dataset is built
    from persona_clone.dataset.repetition import repeated_phrases  # noqa: PLC0415
    from persona_clone.privacy.consent import Consent  # noqa: PLC0415
    from persona_clone.privacy.identity import AliasMap, NameBook  # noqa: PLC0415
    from persona_clone.privacy.redaction import (  # noqa: PLC0415
        PrivacyReport,
        RedactionKind,
        redact_messages,
    )
    from persona_clone.privacy.speakers import require_persona, speakers_text  # noqa: PLC0415

    if model is None:
        model = LEGACY_DEFAULT_MODEL if format is DatasetFormat.LEGACY else DEFAULT_MODEL
    alias_map = aliases if aliases is not None else AliasMap()
    name_book: NameRenderer = names if names is not None else NameBook(aliases=alias_map)
    wanted = alias_map.resolve(Participant.from_name(persona))
    given = consent if consent is not None else Consent()
    consent = evolve(
        given,
        consenting=given.consenting | frozenset(consenting),
        excluded=given.excluded | frozenset(exclude),
    )
    try:
        consent.check_persona(wanted, alias_map)
    except ConfigError:
        # a persona not in the chat is told so first: no consent needed to learn it
        require_persona(exports, persona, aliases=alias_map, consent=consent)
        raise
    privacy = PrivacyReport()
    message_steps = []
    if redact:
        keep = {
            k if isinstance(k, RedactionKind) else RedactionKind(str(k).lower()) for k in no_redact
        }
        # the excluded people's names, their aliases and given names
        redactor = consent.redactor(alias_map, kinds=set(RedactionKind) - keep)
        message_steps.append(lambda messages: redact_messages(messages, redactor, privacy))
    session_steps = [lambda sessions: consent.apply(sessions, alias_map, privacy)]

    builder = make_builder(
        format,
        persona=wanted,
        names=name_book,
        aliases=alias_map,
        system_prompt=system_prompt,
        named=named,
        end_marker=end_marker,
    )
    chosen_counter = counter if counter is not None else counter_for(model)
    limit = training_limit(model)
    notes: list[str] = []
    if budget is None:
        budget = limit or UNKNOWN_MODEL_LIMIT
        if limit is None:
            notes.append(
                f"{model} has no known training limit; examples were kept under {budget:,} tokens"
            )
    if not chosen_counter.exact:
        notes.append("token counts are estimates (install the 'tiktoken' extra for exact counts)")
    pipeline = DatasetPipeline(
        builder=builder,
        sessionizer=Sessionizer(gap=gap),
        merger=Merger(),
        message_steps=message_steps,
        session_steps=session_steps,
        counter=chosen_counter,
        budget=budget,
        max_entries=max_entries,
        policy=policy,
        split=SessionSplit(validation_share=validation_share, seed=seed),
        max_repeats=max_repeats,
        reply_memory=reply_memory,
        seed=seed,
    )
    checker = LineChecker(fmt=format, model=model, counter=chosen_counter)
    paths = pipeline.write(exports, directory, checker=checker)
    stats = pipeline.stats
    if stats.persona_turns == 0:
        raise ConfigError(
            f"expected the persona {_masked(persona)!r} to speak in the input, "
            "found no message by them; "
            f"speakers: {speakers_text(stats.speakers, limit=_SPEAKERS_SHOWN)}"
        )

    problems = list(stats.problems)
    train_tokens = stats.tokens.get("train", [])
    problems.extend(
        f"{paths['train']}: {text}"
        for text in file_problems(examples=stats.examples["train"], fmt=format, model=model)
    )
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
    to_json = getattr(name_book, "to_json", None)
    if callable(to_json):
        paths["names"] = Path(directory) / NAMES_FILE
        paths["names"].write_text(str(to_json()) + "\n", encoding="utf-8")
    limit = checker.limit
    billed = sum(min(limit, t) for t in train_tokens)
    cost = None
    if format in _OPENAI_FORMATS:
        cost = estimate_cost(
            model=model,
            billed_tokens_per_epoch=billed,
            examples=stats.examples["train"],
            prices=prices if prices is not None else DEFAULT_PRICES,
        )
    phrases = tuple(
        PhraseCount(phrase=str(p.phrase), count=int(p.count), share=float(p.share))
        for p in repeated_phrases(stats.persona_sample, others=stats.others_sample, top=10)
    )
    mapping = name_book.mapping() if hasattr(name_book, "mapping") else {}
    if format is DatasetFormat.LEGACY and isinstance(builder, LegacyDatasetBuilder):
        notes.append(f"call the model with stop={builder.renderer.stop!r}")
    persona_name = (
        name_book.openai_name(wanted)
        if format is DatasetFormat.CHAT
        else name_book.display_name(wanted)
    )
    return DatasetReport(
        format=format.value,
        model=model,
        persona=persona_name,
        files={role: str(path) for role, path in paths.items()},
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
        validation_tokens=validation_stats,
        exact_tokens=chosen_counter.exact,
        cost=cost,
        problems=tuple(problems),
        privacy=_plain(converter.unstructure(privacy)),
        repeated_phrases=phrases,
        names={_masked(str(k)): str(v) for k, v in mapping.items()},
        notes=tuple(notes),
    )
