"""Tests for persona_clone.testing.strategies: every argument a value or a strategy."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Message, MessageKind, Participant, Session
from persona_clone.testing.strategies import (
    chats,
    gaps,
    messages,
    participants,
    sessions,
    timestamps,
)


ADA = Participant(id="ada", name="Ada")
BOB = Participant(id="bob", name="Bob")


class TestChats:
    @given(chats())
    def test_chats_are_chronological_with_unique_ids_and_earlier_replies(
        self, chat: list[Message]
    ) -> None:
        """Times never go back, ids are unique, and a reply names an earlier message."""
        seen: set[str] = set()

        for before, after in itertools.pairwise(chat):
            assert before.sent_at <= after.sent_at
        for message in chat:
            assert message.reply_to is None or message.reply_to in seen
            seen.add(message.id)
        assert len(seen) == len(chat)

    @given(chats(texts="merhaba dünya", authors=ADA, kinds=MessageKind.TEXT, min_size=1))
    def test_plain_values_fix_every_message(self, chat: list[Message]) -> None:
        """A value instead of a strategy is used for every message."""
        assert {("merhaba dünya", ADA, MessageKind.TEXT)} == {
            (m.text, m.author, m.kind) for m in chat
        }

    @given(chats(texts=st.sampled_from(["a", "b c"]), authors=st.sampled_from([ADA, BOB])))
    def test_strategies_are_drawn_per_message(self, chat: list[Message]) -> None:
        """A strategy is drawn for each message."""
        assert {m.text for m in chat} <= {"a", "b c"}
        assert {m.author for m in chat} <= {ADA, BOB, None}

    @given(chats(start=pendulum.datetime(2024, 3, 31, 0, 30, tz="Europe/London"), min_size=2))
    def test_a_start_value_sets_the_first_time_and_the_zone(self, chat: list[Message]) -> None:
        """The first message is at *start*; the others are in its zone, later."""
        assert pendulum.datetime(2024, 3, 31, 0, 30, tz="Europe/London") == chat[0].sent_at
        assert {"Europe/London"} == {m.sent_at.tzinfo.name for m in chat}  # type: ignore[union-attr]

    @given(chats(min_size=3, max_size=5))
    def test_sizes_are_bounds(self, chat: list[Message]) -> None:
        """The number of messages stays within *min_size* and *max_size*."""
        assert 3 <= len(chat) <= 5

    def test_naive_start_is_refused(self) -> None:
        """A naive start time raises a clear error instead of generating naive messages."""

        @given(chats(start=dt.datetime(2024, 1, 1), min_size=1))  # noqa: DTZ001
        def draw(chat: list[Message]) -> None:
            pass

        with pytest.raises(ValueError, match="aware start time"):
            draw()


class TestGaps:
    @given(gaps(min_gap=pendulum.duration(minutes=1), max_gap=dt.timedelta(hours=2)))
    def test_duration_bounds(self, gap: pendulum.Duration) -> None:
        """Bounds given as durations hold, in whole seconds."""
        assert 60 <= gap.total_seconds() <= 7200
        assert gap.total_seconds().is_integer()

    @given(gaps(min_gap=0.25, max_gap=0.5))
    def test_second_bounds_below_one_second(self, gap: pendulum.Duration) -> None:
        """Bounds in seconds may be fractions."""
        assert 0.25 <= gap.total_seconds() <= 0.5

    @given(gaps(min_gap=st.sampled_from([dt.timedelta(seconds=5), dt.timedelta(seconds=9)])))
    def test_a_bound_may_be_a_strategy(self, gap: pendulum.Duration) -> None:
        """A strategy bound is drawn first."""
        assert 5 <= gap.total_seconds() <= 6 * 3600

    def test_empty_range_is_refused(self) -> None:
        """A minimum above the maximum raises ValueError."""
        with pytest.raises(ValueError, match="min_gap <= max_gap"):
            gaps(min_gap=dt.timedelta(hours=1), max_gap=dt.timedelta(minutes=1))


class TestOtherStrategies:
    @given(timestamps(tz="Asia/Kolkata"))
    def test_timestamps_zone_value(self, when: pendulum.DateTime) -> None:
        """A zone name fixes the zone."""
        assert dt.timedelta(hours=5, minutes=30) == when.utcoffset()

    @given(participants(names="Çağla"))
    def test_participants_name_value(self, person: Participant) -> None:
        """A name value fixes the name; the id is its case-fold."""
        assert Participant(id="çağla", name="Çağla") == person

    @given(messages(texts="selam", kinds=MessageKind.TEXT, ids="m1"))
    def test_messages_values(self, message: Message) -> None:
        """Values fix a message's fields."""
        assert ("m1", "selam", MessageKind.TEXT) == (message.id, message.text, message.kind)

    @given(sessions(gap=dt.timedelta(minutes=5), authors=ADA))
    def test_sessions_take_values_too(self, session: Session) -> None:
        """A session never holds a gap above the fixed *gap*."""
        times = [m.sent_at for m in session.messages]

        assert all(b - a <= dt.timedelta(minutes=5) for a, b in itertools.pairwise(times))
