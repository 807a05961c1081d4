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
from .jobs import Checkpoint, Hyperparameters, JobEvent, JobInfo
from .lora import LoraFineTuner
from .lora_data import NameStyle
from .lora_settings import LoraSettings, Precision
from .openai_backend import OpenAIFineTuner
from .retirements import retirement_warnings
from .state import RunState, StateFile


__all__ = [
    "Checkpoint",
    "FineTuner",
    "Hyperparameters",
    "JobEvent",
    "JobInfo",
    "JobStatus",
    "LoraFineTuner",
    "LoraSettings",
    "NameStyle",
    "OpenAIFineTuner",
    "Precision",
    "Progress",
    "ProgressCallback",
    "RunState",
    "StateFile",
    "TuningPlan",
    "TuningResult",
    "retirement_warnings",
]
