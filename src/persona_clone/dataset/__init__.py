"""
Datasets: from conversations to fine-tuning files that clone one person.

- `Example`, `Slicer`, `WeightPolicy`: the model every format shares.
- `ChatDatasetBuilder`, `LegacyDatasetBuilder`, `ShareGPTDatasetBuilder`,
  `MessagesDatasetBuilder`: one `DatasetBuilder` per `DatasetFormat`; each is
  called on sessions of turns for examples, or writes them
  (`BuildOptions` are the options they share).
- `CapRepeats` and `ExampleStep`: steps over the examples of a build;
  `Exports`: the sessions of several exports combined.
- `DatasetPipeline`: what builders run; `build_dataset`: the whole recipe in one call.
- `validate_file`: the checks the fine-tuning service applies.
- `DatasetReport`: what a build produced and left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .base import (
        DEFAULT_REPLY_MEMORY,
        LEGACY_DEFAULT_MODEL,
        BuildOptions,
        DatasetBuilder,
        DatasetFormat,
    )
    from .build import (
        build_dataset,
        make_builder,
    )
    from .chat import ChatDatasetBuilder
    from .cost import (
        DEFAULT_PRICES,
        CostEstimate,
        ModelPrice,
        PriceTable,
        default_epochs,
        estimate_cost,
    )
    from .example import (
        DEFAULT_MAX_ENTRIES,
        Example,
        Slicer,
        Slot,
        WeightPolicy,
    )
    from .exports import Exports
    from .legacy import LegacyDatasetBuilder
    from .messages import MessagesDatasetBuilder
    from .output_folder import (
        DATASET_FILES,
        OutputFolder,
    )
    from .pipeline import (
        BuildStats,
        DatasetPipeline,
    )
    from .rendering import (
        MEDIA_PLACEHOLDER,
        ChatRenderer,
        LegacyRenderer,
        NameRenderer,
        ParticipantResolver,
        renderable,
        scrub_special_tokens,
    )
    from .repetition import (
        PhraseStat,
        RepeatCap,
        cap_repeats,
        repeat_key,
        repeat_words,
        repeated_phrases,
    )
    from .report import (
        DatasetReport,
        PhraseCount,
        TokenStats,
        mask_report,
        report_json,
        report_text,
    )
    from .sharegpt import ShareGPTDatasetBuilder
    from .split import (
        DuplicateCap,
        SessionSplit,
        message_key,
        near_duplicate_key,
        session_key,
    )
    from .steps import (
        CapRepeats,
        ExampleStep,
        TurnsStep,
    )
    from .tokens import (
        DEFAULT_MODEL,
        TRAINING_LIMITS,
        UNKNOWN_MODEL_LIMIT,
        EstimatingCounter,
        TiktokenCounter,
        TokenCounter,
        base_model,
        chat_tokens,
        counter_for,
        encoding_for,
        training_limit,
    )
    from .validation import (
        MAX_FILE_BYTES,
        MIN_TRAINING_EXAMPLES,
        ValidationResult,
        validate_file,
    )


__all__ = [
    "DATASET_FILES",
    "DEFAULT_MAX_ENTRIES",
    "DEFAULT_MODEL",
    "DEFAULT_PRICES",
    "DEFAULT_REPLY_MEMORY",
    "LEGACY_DEFAULT_MODEL",
    "MAX_FILE_BYTES",
    "MEDIA_PLACEHOLDER",
    "MIN_TRAINING_EXAMPLES",
    "TRAINING_LIMITS",
    "UNKNOWN_MODEL_LIMIT",
    "BuildOptions",
    "BuildStats",
    "CapRepeats",
    "ChatDatasetBuilder",
    "ChatRenderer",
    "CostEstimate",
    "DatasetBuilder",
    "DatasetFormat",
    "DatasetPipeline",
    "DatasetReport",
    "DuplicateCap",
    "EstimatingCounter",
    "Example",
    "ExampleStep",
    "Exports",
    "LegacyDatasetBuilder",
    "LegacyRenderer",
    "MessagesDatasetBuilder",
    "ModelPrice",
    "NameRenderer",
    "OutputFolder",
    "ParticipantResolver",
    "PhraseCount",
    "PhraseStat",
    "PriceTable",
    "RepeatCap",
    "SessionSplit",
    "ShareGPTDatasetBuilder",
    "Slicer",
    "Slot",
    "TiktokenCounter",
    "TokenCounter",
    "TokenStats",
    "TurnsStep",
    "ValidationResult",
    "WeightPolicy",
    "base_model",
    "build_dataset",
    "cap_repeats",
    "chat_tokens",
    "counter_for",
    "default_epochs",
    "encoding_for",
    "estimate_cost",
    "make_builder",
    "mask_report",
    "message_key",
    "near_duplicate_key",
    "renderable",
    "repeat_key",
    "repeat_words",
    "repeated_phrases",
    "report_json",
    "report_text",
    "scrub_special_tokens",
    "session_key",
    "training_limit",
    "validate_file",
]

_NAMES: Final = {
    "BuildOptions": ".base",
    "BuildStats": ".pipeline",
    "CapRepeats": ".steps",
    "ChatDatasetBuilder": ".chat",
    "ChatRenderer": ".rendering",
    "CostEstimate": ".cost",
    "DATASET_FILES": ".output_folder",
    "DEFAULT_MAX_ENTRIES": ".example",
    "DEFAULT_MODEL": ".tokens",
    "DEFAULT_PRICES": ".cost",
    "DEFAULT_REPLY_MEMORY": ".base",
    "DatasetBuilder": ".base",
    "DatasetFormat": ".base",
    "DatasetPipeline": ".pipeline",
    "DatasetReport": ".report",
    "DuplicateCap": ".split",
    "EstimatingCounter": ".tokens",
    "Example": ".example",
    "ExampleStep": ".steps",
    "Exports": ".exports",
    "LEGACY_DEFAULT_MODEL": ".base",
    "LegacyDatasetBuilder": ".legacy",
    "LegacyRenderer": ".rendering",
    "MAX_FILE_BYTES": ".validation",
    "MEDIA_PLACEHOLDER": ".rendering",
    "MIN_TRAINING_EXAMPLES": ".validation",
    "MessagesDatasetBuilder": ".messages",
    "ModelPrice": ".cost",
    "NameRenderer": ".rendering",
    "OutputFolder": ".output_folder",
    "ParticipantResolver": ".rendering",
    "PhraseCount": ".report",
    "PhraseStat": ".repetition",
    "PriceTable": ".cost",
    "RepeatCap": ".repetition",
    "SessionSplit": ".split",
    "ShareGPTDatasetBuilder": ".sharegpt",
    "Slicer": ".example",
    "Slot": ".example",
    "TRAINING_LIMITS": ".tokens",
    "TiktokenCounter": ".tokens",
    "TokenCounter": ".tokens",
    "TokenStats": ".report",
    "TurnsStep": ".steps",
    "UNKNOWN_MODEL_LIMIT": ".tokens",
    "ValidationResult": ".validation",
    "WeightPolicy": ".example",
    "base_model": ".tokens",
    "build_dataset": ".build",
    "cap_repeats": ".repetition",
    "chat_tokens": ".tokens",
    "counter_for": ".tokens",
    "default_epochs": ".cost",
    "encoding_for": ".tokens",
    "estimate_cost": ".cost",
    "make_builder": ".build",
    "mask_report": ".report",
    "message_key": ".split",
    "near_duplicate_key": ".split",
    "renderable": ".rendering",
    "repeat_key": ".repetition",
    "repeat_words": ".repetition",
    "repeated_phrases": ".repetition",
    "report_json": ".report",
    "report_text": ".report",
    "scrub_special_tokens": ".rendering",
    "session_key": ".split",
    "training_limit": ".tokens",
    "validate_file": ".validation",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
