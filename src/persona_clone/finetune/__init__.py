"""Fine-tuning backends: the `FineTuner` protocol and its implementations."""

from __future__ import annotations

from .base import (
    FineTuner,
    JobStatus,
    Progress,
    ProgressCallback,
    TuningPlan,
    TuningResult,
)


__all__ = [
    "FineTuner",
    "JobStatus",
    "Progress",
    "ProgressCallback",
    "TuningPlan",
    "TuningResult",
]
