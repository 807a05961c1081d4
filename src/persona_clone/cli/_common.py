"""What the fine-tuning commands share: their dataset files, error output and plan warnings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from persona_clone.finetune.base import TuningPlan


__all__ = ["DATASET_FILE", "click_errors", "dataset_argument", "show_warnings"]

DATASET_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
"""The type of a dataset argument or option: an existing file (JSONL)."""

dataset_argument = click.argument("dataset", type=DATASET_FILE)
"""The ``DATASET`` argument of the fine-tuning commands."""


@contextmanager
def click_errors(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the errors of *kinds* raised inside into a `click.ClickException` with their text."""
    try:
        yield
    except kinds as error:
        raise click.ClickException(str(error)) from error


def show_warnings(plan: TuningPlan) -> None:
    """Show the warnings of *plan* on standard error, one line each."""
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
