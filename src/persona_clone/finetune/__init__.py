"""
Fine-tuning backends: the `FineTuner` protocol and its implementations.
"""

from __future__ import annotations

from .base import (
    FineTuner,
    JobStatus,
    Progress,
    ProgressCallback,
    TuningPlan,
    TuningResult,
)
from .lora import LoraFineTuner
from .lora_data import NameStyle
from .lora_settings import LoraSettings, Precision


__all__ = [
    "FineTuner",
    "JobStatus",
    "LoraFineTuner",
    "LoraSettings",
    "NameStyle",
    "Precision",
    "Progress",
    "ProgressCallback",
    "TuningPlan",
    "TuningResult",
]
