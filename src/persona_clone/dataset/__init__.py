"""
Datasets: from conversations to fine-tuning files that clone one person.

- `Example`, `Slicer`, `WeightPolicy`: the model every format shares.
- `ChatDatasetBuilder`, `LegacyDatasetBuilder`, `ShareGPTDatasetBuilder`,
  `MessagesDatasetBuilder`: one `DatasetBuilder` per `DatasetFormat`.
- `DatasetPipeline` and `build_dataset`: streams of messages in, files out.
- `validate_file`: the checks the fine-tuning service applies.
- `DatasetReport`: what a build produced and left out.
"""

from __future__ import annotations

from .base import DatasetBuilder, DatasetFormat
from .build import build_dataset, make_builder
from .chat import ChatDatasetBuilder
from .example import DEFAULT_MAX_ENTRIES, Example, Slicer, Slot, WeightPolicy
from .legacy import LegacyDatasetBuilder
from .messages import MessagesDatasetBuilder
from .output_folder import OutputFolder
from .pipeline import BuildStats, DatasetPipeline, SessionStep
from .report import DatasetReport, PhraseCount, TokenStats, mask_report, report_json, report_text
from .sharegpt import ShareGPTDatasetBuilder
from .split import DuplicateCap, SessionSplit, near_duplicate_key, session_key
from .validation import MIN_TRAINING_EXAMPLES, ValidationResult, validate_file


__all__ = [
    "DEFAULT_MAX_ENTRIES",
    "MIN_TRAINING_EXAMPLES",
    "BuildStats",
    "ChatDatasetBuilder",
    "DatasetBuilder",
    "DatasetFormat",
    "DatasetPipeline",
    "DatasetReport",
    "DuplicateCap",
    "Example",
    "LegacyDatasetBuilder",
    "MessagesDatasetBuilder",
    "OutputFolder",
    "PhraseCount",
    "SessionSplit",
    "SessionStep",
    "ShareGPTDatasetBuilder",
    "Slicer",
    "Slot",
    "TokenStats",
    "ValidationResult",
    "WeightPolicy",
    "build_dataset",
    "make_builder",
    "mask_report",
    "near_duplicate_key",
    "report_json",
    "report_text",
    "session_key",
    "validate_file",
]
