"""What `OpenAIFineTuner` takes and returns: hyperparameters, jobs, events, ..."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import attrs
import pendulum
from attrs import field, frozen

from persona_clone.errors import ConfigError


if TYPE_CHECKING:
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent


__all__ = ["Auto", "Checkpoint", "Hyperparameters", "JobEvent", "JobInfo"]

Auto = Literal["auto"]
"""Let the service choose the value."""


def _in_range(
    low: float, high: float | None, *, exclusive_low: bool = False
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value == "auto":
            return
        too_low = value <= low if exclusive_low else value < low
        if isinstance(value, bool) or too_low or (high is not None and value > high):
            bounds = f"more than {low}" if exclusive_low else f"{low} to {high}"
            raise ConfigError(f"{attribute.name}: expected 'auto' or {bounds}, found {value!r}")

    return check


@frozen(kw_only=True)
class Hyperparameters:
    """
    Supervised fine-tuning hyperparameters; each is ``"auto"`` or a number.

    Args:
        n_epochs: Passes over the training data (1 to 50).
        batch_size: Examples per batch (1 to 256).
        learning_rate_multiplier: Scales the learning rate (more than 0).
    """

    n_epochs: int | Auto = field(default="auto", validator=_in_range(1, 50))
    batch_size: int | Auto = field(default="auto", validator=_in_range(1, 256))
    learning_rate_multiplier: float | Auto = field(
        default="auto", validator=_in_range(0, None, exclusive_low=True)
    )

    def to_api(self) -> dict[str, int | float | str]:
        """Return the ``hyperparameters`` object of the service's ``method``."""
        return {
            "n_epochs": self.n_epochs,
            "batch_size": self.batch_size,
            "learning_rate_multiplier": self.learning_rate_multiplier,
        }


@frozen(kw_only=True)
class JobInfo:
    """
    A fine-tuning job as the service reports it.

    Args:
        id: The job id.
        status: The service's status word (kept as given: new words may appear).
        model: The base model (the resolved snapshot).
        fine_tuned_model: The resulting model, once it succeeded.
        created_at: When it was created.
        finished_at: When it ended, if the service says.
        trained_tokens: Tokens billed, once it succeeded.
        error_code: The error code, if it failed.
        error_message: The error message, if it failed.
    """

    id: str
    status: str
    model: str
    fine_tuned_model: str | None = None
    created_at: pendulum.DateTime
    finished_at: pendulum.DateTime | None = None
    trained_tokens: int | None = None
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def from_api(cls, job: FineTuningJob) -> JobInfo:
        """Build from the ``openai`` job object."""
        error = job.error
        return cls(
            id=job.id,
            status=str(job.status),
            model=job.model,
            fine_tuned_model=job.fine_tuned_model,
            created_at=pendulum.from_timestamp(job.created_at),
            finished_at=pendulum.from_timestamp(job.finished_at) if job.finished_at else None,
            trained_tokens=job.trained_tokens,
            error_code=error.code if error is not None else None,
            error_message=error.message if error is not None else None,
        )


@frozen(kw_only=True)
class JobEvent:
    """
    One event of a job's log.

    Args:
        id: The event id.
        created_at: When it happened.
        level: ``info``, ``warn`` or ``error``.
        message: What happened.
        data: Numbers that came with it (metrics events: ``step``, ``train_loss``, ...).
    """

    id: str
    created_at: pendulum.DateTime
    level: str
    message: str
    data: Mapping[str, Any] = field(factory=dict)

    @classmethod
    def from_api(cls, event: FineTuningJobEvent) -> JobEvent:
        """Build from the ``openai`` event object."""
        data = event.data if isinstance(event.data, dict) else {}
        return cls(
            id=event.id,
            created_at=pendulum.from_timestamp(event.created_at),
            level=str(event.level),
            message=event.message,
            data=data,
        )


@frozen(kw_only=True)
class Checkpoint:
    """
    A model saved at the end of an epoch, with its metrics.

    Args:
        id: The checkpoint id.
        step: The training step it was saved at.
        model: The checkpoint's model id (usable for inference).
        metrics: ``train_loss``, ``valid_loss``, ... as reported (absent ones left out).
    """

    id: str
    step: int
    model: str
    metrics: Mapping[str, float] = field(factory=dict)
