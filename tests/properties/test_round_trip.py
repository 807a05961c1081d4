"""The interchange JSON Lines round trip is the identity."""

from __future__ import annotations

import io

from hypothesis import given

from persona_clone import Merger, Message, Session, Turn
from persona_clone.parsers import read_jsonl, write_jsonl
from persona_clone.testing.strategies import chats, sessions


class TestRoundTrip:
    @given(chats())
    def test_messages(self, chat: list[Message]) -> None:
        """Messages written and read back are equal, with the same UTC offsets."""
        buffer = io.StringIO()
        write_jsonl(chat, buffer)
        buffer.seek(0)

        back = list(read_jsonl(buffer))

        assert chat == back
        assert [m.sent_at.utcoffset() for m in chat] == [m.sent_at.utcoffset() for m in back]

    @given(sessions())
    def test_sessions(self, session: Session) -> None:
        """Sessions written and read back are equal."""
        buffer = io.StringIO()
        write_jsonl([session], buffer)
        buffer.seek(0)

        assert [session] == list(read_jsonl(buffer, Session))

    @given(sessions())
    def test_turns(self, session: Session) -> None:
        """Turns written and read back are equal."""
        turns = Merger().turns(session)
        buffer = io.StringIO()
        write_jsonl(turns, buffer)
        buffer.seek(0)

        assert list(turns) == list(read_jsonl(buffer, Turn))
