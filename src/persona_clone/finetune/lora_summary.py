"""
`TrainingSummary`: what a local training run did, written beside the adapter as ``training.json``.

Plain values: building and reading them needs neither torch nor transformers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Final

from attrs import field, frozen

from persona_clone._serialization import converter


__all__ = ["METADATA_FILE", "SUMMARY_FILE", "LossPoint", "TrainingSummary", "peak_memory"]

SUMMARY_FILE: Final = "training.json"
"""The summary's file name, in the adapter's folder."""

METADATA_FILE: Final = "persona-clone-lora.json"
"""The file beside the adapter that records the base model and the training settings."""


def _points(values: Any) -> tuple[LossPoint, ...]:
    return tuple(values)


@frozen(kw_only=True)
class LossPoint:
    """
    One loss the trainer reported.

    Args:
        step: The optimizer step it was measured at.
        epoch: The (fractional) epoch reached then.
        loss: Mean cross-entropy per trained token.
    """

    step: int
    epoch: float
    loss: float


@frozen(kw_only=True)
class TrainingSummary:
    """
    A training run in numbers.

    Args:
        base_model: The model the adapter was trained on.
        steps: Optimizer steps of the whole run.
        epochs: Passes over the data.
        examples: Training examples used.
        losses: The training loss at every optimizer step.
        validation: The validation loss before training and after each epoch.
        seconds: Wall time of the training (this process's part after a resume).
        tokens: Input tokens the trainer processed (padding excluded, every process).
        tokens_per_second: *tokens* / *seconds*.
        peak_memory_bytes: The most memory used: the GPU's allocated memory on CUDA,
            the process's resident memory elsewhere (see *memory_kind*).
        memory_kind: ``cuda`` or ``process``.
        device: Where training ran (``cuda``, ``mps``, ``cpu``).
        processes: How many processes trained (data-parallel under ``accelerate``).
        distributed: How ``accelerate`` spread the work: ``NO``, ``MULTI_GPU``,
            ``MULTI_CPU``, ``FSDP``, ``DEEPSPEED``, ...
        resumed_from: The checkpoint a resumed run started from.
    """

    base_model: str
    steps: int
    epochs: int
    examples: int
    losses: tuple[LossPoint, ...] = field(converter=_points)
    validation: tuple[LossPoint, ...] = field(converter=_points)
    seconds: float
    tokens: int
    tokens_per_second: float
    peak_memory_bytes: int
    memory_kind: str
    device: str
    processes: int = 1
    distributed: str = "NO"
    resumed_from: str | None = None

    @property
    def final_loss(self) -> float | None:
        """The last training loss, if any step was logged."""
        return self.losses[-1].loss if self.losses else None

    def write(self, folder: Path) -> Path:
        """Write the summary to *folder*/training.json, whole, and return its path."""
        path = folder / SUMMARY_FILE
        temporary = path.with_suffix(".json.tmp")
        text = json.dumps(converter.unstructure(self), indent=2, ensure_ascii=False) + "\n"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
        return path

    @classmethod
    def read(cls, folder: Path) -> TrainingSummary:
        """Read *folder*/training.json."""
        raw = json.loads((folder / SUMMARY_FILE).read_text(encoding="utf-8"))
        return converter.structure(raw, cls)


def peak_memory(device: Any) -> tuple[int, str]:
    """
    Return the peak memory of this process in bytes, and what was measured.

    On CUDA it is the GPU memory torch allocated; elsewhere the process's peak
    resident size (0 where the platform does not tell).
    """
    if device.type == "cuda":
        import torch  # noqa: PLC0415 -- optional dependency

        return int(torch.cuda.max_memory_allocated(device)), "cuda"
    try:
        import resource  # noqa: PLC0415 -- not on Windows
    except ImportError:  # pragma: no cover - Windows
        return 0, "process"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kibibytes, macOS bytes
    return int(peak if sys.platform == "darwin" else peak * 1024), "process"
