"""Fine-tuning backends: the `FineTuner` protocol and its implementations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .base import (
        FineTuner,
        JobStatus,
        Progress,
        ProgressCallback,
        TuningPlan,
        TuningResult,
    )
    from .job_records import (
        Checkpoint,
        Hyperparameters,
        JobEvent,
        JobInfo,
    )
    from .lora import LoraFineTuner
    from .lora_data import NameStyle
    from .lora_merge import merge_adapter
    from .lora_settings import (
        LoraSettings,
        Precision,
    )
    from .lora_summary import TrainingSummary
    from .openai_backend import OpenAIFineTuner
    from .retirements import retirement_warnings
    from .state import (
        RunState,
        StateFile,
    )


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
    "TrainingSummary",
    "TuningPlan",
    "TuningResult",
    "merge_adapter",
    "retirement_warnings",
]

_NAMES: Final = {
    "Checkpoint": ".job_records",
    "FineTuner": ".base",
    "Hyperparameters": ".job_records",
    "JobEvent": ".job_records",
    "JobInfo": ".job_records",
    "JobStatus": ".base",
    "LoraFineTuner": ".lora",
    "LoraSettings": ".lora_settings",
    "NameStyle": ".lora_data",
    "OpenAIFineTuner": ".openai_backend",
    "Precision": ".lora_settings",
    "Progress": ".base",
    "ProgressCallback": ".base",
    "RunState": ".state",
    "StateFile": ".state",
    "TrainingSummary": ".lora_summary",
    "TuningPlan": ".base",
    "TuningResult": ".base",
    "merge_adapter": ".lora_merge",
    "retirement_warnings": ".retirements",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
