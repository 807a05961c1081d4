"""
Parser plugins: the `Parser` protocol, its inputs, issue sinks and the registry.

A parser reads what `Source` and `Sample` give it and reports problems to an
`IssueSink`; the registry finds parsers.

A parser reads one chat-export format. Built-in parsers and third-party plugins
are found the same way, through the entry-point group ``persona_clone.parsers``;
see ``docs/writing-a-parser.md``.
"""

from __future__ import annotations

from .base import (
    ENTRY_POINT_GROUP,
    CollectingIssueSink,
    IssueSink,
    ParseContext,
    ParseIssue,
    Parser,
    Severity,
    StrictIssueSink,
)
from .registry import BUILTIN_PARSERS, ParserRegistry, carries_replies, parse, resolve_parser
from .source import Sample, Source, detect_encoding


__all__ = [
    "BUILTIN_PARSERS",
    "ENTRY_POINT_GROUP",
    "CollectingIssueSink",
    "IssueSink",
    "ParseContext",
    "ParseIssue",
    "Parser",
    "ParserRegistry",
    "Sample",
    "Severity",
    "Source",
    "StrictIssueSink",
    "carries_replies",
    "detect_encoding",
    "parse",
    "resolve_parser",
]
