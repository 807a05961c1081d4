"""Tests for persona_clone.testing."""

from __future__ import annotations

import asyncio
import datetime as dt

import pendulum
import pytest

from persona_clone import MessageKind
from persona_clone.testing import FakeClock, make_message, make_participant


class TestFakeClock:
    def test_moves_only_when_told(self) -> None:
        """The fake clock tells the same time until advanced."""
        clock = FakeClock()
        start = clock.now()

        assert start == clock.now()
        assert start.add(seconds=30) == clock.advance(seconds=30)

    def test_advance_by_timedelta(self) -> None:
        """Advance accepts a timedelta."""
        clock = FakeClock(current=pendulum.datetime(2024, 1, 1, tz="UTC"))

        clock.advance(dt.timedelta(minutes=2))

        assert pendulum.datetime(2024, 1, 1, 0, 2, tz="UTC") == clock.now()

    def test_sleep_records_and_advances(self) -> None:
        """Sleep and async_sleep advance the clock and record each wait."""
        clock = FakeClock()
        start = clock.now()

        clock.sleep(1.5)
        asyncio.run(clock.async_sleep(2))

        assert [1.5, 2] == clock.sleeps
        assert start.add(seconds=3, microseconds=500000) == clock.now()


class TestFactories:
    def test_make_message_defaults(self) -> None:
        """make_message gives a valid text message by Ada with a fresh id."""
        first, second = make_message(), make_message()

        assert first.id != second.id
        assert (MessageKind.TEXT, "Ada") == (first.kind, first.author.name if first.author else "")

    def test_make_message_overrides(self) -> None:
        """Any field can be overridden."""
        bob = make_participant("Bob")

        assert bob == make_message(author=bob).author

    def test_make_message_rejects_unknown_fields(self) -> None:
        """A misspelt field is an error, not silently ignored."""
        with pytest.raises(TypeError):
            make_message(txt="x")
