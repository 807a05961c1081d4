"""The ``build`` command's curation options: rules for what people would hand-pick, and reviews."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from persona_clone.curation.decisions import ReviewState
from persona_clone.curation.rules import (
    ApplyReview,
    CapPhrases,
    DropLaughterOnly,
    MinReplyLength,
    parse_phrase_cap,
)
from persona_clone.dataset.steps import ExampleStep
from persona_clone.errors import ConfigError


__all__ = ["REVIEW_FILES", "carry_reviews", "curation_options", "curation_steps"]

F = TypeVar("F", bound=Callable[..., Any])

REVIEW_FILES = ("train.review.json", "validation.review.json")
"""The reviews ``persona-clone review`` saves beside a built dataset."""


def _phrase_cap(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Any:
    try:
        return dict(parse_phrase_cap(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from error


def curation_options(command: F) -> F:
    """Add the curation options to *command*."""
    options = [
        click.option(
            "--min-words",
            type=click.IntRange(min=1),
            default=None,
            help="Train only persona turns of at least this many words.",
        ),
        click.option(
            "--drop-laughter",
            is_flag=True,
            help="Train no persona turn that is only a laugh ('haha', 'lol 😂').",
        ),
        click.option(
            "--cap-phrase",
            "cap_phrase",
            multiple=True,
            metavar="PHRASE=N",
            callback=_phrase_cap,
            help="Train at most N persona turns holding PHRASE. Repeatable.",
        ),
        click.option(
            "--review",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Leave out the examples dropped in this review (persona-clone review).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def curation_steps(
    *,
    min_words: int | None,
    drop_laughter: bool,
    cap_phrase: dict[str, int],
    review: Path | None,
) -> list[ExampleStep]:
    """
    Return the example steps the options ask for.

    In this order, each turn counted under the first rule that rules it out:
    review decisions, laughter-only turns, short turns, phrase caps.

    Raises:
        click.ClickException: The review file cannot be read.
    """
    steps: list[ExampleStep] = []
    if review is not None:
        try:
            steps.append(ApplyReview(dropped=ReviewState.load(review).dropped()))
        except (ConfigError, OSError) as error:
            raise click.ClickException(str(error)) from error
    if drop_laughter:
        steps.append(DropLaughterOnly())
    if min_words is not None:
        steps.append(MinReplyLength(min_words=min_words))
    if cap_phrase:
        steps.append(CapPhrases(caps=cap_phrase))
    return steps


def carry_reviews(output: Path, staging: Path) -> None:
    """Copy the reviews saved beside the previous dataset in *output* into the new one."""
    for name in REVIEW_FILES:
        if (output / name).is_file():
            shutil.copy2(output / name, staging / name)
