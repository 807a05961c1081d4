"""`DatasetReport`: what a dataset build produced, as JSON and as text."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import evolve, field, frozen

from persona_clone._serialization import converter
from persona_clone.dataset.cost import CostEstimate


__all__ = [
    "DatasetReport",
    "PhraseCount",
    "TokenStats",
    "mask_report",
    "report_json",
    "report_text",
]


def _dict(value: Mapping[str, Any]) -> dict[str, Any]:
    return dict(value)


@frozen(kw_only=True)
class TokenStats:
    """
    The distribution of tokens per example.

    Args:
        examples: How many examples.
        total: Their tokens summed.
        minimum: The smallest example.
        median: The median example.
        p95: The 95th percentile (nearest rank).
        maximum: The largest example.
    """

    examples: int = 0
    total: int = 0
    minimum: int = 0
    median: int = 0
    p95: int = 0
    maximum: int = 0

    @classmethod
    def of(cls, values: Sequence[int]) -> TokenStats:
        """
        Return the statistics of *values*.

        Example:
            >>> TokenStats.of([5, 1, 3, 2, 4]).median
            3

        """
        if not values:
            return cls()
        ordered = sorted(values)
        size = len(ordered)

        return cls(
            examples=size,
            total=sum(ordered),
            minimum=ordered[0],
            median=ordered[(size - 1) // 2],
            p95=ordered[max(0, math.ceil(0.95 * size) - 1)],
            maximum=ordered[-1],
        )


@frozen(kw_only=True)
class PhraseCount:
    """
    A phrase over-represented in the persona's turns.

    Args:
        phrase: The phrase.
        count: How many of the sampled persona turns contain it.
        share: *count* over the sampled persona turns.
    """

    phrase: str
    count: int
    share: float


@frozen(kw_only=True)
class DatasetReport:
    """
    What a dataset build produced and left out.

    Args:
        format: The dataset format written.
        model: The model budgets and costs were computed for.
        persona: The persona, as the dataset names it.
        files: The files written, by role (``train``, ``validation``, ...).
        examples: Lines written per split.
        sessions: Sessions read.
        sessions_used: Sessions that gave at least one example.
        skipped_sessions: Sessions that gave none, by reason.
        skipped_turns: Persona turns not trained, by reason (over the token
            budget alone, near-duplicates over the cap).
        skipped_turn_locations: Where the first over-budget turns came from.
        dropped_messages: Messages never rendered, by reason (system, deleted, ...).
        messages: Messages read (after consent and redaction).
        persona_messages: Of those, the persona's.
        persona_turns: The persona's turns in the sessions used.
        turns: All turns in the sessions used.
        trained_turns: Persona turns trained (each at most once).
        quoted_turns: Turns brought in from earlier sessions as the message a
            reply answers.
        budget: The per-example token budget.
        tokens: Tokens per training example, as the validator counts them.
        validation_tokens: The same for the validation file.
        exact_tokens: Whether token counts are exact or estimates.
        cost: The estimated training cost, if the model has a price.
        problems: Problems the validator found in the files written.
        privacy: What consent and redaction did (the privacy report, as data).
        repeated_phrases: Phrases over-represented in the persona's turns.
        names: How each participant's name appears in the dataset (names that
            are phone numbers shown with their middle digits masked).
        notes: Anything else the user should know.
    """

    format: str
    model: str
    persona: str
    files: dict[str, str] = field(factory=dict, converter=_dict)
    examples: dict[str, int] = field(factory=dict, converter=_dict)
    sessions: int = 0
    sessions_used: int = 0
    skipped_sessions: dict[str, int] = field(factory=dict, converter=_dict)
    skipped_turns: dict[str, int] = field(factory=dict, converter=_dict)
    skipped_turn_locations: tuple[str, ...] = ()
    dropped_messages: dict[str, int] = field(factory=dict, converter=_dict)
    messages: int = 0
    persona_messages: int = 0
    persona_turns: int = 0
    turns: int = 0
    trained_turns: int = 0
    quoted_turns: int = 0
    budget: int = 0
    tokens: TokenStats = TokenStats()
    validation_tokens: TokenStats = TokenStats()
    exact_tokens: bool = False
    cost: CostEstimate | None = None
    problems: tuple[str, ...] = ()
    privacy: dict[str, Any] = field(factory=dict, converter=_dict)
    repeated_phrases: tuple[PhraseCount, ...] = ()
    names: dict[str, str] = field(factory=dict, converter=_dict)
    notes: tuple[str, ...] = ()

    @property
    def persona_share(self) -> float:
        """The persona's share of the turns in the sessions used."""
        return self.persona_turns / self.turns if self.turns else 0.0

    @property
    def ok(self) -> bool:
        """Whether the files written would be accepted."""
        return not self.problems


def mask_report(
    report: DatasetReport,
    redact: Callable[[str], str],
    *,
    paths: Callable[[str], str] = str,
) -> DatasetReport:
    """
    Return *report* with every text that may quote the input passed through *redact*.

    Problems, notes, over-budget locations, repeated phrases, the persona and
    the names go through *redact* (give it the build's redactor, so the report
    hides what the dataset hides); the file paths go through *paths* only
    (for example to name the final folder instead of a staging folder), and
    so does every path the other texts mention.

    Example:
        >>> report = DatasetReport(format="chat", model="m", persona="Ada",
        ...                        notes=("call +90 532 123 45 67",))
        >>> mask_report(report, lambda text: text.replace("+90 532 123 45 67", "<PHONE>")).notes
        ('call <PHONE>',)

    """

    def text(value: str) -> str:
        return redact(paths(value))

    return evolve(
        report,
        persona=text(report.persona),
        files={role: paths(path) for role, path in report.files.items()},
        skipped_turn_locations=tuple(map(text, report.skipped_turn_locations)),
        problems=tuple(map(text, report.problems)),
        repeated_phrases=tuple(
            evolve(phrase, phrase=text(phrase.phrase)) for phrase in report.repeated_phrases
        ),
        names={text(original): text(name) for original, name in report.names.items()},
        notes=tuple(map(text, report.notes)),
    )


def report_json(report: DatasetReport) -> dict[str, Any]:
    """Return *report* as JSON-ready data (dates as ISO strings)."""
    data: dict[str, Any] = converter.unstructure(report)
    data["persona_share"] = round(report.persona_share, 4)
    if report.cost is not None:
        data["cost"]["prices_checked"] = report.cost.prices_checked.isoformat()
    plain: dict[str, Any] = json.loads(json.dumps(data, ensure_ascii=False, default=str))
    return plain


def _counts(counts: Mapping[str, int]) -> str:
    shown = [f"{reason}: {n:,}" for reason, n in sorted(counts.items(), key=lambda kv: -kv[1]) if n]
    return ", ".join(shown) if shown else "none"


def report_text(report: DatasetReport) -> str:
    """Return *report* as a short text for people."""
    estimate = "exact" if report.exact_tokens else "estimated"
    lines = [
        f"Dataset: {report.format} for {report.model}, persona {report.persona}",
        "Files: " + ", ".join(f"{role} {name}" for role, name in report.files.items()),
        "Examples: " + ", ".join(f"{split} {n:,}" for split, n in report.examples.items()),
        (
            f"Sessions: {report.sessions:,} read, {report.sessions_used:,} used; "
            f"skipped: {_counts(report.skipped_sessions)}"
        ),
        (
            f"Messages: {report.messages:,} read, "
            f"{report.persona_messages:,} by the persona; "
            f"not rendered: {_counts(report.dropped_messages)}"
        ),
        (
            f"Persona share: {report.persona_share:.1%} of {report.turns:,} turns "
            f"({report.trained_turns:,} trained, "
            f"{report.quoted_turns:,} quoted replies brought in)"
        ),
        f"Persona turns not trained: {_counts(report.skipped_turns)}",
    ]
    lines.extend(f"  over budget: {where}" for where in report.skipped_turn_locations)
    t = report.tokens
    lines.append(
        f"Tokens per example ({estimate}, budget {report.budget:,}): "
        f"min {t.minimum:,}, "
        f"median {t.median:,}, p95 {t.p95:,}, max {t.maximum:,}; total {t.total:,}"
    )
    if report.cost is not None:
        usd = "no price known" if report.cost.usd is None else f"about ${report.cost.usd:,.2f}"
        lines.append(
            f"Estimated cost: {usd} ({report.cost.epochs} epochs x "
            f"{report.cost.billed_tokens // max(report.cost.epochs, 1):,} tokens; "
            f"prices checked {report.cost.prices_checked.isoformat()})"
        )
    lines.append(
        "Privacy: " + (_privacy_text(report.privacy) or "no redaction or consent step ran")
    )
    if report.repeated_phrases:
        lines.append("Repeated phrases in the persona's turns:")
        lines.extend(
            f"  {p.phrase!r}: {p.count:,} ({p.share:.1%})" for p in report.repeated_phrases
        )
    if report.names:
        lines.append("Names: " + ", ".join(f"{a} -> {b}" for a, b in report.names.items()))
    lines.extend(f"Note: {note}" for note in report.notes)
    if report.problems:
        lines.append(f"Problems ({len(report.problems)}):")
        lines.extend(f"  {p}" for p in report.problems[:20])
    else:
        lines.append("Validation: accepted")
    return "\n".join(lines) + "\n"


def _privacy_text(privacy: Mapping[str, Any]) -> str:
    parts = []
    for key, value in privacy.items():
        if isinstance(value, Mapping):
            parts.append(f"{key}: {_counts({str(k): int(v) for k, v in value.items()})}")
        else:
            parts.append(f"{key}: {value}")
    return "; ".join(parts)
