"""
What every parser shares: the `Parser` protocol, the parse context and issue sinks.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from typing import ClassVar, Final, Protocol, runtime_checkable

import pendulum
from attrs import define, field, frozen

from ..errors import ParseError, excerpt
from ..message import Message
from .source import Sample, Source


__all__ = [
    "ENTRY_POINT_GROUP",
    "CollectingIssueSink",
    "IssueSink",
    "ParseContext",
    "ParseIssue",
    "Parser",
    "Severity",
    "StrictIssueSink",
]

ENTRY_POINT_GROUP: Final = "persona_clone.parsers"
"""The entry-point group in which parser plugins register."""

logger = logging.getLogger(__name__)


class Severity(enum.Enum):
    """How bad a parse issue is."""

    WARNING = "warning"
    """The input was read, but a guess was made (e.g. an ambiguous date order)."""
    ERROR = "error"
    """A line or record could not be turned into a message."""


@frozen(kw_only=True)
class ParseIssue:
    """
    A problem found while parsing, located in the input.

    Args:
        location: ``file:line`` for text exports, ``file $.json.path`` for JSON.
        expected: What the parser expected there.
        found: A short excerpt of what it found (use `persona_clone.errors.excerpt`).
        severity: Error (input lost unless fixed) or warning (a guess was made).
        lines: How many input lines (or records) the issue accounts for.
    """

    location: str
    expected: str
    found: str = ""
    severity: Severity = Severity.ERROR
    lines: int = 1

    def __str__(self) -> str:
        found = f", found {self.found}" if self.found else ""
        return f"{self.location}: {self.severity.value}: expected {self.expected}{found}"

    def to_error(self) -> ParseError:
        """Return this issue as a `persona_clone.errors.ParseError`."""
        return ParseError(self.location, self.expected, self.found)


@runtime_checkable
class IssueSink(Protocol):
    """Where parsers report problems; the caller chooses what happens to them."""

    def report(self, issue: ParseIssue) -> None:
        """Take one *issue*; may raise to stop parsing (strict mode)."""
        ...


@define
class CollectingIssueSink:
    """Lenient mode: collect every issue and let parsing go on."""

    issues: list[ParseIssue] = field(factory=list)

    def report(self, issue: ParseIssue) -> None:
        """Keep *issue* and log it (location only, no chat text beyond the excerpt)."""
        self.issues.append(issue)
        logger.debug("parse issue: %s", issue)

    @property
    def errors(self) -> list[ParseIssue]:
        """The issues of severity error."""
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[ParseIssue]:
        """The issues of severity warning."""
        return [i for i in self.issues if i.severity is Severity.WARNING]


@define
class StrictIssueSink:
    """Strict mode: the first error raises `ParseError`; warnings are collected."""

    warnings: list[ParseIssue] = field(factory=list)

    def report(self, issue: ParseIssue) -> None:
        """Raise *issue* as `ParseError` if it is an error, else keep it."""
        if issue.severity is Severity.ERROR:
            raise issue.to_error()
        self.warnings.append(issue)


@frozen(kw_only=True)
class ParseContext:
    """
    What a parser is given besides its input.

    Args:
        issues: Where to report every line or record that does not become a message.
        tz: Zone of exports that write local wall time without an offset (WhatsApp,
            Signal). Formats that store instants ignore it.
    """

    issues: IssueSink = field(factory=CollectingIssueSink)
    tz: pendulum.Timezone | pendulum.FixedTimezone = field(
        factory=lambda: pendulum.timezone("UTC"),
        converter=lambda zone: pendulum.timezone(zone) if isinstance(zone, str) else zone,
    )

    def report(
        self,
        location: str,
        expected: str,
        found: str = "",
        *,
        severity: Severity = Severity.ERROR,
        lines: int = 1,
    ) -> None:
        """Report a problem at *location*; *found* is cut and quoted here."""
        self.issues.report(
            ParseIssue(
                location=location,
                expected=expected,
                found=excerpt(found) if found else "",
                severity=severity,
                lines=lines,
            )
        )


@runtime_checkable
class Parser(Protocol):
    """
    A reader for one chat-export format.

    Implementations are small classes; their constructor takes the format's own
    options (all with defaults), so the registry can build one with no arguments.
    """

    name: ClassVar[str]
    """The format's identifier, e.g. ``"whatsapp"``, ``"discord-json"``."""

    def sniff(self, sample: Sample) -> float:
        """Return 0.0-1.0: how sure this parser is that *sample* is its format."""
        ...

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """Yield messages in chronological order, reporting every unreadable line or record."""
        ...
