"""Tests for persona_clone.serving.telegram, driven by constructed updates (no network)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen

from bot_support import Outbox, run, scripted_responder
from persona_clone.serving.memory import load_memory, save_memory
from persona_clone.serving.telegram import TelegramAdapter


BOT_ID = 7000
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


@frozen
class User:
    id: int
    full_name: str
    is_bot: bool = False
    username: str | None = None


@frozen
class Chat:
    id: int
    type: str = "supergroup"


@frozen(kw_only=True)
class Event:
    """Shaped like telegram.Message, as far as the adapter reads it."""

    message_id: int
    from_user: User | None
    text: str | None = None
    caption: str | None = None
    chat: Chat = Chat(-100)
    date: dt.datetime = T0
    reply_to_message: Event | None = None


BOB = User(1, "Bob Kaya")
CEM = User(2, "Cem")
BOT = User(BOT_ID, "Ada", is_bot=True, username="ada_clone_bot")
GROUP = Chat(-100)


def make_adapter(script: list[Any] | None = None, **options: Any) -> tuple[TelegramAdapter, Outbox]:
    outbox = Outbox()
    adapter = TelegramAdapter(
        responder=scripted_responder(script, outbox),
        bot_id=BOT_ID,
        bot_username="ada_clone_bot",
        **options,
    )
    return adapter, outbox


class TestEvents:
    def test_group_message_is_answered_with_export_ids(self) -> None:
        """A group message becomes an entry named as the export names people, and is answered."""

        async def scenario() -> None:
            adapter, outbox = make_adapter()
            answer = await adapter.on_message(Event(message_id=1, from_user=BOB, text=" selam "))
            await adapter.responder.wait_idle()

            entries = adapter.responder.buffer("-100").entries
            first = entries[0]
            assert (None, [("-100", "hey")]) == (answer, outbox.sent)
            assert first.author is not None
            assert ("user1", "Bob Kaya", "selam") == (
                first.author.id,
                first.author.name,
                first.text,
            )

        run(scenario())

    @pytest.mark.parametrize(
        "event",
        [
            Event(message_id=1, from_user=BOT, text="my own words"),
            Event(message_id=2, from_user=User(5, "Combot", is_bot=True), text="/stats"),
            Event(message_id=3, from_user=None, text="channel post"),
            Event(message_id=4, from_user=BOB, text=None),
            Event(message_id=5, from_user=BOB, text="news", chat=Chat(-5, type="channel")),
        ],
        ids=["own", "other-bot", "no-author", "no-text", "channel"],
    )
    def test_ignored(self, event: Event) -> None:
        async def scenario() -> None:
            adapter, outbox = make_adapter()
            answer = await adapter.on_message(event)
            await adapter.responder.wait_idle()

            assert (None, []) == (answer, outbox.sent)
            assert {} == adapter.responder.buffers

        run(scenario())

    def test_only_the_chats_given(self) -> None:
        async def scenario() -> None:
            adapter, outbox = make_adapter(chats=frozenset({-100}))
            await adapter.on_message(Event(message_id=1, from_user=BOB, text="a", chat=Chat(-7)))
            await adapter.on_message(Event(message_id=2, from_user=BOB, text="b"))
            await adapter.responder.wait_idle()

            assert [("-100", "hey")] == outbox.sent

        run(scenario())

    def test_private_message_gets_the_notice_and_is_not_remembered(self) -> None:
        async def scenario() -> None:
            adapter, outbox = make_adapter()
            event = Event(message_id=1, from_user=BOB, text="kimsin?", chat=Chat(1, "private"))
            answer = await adapter.on_message(event)
            await adapter.responder.wait_idle()

            assert answer is not None
            assert "Ada" in answer
            assert ([], {}) == (outbox.sent, adapter.responder.buffers)

        run(scenario())

    def test_private_notice_can_be_given(self) -> None:
        async def scenario() -> None:
            adapter, _ = make_adapter(private_notice="Bu bir bottur.")
            event = Event(message_id=1, from_user=BOB, text="?", chat=Chat(1, "private"))
            assert "Bu bir bottur." == await adapter.on_message(event)

        run(scenario())


class TestMentions:
    def test_username_reads_as_the_persona(self) -> None:
        adapter, _ = make_adapter()
        message = adapter.to_message(
            Event(message_id=1, from_user=BOB, text="@ADA_clone_bot naber @ada_clone_botx")
        )

        assert message is not None
        assert "@Ada naber @ada_clone_botx" == message.text

    def test_mentions_only_waits_for_a_mention_or_a_reply_to_the_bot(self) -> None:
        async def scenario() -> None:
            adapter, outbox = make_adapter(mentions_only=True)
            await adapter.on_message(Event(message_id=1, from_user=BOB, text="hava güzel"))
            await adapter.responder.wait_idle()
            assert [] == outbox.sent

            await adapter.on_message(Event(message_id=2, from_user=CEM, text="@ada_clone_bot?"))
            await adapter.responder.wait_idle()
            assert 1 == len(outbox.sent)

            own = Event(message_id=3, from_user=BOT, text="hey")
            await adapter.on_message(own)  # the bot's own message, as groups echo it
            reply = Event(message_id=4, from_user=BOB, text="doğru mu?", reply_to_message=own)
            assert adapter.addresses_bot(reply)
            other = Event(message_id=5, from_user=CEM, text="x")
            assert not adapter.addresses_bot(
                Event(message_id=6, from_user=BOB, text="y", reply_to_message=other)
            )

        run(scenario())

    def test_a_reply_to_a_message_the_bot_sent_counts_without_the_echo(self) -> None:
        adapter, _ = make_adapter()
        adapter.sent(-100, 42)
        earlier = Event(message_id=42, from_user=User(99, "?"), text="")
        reply = Event(message_id=43, from_user=BOB, text="evet", reply_to_message=earlier)

        assert adapter.addresses_bot(reply)
        message = adapter.to_message(reply)
        assert message is not None
        assert "-100:42" == message.reply_to


def test_memory_round_trip_and_whole_writes(tmp_path: Path) -> None:
    async def scenario() -> None:
        adapter, _ = make_adapter()
        await adapter.on_message(Event(message_id=1, from_user=BOB, text="selam"))
        await adapter.responder.wait_idle()
        path = tmp_path / "memory.json"
        save_memory(adapter.responder, path)
        fresh, _ = make_adapter()

        assert 1 == load_memory(fresh.responder, path)
        assert [e.text for e in adapter.responder.buffer("-100").entries] == [
            e.text for e in fresh.responder.buffer("-100").entries
        ]

    run(scenario())
    assert ["memory.json"] == [p.name for p in tmp_path.iterdir()]
