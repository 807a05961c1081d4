"""``persona-clone finetune``: fine-tune a model on a dataset, resumably."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.core import ParameterSource

from persona_clone.errors import ConfigError, DatasetError, FineTuneError, PersonaCloneError
from persona_clone.finetune.base import Progress, TuningPlan, TuningResult
from persona_clone.finetune.job_records import Hyperparameters
from persona_clone.finetune.state import DEFAULT_STATE_PATH

from ._common import DATASET_FILE, click_errors, dataset_argument, show_warnings
from ._output import redacted_problems


if TYPE_CHECKING:
    from persona_clone.finetune.openai_backend import OpenAIFineTuner


__all__ = ["finetune", "make_tuner"]

EXIT_INTERRUPTED = 130


def make_tuner(ctx: click.Context, **options: Any) -> OpenAIFineTuner:
    """
    Build the tuner from the environment, as the ``openai`` SDK would.

    ``ctx.obj["finetune"]``, when present, holds extra `OpenAIFineTuner` arguments
    (a program embedding the CLI can pass its own validator, clock or sleep).
    """
    from persona_clone.finetune.openai_backend import OpenAIFineTuner  # noqa: PLC0415 (SDK)

    extra = dict((ctx.obj or {}).get("finetune", {})) if isinstance(ctx.obj, dict) else {}
    with click_errors(ConfigError):
        return OpenAIFineTuner.from_env(**{**options, **extra})


class StatusLine:
    """Shows progress on standard error: a live line on a terminal, else a line each."""

    def __init__(self, *, live: bool | None = None) -> None:
        self.live = sys.stderr.isatty() if live is None else live
        self.width = 0

    def __call__(self, progress: Progress) -> None:
        """Show *progress*."""
        text = f"[{progress.status.value}] {progress.message}"
        if progress.step is not None and progress.total_steps:
            text += f" ({100 * progress.step // progress.total_steps}%)"
        if self.live:
            padding = " " * max(0, self.width - len(text))
            click.echo(f"\r{text}{padding}", nl=False, err=True)
            self.width = len(text)
        else:
            click.echo(text, err=True)

    def close(self) -> None:
        """End the live line."""
        if self.live and self.width:
            click.echo("", err=True)
            self.width = 0


def _usd(amount: float | None) -> str:
    if amount is None:
        return "unknown"
    return f"${amount:.2f}" if amount >= 0.01 else f"${amount:.4f}"  # noqa: PLR2004


def _show_plan(plan: TuningPlan) -> None:
    cost = _usd(plan.estimated_cost_usd)
    tokens = "" if plan.exact_tokens else " (estimated)"
    click.echo(
        f"{plan.training_file}: {plan.examples} examples, {plan.trained_tokens} tokens "
        f"per epoch{tokens}, {plan.epochs} epochs on {plan.model}, cost {cost}",
        err=True,
    )
    show_warnings(plan)


def _check_cost(tuner: OpenAIFineTuner, plan: TuningPlan, *, yes: bool) -> bool:
    """Return whether the run may start (asking on a terminal when over the limit)."""
    try:
        tuner.check_cost(plan, confirm=yes)
    except FineTuneError as error:
        if sys.stdin.isatty() and click.confirm(f"{error.message}. Start anyway?"):
            return True
        raise click.ClickException(f"{error.message} (pass --yes)") from error
    return True


def _report(result: TuningResult) -> None:
    if result.succeeded:
        click.echo(f"job {result.job_id} succeeded", err=True)
        click.echo(result.model)
        return
    detail = f"{result.error_message} ({result.error_code})" if result.error_code else ""
    raise click.ClickException(
        f"job {result.job_id} {result.status.value}" + (f": {detail}" if detail else "")
    )


_OPENAI_ONLY = (
    "suffix",
    "max_cost",
    "yes",
    "state_path",
    "poll_interval",
    "learning_rate_multiplier",
)
"""Options that mean something only to the OpenAI backend."""


def _given(ctx: click.Context, name: str) -> bool:
    source = ctx.get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def _check_backend_options(ctx: click.Context, backend: str, output: Path | None) -> None:
    """Refuse options that the chosen backend would silently ignore."""
    if backend == "lora":
        given = [name for name in _OPENAI_ONLY if _given(ctx, name)]
        if given:
            flags = ", ".join("--" + name.removesuffix("_path").replace("_", "-") for name in given)
            raise click.UsageError(f"{flags}: OpenAI backend only, not --backend lora")
    elif output is not None:
        raise click.UsageError("-o/--output is for --backend lora (the adapter's folder)")


def _finetune_lora(
    *,
    dataset: Path,
    model: str,
    output: Path,
    validation: Path | None,
    epochs: int | None,
    batch_size: int | None,
    seed: int | None,
    dry_run: bool,
) -> None:
    """Run the local LoRA backend with its default settings and these overrides."""
    # imports neither torch nor transformers: those load when training starts
    from persona_clone.finetune.lora import LoraFineTuner, LoraSettings  # noqa: PLC0415

    from .finetune_local import run_local  # noqa: PLC0415

    overrides: dict[str, Any] = {"epochs": epochs, "batch_size": batch_size, "seed": seed}
    with click_errors(PersonaCloneError):
        settings = LoraSettings(**{k: v for k, v in overrides.items() if v is not None})
        tuner = LoraFineTuner(model=model, output_dir=output, settings=settings)
    run_local(tuner, dataset, validation=validation, dry_run=dry_run)


@click.command(
    "finetune",
    epilog=(
        "\b\nExamples:\n"
        "  persona-clone finetune out/train.jsonl --model gpt-4.1-mini-2025-04-14\n"
        "  persona-clone finetune out/train.jsonl --backend lora \\\n"
        "      --model Qwen/Qwen2.5-0.5B-Instruct -o adapter/"
    ),
)
@dataset_argument
@click.option(
    "--model",
    required=True,
    metavar="MODEL",
    help="Base model: e.g. gpt-4.1-mini-2025-04-14; with --backend lora a "
    "Hugging Face hub id or a local folder.",
)
@click.option(
    "--backend",
    type=click.Choice(["openai", "lora"]),
    default="openai",
    show_default=True,
    help="openai: the OpenAI API (or a compatible one); lora: train a LoRA adapter "
    "on this machine (needs PyTorch and the lora extra; finetune-local has every "
    "LoRA option).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="--backend lora: the folder for the adapter.",
)
@click.option(
    "--validation",
    type=DATASET_FILE,
    help="Validation dataset (JSONL).",
)
@click.option("--suffix", metavar="S", help="Up to 64 characters in the fine-tuned model's name.")
@click.option(
    "--max-cost",
    type=click.FloatRange(min=0),
    metavar="USD",
    help="Refuse runs estimated above this many US dollars.",
)
@click.option("--yes", is_flag=True, help="Start even above --max-cost.")
@click.option("--dry-run", is_flag=True, help="Validate and estimate only.")
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=10.0,
    show_default=True,
    help="Seconds between status checks (grows while nothing changes).",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    default=DEFAULT_STATE_PATH,
    show_default=True,
    help="State file that makes the run resumable.",
)
@click.option("--epochs", type=click.IntRange(1, 50), metavar="N", help="Epochs (default: auto).")
@click.option(
    "--batch-size",
    type=click.IntRange(1, 256),
    metavar="N",
    help="Batch size (default: auto).",
)
@click.option(
    "--learning-rate-multiplier",
    type=click.FloatRange(min=0, min_open=True),
    metavar="X",
    help="Learning-rate multiplier (default: auto).",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2_147_483_647),
    metavar="N",
    help="Seed for a repeatable job.",
)
@click.pass_context
def finetune(
    ctx: click.Context,
    *,
    dataset: Path,
    model: str,
    backend: str,
    output: Path | None,
    validation: Path | None,
    suffix: str | None,
    max_cost: float | None,
    yes: bool,
    dry_run: bool,
    poll_interval: float,
    state_path: Path,
    epochs: int | None,
    batch_size: int | None,
    learning_rate_multiplier: float | None,
    seed: int | None,
) -> None:
    """
    Fine-tune MODEL on DATASET through the OpenAI API (or a compatible one).

    The client is configured like the openai SDK: OPENAI_API_KEY, OPENAI_BASE_URL.
    Running the same command again after a crash or Ctrl-C resumes the recorded
    job: nothing is uploaded or paid twice. On success the fine-tuned model id is
    the last line of standard output.

    With --backend lora it trains a LoRA adapter on this machine instead (DATASET
    in the chat or messages format) and prints the adapter's folder last;
    --epochs, --batch-size, --seed, --validation and --dry-run apply.
    """
    _check_backend_options(ctx, backend, output)
    if backend == "lora":
        if output is None:
            raise click.UsageError("--backend lora needs -o/--output (the adapter's folder)")
        _finetune_lora(
            dataset=dataset,
            model=model,
            output=output,
            validation=validation,
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            dry_run=dry_run,
        )
        return
    hyper = Hyperparameters(
        n_epochs=epochs if epochs is not None else "auto",
        batch_size=batch_size if batch_size is not None else "auto",
        learning_rate_multiplier=(
            learning_rate_multiplier if learning_rate_multiplier is not None else "auto"
        ),
    )
    tuner = make_tuner(
        ctx,
        key_required=not dry_run,
        model=model,
        suffix=suffix,
        seed=seed,
        hyperparameters=hyper,
        state_path=state_path,
        max_cost_usd=max_cost,
        poll_interval=poll_interval,
        max_poll_interval=max(poll_interval, 120.0) if poll_interval else 0.0,
    )
    try:
        plan = tuner.prepare(dataset, validation_file=validation)
    except DatasetError as error:
        files = [dataset] if validation is None else [dataset, validation]
        shown = str(DatasetError(redacted_problems(error.problems, files)))
        raise click.ClickException(f"the dataset would be rejected:\n{shown}") from error
    except KeyboardInterrupt:
        click.echo("\ninterrupted while checking the dataset; nothing was uploaded", err=True)
        ctx.exit(EXIT_INTERRUPTED)
    _show_plan(plan)
    if dry_run:
        return
    with click_errors(ConfigError):
        recorded = tuner.recorded_job(plan)
    if recorded is None:
        _check_cost(tuner, plan, yes=yes)
    else:
        click.echo(f"resuming job {recorded} from {state_path}", err=True)
    status = StatusLine()
    job_id = recorded
    try:
        job_id = tuner.start(plan, confirm=True)
        if recorded is None:
            verb = "resuming" if tuner.resumed else "started"
            click.echo(f"{verb} job {job_id} (state in {state_path})", err=True)
        result = tuner.follow(job_id, on_progress=status)
    except KeyboardInterrupt:
        status.close()
        where = f"job {job_id}" if job_id else "the run"
        click.echo(
            f"interrupted; {where} goes on. Run the same command again to resume.",
            err=True,
        )
        ctx.exit(EXIT_INTERRUPTED)
    except (FineTuneError, ConfigError) as error:
        status.close()
        raise click.ClickException(str(error)) from error
    status.close()
    _report(result)
