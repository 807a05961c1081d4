"""
What every parser shares: the `Parser` protocol, the parse context and issue sinks.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
from collections.abc import Iterator
from typing import Final, Literal, Protocol, runtime_checkable

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

_TIME: Final = "a time: ISO 8601 text, a Unix time, a date or a datetime"
_UNITS: Final = {"seconds": 1.0, "milliseconds": 1e3, "microseconds": 1e6}


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


def _zone(
    zone: str | pendulum.Timezone | pendulum.FixedTimezone,
) -> pendulum.Timezone | pendulum.FixedTimezone:
    return pendulum.timezone(zone) if isinstance(zone, str) else zone


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
        factory=lambda: pendulum.timezone("UTC"), converter=_zone
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

    def time(
        self,
        found: object,
        *,
        location: str,
        unit: Literal["seconds", "milliseconds", "microseconds"] = "seconds",
    ) -> pendulum.DateTime:
        """
        Return what an export wrote as a time, as an aware time.

        What carries its own offset keeps it; what does not is read as wall time
        in the caller's zone (*tz*, the ``tz=`` of `persona_clone.parse`):

        - an aware `datetime.datetime`: the same instant;
        - a naive `datetime.datetime`: that wall time in *tz*;
        - a `datetime.date`: its midnight in *tz*;
        - a `str` in ISO 8601 (``2024-05-06T09:15:00+03:00``, ``2024-05-06 09:15``,
          ``2024-05-06``): with its offset, or as wall time (or midnight) in *tz*;
        - an `int` or `float`: a Unix time in *unit*, shown in *tz*.

        Args:
            found: The value read from the export.
            location: Where it was read (``file:line`` or ``file $.json.path``),
                for the error.
            unit: What a number counts since 1970-01-01 UTC.

        Returns:
            A timezone-aware `pendulum.DateTime`.

        Raises:
            ParseError: *found* is none of the above, names no real time (month 13),
                or is a bare time of day or a duration; located at *location*.

        .. versionadded:: 0.1.0
        """
        if isinstance(found, dt.datetime):
            return pendulum.instance(found, tz=self.tz)
        if isinstance(found, dt.date):
            return pendulum.datetime(found.year, found.month, found.day, tz=self.tz)
        if isinstance(found, str):
            return self._parsed(found, location)
        if isinstance(found, (int, float)) and not isinstance(found, bool):
            seconds = found / _UNITS[unit]
            try:
                if not math.isfinite(seconds):
                    raise ValueError(found)  # noqa: TRY301 - one message for every bad number
                return pendulum.from_timestamp(seconds, tz=pendulum.UTC).in_timezone(self.tz)
            except (ValueError, OverflowError, OSError):
                raise ParseError(location, f"a Unix time in {unit}", excerpt(str(found))) from None
        raise ParseError(location, _TIME, excerpt(repr(found)))

    def _parsed(self, text: str, location: str) -> pendulum.DateTime:
        try:
            value = pendulum.parse(text.strip(), exact=True, tz=self.tz)
        except (ValueError, TypeError, OverflowError):
            raise ParseError(location, _TIME, excerpt(text)) from None
        if isinstance(value, pendulum.DateTime):
            return value
        if isinstance(value, pendulum.Date):
            return pendulum.datetime(value.year, value.month, value.day, tz=self.tz)
        raise ParseError(location, "a date, with or without a time of day", excerpt(text))


@runtime_checkable
class Parser(Protocol):
    """
    A reader for one chat-export format.

    Implementations are small classes; their constructor takes the format's own
    options (all with defaults), so the registry can build one with no arguments.
    """

    @property
    def name(self) -> str:
        """The format's identifier, e.g. ``"whatsapp"``, ``"discord-json"`` (a class attribute)."""
        ...

    def sniff(self, sample: Sample) -> float:
        """Return 0.0-1.0: how sure this parser is that *sample* is its format."""
        ...

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """Yield messages in chronological order, reporting every unreadable line or record."""
        ...
