"""Fine-tuning backends: the `FineTuner` protocol and its implementations."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from .base import (
    FineTuner,
    JobStatus,
    Progress,
    ProgressCallback,
    TuningPlan,
    TuningResult,
)
from .job_records import Checkpoint, Hyperparameters, JobEvent, JobInfo
from .lora import LoraFineTuner
from .lora_data import NameStyle
from .lora_settings import LoraSettings, Precision
from .retirements import retirement_warnings
from .state import RunState, StateFile


if TYPE_CHECKING:
    from .openai_backend import OpenAIFineTuner

# The OpenAI backend loads on first use, so importing this package imports no openai SDK.
_LAZY: Final = {
    "OpenAIFineTuner": ".openai_backend",
}


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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
