"""
What every fine-tuning backend shares: the `FineTuner` protocol and its values.

A run is: `FineTuner.prepare` (validate and estimate) -> `FineTuner.start` (upload
and create the job, or start local training) -> `FineTuner.follow` (until the job
ends) -> a `TuningResult`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol, runtime_checkable

from attrs import field, frozen


__all__ = [
    "FineTuner",
    "JobStatus",
    "Progress",
    "ProgressCallback",
    "TuningPlan",
    "TuningResult",
]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    """Return *values* as a tuple (a typed ``converter=tuple`` for mypy's attrs plugin)."""
    return tuple(values)


class JobStatus(enum.Enum):
    """Where a fine-tuning job stands (the service's own status words)."""

    VALIDATING_FILES = "validating_files"
    QUEUED = "queued"
    RUNNING = "running"
    PAUSING = "pausing"
    PAUSED = "paused"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        """Whether the job has ended and will not change again."""
        return self in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


@frozen(kw_only=True)
class TuningPlan:
    """
    What `FineTuner.prepare` found: the checked inputs and what the run will cost.

    Args:
        training_file: The training dataset (JSONL).
        validation_file: The validation dataset, if any.
        model: The base model (a service model id, or a hub id / local folder).
        examples: Number of training examples.
        trained_tokens: Tokens billed per epoch (estimated or exact, see *exact_tokens*).
        epochs: Epochs the run will do (resolved from "auto" where the backend knows how).
        estimated_cost_usd: Estimated price of the run, ``None`` when there is no price
            (local training).
        exact_tokens: Whether token counts are exact (tokenizer available) or estimated.
        warnings: Things the user should know before paying (deprecations, ...).
    """

    training_file: Path
    validation_file: Path | None = None
    model: str
    examples: int
    trained_tokens: int
    epochs: int
    estimated_cost_usd: float | None = None
    exact_tokens: bool = False
    warnings: tuple[str, ...] = field(default=(), converter=_strings)


@frozen(kw_only=True)
class Progress:
    """
    One thing that happened while following a run, reported exactly once.

    Args:
        job_id: The job (or local run) it is about.
        status: The job's status after this event.
        message: What happened, in words (an event's message or a status change).
        step: Training step, if known.
        total_steps: Steps in the whole run, if known.
        metrics: Numbers reported with the event (``train_loss``, ...).
    """

    job_id: str
    status: JobStatus
    message: str
    step: int | None = None
    total_steps: int | None = None
    metrics: Mapping[str, float] = field(factory=dict)


ProgressCallback = Callable[[Progress], None]
"""Receives each `Progress` as it happens (the CLI shows it as a status line)."""


@frozen(kw_only=True)
class TuningResult:
    """
    How a run ended.

    Args:
        job_id: The job (or local run).
        status: Its final status.
        model: The fine-tuned model's id (service backends), if it succeeded.
        adapter_path: Where the trained adapter is (local backends), if it succeeded.
        error_code: The service's error code, if it failed.
        error_message: The service's error message, if it failed.
    """

    job_id: str
    status: JobStatus
    model: str | None = None
    adapter_path: Path | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def succeeded(self) -> bool:
        """Whether the run produced a model or adapter."""
        return self.status is JobStatus.SUCCEEDED


@runtime_checkable
class FineTuner(Protocol):
    """A fine-tuning backend (the OpenAI API, local LoRA training, ...)."""

    def prepare(self, training_file: Path, *, validation_file: Path | None = None) -> TuningPlan:
        """Validate the dataset(s) and estimate the run, without spending anything."""
        ...

    def start(self, plan: TuningPlan) -> str:
        """Start the run described by *plan* and return its job id."""
        ...

    def follow(self, job_id: str, *, on_progress: ProgressCallback | None = None) -> TuningResult:
        """Follow the job until it ends, reporting progress; return how it ended."""
        ...
