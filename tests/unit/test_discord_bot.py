"""Tests for persona_clone.serving.discord, driven by constructed events (no network)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from click.testing import CliRunner

from bot_support import Outbox, run, scripted_responder
from persona_clone import ConfigError, MessageKind
from persona_clone.cli import main
from persona_clone.serving.discord import DiscordAdapter, load_memory, save_memory


BOT_ID = 999
GENERAL = 10
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


@frozen
class User:
    id: int
    display_name: str
    bot: bool = False


@frozen
class Channel:
    id: int


@frozen
class File:
    filename: str
    url: str = "https://cdn.example/f"
    content_type: str | None = "image/png"
    size: int = 10


@frozen
class Reference:
    message_id: int | None


@frozen(kw_only=True)
class Event:
    """Shaped like discord.Message, as far as the adapter reads it."""

    id: int
    content: str
    author: User
    channel: Channel = Channel(GENERAL)
    created_at: dt.datetime = T0
    mentions: tuple[User, ...] = ()
    attachments: tuple[File, ...] = ()
    reference: Reference | None = None


BOB = User(1, "Bob")
CEM = User(2, "Cem")
BOT = User(BOT_ID, "Ada (clone)", bot=True)


def make_adapter(script: list[Any] | None = None, **options: Any) -> tuple[DiscordAdapter, Outbox]:
    """An adapter over a responder with a fake clock and a scripted model."""
    outbox = Outbox()
    options.setdefault("channels", frozenset({GENERAL}))
    return DiscordAdapter(
        responder=scripted_responder(script, outbox), bot_id=BOT_ID, **options
    ), outbox


class TestEvents:
    def test_channel_message_is_answered(self) -> None:
        """A message in a listed channel becomes an entry and gets a reply there."""

        async def scenario() -> None:
            adapter, outbox = make_adapter()
            taken = await adapter.on_message(Event(id=1, content="selam", author=BOB))
            await adapter.responder.wait_idle()

            entries = adapter.responder.buffer(str(GENERAL)).entries
            assert (True, [("10", "hey")]) == (taken, outbox.sent)
            assert [("1", "Bob", "selam")] == [
                (t.author.id, t.author.name, t.text) for t in entries[:1] if t.author
            ]

        run(scenario())

    @pytest.mark.parametrize(
        "event",
        [
            Event(id=1, content="my own words", author=User(BOT_ID, "Ada")),
            Event(id=2, content="beep", author=User(5, "Other bot", bot=True)),
            Event(id=3, content="elsewhere", author=BOB, channel=Channel(77)),
            Event(id=4, content="", author=BOB),
        ],
        ids=["own", "other-bot", "unlisted-channel", "empty"],
    )
    def test_ignored(self, event: Event) -> None:
        """Its own messages, bots, unlisted channels and empty messages are ignored."""

        async def scenario() -> None:
            adapter, outbox = make_adapter()
            taken = await adapter.on_message(event)
            await adapter.responder.wait_idle()

            assert (False, []) == (taken, outbox.sent)

        run(scenario())

    def test_direct_messages_need_permission(self) -> None:
        """Direct messages are answered only when allowed."""

        async def scenario() -> None:
            dm = Event(id=1, content="hi", author=BOB, channel=Channel(500))
            closed, _ = make_adapter()
            opened, outbox = make_adapter(direct_messages=True)

            assert not await closed.on_message(dm, direct=True)
            assert await opened.on_message(dm, direct=True)
            await opened.responder.wait_idle()
            assert [("500", "hey")] == outbox.sent

        run(scenario())

    def test_mentions_read_as_names(self) -> None:
        """A mention of the bot reads as @Persona, other mentions as @Name."""
        adapter, _ = make_adapter()
        event = Event(id=1, content="<@999> ask <@!2> and <@3>", author=BOB, mentions=(BOT, CEM))

        message = adapter.to_message(event)

        assert message is not None
        assert "@Ada ask @Cem and <@3>" == message.text

    def test_attachments(self) -> None:
        """A file without text is a media message named after the file."""
        adapter, _ = make_adapter()
        event = Event(
            id=1,
            content="",
            author=BOB,
            attachments=(File("cat.png"),),
            reference=Reference(7),
        )

        message = adapter.to_message(event)

        assert message is not None
        assert (MessageKind.MEDIA, "cat.png", "7") == (
            message.kind,
            message.text,
            message.reply_to,
        )
        assert ["cat.png"] == [a.name for a in message.attachments]


class TestMentionsOnly:
    def test_listens_without_answering(self) -> None:
        """Without a mention the message is remembered but not answered."""

        async def scenario() -> None:
            adapter, outbox = make_adapter(mentions_only=True)
            await adapter.on_message(Event(id=1, content="chatting", author=BOB))
            await adapter.responder.wait_idle()

            assert [] == outbox.sent
            assert 1 == len(adapter.responder.buffer(str(GENERAL)).entries)

        run(scenario())

    def test_mention_is_answered(self) -> None:
        """A message mentioning the bot is answered."""

        async def scenario() -> None:
            adapter, outbox = make_adapter(mentions_only=True)
            await adapter.on_message(
                Event(id=1, content="<@999> you?", author=BOB, mentions=(BOT,))
            )
            await adapter.responder.wait_idle()

            assert [("10", "hey")] == outbox.sent

        run(scenario())

    def test_reply_to_the_bot_is_answered(self) -> None:
        """Replying to one of the bot's own messages counts as addressing it."""

        async def scenario() -> None:
            adapter, outbox = make_adapter(mentions_only=True)
            await adapter.on_message(Event(id=50, content="hey", author=User(BOT_ID, "Ada")))
            await adapter.on_message(
                Event(id=51, content="and you?", author=BOB, reference=Reference(50))
            )
            await adapter.responder.wait_idle()

            assert [("10", "hey")] == outbox.sent

        run(scenario())

    def test_without_bot_id_nothing_addresses_it(self) -> None:
        """Before login (no bot id) no message counts as addressing the bot."""
        adapter, _ = make_adapter(mentions_only=True)
        adapter.bot_id = None

        assert not adapter.addresses_bot(Event(id=1, content="x", author=BOB, mentions=(BOT,)))


class TestMemory:
    def test_save_and_load(self, tmp_path: Path) -> None:
        """Saved conversations come back after a restart."""

        async def scenario() -> None:
            adapter, _ = make_adapter()
            await adapter.on_message(Event(id=1, content="remember", author=BOB))
            await adapter.responder.wait_idle()
            save_memory(adapter.responder, tmp_path / "memory.json")
            fresh, _ = make_adapter()

            restored = load_memory(fresh.responder, tmp_path / "memory.json")

            assert 1 == restored
            assert adapter.responder.buffers == fresh.responder.buffers

        run(scenario())

    @pytest.mark.parametrize("content", ["not json", "[1, 2]"])
    def test_bad_memory(self, tmp_path: Path, content: str) -> None:
        """A memory file that is not saved conversations raises ConfigError."""
        path = tmp_path / "memory.json"
        path.write_text(content, encoding="utf-8")
        adapter, _ = make_adapter()

        with pytest.raises(ConfigError, match=r"memory\.json"):
            load_memory(adapter.responder, path)


class TestCommand:
    ARGS = (
        "discord",
        "--model",
        "m",
        "--persona",
        "Ada",
        "--base-url",
        "http://127.0.0.1/v1",
    )

    def test_needs_a_token(self) -> None:
        """Without the token variable the command stops with a usage error."""
        result = CliRunner().invoke(main, [*self.ARGS, "--channel", "1"])

        assert 2 == result.exit_code
        assert "DISCORD_TOKEN" in result.stderr

    def test_needs_a_channel(self) -> None:
        """Without channels (or --dms) the command stops with a usage error."""
        result = CliRunner().invoke(main, list(self.ARGS), env={"DISCORD_TOKEN": "t"})

        assert 2 == result.exit_code
        assert "--channel" in result.stderr

    @pytest.mark.skipif(
        importlib.util.find_spec("discord") is not None,
        reason="discord.py is installed",
    )
    def test_without_discord_py(self) -> None:
        """Without discord.py the command says which extra to install."""
        result = CliRunner().invoke(
            main, [*self.ARGS, "--channel", "1"], env={"DISCORD_TOKEN": "t"}
        )

        assert 1 == result.exit_code
        assert "persona-clone[discord]" in result.stderr
