"""Tests for parse issues, the lenient and strict issue sinks, and the parse context."""

from __future__ import annotations

import datetime as dt
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


ISTANBUL = ParseContext(tz="Europe/Istanbul")


class TestContextTime:
    @pytest.mark.parametrize(
        ("found", "expected"),
        [
            (dt.datetime(2024, 5, 6, 9, 15), "2024-05-06T09:15:00+03:00"),  # noqa: DTZ001
            (dt.datetime(2024, 5, 6, 9, 15, tzinfo=dt.timezone.utc), "2024-05-06T09:15:00+00:00"),
            (dt.date(2024, 5, 6), "2024-05-06T00:00:00+03:00"),
            ("2024-05-06T09:15:00", "2024-05-06T09:15:00+03:00"),
            (" 2024-05-06 09:15 ", "2024-05-06T09:15:00+03:00"),
            ("2024-05-06T09:15:00-04:00", "2024-05-06T09:15:00-04:00"),
            ("2024-05-06T06:15:00Z", "2024-05-06T06:15:00+00:00"),
            ("2024-05-06", "2024-05-06T00:00:00+03:00"),
            (1714976100, "2024-05-06T09:15:00+03:00"),
            (1714976100.5, "2024-05-06T09:15:00.500000+03:00"),
        ],
    )
    def test_found_times_become_aware_in_the_callers_zone(
        self, found: object, expected: str
    ) -> None:
        """Offsets are kept; wall times, dates and Unix times are read in the context's zone."""
        when = ISTANBUL.time(found, location="chat.txt:4")

        assert expected == when.isoformat()
        assert isinstance(when, pendulum.DateTime)

    def test_unix_time_units(self) -> None:
        """Milliseconds and microseconds since 1970 give the same instant as seconds."""
        seconds = ISTANBUL.time(1714976100, location="x")

        assert seconds == ISTANBUL.time(1714976100_000, location="x", unit="milliseconds")
        assert seconds == ISTANBUL.time(1714976100_000_000, location="x", unit="microseconds")

    @pytest.mark.parametrize(
        ("found", "expected"),
        [
            ("09:15", "a date, with or without a time of day"),
            ("P1D", "a date, with or without a time of day"),
            ("2024-13-01", "a time: ISO 8601 text"),
            ("yesterday", "a time: ISO 8601 text"),
            (float("nan"), "a Unix time in seconds"),
            (1e300, "a Unix time in seconds"),
            (True, "a time: ISO 8601 text"),
            (None, "a time: ISO 8601 text"),
            ([2024, 5, 6], "a time: ISO 8601 text"),
        ],
    )
    def test_what_is_no_time_raises_a_located_parse_error(
        self, found: object, expected: str
    ) -> None:
        """A value that names no time raises ParseError at the given place, never another error."""
        with pytest.raises(ParseError) as error:
            ISTANBUL.time(found, location="chat.json $.messages[3].date")

        assert "chat.json $.messages[3].date" == error.value.location
        assert error.value.expected.startswith(expected)
