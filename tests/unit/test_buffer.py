"""Tests for persona_clone.serving.buffer."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from attrs import evolve

from persona_clone import (
    ConfigError,
    ConversationBuffer,
    Merger,
    Message,
    MessageKind,
    Participant,
    Turn,
)
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.privacy.identity import AliasMap, Identity, NameBook
from persona_clone.testing import FakeClock, make_message, make_participant


ADA = make_participant("Ada")
BOB = make_participant("Bob")
CEM = make_participant("Cem")


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


def say(clock: FakeClock, author: Participant, text: str, **extra: object) -> Message:
    """Return a message by *author* sent at the clock's current time."""
    return make_message(author=author, text=text, sent_at=clock.now(), **extra)


class TestLog:
    def test_consecutive_messages_merge(self, clock: FakeClock) -> None:
        """A speaker's consecutive messages become one entry, joined by the joiner."""
        buffer = ConversationBuffer(ADA)
        for text in ("hi", "you there?"):
            buffer.add(say(clock, BOB, text))
        buffer.add(say(clock, CEM, "yes"))

        assert [("Bob", "hi\nyou there?"), ("Cem", "yes")] == [
            (t.author.name, t.text) for t in buffer.entries if t.author
        ]

    def test_persona_replies_are_entries(self, clock: FakeClock) -> None:
        """The persona's own replies are kept in the log like anyone's."""
        buffer = ConversationBuffer("Ada")
        buffer.add(say(clock, BOB, "hi"))
        buffer.add(say(clock, make_participant("Ada", id="Ada"), "hey"))

        assert ["bob", "Ada"] == [t.author.id for t in buffer.entries if t.author]

    def test_persona_by_display_name_matches_a_platform_id(self, clock: FakeClock) -> None:
        """ConversationBuffer("Deniz") takes Participant(id="deniz", name="Deniz") as persona."""
        buffer = ConversationBuffer("Deniz")
        buffer.add(say(clock, BOB, "hi"))
        buffer.add(say(clock, Participant(id="deniz", name="Deniz"), "selam"))
        clock.advance(minutes=5)

        assert buffer.is_persona(Participant(id="deniz", name="Deniz"))
        assert (False, False) == (buffer.pending, buffer.ready_to_reply(clock.now()))

    def test_persona_by_display_name_matches_through_aliases(self, clock: FakeClock) -> None:
        """A display name the alias map knows matches every id of that identity."""
        aliases = AliasMap(
            identities=[Identity(id="deniz", name="Deniz", aliases=("Deniz K", "4242"))]
        )
        buffer = ConversationBuffer("Deniz K", aliases=aliases)

        assert buffer.is_persona(Participant(id="4242", name="dk"))
        assert not buffer.is_persona(Participant(id="77", name="Denizhan"))

    def test_oldest_entries_fall_out(self, clock: FakeClock) -> None:
        """With more than max_entries entries, the oldest are dropped."""
        buffer = ConversationBuffer(ADA, max_entries=2)
        for author, text in ((BOB, "1"), (CEM, "2"), (BOB, "3")):
            buffer.add(say(clock, author, text))

        assert ["2", "3"] == [t.text for t in buffer.entries]

    def test_token_bound(self, clock: FakeClock) -> None:
        """With a token bound, the oldest entries fall out until the rest fit."""

        class Words:
            exact = True

            def count(self, text: str) -> int:
                return len(text.split())

        buffer = ConversationBuffer(ADA, max_tokens=5, token_counter=Words())
        buffer.add(say(clock, BOB, "one two three"))
        buffer.add(say(clock, CEM, "four five"))
        buffer.add(say(clock, BOB, "six"))

        assert ["four five", "six"] == [t.text for t in buffer.entries]

    def test_newest_entry_stays_over_token_bound(self, clock: FakeClock) -> None:
        """An entry longer than the token bound on its own is still kept."""
        buffer = ConversationBuffer(ADA, max_tokens=1)
        buffer.add(say(clock, BOB, "a long message " * 10))

        assert 1 == len(buffer.entries)

    def test_system_and_deleted_are_ignored(self, clock: FakeClock) -> None:
        """System events and deletion notices are not taken."""
        buffer = ConversationBuffer(ADA)

        taken = [
            buffer.add(make_message(kind=MessageKind.SYSTEM, text="Bob joined")),
            buffer.add(say(clock, BOB, "deleted", kind=MessageKind.DELETED)),
        ]

        assert ([False, False], ()) == (taken, buffer.entries)

    def test_aliases_canonicalise_speakers(self, clock: FakeClock) -> None:
        """Two names of one person are one speaker, so their messages merge."""
        aliases = AliasMap(
            identities=(Identity(id="bob", name="Bob", aliases=("Bobby", "+90 555")),)
        )
        buffer = ConversationBuffer(ADA, aliases=aliases)
        buffer.add(say(clock, make_participant("Bobby"), "hi"))
        buffer.add(say(clock, make_participant("+90 555"), "it's me"))

        assert [("bob", "Bob", "hi\nit's me")] == [
            (t.author.id, t.author.name, t.text) for t in buffer.entries if t.author
        ]

    def test_persona_by_alias(self, clock: FakeClock) -> None:
        """The persona is recognised under any of its aliases."""
        aliases = AliasMap(identities=(Identity(id="ada", name="Ada", aliases=("Ada L.",)),))
        buffer = ConversationBuffer("Ada L.", aliases=aliases)
        buffer.add(say(clock, BOB, "hi"))
        buffer.add(say(clock, make_participant("Ada L.", id="x1"), "hey"))

        assert (False, ADA) == (buffer.pending, buffer.persona)

    def test_reset(self, clock: FakeClock) -> None:
        """Reset forgets the conversation."""
        buffer = ConversationBuffer(ADA)
        buffer.add(say(clock, BOB, "hi"))
        buffer.reset()

        assert ((), False, None) == (buffer.entries, buffer.pending, buffer.last_at)

    def test_drop_remerges_neighbours(self, clock: FakeClock) -> None:
        """Dropping an entry merges the neighbours it separated, as the merger would."""
        buffer = ConversationBuffer(ADA)
        buffer.add(say(clock, BOB, "a"))
        buffer.add(say(clock, ADA, "lol"))
        buffer.add(say(clock, BOB, "b"))

        removed = buffer.drop(lambda turn: turn.text == "lol")

        assert (1, ["a\nb"]) == (removed, [t.text for t in buffer.entries])

    @pytest.mark.parametrize(
        ("settings", "word"),
        [
            ({"max_entries": 0}, "at least 1"),
            ({"quiet": dt.timedelta(seconds=-1)}, "zero"),
        ],
    )
    def test_invalid_settings(self, settings: dict[str, object], word: str) -> None:
        """Impossible settings raise ConfigError saying what was expected."""
        with pytest.raises(ConfigError, match=word):
            ConversationBuffer(ADA, **settings)  # type: ignore[arg-type]

    def test_quiet_accepts_timedelta(self) -> None:
        """A stdlib timedelta is accepted and held as a pendulum Duration."""
        buffer = ConversationBuffer(ADA, quiet=dt.timedelta(seconds=30))

        assert pendulum.duration(seconds=30) == buffer.quiet


class TestQuietWindow:
    def test_not_before_quiet(self, clock: FakeClock) -> None:
        """Before the quiet window has passed, it is not time to reply."""
        buffer = ConversationBuffer(ADA)
        buffer.add(say(clock, BOB, "hi"))
        clock.advance(seconds=24)

        assert (False, dt.timedelta(seconds=1)) == (
            buffer.ready_to_reply(clock.now()),
            buffer.wait(clock.now()),
        )

    def test_after_quiet(self, clock: FakeClock) -> None:
        """Once the latest message is the quiet window old, it is time to reply."""
        buffer = ConversationBuffer(ADA)
        buffer.add(say(clock, BOB, "hi"))
        clock.advance(seconds=25)

        assert buffer.ready_to_reply(clock.now())

    def test_burst_restarts_the_window(self, clock: FakeClock) -> None:
        """Each message of a burst restarts the quiet window."""
        buffer = ConversationBuffer(ADA)
        readiness = []
        for _ in range(5):
            buffer.add(say(clock, BOB, "and"))
            clock.advance(seconds=20)
            readiness.append(buffer.ready_to_reply(clock.now()))
        clock.advance(seconds=5)
        readiness.append(buffer.ready_to_reply(clock.now()))

        assert [False] * 5 + [True] == readiness

    def test_nothing_new_after_persona_spoke(self, clock: FakeClock) -> None:
        """After the persona spoke last there is nothing to answer, however quiet."""
        buffer = ConversationBuffer(ADA)
        buffer.add(say(clock, BOB, "hi"))
        buffer.add(say(clock, ADA, "hey"))
        clock.advance(minutes=10)

        assert not buffer.ready_to_reply(clock.now())

    def test_empty_buffer_never_ready(self, clock: FakeClock) -> None:
        """An empty buffer has nothing to answer."""
        assert not ConversationBuffer(ADA).ready_to_reply(clock.now())

    def test_zero_quiet_answers_at_once(self, clock: FakeClock) -> None:
        """With a zero quiet window the buffer is ready as soon as someone speaks."""
        buffer = ConversationBuffer(ADA, quiet=pendulum.duration())
        buffer.add(say(clock, BOB, "hi"))

        assert buffer.ready_to_reply(clock.now())


class TestJson:
    def test_round_trip(self, clock: FakeClock) -> None:
        """A saved buffer restores to an equal buffer."""
        buffer = ConversationBuffer(ADA, max_entries=5, quiet=pendulum.duration(seconds=3))
        buffer.add(say(clock, BOB, "çay?"))
        buffer.add(say(clock, ADA, "olur 👍🏽"))

        restored = ConversationBuffer.from_json(buffer.to_json())

        assert buffer == restored

    @pytest.mark.parametrize(
        ("text", "found"),
        [("{", "expected JSON"), ('{"version": 99}', "found 99"), ("[]", "found None")],
    )
    def test_bad_json(self, text: str, found: str) -> None:
        """Restoring anything but a saved buffer raises ConfigError."""
        with pytest.raises(ConfigError, match=found):
            ConversationBuffer.from_json(text)

    def test_bad_shape(self) -> None:
        """A saved buffer with a field of the wrong shape raises ConfigError."""
        with pytest.raises(ConfigError, match="saved conversation"):
            ConversationBuffer.from_json('{"version": 1, "persona": 3}')


def _conversation(clock: FakeClock) -> list[Message]:
    """A small group chat with bursts, the persona included, under several names."""
    lines = [
        (make_participant("Bobby", id="b-2"), "selam"),
        (BOB, "naber"),
        (ADA, "iyi"),
        (ADA, "sen?"),
        (
            make_participant("\u00c7a\u011fr\u0131 \u00d6zt\u00fcrk"),
            "ben de buraday\u0131m",
        ),
        (BOB, "ok"),
    ]
    chat = []
    for author, text in lines:
        chat.append(say(clock, author, text))
        clock.advance(seconds=3)
    return chat


@pytest.fixture(name="aliases")
def _aliases() -> AliasMap:
    return AliasMap(identities=(Identity(id="bob", name="Bob", aliases=("Bobby", "b-2")),))


class TestRendering:
    """The buffer renders a conversation exactly as the dataset path does."""

    def _training_turns(self, chat: list[Message], aliases: AliasMap) -> tuple[Turn, ...]:
        canonical = [evolve(m, author=aliases.resolve(m.author)) if m.author else m for m in chat]
        return tuple(Merger().merge(canonical))

    def _buffer(self, chat: list[Message], aliases: AliasMap) -> ConversationBuffer:
        buffer = ConversationBuffer(ADA, aliases=aliases)
        for message in chat:
            buffer.add(message)
        return buffer

    def test_chat_format(self, clock: FakeClock, aliases: AliasMap) -> None:
        """Chat messages (system prompt, roles, names) equal the dataset renderer's."""
        chat = _conversation(clock)
        renderer = ChatRenderer(
            persona=ADA,
            names=NameBook(aliases=aliases),
            aliases=aliases,
            system_prompt="Be Ada.",
        )

        expected = renderer.messages(self._training_turns(chat, aliases))
        actual = renderer.messages(self._buffer(chat, aliases).entries)

        assert expected == actual

    @pytest.mark.parametrize("named", [False, True])
    def test_legacy_format(self, clock: FakeClock, aliases: AliasMap, named: bool) -> None:
        """The legacy prompt equals the dataset renderer's for the same context."""
        chat = _conversation(clock)
        renderer = LegacyRenderer(
            persona=ADA, names=NameBook(aliases=aliases), aliases=aliases, named=named
        )

        expected = renderer.prompt(self._training_turns(chat, aliases))
        actual = renderer.prompt(self._buffer(chat, aliases).entries)

        assert expected == actual
