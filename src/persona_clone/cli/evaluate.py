"""``persona-clone evaluate``: does the clone text like the person, and does it fixate?"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from persona_clone.cli._common import DATASET_FILE, click_errors, endpoint_options
from persona_clone.dataset.tokens import counter_for
from persona_clone.errors import ConfigError, ParseError
from persona_clone.evaluation.conversations import read_conversations
from persona_clone.evaluation.evaluator import Evaluator
from persona_clone.evaluation.html import render_page
from persona_clone.evaluation.report import CLONE, OTHER, PERSON, Evaluation, write_outputs


if TYPE_CHECKING:
    from persona_clone.evaluation.clone import CloneModel


__all__ = ["evaluate"]


@click.command("evaluate")
@click.argument("dataset", type=DATASET_FILE)
@click.option("--model", required=True, help="The model to evaluate, e.g. ft:gpt-4.1-mini:...:ada.")
@endpoint_options(folders="--model and --against are adapter or merged model folders")
@click.option("--against", "against", default=None, help="A second model, shown in a third column.")
@click.option(
    "--conversations",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Conversations to replay for fixation.",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Replies of the clone in each replayed conversation.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=None,
    help="The most requests to send in all (fewer replies and rounds to fit).",
)
@click.option(
    "--max-entries",
    type=click.IntRange(min=1),
    default=20,
    show_default=True,
    help="Most entries of conversation the model sees (as in serving).",
)
@click.option(
    "--temperature",
    type=click.FloatRange(min=0, max=2),
    default=None,
    help="Sampling temperature. [default: the endpoint's own]",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write evaluation.json, replies.jsonl and evaluation.html into.",
)
@click.pass_context
def evaluate(ctx: click.Context, /, **settings: Any) -> None:
    """
    Measure how well a fine-tuned clone texts like the person.

    DATASET is a chat-format JSONL that build wrote, normally the held-out
    validation.jsonl. At every place the person answered, the model gets the
    conversation exactly as serving renders it; its replies are compared with
    the person's real ones (length, casing, punctuation, emoji, laughter,
    language mix, signature phrases) and combined into style_distance (0: like
    the person, 1: nothing alike). Conversations are then replayed as a live
    group chat with the loop guard off: loop_rate is the share in which the
    clone fixated. The person's own figures are the baseline column.

    It says how many requests and about how many tokens it will send before
    sending any.

    \b
    Example:
      persona-clone build chat.zip --persona Ada --validation-share 0.1 -o out
      persona-clone evaluate out/validation.jsonl --model ft:... -o eval
    """  # noqa: D301 - click needs the \\b (backspace) marker itself
    with click_errors(ParseError, OSError):
        conversations = read_conversations(settings["dataset"])
    evaluator = Evaluator(
        conversations=conversations,
        replays=settings["conversations"],
        rounds=settings["rounds"],
        max_requests=settings["max_requests"],
        counter=counter_for(settings["model"]),
        max_entries=settings["max_entries"],
    )
    if not evaluator.targets():
        raise click.ClickException(
            f"{settings['dataset']}: expected conversations in which the persona answers "
            "someone, found none"
        )
    # the openai SDK loads here, when the evaluation runs, not when the CLI starts
    from persona_clone.cli._serving import _local_client  # noqa: PLC0415
    from persona_clone.evaluation.clone import CloneModel  # noqa: PLC0415
    from persona_clone.serving.responder import connect  # noqa: PLC0415

    obj: dict[str, Any] = ctx.obj if isinstance(ctx.obj, dict) else {}
    local = settings["backend"] == "local"
    models = [settings["model"]] + ([settings["against"]] if settings["against"] else [])
    with click_errors(ConfigError, OSError):
        base_url = settings["base_url"] or os.environ.get("OPENAI_BASE_URL") or None
        if local:
            clients = {name: _local_client(name, device=settings["device"]) for name in models}
        else:
            shared = connect(base_url=base_url, http_client=obj.get("http_client"))
            clients = dict.fromkeys(models, shared)
        plan = evaluator.plan(models=len(models))
    endpoint = "the local model on this machine" if local else base_url or "the OpenAI API"
    click.echo(f"Will send {plan.describe()} to {endpoint}.", err=True)

    def clone(name: str) -> CloneModel:
        return CloneModel(
            client=clients[name],
            model=name,
            max_entries=settings["max_entries"],
            temperature=settings["temperature"],
        )

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 10 == 0:
            click.echo(f"  {stage}: {done}/{total}", err=True)

    result = asyncio.run(
        evaluator.run(
            clone(settings["model"]),
            against=clone(settings["against"]) if settings["against"] else None,
            plan=plan,
            progress=progress,
        )
    )
    with click_errors(OSError):
        paths = write_outputs(result, settings["outdir"], page=render_page(result))
    _summary(result)
    click.echo(f"Wrote {paths['json']}, {paths['replies']} and {paths['html']}")


def _summary(result: Evaluation) -> None:
    """Print the headline figures and the metrics table."""
    click.echo(f"Model: {result.model}; replies compared: {result.replies}")
    click.echo(
        f"style_distance: {result.style_distance:.3f} (0 = like the person, 1 = nothing alike)"
    )
    click.echo(
        f"loop_rate: {result.loop_rate:.0%} of {len(result.fixation[CLONE].replays)} replays "
        f"(the person's own replies: {result.fixation[PERSON].loop_rate:.0%})"
    )
    if result.against is not None:
        click.echo(
            f"against {result.against}: style_distance {result.style_distance_of(OTHER):.3f}, "
            f"loop_rate {result.fixation[OTHER].loop_rate:.0%}"
        )
    columns = result.columns
    click.echo(f"{'metric':<20}" + "".join(f"{c:>12}" for c in columns))
    for name, values in result.metrics.items():
        cells = "".join(f"{values[c]:>12.3f}" if c in values else f"{'':>12}" for c in columns)
        click.echo(f"{name:<20}{cells}")
