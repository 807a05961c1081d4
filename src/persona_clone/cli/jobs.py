"""``persona-clone jobs``: list, inspect, cancel, pause and resume fine-tuning jobs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from persona_clone.errors import ConfigError, FineTuneError
from persona_clone.finetune.job_records import JobInfo
from persona_clone.finetune.state import DEFAULT_STATE_PATH, StateFile

from ._common import click_errors
from .finetune import make_tuner


if TYPE_CHECKING:
    from persona_clone.finetune.openai_backend import OpenAIFineTuner


__all__ = ["jobs"]

_STATE_KEY = "persona_clone.jobs.state"


def _line(job: JobInfo) -> str:
    model = job.fine_tuned_model or "-"
    when = job.created_at.to_datetime_string()
    return f"{job.id}  {job.status:<16} {job.model:<28} {model}  {when}"


def _job_id(ctx: click.Context, job: str | None) -> str:
    """Return *job*, or the job recorded in the state file."""
    if job:
        return job
    path: Path = ctx.meta.get(_STATE_KEY, DEFAULT_STATE_PATH)
    with click_errors(ConfigError):
        recorded = StateFile(path=path).load().job_id
    if not recorded:
        raise click.UsageError(f"no JOB given and no job recorded in {path}")
    return recorded


def _tuner(ctx: click.Context) -> OpenAIFineTuner:
    return make_tuner(ctx)


@click.group("jobs")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE_PATH,
    show_default=True,
    help="State file whose job is used when JOB is not given.",
)
@click.pass_context
def jobs(ctx: click.Context, state_path: Path) -> None:
    """List and manage fine-tuning jobs (JOB defaults to the one in the state file)."""
    ctx.meta[_STATE_KEY] = state_path


@jobs.command("list")
@click.option(
    "--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Most jobs shown."
)
@click.pass_context
def list_jobs(ctx: click.Context, limit: int) -> None:
    """List jobs, newest first."""
    with click_errors(FineTuneError):
        for job in _tuner(ctx).jobs(limit=limit):
            click.echo(_line(job))


@jobs.command("status")
@click.argument("job", required=False)
@click.pass_context
def status(ctx: click.Context, job: str | None) -> None:
    """Show a job, its result or error, and its checkpoints."""
    job_id = _job_id(ctx, job)
    tuner = _tuner(ctx)
    with click_errors(FineTuneError):
        info = tuner.job(job_id)
        click.echo(_line(info))
        if info.error_code or info.error_message:
            click.echo(f"error: {info.error_message} ({info.error_code})")
        if info.trained_tokens is not None:
            click.echo(f"trained tokens: {info.trained_tokens}")
        for checkpoint in tuner.checkpoints(job_id):
            shown = ", ".join(f"{k}={v:g}" for k, v in checkpoint.metrics.items() if k != "step")
            click.echo(f"checkpoint step {checkpoint.step}: {checkpoint.model} {shown}")


@jobs.command("events")
@click.argument("job", required=False)
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Most events shown.",
)
@click.pass_context
def events(ctx: click.Context, job: str | None, limit: int) -> None:
    """Show a job's newest events, oldest first."""
    job_id = _job_id(ctx, job)
    with click_errors(FineTuneError):
        for event in _tuner(ctx).events(job_id, limit=limit):
            when = event.created_at.to_datetime_string()
            click.echo(f"{when} {event.level:<5} {event.message}")


def _action(name: str, doc: str) -> click.Command:
    @click.argument("job", required=False)
    @click.pass_context
    def command(ctx: click.Context, job: str | None) -> None:
        job_id = _job_id(ctx, job)
        tuner = _tuner(ctx)
        with click_errors(FineTuneError):
            info = getattr(tuner, name)(job_id)
        click.echo(_line(info))

    command.__doc__ = doc
    return jobs.command(name)(command)


cancel = _action("cancel", "Cancel a job that has not ended.")
pause = _action("pause", "Pause a running job.")
resume = _action("resume", "Resume a paused job.")
