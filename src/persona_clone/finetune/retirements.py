"""
When OpenAI stops fine-tuning or serving a base model: a table and its warnings.

The dates change; the table says when it was checked. `retirement_warnings`
turns it into the warnings `OpenAIFineTuner.prepare` puts in its plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from attrs import frozen


__all__ = [
    "CHECKED",
    "FINE_TUNING_RETIREMENTS",
    "SELF_SERVE_END",
    "Retirement",
    "retirement_warnings",
]

CHECKED = dt.date(2026, 11, 26)
"""When the dates below were last checked against OpenAI's announcements."""

SELF_SERVE_END = dt.date(2027, 1, 6)
"""OpenAI stops accepting new self-serve fine-tuning jobs (every model) on this day."""

NEAR = dt.timedelta(days=90)
"""How long before a date the warnings start."""


@frozen(kw_only=True)
class Retirement:
    """
    A base model and the day OpenAI retires it.

    Args:
        prefix: Matches the model name and its dated snapshots (``gpt-4o-mini``
            matches ``gpt-4o-mini-2024-07-18``); ``ft:`` models match their base.
        shutdown: The day it is retired.
        note: What happens then.
    """

    prefix: str
    shutdown: dt.date
    note: str


def _snapshots(prefix: str, family: str, shutdown: dt.date) -> Retirement:
    """Return the retirement of every snapshot of a model *family* named by *prefix*."""
    return Retirement(
        prefix=prefix,
        shutdown=shutdown,
        note=f"{family} snapshots (and models fine-tuned from them) are retired",
    )


FINE_TUNING_RETIREMENTS: Sequence[Retirement] = (
    _snapshots("gpt-4o-mini", "GPT-4o mini", dt.date(2027, 1, 14)),
    _snapshots("gpt-4o", "GPT-4o", dt.date(2027, 1, 14)),
    _snapshots("gpt-4.1-mini", "GPT-4.1 mini", dt.date(2027, 1, 14)),
    _snapshots("gpt-4.1", "GPT-4.1", dt.date(2027, 1, 14)),
)
"""Announced retirements, most specific prefix first (checked on `CHECKED`)."""


def _base(model: str) -> str:
    """Return the base of ``ft:<base>:<org>:<suffix>:<id>`` names, else *model*."""
    if model.startswith("ft:"):
        parts = model.split(":")
        return parts[1] if len(parts) > 1 else model
    return model


def _matches(model: str, prefix: str) -> bool:
    if model == prefix:
        return True
    if not model.startswith(prefix + "-"):
        return False
    rest = model[len(prefix) + 1 :]
    return rest[:1].isdigit() and rest[:4].isdigit()  # a dated snapshot, not gpt-4o-mini vs gpt-4o


def retirement_warnings(model: str, today: dt.date) -> tuple[str, ...]:
    """
    Return warnings about *model* that a user should read before paying.

    Args:
        model: The base model (or an ``ft:`` model to continue training).
        today: The current date (from the caller's clock).

    Returns:
        One sentence per date that has passed or is within `NEAR` of *today*.
    """
    warnings: list[str] = []
    checked = f"(dates checked {CHECKED.isoformat()})"
    if today >= SELF_SERVE_END:
        warnings.append(
            "OpenAI stopped new self-serve fine-tuning jobs on "
            f"{SELF_SERVE_END.isoformat()}; "
            f"this job will probably be refused {checked}"
        )
    elif SELF_SERVE_END - today <= NEAR:
        days = (SELF_SERVE_END - today).days
        warnings.append(
            "OpenAI stops new self-serve fine-tuning jobs on "
            f"{SELF_SERVE_END.isoformat()} "
            f"({days} days from now); consider the local LoRA backend {checked}"
        )
    base = _base(model)
    for retirement in FINE_TUNING_RETIREMENTS:
        if not _matches(base, retirement.prefix):
            continue
        when = retirement.shutdown.isoformat()
        if today >= retirement.shutdown:
            warnings.append(f"{base}: {retirement.note} since {when} {checked}")
        elif retirement.shutdown - today <= NEAR:
            days = (retirement.shutdown - today).days
            warnings.append(
                f"{base}: {retirement.note} on {when} ({days} days from now); "
                f"a model trained now stops working then {checked}"
            )
        break
    return tuple(warnings)
