"""Tests for persona_clone.conversation.merger."""

from __future__ import annotations

import pendulum
from hypothesis import given

from persona_clone import MergedSession, Merger, Message, MessageKind, Participant, Session, Turn
from persona_clone.testing import make_message, make_participant
from persona_clone.testing.strategies import sessions


T0 = pendulum.datetime(2024, 3, 1, 20, tz="UTC")
ADA = make_participant("Ada")
BOB = make_participant("Bob")


def speaker(message: Message) -> str | None:
    return None if message.author is None else message.author.id


def session(*spec: tuple[Participant | None, str, int]) -> Session:
    return Session(
        messages=[
            make_message(
                author=who,
                text=text,
                sent_at=T0.add(seconds=s),
                kind=MessageKind.SYSTEM if who is None else MessageKind.TEXT,
            )
            for who, text, s in spec
        ]
    )


class TestMerger:
    def test_consecutive_messages_of_one_speaker_merge(self) -> None:
        """A speaker's consecutive messages become one turn joined by newlines."""
        turns = Merger().turns(session((ADA, "selam", 0), (ADA, "naber", 5), (BOB, "iyi", 9)))

        assert [("Ada", "selam\nnaber"), ("Bob", "iyi")] == [
            (t.author.name if t.author else None, t.text) for t in turns
        ]

    def test_turn_keeps_its_messages(self) -> None:
        """A turn keeps the messages it came from, in order."""
        s = session((ADA, "a", 0), (ADA, "b", 1))

        (turn,) = Merger().turns(s)

        assert s.messages == turn.messages

    def test_custom_joiner(self) -> None:
        """The joiner is configurable."""
        (turn,) = Merger(joiner=" / ").turns(session((ADA, "a", 0), (ADA, "b", 1)))

        assert "a / b" == turn.text

    def test_within_splits_slow_runs(self) -> None:
        """With *within*, messages further apart stay separate turns."""
        merger = Merger(within=pendulum.duration(seconds=30))

        turns = merger.turns(session((ADA, "a", 0), (ADA, "b", 20), (ADA, "c", 120)))

        assert ["a\nb", "c"] == [t.text for t in turns]

    def test_speakers_compare_by_id(self) -> None:
        """A nickname change inside a run does not split it."""
        renamed = Participant(id=ADA.id, name="Ada 🌸")

        turns = Merger().turns(session((ADA, "a", 0), (renamed, "b", 1)))

        assert 1 == len(turns)

    def test_system_events_merge_together(self) -> None:
        """A run of system events is one authorless turn."""
        turns = Merger().turns(
            session((None, "x joined", 0), (None, "y joined", 1), (ADA, "hi", 2))
        )

        assert [None, ADA] == [t.author for t in turns]

    def test_call_yields_one_tuple_per_session(self) -> None:
        """Calling the merger on sessions yields a tuple of turns for each."""
        sessions = [session((ADA, "a", 0)), session((BOB, "b", 0), (ADA, "c", 1))]

        result = list(Merger()(sessions))

        assert [1, 2] == [len(turns) for turns in result]
        assert all(isinstance(turns, tuple) for turns in result)

    def test_incremental_merging_matches_batch(self) -> None:
        """start/continues/append build the same turns as turns()."""
        s = session((ADA, "a", 0), (ADA, "b", 1), (BOB, "c", 2), (ADA, "d", 3))
        merger = Merger()
        built: list[Turn] = []
        for message in s.messages:
            if built and merger.continues(built[-1], message):
                built[-1] = merger.append(built[-1], message)
            else:
                built.append(merger.start(message))

        assert list(merger.turns(s)) == built


class TestFastTurns:
    @given(sessions())
    def test_merged_turns_equal_normally_built_ones(self, chat: Session) -> None:
        """The merger's turns equal, hash and print as turns built by Turn's own init."""
        merger = Merger()
        expected = []
        run: list[Message] = []
        for message in chat.messages:
            if run and speaker(run[-1]) != speaker(message):
                expected.append(run)
                run = []
            run.append(message)
        expected.append(run)
        built = [
            Turn(author=r[0].author, text="\n".join(m.text for m in r), messages=tuple(r))
            for r in expected
        ]

        actual = merger.turns(chat)

        assert (built, [hash(t) for t in built], [repr(t) for t in built]) == (
            list(actual),
            [hash(t) for t in actual],
            [repr(t) for t in actual],
        )


class TestMergedSession:
    @given(sessions())
    def test_reads_as_the_turns_the_merger_makes(self, chat: Session) -> None:
        """A lazily merged session equals, indexes, slices and hashes as Merger's tuple."""
        merger = Merger()
        expected = merger.turns(chat)

        (merged,) = merger.lazy([chat])

        assert expected == merged
        assert merged == MergedSession(chat.messages, merger)
        assert (list(expected), expected[-1], expected[:2]) == (
            list(merged),
            merged[-1],
            merged[:2],
        )
        assert (len(expected), hash(expected)) == (len(merged), hash(merged))

    def test_messages_are_read_without_merging(self) -> None:
        """Its messages are there before any turn is made; turns are made once."""
        chat = session((ADA, "selam", 0), (ADA, "naber", 5), (BOB, "iyi", 9))

        (merged,) = Merger().lazy([chat])

        assert chat.messages == merged.messages
        assert merged._turns is None
        assert merged.turns is merged.turns
        assert ["selam\nnaber", "iyi"] == [turn.text for turn in merged]
        assert "MergedSession(3 messages)" == repr(merged)

    def test_is_not_equal_to_other_things(self) -> None:
        """Only turns compare equal to it."""
        (merged,) = Merger().lazy([session((ADA, "selam", 0))])

        assert merged != [merged[0]]
        assert merged != "selam"
