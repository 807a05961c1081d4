"""Laws of sessionizing, over generated chats."""

from __future__ import annotations

import datetime as dt
import itertools

import attrs
import pendulum
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Message, Sessionizer
from persona_clone.conversation.sessionizer import _PosixSeconds
from persona_clone.testing.strategies import chats, gaps, timestamps


def _gap(a: dt.datetime, b: dt.datetime) -> dt.timedelta:
    return dt.timedelta(seconds=b.timestamp() - a.timestamp())


TWO_HOURS = pendulum.duration(hours=2)


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

    @given(
        chats(),
        gaps(),
        gaps(min_gap=pendulum.duration(minutes=1), max_gap=pendulum.duration(hours=2)),
    )
    def test_max_duration_bounds_every_session(
        self, chat: list[Message], gap: pendulum.Duration, span: pendulum.Duration
    ) -> None:
        """No session spans more than max_duration."""
        for session in Sessionizer(gap=gap, max_duration=span)(chat):
            assert session.duration <= span


def _tagged(chats: list[list[Message]]) -> list[Message]:
    """Concatenate *chats*, each message's chat set to its chat's number."""
    return [attrs.evolve(m, chat=f"chat-{n}") for n, chat in enumerate(chats) for m in chat]


class TestMultiChatLaws:
    @given(st.lists(chats(max_size=15), max_size=5), gaps())
    def test_sessions_partition_the_stream_in_order(
        self, several: list[list[Message]], gap: pendulum.Duration
    ) -> None:
        """Chats one after another, time starting again at each, partition in order."""
        stream = _tagged(several)

        sessions = list(Sessionizer(gap=gap)(stream))

        assert stream == [m for s in sessions for m in s.messages]

    @given(st.lists(chats(max_size=15), max_size=5), gaps())
    def test_every_session_has_exactly_one_chat(
        self, several: list[list[Message]], gap: pendulum.Duration
    ) -> None:
        """No session mixes two chats."""
        for session in Sessionizer(gap=gap)(_tagged(several)):
            assert 1 == len({m.chat for m in session.messages})

    @given(st.lists(chats(max_size=15), max_size=5), gaps(), st.integers(1, 8))
    def test_same_as_sessionizing_each_chat_alone(
        self, several: list[list[Message]], gap: pendulum.Duration, limit: int
    ) -> None:
        """The sessions of the stream are the sessions of each chat, chat after chat."""
        stream = _tagged(several)
        sessionizer = Sessionizer(gap=gap, max_messages=limit)
        alone = [
            session
            for chat in {m.chat: None for m in stream}
            for session in sessionizer([m for m in stream if m.chat == chat])
        ]

        assert alone == list(sessionizer(stream))


_ZONES = st.sampled_from(
    ["Europe/Istanbul", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
)


class TestPosixSeconds:
    """The sessionizer's cached timestamps equal ``datetime.timestamp()`` exactly."""

    @given(
        walls=st.lists(
            st.tuples(
                st.datetimes(
                    min_value=dt.datetime(2009, 1, 1),  # noqa: DTZ001
                    max_value=dt.datetime(2035, 1, 1),  # noqa: DTZ001
                ),
                _ZONES,
                st.sampled_from([0, 1]),
            ),
            max_size=30,
        )
    )
    def test_equal_to_timestamp_for_any_wall_time_zone_and_fold(
        self, walls: list[tuple[dt.datetime, str, int]]
    ) -> None:
        """DST days, folds and nonexistent wall times included; the cache is shared."""
        seconds = _PosixSeconds()
        for naive, key, fold in walls:
            when = pendulum.instance(naive.replace(fold=fold), tz=pendulum.timezone(key))
            when = when.replace(fold=fold)

            assert when.timestamp() == seconds(when)

    @given(st.lists(timestamps(), max_size=30), st.sampled_from([1, 2]))
    def test_equal_for_instants_seen_again(self, instants: list[dt.datetime], rounds: int) -> None:
        """Reading the same instants again (cached days) gives the same seconds."""
        seconds = _PosixSeconds()
        for when in instants * rounds:
            assert when.timestamp() == seconds(when)


class TestSharedTimes:
    """Parsers hand consecutive messages one shared time object; sessions do not notice."""

    @given(chats(max_size=30), st.lists(st.booleans(), max_size=30), gaps())
    def test_shared_time_objects_split_like_equal_copies(
        self, chat: list[Message], share: list[bool], gap: pendulum.Duration
    ) -> None:
        """Sharing the previous message's time object equals giving it an equal copy."""
        shared, copied = list[Message](), list[Message]()
        for index, message in enumerate(chat):
            if index and index < len(share) and share[index]:
                previous = shared[-1].sent_at
                shared.append(attrs.evolve(message, sent_at=previous))
                copied.append(attrs.evolve(message, sent_at=previous.replace()))
            else:
                shared.append(message)
                copied.append(message)

        def split(messages: list[Message]) -> list[list[str]]:
            return [[m.id for m in s.messages] for s in Sessionizer(gap=gap)(messages)]

        assert split(copied) == split(shared)
