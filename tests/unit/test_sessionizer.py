"""Tests for persona_clone.conversation.sessionizer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import pendulum
import pytest

from persona_clone import Message, MessageKind, OutOfOrderError, Sessionizer, SourceRef
from persona_clone.testing import make_message


T0 = pendulum.datetime(2024, 3, 1, 20, tz="Europe/Istanbul")


def at(*minutes: float, **overrides: object) -> list[Message]:
    """Messages sent the given numbers of minutes after T0."""
    return [make_message(sent_at=T0.add(seconds=int(m * 60)), **overrides) for m in minutes]


def sizes(sessionizer: Sessionizer, chat: list[Message]) -> list[int]:
    return [len(s.messages) for s in sessionizer(chat)]


class TestSessionizer:
    def test_default_gap_is_five_minutes(self) -> None:
        """The default gap is five minutes."""
        assert pendulum.duration(minutes=5) == Sessionizer().gap

    def test_splits_where_the_pause_exceeds_the_gap(self) -> None:
        """A pause longer than the gap starts a new session."""
        assert [3, 2] == sizes(Sessionizer(), at(0, 4, 8, 14, 15))

    def test_pause_equal_to_gap_stays_in_the_session(self) -> None:
        """Exactly *gap* apart is not more than *gap*: same session."""
        assert [2] == sizes(Sessionizer(), at(0, 5))

    def test_accepts_timedelta(self) -> None:
        """A datetime.timedelta gap is accepted and held as a pendulum Duration."""
        sessionizer = Sessionizer(gap=dt.timedelta(minutes=1))

        assert isinstance(sessionizer.gap, pendulum.Duration)
        assert [1, 1] == sizes(sessionizer, at(0, 2))

    def test_refuses_numbers(self) -> None:
        """A bare number is refused: units live in types."""
        with pytest.raises(TypeError, match="timedelta"):
            Sessionizer(gap=300)

    def test_refuses_non_positive_gap(self) -> None:
        """A zero gap is refused."""
        with pytest.raises(ValueError, match="positive"):
            Sessionizer(gap=dt.timedelta(0))

    def test_max_messages(self) -> None:
        """A session is cut once it holds max_messages messages."""
        assert [2, 2, 1] == sizes(Sessionizer(max_messages=2), at(0, 1, 2, 3, 4))

    def test_max_duration(self) -> None:
        """A message that would make the session span more than max_duration starts a new one."""
        sessionizer = Sessionizer(max_duration=pendulum.duration(minutes=10))

        assert [3, 3] == sizes(sessionizer, at(0, 4, 8, 12, 16, 20))

    def test_system_events_as_hard_cuts(self) -> None:
        """With cut_on_system, a system event stands alone between sessions."""
        chat = [
            *at(0, 1),
            make_message(sent_at=T0.add(minutes=2), kind=MessageKind.SYSTEM, text="Bob joined"),
            *at(3),
        ]

        assert [2, 1, 1] == sizes(Sessionizer(cut_on_system=True), chat)
        assert [4] == sizes(Sessionizer(), chat)

    def test_empty_chat(self) -> None:
        """No messages give no sessions."""
        assert [] == list(Sessionizer()([]))

    def test_out_of_order_is_rejected_naming_the_message(self) -> None:
        """A message earlier than the one before it raises, naming it and its place."""
        chat = [
            make_message(id="a", sent_at=T0.add(minutes=5)),
            make_message(id="b", sent_at=T0, source=SourceRef(file="chat.txt", line=7)),
        ]

        with pytest.raises(OutOfOrderError, match=r"chat\.txt:7.*'b'") as info:
            list(Sessionizer()(chat))
        assert "b" == info.value.message_id

    def test_equal_times_are_in_order(self) -> None:
        """Messages with the same time are chronological."""
        assert [3] == sizes(Sessionizer(), at(0, 0, 0))

    def test_mixed_zones_compare_as_instants(self) -> None:
        """Messages in different zones are compared as instants."""
        first = make_message(sent_at=pendulum.datetime(2024, 1, 1, 12, tz="UTC"))
        second = make_message(sent_at=pendulum.datetime(2024, 1, 1, 15, 2, tz="Europe/Istanbul"))

        assert [2] == sizes(Sessionizer(), [first, second])

    def test_daylight_saving_fall_back_is_not_going_back_in_time(self) -> None:
        """Across a DST fall-back, wall-clock times repeat but instants move on."""
        london = pendulum.timezone("Europe/London")
        before = make_message(sent_at=pendulum.DateTime(2024, 10, 27, 1, 58, tzinfo=london, fold=0))
        after = make_message(sent_at=pendulum.DateTime(2024, 10, 27, 1, 1, tzinfo=london, fold=1))

        assert [2] == sizes(Sessionizer(), [before, after])

    def test_sessions_never_span_two_chats(self) -> None:
        """A change of chat starts a new session, and time may restart with the new chat."""
        chat = [
            *at(0, 1, chat="general"),
            *at(0, 2, chat="random"),  # the next channel of an account-wide export
            *at(3, chat="random"),
        ]

        sessions = list(Sessionizer()(chat))

        assert [("general", 2), ("random", 3)] == [
            (s.messages[0].chat, len(s.messages)) for s in sessions
        ]

    def test_out_of_order_within_a_chat_is_still_rejected(self) -> None:
        """Time going back inside one chat is still an error."""
        with pytest.raises(OutOfOrderError):
            list(Sessionizer()([*at(5, chat="a"), *at(1, chat="a")]))

    def test_is_lazy(self) -> None:
        """Sessions come out of an endless stream one at a time."""

        def endless() -> Iterator[Message]:
            for i in itertools.count():
                yield make_message(sent_at=T0.add(hours=i))

        first_three = list(itertools.islice(Sessionizer()(endless()), 3))

        assert [1, 1, 1] == [len(s.messages) for s in first_three]

    def test_session_bounds(self) -> None:
        """A session's start and end are its first and last send times."""
        (session,) = Sessionizer()(at(0, 2, 3))

        assert (T0, T0.add(minutes=3)) == (session.start, session.end)
        assert dt.timedelta(minutes=3) == session.duration


LONDON = pendulum.timezone("Europe/London")


class TestDaylightSaving:
    def test_the_repeated_autumn_hour_is_in_order(self) -> None:
        """01:10 GMT after 01:30 BST is 40 minutes later, not out of order."""
        summer = pendulum.DateTime(2024, 10, 27, 1, 30, tzinfo=LONDON)
        winter = pendulum.DateTime(2024, 10, 27, 1, 10, tzinfo=LONDON, fold=1)
        chat = [make_message(sent_at=summer), make_message(sent_at=winter)]

        sessions = list(Sessionizer(gap=pendulum.duration(minutes=45))(chat))

        assert [2] == [len(s.messages) for s in sessions]

    def test_the_skipped_spring_hour_is_not_a_pause(self) -> None:
        """00:50 GMT to 02:10 BST is 20 minutes, within a 30-minute gap."""
        before = pendulum.DateTime(2024, 3, 31, 0, 50, tzinfo=LONDON)
        after = pendulum.DateTime(2024, 3, 31, 2, 10, tzinfo=LONDON)
        chat = [make_message(sent_at=before), make_message(sent_at=after)]

        sessions = list(Sessionizer(gap=pendulum.duration(minutes=30))(chat))

        assert [2] == [len(s.messages) for s in sessions]
