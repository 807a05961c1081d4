"""``persona-clone validate``: would the fine-tuning service accept this file?"""

from __future__ import annotations

from pathlib import Path

import click

from persona_clone.dataset import DatasetFormat, validate_file
from persona_clone.dataset.cost import estimate_cost
from persona_clone.dataset.report import TokenStats

from ._exports import one_line_errors
from ._output import redacted_problems


__all__ = ["validate"]


@click.command(
    epilog=(
        "\b\nExamples:\n  persona-clone validate out/train.jsonl\n"
        "  persona-clone validate data.jsonl --format legacy --model davinci-002"
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "format_",
    type=click.Choice([f.value for f in DatasetFormat]),
    help="The file's format. [default: detected from the first line]",
)
@click.option(
    "--model",
    metavar="MODEL",
    help="The model the file is for: its token limit applies. "
    "[default: gpt-4o-mini-2024-07-18; davinci-002 for legacy]",
)
@click.option(
    "--min-examples",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Fewest examples accepted (use 1 for a validation file).",
)
@one_line_errors
def validate(file: Path, format_: str | None, model: str | None, min_examples: int) -> None:
    """
    Check FILE as the fine-tuning service would, before uploading it.

    Works on any JSONL file, whoever wrote it. Prints a summary and exits 0
    when the file would be accepted; otherwise prints every problem as
    FILE:LINE: problem (personal data in what it quotes redacted, a line that
    is not JSON not quoted at all), how many examples are valid, and exits 1.
    """
    result = validate_file(
        file,
        format=DatasetFormat(format_) if format_ else None,
        model=model,
        min_examples=min_examples,
    )
    if not result.ok:
        for problem in redacted_problems(result.problems, [file]):
            click.echo(problem)
        raise click.ClickException(
            f"{file}: {len(result.problems):,} problem(s), "
            f"{result.valid_examples:,} valid example(s) of {result.examples:,}; "
            "the service would reject it"
        )
    stats = TokenStats.of(result.tokens_per_example)
    kind = "exact" if result.exact_tokens else "estimated"
    fmt = result.format.value if result.format else "?"
    click.echo(f"{file}: accepted ({fmt} format, {result.examples:,} examples for {result.model})")
    click.echo(
        f"tokens per example ({kind}): min {stats.minimum:,}, median {stats.median:,}, "
        f"p95 {stats.p95:,}, max {stats.maximum:,}; "
        f"{result.billed_tokens:,} billed per epoch"
    )
    if result.format in (DatasetFormat.CHAT, DatasetFormat.LEGACY):
        cost = estimate_cost(
            model=result.model,
            billed_tokens_per_epoch=result.billed_tokens,
            examples=result.examples,
        )
        usd = "no price known" if cost.usd is None else f"about ${cost.usd:,.2f}"
        click.echo(
            f"training cost: {usd} for {cost.epochs} epochs (prices checked {cost.prices_checked})"
        )
