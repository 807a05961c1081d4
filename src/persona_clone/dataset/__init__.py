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

from typing import TYPE_CHECKING, Any, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .base import (
        DatasetBuilder,
        DatasetFormat,
    )
    from .build import (
        LEGACY_DEFAULT_MODEL,
        build_dataset,
        make_builder,
    )
    from .chat import ChatDatasetBuilder
    from .cost import (
        DEFAULT_PRICES,
        CostEstimate,
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
    from .legacy import LegacyDatasetBuilder
    from .messages import MessagesDatasetBuilder
    from .pipeline import (
        DEFAULT_REPLY_MEMORY,
        BuildStats,
        DatasetPipeline,
        SessionStep,
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
        repeated_phrases,
    )
    from .report import (
        DatasetReport,
        PhraseCount,
        TokenStats,
        report_json,
        report_text,
    )
    from .sharegpt import ShareGPTDatasetBuilder
    from .split import (
        DuplicateCap,
        SessionSplit,
        near_duplicate_key,
        session_key,
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
    "BuildStats",
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
    "LegacyDatasetBuilder",
    "LegacyRenderer",
    "MessagesDatasetBuilder",
    "NameRenderer",
    "ParticipantResolver",
    "PhraseCount",
    "PhraseStat",
    "PriceTable",
    "RepeatCap",
    "SessionSplit",
    "SessionStep",
    "ShareGPTDatasetBuilder",
    "Slicer",
    "Slot",
    "TiktokenCounter",
    "TokenCounter",
    "TokenStats",
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
    "near_duplicate_key",
    "renderable",
    "repeat_key",
    "repeated_phrases",
    "report_json",
    "report_text",
    "scrub_special_tokens",
    "session_key",
    "training_limit",
    "validate_file",
]

_NAMES: Final = {
    "BuildStats": ".pipeline",
    "ChatDatasetBuilder": ".chat",
    "ChatRenderer": ".rendering",
    "CostEstimate": ".cost",
    "DEFAULT_MAX_ENTRIES": ".example",
    "DEFAULT_MODEL": ".tokens",
    "DEFAULT_PRICES": ".cost",
    "DEFAULT_REPLY_MEMORY": ".pipeline",
    "DatasetBuilder": ".base",
    "DatasetFormat": ".base",
    "DatasetPipeline": ".pipeline",
    "DatasetReport": ".report",
    "DuplicateCap": ".split",
    "EstimatingCounter": ".tokens",
    "Example": ".example",
    "LEGACY_DEFAULT_MODEL": ".build",
    "LegacyDatasetBuilder": ".legacy",
    "LegacyRenderer": ".rendering",
    "MAX_FILE_BYTES": ".validation",
    "MEDIA_PLACEHOLDER": ".rendering",
    "MIN_TRAINING_EXAMPLES": ".validation",
    "MessagesDatasetBuilder": ".messages",
    "NameRenderer": ".rendering",
    "ParticipantResolver": ".rendering",
    "PhraseCount": ".report",
    "PhraseStat": ".repetition",
    "PriceTable": ".cost",
    "RepeatCap": ".repetition",
    "SessionSplit": ".split",
    "SessionStep": ".pipeline",
    "ShareGPTDatasetBuilder": ".sharegpt",
    "Slicer": ".example",
    "Slot": ".example",
    "TRAINING_LIMITS": ".tokens",
    "TiktokenCounter": ".tokens",
    "TokenCounter": ".tokens",
    "TokenStats": ".report",
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
    "near_duplicate_key": ".split",
    "renderable": ".rendering",
    "repeat_key": ".repetition",
    "repeated_phrases": ".repetition",
    "report_json": ".report",
    "report_text": ".report",
    "scrub_special_tokens": ".rendering",
    "session_key": ".split",
    "training_limit": ".tokens",
    "validate_file": ".validation",
}
"""Each public name -> the module that defines it (imported on first use)."""

_LAZY: Final = LazyNames(__name__, _NAMES)


if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors

    def __getattr__(name: str) -> Any:
        return _LAZY.getattr(name, globals())


def __dir__() -> list[str]:
    return _LAZY.dir(globals())
