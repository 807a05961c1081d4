"""
persona_clone: turn a person's chat history into a model that texts like them.

The pipeline, each stage a plain object over iterators::

    messages = parse("WhatsApp Chat with Ada.zip", tz="Europe/Istanbul")
    sessions = Sessionizer(gap=pendulum.duration(minutes=5))(messages)
    turns = Merger()(sessions)

The top level holds the objects of that pipeline, their options and errors; the
rest lives in the stage sub-packages (`persona_clone.parsers`,
`persona_clone.conversation`, `persona_clone.privacy`, `persona_clone.dataset`,
`persona_clone.finetune`, `persona_clone.serving`). Every name is imported on
first use, so ``import persona_clone`` loads none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from . import _moved
from ._lazy import LazyNames


if TYPE_CHECKING:
    from .clock import (
        Clock,
        SystemClock,
    )
    from .conversation.merger import MergedSession, Merger
    from .conversation.sessionizer import Sessionizer
    from .conversation.streams import (
        MessageStep,
        apply,
    )
    from .dataset.base import (
        DatasetBuilder,
        DatasetFormat,
    )
    from .dataset.build import build_dataset
    from .dataset.chat import ChatDatasetBuilder
    from .dataset.cost import (
        CostEstimate,
        PriceTable,
        estimate_cost,
    )
    from .dataset.example import (
        Example,
        WeightPolicy,
    )
    from .dataset.legacy import LegacyDatasetBuilder
    from .dataset.messages import MessagesDatasetBuilder
    from .dataset.pipeline import DatasetPipeline
    from .dataset.rendering import (
        ChatRenderer,
        LegacyRenderer,
        NameRenderer,
        ParticipantResolver,
    )
    from .dataset.report import DatasetReport
    from .dataset.sharegpt import ShareGPTDatasetBuilder
    from .dataset.tokens import (
        EstimatingCounter,
        TokenCounter,
    )
    from .dataset.validation import (
        ValidationResult,
        validate_file,
    )
    from .errors import (
        AmbiguousFormatError,
        ConfigError,
        DatasetError,
        FineTuneError,
        NaiveTimestampError,
        OutOfOrderError,
        OutputError,
        ParseError,
        PersonaCloneError,
        PluginError,
        UnknownFormatError,
    )
    from .finetune.base import (
        FineTuner,
        JobStatus,
        Progress,
        ProgressCallback,
        TuningPlan,
        TuningResult,
    )
    from .finetune.job_records import Hyperparameters
    from .finetune.lora import LoraFineTuner
    from .finetune.lora_settings import LoraSettings
    from .finetune.openai_backend import OpenAIFineTuner
    from .message import (
        Attachment,
        Message,
        MessageKind,
        Participant,
        SourceRef,
    )
    from .parsers.base import (
        CollectingIssueSink,
        IssueSink,
        ParseContext,
        ParseIssue,
        Parser,
        Severity,
        StrictIssueSink,
    )
    from .parsers.discord_csv import DiscordCsvParser
    from .parsers.discord_json import DiscordJsonParser
    from .parsers.imessage import IMessageParser
    from .parsers.interchange import InterchangeParser
    from .parsers.messenger import (
        InstagramParser,
        MessengerParser,
    )
    from .parsers.registry import (
        ParserRegistry,
        parse,
    )
    from .parsers.signal import SignalParser
    from .parsers.slack import SlackParser
    from .parsers.source import (
        Sample,
        Source,
    )
    from .parsers.telegram import TelegramParser
    from .parsers.whatsapp import (
        DateOrder,
        WhatsAppParser,
    )
    from .privacy.consent import (
        Consent,
        OptOutPolicy,
    )
    from .privacy.identity import (
        AliasMap,
        Identity,
        NameBook,
    )
    from .privacy.redaction import (
        BuiltinRedactor,
        PrivacyReport,
        RedactionKind,
        Redactor,
        redact_messages,
    )
    from .privacy.steps import (
        OptOut,
        Redact,
    )
    from .serving.buffer import ConversationBuffer
    from .serving.loop_guard import (
        LoopGuard,
        LoopPolicy,
    )
    from .serving.responder import Responder
    from .session import (
        Session,
        Turn,
    )


__all__ = [
    "AliasMap",
    "AmbiguousFormatError",
    "Attachment",
    "BuiltinRedactor",
    "ChatDatasetBuilder",
    "ChatRenderer",
    "Clock",
    "CollectingIssueSink",
    "ConfigError",
    "Consent",
    "ConversationBuffer",
    "CostEstimate",
    "DatasetBuilder",
    "DatasetError",
    "DatasetFormat",
    "DatasetPipeline",
    "DatasetReport",
    "DateOrder",
    "DiscordCsvParser",
    "DiscordJsonParser",
    "EstimatingCounter",
    "Example",
    "FineTuneError",
    "FineTuner",
    "Hyperparameters",
    "IMessageParser",
    "Identity",
    "InstagramParser",
    "InterchangeParser",
    "IssueSink",
    "JobStatus",
    "LegacyDatasetBuilder",
    "LegacyRenderer",
    "LoopGuard",
    "LoopPolicy",
    "LoraFineTuner",
    "LoraSettings",
    "MergedSession",
    "Merger",
    "Message",
    "MessageKind",
    "MessageStep",
    "MessagesDatasetBuilder",
    "MessengerParser",
    "NaiveTimestampError",
    "NameBook",
    "NameRenderer",
    "OpenAIFineTuner",
    "OptOut",
    "OptOutPolicy",
    "OutOfOrderError",
    "OutputError",
    "ParseContext",
    "ParseError",
    "ParseIssue",
    "Parser",
    "ParserRegistry",
    "Participant",
    "ParticipantResolver",
    "PersonaCloneError",
    "PluginError",
    "PriceTable",
    "PrivacyReport",
    "Progress",
    "ProgressCallback",
    "Redact",
    "RedactionKind",
    "Redactor",
    "Responder",
    "Sample",
    "Session",
    "Sessionizer",
    "Severity",
    "ShareGPTDatasetBuilder",
    "SignalParser",
    "SlackParser",
    "Source",
    "SourceRef",
    "StrictIssueSink",
    "SystemClock",
    "TelegramParser",
    "TokenCounter",
    "TuningPlan",
    "TuningResult",
    "Turn",
    "UnknownFormatError",
    "ValidationResult",
    "WeightPolicy",
    "WhatsAppParser",
    "apply",
    "build_dataset",
    "estimate_cost",
    "parse",
    "redact_messages",
    "validate_file",
]

_NAMES: Final = {
    "AliasMap": ".privacy.identity",
    "AmbiguousFormatError": ".errors",
    "Attachment": ".message",
    "BuiltinRedactor": ".privacy.redaction",
    "ChatDatasetBuilder": ".dataset.chat",
    "ChatRenderer": ".dataset.rendering",
    "Clock": ".clock",
    "CollectingIssueSink": ".parsers.base",
    "ConfigError": ".errors",
    "Consent": ".privacy.consent",
    "ConversationBuffer": ".serving.buffer",
    "CostEstimate": ".dataset.cost",
    "DatasetBuilder": ".dataset.base",
    "DatasetError": ".errors",
    "DatasetFormat": ".dataset.base",
    "DatasetPipeline": ".dataset.pipeline",
    "DatasetReport": ".dataset.report",
    "DateOrder": ".parsers.whatsapp",
    "DiscordCsvParser": ".parsers.discord_csv",
    "DiscordJsonParser": ".parsers.discord_json",
    "EstimatingCounter": ".dataset.tokens",
    "Example": ".dataset.example",
    "FineTuneError": ".errors",
    "FineTuner": ".finetune.base",
    "Hyperparameters": ".finetune.job_records",
    "IMessageParser": ".parsers.imessage",
    "Identity": ".privacy.identity",
    "InstagramParser": ".parsers.messenger",
    "InterchangeParser": ".parsers.interchange",
    "IssueSink": ".parsers.base",
    "JobStatus": ".finetune.base",
    "LegacyDatasetBuilder": ".dataset.legacy",
    "LegacyRenderer": ".dataset.rendering",
    "LoopGuard": ".serving.loop_guard",
    "LoopPolicy": ".serving.loop_guard",
    "LoraFineTuner": ".finetune.lora",
    "LoraSettings": ".finetune.lora_settings",
    "MergedSession": ".conversation.merger",
    "Merger": ".conversation.merger",
    "Message": ".message",
    "MessageKind": ".message",
    "MessageStep": ".conversation.streams",
    "MessagesDatasetBuilder": ".dataset.messages",
    "MessengerParser": ".parsers.messenger",
    "NaiveTimestampError": ".errors",
    "NameBook": ".privacy.identity",
    "NameRenderer": ".dataset.rendering",
    "OpenAIFineTuner": ".finetune.openai_backend",
    "OptOut": ".privacy.steps",
    "OptOutPolicy": ".privacy.consent",
    "OutOfOrderError": ".errors",
    "OutputError": ".errors",
    "ParseContext": ".parsers.base",
    "ParseError": ".errors",
    "ParseIssue": ".parsers.base",
    "Parser": ".parsers.base",
    "ParserRegistry": ".parsers.registry",
    "Participant": ".message",
    "ParticipantResolver": ".dataset.rendering",
    "PersonaCloneError": ".errors",
    "PluginError": ".errors",
    "PriceTable": ".dataset.cost",
    "PrivacyReport": ".privacy.redaction",
    "Progress": ".finetune.base",
    "ProgressCallback": ".finetune.base",
    "Redact": ".privacy.steps",
    "RedactionKind": ".privacy.redaction",
    "Redactor": ".privacy.redaction",
    "Responder": ".serving.responder",
    "Sample": ".parsers.source",
    "Session": ".session",
    "Sessionizer": ".conversation.sessionizer",
    "Severity": ".parsers.base",
    "ShareGPTDatasetBuilder": ".dataset.sharegpt",
    "SignalParser": ".parsers.signal",
    "SlackParser": ".parsers.slack",
    "Source": ".parsers.source",
    "SourceRef": ".message",
    "StrictIssueSink": ".parsers.base",
    "SystemClock": ".clock",
    "TelegramParser": ".parsers.telegram",
    "TokenCounter": ".dataset.tokens",
    "TuningPlan": ".finetune.base",
    "TuningResult": ".finetune.base",
    "Turn": ".session",
    "UnknownFormatError": ".errors",
    "ValidationResult": ".dataset.validation",
    "WeightPolicy": ".dataset.example",
    "WhatsAppParser": ".parsers.whatsapp",
    "apply": ".conversation.streams",
    "build_dataset": ".dataset.build",
    "estimate_cost": ".dataset.cost",
    "parse": ".parsers.registry",
    "redact_messages": ".privacy.redaction",
    "validate_file": ".dataset.validation",
}
"""Each public name -> the module that defines it (imported on first use)."""

_SUBMODULES: Final = frozenset(
    {
        "clock",
        "conversation",
        "dataset",
        "errors",
        "finetune",
        "message",
        "parsers",
        "privacy",
        "serving",
        "session",
    }
)
"""Modules read as attributes (``persona_clone.dataset``) import on first use too."""

_DEPRECATED: Final = {
    "PhraseStat": ".dataset",
    "Record": ".parsers",
    "RepeatCap": ".dataset",
    "cap_repeats": ".dataset",
    "counter_for": ".dataset",
    "default_epochs": ".dataset",
    "merge_chronological": ".conversation",
    "read_jsonl": ".parsers",
    "renderable": ".dataset",
    "repeat_key": ".dataset",
    "repeated_phrases": ".dataset",
    "write_jsonl": ".parsers",
}
"""Names that left the top level -> where they live now; they warn for one release."""

_moved.install()

_LAZY: Final = LazyNames(__name__, _NAMES, submodules=_SUBMODULES, deprecated=_DEPRECATED)


if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors

    def __getattr__(name: str) -> Any:
        if name == "__version__":
            from importlib.metadata import version  # noqa: PLC0415

            return version("persona-clone")
        return _LAZY.getattr(name, globals())


def __dir__() -> list[str]:
    return _LAZY.dir(globals())
