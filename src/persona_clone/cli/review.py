"""``persona-clone review``: hand-pick the training examples, one at a time."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from persona_clone._jsonl import dumps_line
from persona_clone.cli._common import DATASET_FILE, click_errors
from persona_clone.curation.decisions import (
    Decision,
    ReviewState,
    example_key,
    kept,
    read_examples,
    review_path,
)
from persona_clone.curation.flags import flag_examples
from persona_clone.curation.review_app import Review
from persona_clone.errors import ConfigError, ParseError


__all__ = ["review"]


@click.command("review")
@click.argument("dataset", type=DATASET_FILE)
@click.option(
    "--decisions",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where the decisions are kept. [default: beside DATASET, NAME.review.json]",
)
@click.option("--apply", "apply_", is_flag=True, help="Write the examples not dropped to -o.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --apply: the curated dataset to write.",
)
def review(dataset: Path, decisions: Path | None, apply_: bool, output: Path | None) -> None:  # noqa: FBT001
    """
    Hand-pick the examples a clone is trained on.

    Shows one example at a time, the persona's turns marked with what the
    build report would flag (laughter only, very short, an over-used phrase, a
    near-duplicate). Keys: k keep, d drop, u undo, q save and quit. Every
    decision is saved at once beside DATASET (NAME.review.json) and the review
    resumes there next time. Decisions are keyed by each example's content, so
    `build --review FILE` applies them again to a rebuilt dataset.

    \b
    Examples:
      persona-clone review out/train.jsonl
      persona-clone review out/train.jsonl --apply -o curated.jsonl
    """  # noqa: D301 - click needs the \\b (backspace) marker itself
    path = decisions or review_path(dataset)
    with click_errors(ParseError, ConfigError, OSError):
        examples = read_examples(dataset)
        state = ReviewState.load(path)
    if apply_:
        if output is None:
            raise click.UsageError("--apply needs -o CURATED.jsonl")
        _apply(examples, state, output)
        return
    if output is not None:
        raise click.UsageError("-o is for --apply")
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise click.ClickException(
            "review is interactive: run it in a terminal (or write the result with --apply -o FILE)"
        )
    screen = Review(
        examples=examples,
        flags=flag_examples(examples),
        state=state,
        save=lambda: state.save(path),
        title=dataset.name,
    )
    try:
        screen.run()
    except ImportError as error:
        raise click.ClickException(str(error)) from error
    _summary(examples, state, path)


def _summary(examples: list[dict[str, Any]], state: ReviewState, path: Path) -> None:
    keys = [example_key(example) for example in examples]
    dropped = sum(1 for key in keys if state.decisions.get(key) is Decision.DROP)
    left = sum(1 for key in keys if key not in state.decisions)
    click.echo(
        f"Saved the review to {path}: kept {len(keys) - dropped - left}, dropped {dropped}, "
        f"not reviewed {left}"
    )


def _apply(examples: list[dict[str, Any]], state: ReviewState, output: Path) -> None:
    dropped = state.dropped()
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
    written = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            for example in kept(examples, dropped):
                file.write(dumps_line(example))
                written += 1
        Path(temporary).replace(output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    undecided = sum(1 for e in examples if example_key(e) not in state.decisions)
    click.echo(
        f"Wrote {written} of {len(examples)} examples to {output} "
        f"({len(examples) - written} dropped, {undecided} not reviewed and kept)"
    )
