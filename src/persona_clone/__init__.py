"""
persona_clone: turn a person's chat history into a model that texts like them.

The pipeline, each stage a plain object over iterators::

    messages = parse("WhatsApp Chat with Ada.zip", tz="Europe/Istanbul")
    sessions = Sessionizer(gap=pendulum.duration(minutes=5))(messages)
    turns = Merger()(sessions)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from . import _moved
from .clock import Clock, SystemClock
from .conversation.merger import Merger
from .conversation.sessionizer import Sessionizer
from .conversation.streams import MessageStep, apply, merge_chronological
from .dataset import (
    ChatDatasetBuilder,
    DatasetBuilder,
    DatasetFormat,
    DatasetPipeline,
    DatasetReport,
    Example,
    LegacyDatasetBuilder,
    MessagesDatasetBuilder,
    ShareGPTDatasetBuilder,
    ValidationResult,
    WeightPolicy,
    build_dataset,
    validate_file,
)
from .dataset.cost import CostEstimate, PriceTable, default_epochs, estimate_cost
from .dataset.rendering import ChatRenderer, LegacyRenderer, renderable
from .dataset.repetition import (
    PhraseStat,
    RepeatCap,
    cap_repeats,
    repeat_key,
    repeated_phrases,
)
from .dataset.tokens import EstimatingCounter, TokenCounter, counter_for
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
from .message import Attachment, Message, MessageKind, Participant, SourceRef
from .parsers import (
    CollectingIssueSink,
    IssueSink,
    ParseContext,
    ParseIssue,
    Parser,
    ParserRegistry,
    Sample,
    Severity,
    Source,
    StrictIssueSink,
    parse,
)
from .parsers.interchange_format import Record, read_jsonl, write_jsonl
from .privacy.consent import Consent, OptOutPolicy
from .privacy.identity import AliasMap, Identity, NameBook
from .privacy.redaction import (
    BuiltinRedactor,
    PrivacyReport,
    RedactionKind,
    Redactor,
    redact_messages,
)
from .privacy.steps import OptOut, Redact
from .serving.buffer import ConversationBuffer
from .serving.loop_guard import LoopGuard, LoopPolicy
from .session import Session, Turn


if TYPE_CHECKING:
    from .finetune.openai_backend import OpenAIFineTuner
    from .parsers.discord_csv import DiscordCsvParser
    from .parsers.discord_json import DiscordJsonParser
    from .parsers.interchange import InterchangeParser
    from .parsers.messenger import InstagramParser, MessengerParser
    from .parsers.signal import SignalParser
    from .parsers.slack import SlackParser
    from .parsers.telegram import TelegramParser
    from .parsers.whatsapp import DateOrder, WhatsAppParser
    from .serving.responder import Responder


# Parser classes and the OpenAI backend load on first use, so importing persona_clone
# imports no parser and no openai SDK.
_LAZY: Final = {
    "DiscordCsvParser": ".parsers.discord_csv",
    "DiscordJsonParser": ".parsers.discord_json",
    "InstagramParser": ".parsers.messenger",
    "InterchangeParser": ".parsers.interchange",
    "MessengerParser": ".parsers.messenger",
    "OpenAIFineTuner": ".finetune.openai_backend",
    "Responder": ".serving.responder",
    "SignalParser": ".parsers.signal",
    "SlackParser": ".parsers.slack",
    "TelegramParser": ".parsers.telegram",
    "DateOrder": ".parsers.whatsapp",
    "WhatsAppParser": ".parsers.whatsapp",
}


_moved.install()

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
    "Identity",
    "InstagramParser",
    "InterchangeParser",
    "IssueSink",
    "JobStatus",
    "LegacyDatasetBuilder",
    "LegacyRenderer",
    "LoopGuard",
    "LoopPolicy",
    "Merger",
    "Message",
    "MessageKind",
    "MessageStep",
    "MessagesDatasetBuilder",
    "MessengerParser",
    "NaiveTimestampError",
    "NameBook",
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
    "PersonaCloneError",
    "PhraseStat",
    "PluginError",
    "PriceTable",
    "PrivacyReport",
    "Progress",
    "ProgressCallback",
    "Record",
    "Redact",
    "RedactionKind",
    "Redactor",
    "RepeatCap",
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
    "cap_repeats",
    "counter_for",
    "default_epochs",
    "estimate_cost",
    "merge_chronological",
    "parse",
    "read_jsonl",
    "redact_messages",
    "renderable",
    "repeat_key",
    "repeated_phrases",
    "validate_file",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("persona-clone")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
