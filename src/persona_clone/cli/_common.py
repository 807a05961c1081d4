"""What the fine-tuning commands share: their dataset files, error output and plan warnings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from persona_clone.finetune.base import TuningPlan


__all__ = [
    "DATASET_FILE",
    "click_errors",
    "dataset_argument",
    "endpoint_options",
    "show_warnings",
]

F = TypeVar("F", bound=Callable[..., Any])

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


def endpoint_options(*, folders: str) -> Callable[[F], F]:
    """
    The ``--backend``, ``--device`` and ``--base-url`` options of the commands that ask a model.

    Args:
        folders: What ``--backend local`` takes as models, for the help text.
    """
    options = [
        click.option(
            "--backend",
            type=click.Choice(["api", "local"]),
            default="api",
            show_default=True,
            help="api: an OpenAI-compatible endpoint; local: generate on this machine "
            f"with transformers ({folders}; lora extra).",
        ),
        click.option(
            "--device",
            default="auto",
            show_default=True,
            help="--backend local: auto, cpu, cuda or mps.",
        ),
        click.option(
            "--base-url",
            default=None,
            help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp); "
            "default: OPENAI_BASE_URL, else OpenAI.",
        ),
    ]

    def add(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return add
