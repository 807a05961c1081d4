"""Laws of merging, over generated sessions."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Merger, Message, MessageKind, Session
from persona_clone.testing.strategies import chats, sessions


def _speaker(message: Message) -> str | None:
    return message.author.id if message.author else None


def _runs(session: Session) -> list[str | None]:
    """Speakers of the session with consecutive repeats collapsed."""
    order: list[str | None] = []
    for message in session.messages:
        if not order or order[-1] != _speaker(message):
            order.append(_speaker(message))
    return order


class TestMergingLaws:
    @given(sessions())
    def test_merging_preserves_the_messages(self, session: Session) -> None:
        """The turns' messages, concatenated, are the session's messages."""
        turns = Merger().turns(session)

        assert list(session.messages) == [m for t in turns for m in t.messages]

    @given(sessions())
    def test_each_turn_text_joins_its_messages(self, session: Session) -> None:
        """A turn's text is its messages' texts joined by the joiner: no text is lost."""
        for turn in Merger(joiner="\n").turns(session):
            assert "\n".join(m.text for m in turn.messages) == turn.text

    @given(sessions())
    def test_speaker_order_is_preserved(self, session: Session) -> None:
        """The turns' speakers are the session's speakers with repeats collapsed."""
        turns = Merger().turns(session)

        assert _runs(session) == [_speaker(t.messages[0]) for t in turns]

    @given(sessions())
    def test_no_two_consecutive_turns_share_a_speaker(self, session: Session) -> None:
        """Without *within*, consecutive turns always have different speakers."""
        turns = Merger().turns(session)

        for a, b in itertools.pairwise(turns):
            assert _speaker(a.messages[0]) != _speaker(b.messages[0])

    @given(sessions())
    def test_one_speaker_per_turn(self, session: Session) -> None:
        """Every message in a turn has the turn's speaker."""
        for turn in Merger().turns(session):
            assert {_speaker(turn.messages[0])} == {_speaker(m) for m in turn.messages}


class TestMergingPaths:
    """A list of authored messages is grouped in C; the turns are the same."""

    @given(chats(kinds=st.sampled_from([MessageKind.TEXT, MessageKind.MEDIA]), max_size=40))
    def test_a_list_merges_like_a_stream(self, chat: list[Message]) -> None:
        """Turns from a list (grouped in C) equal turns from an iterator (the loop)."""
        merger = Merger()

        assert list(merger.merge(iter(chat))) == list(merger.merge(chat))
