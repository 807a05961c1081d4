"""Tests for parse issues, the lenient and strict issue sinks, and the parse context."""

from __future__ import annotations

import pickle

import pendulum
import pytest

from persona_clone import (
    CollectingIssueSink,
    IssueSink,
    ParseContext,
    ParseError,
    ParseIssue,
    Severity,
    StrictIssueSink,
)


ERROR = ParseIssue(location="chat.txt:3", expected="a message header", found="'stray'")
WARNING = ParseIssue(
    location="chat.txt:1",
    expected="a known date order",
    severity=Severity.WARNING,
    lines=0,
)


class TestParseIssue:
    def test_str_names_place_expectation_and_excerpt(self) -> None:
        """An issue reads as location, severity, expectation and what was found."""
        assert "chat.txt:3: error: expected a message header, found 'stray'" == str(ERROR)

    def test_str_without_found(self) -> None:
        """Without an excerpt the message stops after the expectation."""
        assert "chat.txt:1: warning: expected a known date order" == str(WARNING)

    def test_to_error(self) -> None:
        """An issue converts to a ParseError with the same parts, which pickles."""
        error = ERROR.to_error()

        assert ("chat.txt:3", "a message header", "'stray'") == (
            error.location,
            error.expected,
            error.found,
        )
        assert str(error) == str(pickle.loads(pickle.dumps(error)))  # noqa: S301


class TestCollectingIssueSink:
    def test_collects_and_splits_by_severity(self) -> None:
        """The lenient sink keeps every issue and splits errors from warnings."""
        sink = CollectingIssueSink()

        sink.report(ERROR)
        sink.report(WARNING)

        assert ([ERROR, WARNING], [ERROR], [WARNING]) == (
            sink.issues,
            sink.errors,
            sink.warnings,
        )

    def test_is_an_issue_sink(self) -> None:
        """Both sinks satisfy the IssueSink protocol."""
        assert isinstance(CollectingIssueSink(), IssueSink)
        assert isinstance(StrictIssueSink(), IssueSink)


class TestStrictIssueSink:
    def test_error_raises(self) -> None:
        """The strict sink raises ParseError at the first error."""
        with pytest.raises(ParseError, match=r"chat\.txt:3: expected a message header"):
            StrictIssueSink().report(ERROR)

    def test_warning_is_kept(self) -> None:
        """The strict sink keeps warnings without raising."""
        sink = StrictIssueSink()

        sink.report(WARNING)

        assert [WARNING] == sink.warnings


class TestParseContext:
    def test_report_cuts_and_quotes_the_excerpt(self) -> None:
        """report() shortens what was found and shows invisible characters."""
        sink = CollectingIssueSink()
        context = ParseContext(issues=sink)

        context.report("f:1", "a header", "\u200e" + "x" * 100, severity=Severity.WARNING, lines=0)

        issue = sink.issues[0]
        assert issue.found.startswith("'\\u200e")
        assert issue.found.endswith("…'")
        assert (Severity.WARNING, 0) == (issue.severity, issue.lines)

    def test_zone_from_name(self) -> None:
        """The zone may be given by name; the default is UTC."""
        assert "Europe/Istanbul" == ParseContext(tz="Europe/Istanbul").tz.name
        assert "UTC" == ParseContext().tz.name

    def test_zone_object(self) -> None:
        """A zone object is kept as it is."""
        zone = pendulum.timezone("Asia/Kolkata")

        assert zone is ParseContext(tz=zone).tz
