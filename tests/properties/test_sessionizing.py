"""Laws of sessionizing, over generated chats."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Message, Sessionizer
from persona_clone.testing.strategies import chats, gaps


def _gap(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    return dt.timedelta(seconds=b.timestamp() - a.timestamp())


class TestSessionizingLaws:
    @given(chats(), gaps())
    def test_sessions_partition_the_chat_in_order(
        self, chat: list[Message], gap: pendulum.Duration
    ) -> None:
        """Concatenating the sessions gives back the chat, in order."""
        sessions = list(Sessionizer(gap=gap)(chat))

        assert chat == [m for s in sessions for m in s.messages]

    @given(chats(), gaps())
    def test_no_gap_inside_a_session_exceeds_gap(
        self, chat: list[Message], gap: pendulum.Duration
    ) -> None:
        """Consecutive messages inside a session are at most *gap* apart."""
        for session in Sessionizer(gap=gap)(chat):
            for a, b in itertools.pairwise(session.messages):
                assert _gap(a.sent_at, b.sent_at) <= gap

    @given(chats(), gaps())
    def test_gaps_between_sessions_exceed_gap(
        self, chat: list[Message], gap: pendulum.Duration
    ) -> None:
        """The pause between consecutive sessions is more than *gap*."""
        sessions = list(Sessionizer(gap=gap)(chat))

        for before, after in itertools.pairwise(sessions):
            assert _gap(before.end, after.start) > gap

    @given(chats(), gaps())
    def test_idempotent_per_session(self, chat: list[Message], gap: pendulum.Duration) -> None:
        """Sessionizing one session again gives that session back unchanged."""
        sessionizer = Sessionizer(gap=gap)

        for session in sessionizer(chat):
            assert [session] == list(sessionizer(session.messages))

    @given(chats(), gaps(), st.integers(min_value=1, max_value=8))
    def test_max_messages_bounds_every_session(
        self, chat: list[Message], gap: pendulum.Duration, limit: int
    ) -> None:
        """No session holds more than max_messages, and the partition law still holds."""
        sessions = list(Sessionizer(gap=gap, max_messages=limit)(chat))

        assert all(len(s.messages) <= limit for s in sessions)
        assert chat == [m for s in sessions for m in s.messages]

    @given(chats(), gaps(), gaps(min_seconds=60, max_seconds=7200))
    def test_max_duration_bounds_every_session(
        self, chat: list[Message], gap: pendulum.Duration, span: pendulum.Duration
    ) -> None:
        """No session spans more than max_duration."""
        for session in Sessionizer(gap=gap, max_duration=span)(chat):
            assert session.duration <= span
