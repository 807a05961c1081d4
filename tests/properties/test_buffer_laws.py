"""Laws of persona_clone.serving.buffer.ConversationBuffer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import ConversationBuffer, Merger, Message, MessageKind, Participant
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer, renderable
from persona_clone.privacy.identity import NameBook
from persona_clone.testing.strategies import chats, participants


CAST = st.sampled_from(
    [Participant(id=n.casefold(), name=n) for n in ("Ada", "Bob", "Ça\u011fr\u0131", "Dörte")]
)
TALK = st.sampled_from([MessageKind.TEXT, MessageKind.MEDIA, MessageKind.SYSTEM])


def _taken(chat: list[Message]) -> list[Message]:
    """The messages the dataset builder shows a model (media as ``<media>``, no events)."""
    return list(renderable(chat))


def _fill(buffer: ConversationBuffer, chat: list[Message]) -> ConversationBuffer:
    for message in chat:
        buffer.add(message)
    return buffer


class _Characters:
    exact = True

    def count(self, text: str) -> int:
        return len(text)


class TestBufferLaws:
    @given(chats(authors=CAST, max_size=60), st.integers(min_value=1, max_value=8))
    def test_never_exceeds_max_entries(self, chat: list[Message], bound: int) -> None:
        """After every message the log holds at most max_entries entries."""
        buffer = ConversationBuffer("Ada", max_entries=bound)
        sizes = []
        for message in chat:
            buffer.add(message)
            sizes.append(len(buffer.entries))

        assert all(size <= bound for size in sizes)

    @given(chats(authors=CAST), st.integers(min_value=1, max_value=200))
    def test_never_exceeds_max_tokens(self, chat: list[Message], bound: int) -> None:
        """The entries hold at most max_tokens tokens, unless one entry holds more."""
        buffer = ConversationBuffer("Ada", max_tokens=bound, token_counter=_Characters())
        for message in chat:
            buffer.add(message)
            total = sum(len(turn.text) for turn in buffer.entries)

            assert total <= bound or len(buffer.entries) == 1

    @given(chats(authors=CAST, kinds=TALK), st.integers(min_value=1, max_value=8))
    def test_entries_are_the_mergers_last_turns(self, chat: list[Message], bound: int) -> None:
        """The entries are the newest max_entries of the Merger's turns."""
        turns = list(Merger().merge(_taken(chat)))

        buffer = _fill(ConversationBuffer("Ada", max_entries=bound), chat)

        assert turns[len(turns) - len(buffer.entries) :] == list(buffer.entries)
        assert min(len(turns), bound) == len(buffer.entries)

    @given(chats(authors=CAST, kinds=TALK), st.integers(min_value=1, max_value=8))
    def test_order_is_preserved(self, chat: list[Message], bound: int) -> None:
        """The entries' messages are the newest messages taken, in order."""
        buffer = _fill(ConversationBuffer("Ada", max_entries=bound), chat)
        kept = [m for turn in buffer.entries for m in turn.messages]

        assert _taken(chat)[len(_taken(chat)) - len(kept) :] == kept

    @given(chats(), participants(), st.integers(min_value=1, max_value=30))
    def test_json_round_trip(self, chat: list[Message], persona: Participant, bound: int) -> None:
        """A buffer restored from its JSON equals the buffer."""
        buffer = _fill(ConversationBuffer(persona, max_entries=bound), chat)

        assert buffer == ConversationBuffer.from_json(buffer.to_json())

    @given(chats(authors=CAST, kinds=TALK), st.booleans())
    def test_rendering_equals_the_dataset_path(self, chat: list[Message], named: bool) -> None:
        """Rendering the buffer equals rendering the Merger's turns of the same chat."""
        ada = Participant(id="ada", name="Ada")
        chat_renderer = ChatRenderer(persona=ada, names=NameBook(), system_prompt="Be Ada.")
        legacy_renderer = LegacyRenderer(persona=ada, names=NameBook(), named=named)
        turns = list(Merger().merge(_taken(chat)))

        buffer = _fill(ConversationBuffer(ada, max_entries=10_000), chat)

        assert chat_renderer.messages(turns) == chat_renderer.messages(buffer.entries)
        assert legacy_renderer.prompt(turns) == legacy_renderer.prompt(buffer.entries)
