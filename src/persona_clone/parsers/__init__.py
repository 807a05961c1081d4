"""
Parser plugins: the `Parser` protocol, its inputs, issue sinks and the registry.

A parser reads what `Source` and `Sample` give it and reports problems to an
`IssueSink`; the registry finds parsers.

A parser reads one chat-export format. Built-in parsers and third-party plugins
are found the same way, through the entry-point group ``persona_clone.parsers``;
see ``docs/writing-a-parser.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
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
    from .interchange_format import (
        INTERCHANGE_VERSION,
        Record,
        read_jsonl,
        write_jsonl,
    )
    from .registry import (
        BUILTIN_PARSERS,
        ParserRegistry,
        carries_replies,
        parse,
        resolve_parser,
    )
    from .source import (
        SAMPLE_SIZE,
        Sample,
        Source,
        detect_encoding,
    )


__all__ = [
    "BUILTIN_PARSERS",
    "ENTRY_POINT_GROUP",
    "INTERCHANGE_VERSION",
    "SAMPLE_SIZE",
    "CollectingIssueSink",
    "IssueSink",
    "ParseContext",
    "ParseIssue",
    "Parser",
    "ParserRegistry",
    "Record",
    "Sample",
    "Severity",
    "Source",
    "StrictIssueSink",
    "carries_replies",
    "detect_encoding",
    "parse",
    "read_jsonl",
    "resolve_parser",
    "write_jsonl",
]

_NAMES: Final = {
    "BUILTIN_PARSERS": ".registry",
    "CollectingIssueSink": ".base",
    "ENTRY_POINT_GROUP": ".base",
    "INTERCHANGE_VERSION": ".interchange_format",
    "IssueSink": ".base",
    "ParseContext": ".base",
    "ParseIssue": ".base",
    "Parser": ".base",
    "ParserRegistry": ".registry",
    "Record": ".interchange_format",
    "SAMPLE_SIZE": ".source",
    "Sample": ".source",
    "Severity": ".base",
    "Source": ".source",
    "StrictIssueSink": ".base",
    "carries_replies": ".registry",
    "detect_encoding": ".source",
    "parse": ".registry",
    "read_jsonl": ".interchange_format",
    "resolve_parser": ".registry",
    "write_jsonl": ".interchange_format",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
