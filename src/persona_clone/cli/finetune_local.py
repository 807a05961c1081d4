"""``persona-clone finetune-local``: train a LoRA adapter on this machine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from persona_clone.errors import PersonaCloneError
from persona_clone.finetune.base import Progress
from persona_clone.finetune.lora import LoraFineTuner, LoraSettings, Precision
from persona_clone.finetune.lora_data import NameStyle
from persona_clone.finetune.lora_summary import SUMMARY_FILE, TrainingSummary
from persona_clone.finetune.lora_training import is_main_process

from ._common import DATASET_FILE, click_errors, dataset_argument, show_warnings


__all__ = ["finetune_local", "run_local"]


@click.command("finetune-local")
@dataset_argument
@click.option(
    "--model",
    required=True,
    help="Base model: a Hugging Face hub id or a local folder.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the adapter.",
)
@click.option(
    "--validation",
    type=DATASET_FILE,
    help="Validation dataset: its loss is shown before training and after each epoch.",
)
@click.option("--epochs", default=3, show_default=True, help="Passes over the data.")
@click.option("--learning-rate", default=2e-4, show_default=True, help="Peak rate.")
@click.option("--batch-size", default=4, show_default=True, help="Examples per pass.")
@click.option("--gradient-accumulation", default=1, show_default=True, help="Passes per step.")
@click.option("--max-length", default=1024, show_default=True, help="Tokens kept.")
@click.option("--rank", default=16, show_default=True, help="LoRA rank r.")
@click.option("--alpha", default=32.0, show_default=True, help="LoRA alpha.")
@click.option("--dropout", default=0.05, show_default=True, help="LoRA dropout.")
@click.option(
    "--target-module",
    "target_modules",
    multiple=True,
    help="A layer name to adapt (repeat); default: every linear layer but the head.",
)
@click.option("--seed", default=0, show_default=True, help="Seeds init and order.")
@click.option(
    "--device",
    default="auto",
    show_default=True,
    help="auto, cpu, cuda, cuda:N or mps.",
)
@click.option(
    "--precision",
    type=click.Choice([p.value for p in Precision]),
    default="auto",
    show_default=True,
    help="The base model's dtype.",
)
@click.option("--gradient-checkpointing", is_flag=True, help="Save memory, spend compute.")
@click.option(
    "--load-in-4bit",
    is_flag=True,
    help="QLoRA: load the base model in 4 bits (bitsandbytes; needs a CUDA GPU).",
)
@click.option(
    "--save-steps",
    type=click.IntRange(min=1),
    default=None,
    help="Save a checkpoint every N steps (default: after every epoch).",
)
@click.option(
    "--save-total-limit",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Checkpoints kept.",
)
@click.option(
    "--report-to",
    multiple=True,
    help="Also log to tensorboard, wandb, ... (repeat; as transformers names them).",
)
@click.option("--resume", is_flag=True, help="Go on from the last checkpoint in the folder.")
@click.option(
    "--merge",
    is_flag=True,
    help="Also write the base model with the adapter merged in, to OUTPUT/merged.",
)
@click.option(
    "--names",
    type=click.Choice([n.value for n in NameStyle]),
    default="template",
    show_default=True,
    help="Give speakers' names to the chat template, or write them into the text.",
)
@click.option("--trust-remote-code", is_flag=True, help="Run the model's own code.")
@click.option("--overwrite", is_flag=True, help="Replace an adapter in the folder.")
@click.option("--dry-run", is_flag=True, help="Check and count only; do not train.")
def finetune_local(  # noqa: PLR0917 -- click passes one argument per option
    dataset: Path,
    model: str,
    output: Path,
    validation: Path | None,
    epochs: int,
    learning_rate: float,
    batch_size: int,
    gradient_accumulation: int,
    max_length: int,
    rank: int,
    alpha: float,
    dropout: float,
    target_modules: tuple[str, ...],
    seed: int,
    device: str,
    precision: str,
    gradient_checkpointing: bool,  # noqa: FBT001 -- click passes flags positionally
    load_in_4bit: bool,  # noqa: FBT001
    save_steps: int | None,
    save_total_limit: int,
    report_to: tuple[str, ...],
    resume: bool,  # noqa: FBT001
    merge: bool,  # noqa: FBT001
    names: str,
    trust_remote_code: bool,  # noqa: FBT001
    overwrite: bool,  # noqa: FBT001
    dry_run: bool,  # noqa: FBT001
) -> None:
    """
    Train a LoRA adapter for MODEL on DATASET (a messages JSONL file) on this machine.

    Trains with TRL's SFTTrainer; run it under `accelerate launch -m persona_clone
    finetune-local ...` to train on several GPUs. Checkpoints go to
    OUTPUT/checkpoints (--resume goes on from the last), the summary to
    OUTPUT/training.json. Needs PyTorch and the lora extra. Prints the adapter's
    folder as the last line.
    """
    with click_errors(PersonaCloneError):
        settings = LoraSettings(
            rank=rank,
            alpha=alpha,
            dropout=dropout,
            target_modules=target_modules or None,
            epochs=epochs,
            learning_rate=learning_rate,
            batch_size=batch_size,
            gradient_accumulation=gradient_accumulation,
            max_length=max_length,
            seed=seed,
            device=device,
            precision=Precision(precision),
            gradient_checkpointing=gradient_checkpointing,
            load_in_4bit=load_in_4bit,
            save_steps=save_steps,
            save_total_limit=save_total_limit,
            report_to=report_to,
            names=NameStyle(names),
            trust_remote_code=trust_remote_code,
        )
        tuner = LoraFineTuner(
            model=model,
            output_dir=output,
            settings=settings,
            overwrite=overwrite,
            resume=resume,
            merge=merge,
        )
    run_local(tuner, dataset, validation=validation, dry_run=dry_run)


def run_local(
    tuner: LoraFineTuner, dataset: Path, *, validation: Path | None, dry_run: bool
) -> None:
    """
    Check *dataset*, then (unless *dry_run*) train and print the adapter's folder last.

    What ``finetune-local`` and ``finetune --backend lora`` share. Under
    ``accelerate launch`` only the first process reports and prints.

    Raises:
        click.ClickException: The dataset, the model or the training failed.
    """
    main = is_main_process()
    _quiet_libraries()
    with click_errors(PersonaCloneError):
        plan = tuner.prepare(dataset, validation_file=validation)
        if main:
            click.echo(
                f"{plan.examples} examples, {plan.trained_tokens} tokens per epoch, "
                f"{plan.epochs} epochs",
                err=True,
            )
            show_warnings(plan)
        if dry_run:
            return
        job_id = tuner.start(plan)
        result = tuner.follow(job_id, on_progress=_StatusLine() if main else None)
    if not result.succeeded or result.adapter_path is None:
        raise click.ClickException(f"training failed: {result.error_message} ({result.error_code})")
    if main:
        summary = result.adapter_path / SUMMARY_FILE
        if summary.is_file():
            click.echo(_describe(TrainingSummary.read(result.adapter_path)), err=True)
        click.echo(str(result.adapter_path))


def _quiet_libraries() -> None:
    """Keep the libraries' own progress bars off: the status line shows progress."""
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' loading bars too
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def _describe(summary: TrainingSummary) -> str:
    memory = summary.peak_memory_bytes / 2**30
    where = "GPU" if summary.memory_kind == "cuda" else "process"
    valid = f", valid loss {summary.validation[-1].loss:.4f}" if summary.validation else ""
    final = f"loss {summary.final_loss:.4f}" if summary.final_loss is not None else "no loss"
    return (
        f"{summary.steps} steps in {_clock(summary.seconds)}: {final}{valid}, "
        f"{summary.tokens_per_second:,.0f} tokens/s, peak {where} memory {memory:.2f} GiB"
    )


def _clock(seconds: float) -> str:
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


_BAR = 24


class _StatusLine:
    """
    Shows progress on standard error.

    On a terminal, one line rewritten in place: a bar, the step, the loss and the
    time left; elsewhere one line per event.
    """

    def __init__(self) -> None:
        self._live = sys.stderr.isatty()
        self._open = False

    def __call__(self, progress: Progress) -> None:
        if progress.step is not None and progress.total_steps:
            line = _bar_line(progress)
            if self._live:
                click.echo(f"\r{line}\x1b[K", err=True, nl=False)
                self._open = True
                return
            message = line
        else:
            message = progress.message
        if self._open:
            click.echo("", err=True)
            self._open = False
        click.echo(message, err=True)


def _bar_line(progress: Progress) -> str:
    step, total = progress.step or 0, progress.total_steps or 1
    filled = min(_BAR, _BAR * step // total)
    bar = "#" * filled + "-" * (_BAR - filled)
    line = f"[{bar}] step {step}/{total}"
    loss = progress.metrics.get("train_loss")
    if loss is not None:
        line += f" loss {loss:.4f}"
    left = progress.metrics.get("seconds_left")
    if left is not None:
        line += f" {_clock(left)} left"
    return line
