"""
persona_clone: turn a person's chat history into a model that texts like them.

The pipeline, each stage a plain object over iterators::

    messages = parse("WhatsApp Chat with Ada.zip", tz="Europe/Istanbul")
    sessions = Sessionizer(gap=pendulum.duration(minutes=5))(messages)
    turns = Merger()(sessions)
"""

from __future__ import annotations

from typing import Any

# --- core model -------------------------------------------------------------
from .clock import Clock, SystemClock
from .errors import (
    AmbiguousFormatError,
    ConfigError,
    DatasetError,
    FineTuneError,
    NaiveTimestampError,
    OutOfOrderError,
    ParseError,
    PersonaCloneError,
    PluginError,
    UnknownFormatError,
)
from .interchange import Record, read_jsonl, write_jsonl
from .merger import Merger
from .message import Attachment, Message, MessageKind, Participant, SourceRef
from .pipeline import MessageStep, apply, merge_chronological
from .session import Session, Turn
from .sessionizer import Sessionizer

# --- parsers ----------------------------------------------------------------
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
from .parsers.whatsapp import DateOrder, WhatsAppParser

# --- datasets ---------------------------------------------------------------

# --- fine-tuning ------------------------------------------------------------

# --- serving ----------------------------------------------------------------


__all__ = [
    "AmbiguousFormatError",
    "Attachment",
    "Clock",
    "CollectingIssueSink",
    "ConfigError",
    "DatasetError",
    "DateOrder",
    "FineTuneError",
    "IssueSink",
    "Merger",
    "Message",
    "MessageKind",
    "MessageStep",
    "NaiveTimestampError",
    "OutOfOrderError",
    "ParseContext",
    "ParseError",
    "ParseIssue",
    "Parser",
    "ParserRegistry",
    "Participant",
    "PersonaCloneError",
    "PluginError",
    "Record",
    "Sample",
    "Session",
    "Sessionizer",
    "Severity",
    "Source",
    "SourceRef",
    "StrictIssueSink",
    "SystemClock",
    "Turn",
    "UnknownFormatError",
    "WhatsAppParser",
    "apply",
    "merge_chronological",
    "parse",
    "read_jsonl",
    "write_jsonl",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415

        return version("persona-clone")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
