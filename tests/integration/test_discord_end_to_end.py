"""
`persona-clone discord` end to end, through the real discord.py client.

The CLI runs the bot in a subprocess against the local fake Discord (REST and
gateway) and the fake OpenAI server.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot_support import MODEL, BotProcess, eventually, scripted_replies, settle


pytest.importorskip("discord", reason="the Discord bot needs the discord extra (discord.py)")

from persona_clone.cli import main
from persona_clone.testing.fake_discord import FakeDiscord, FakeDiscordUser
from persona_clone.testing.fake_openai import FakeOpenAI


# one channel per test, so the tests can share one bot process; 19 is not the bot's
BURST, IGNORED, RECONNECT, RATE_LIMIT, STOP, MENTIONS, PRIVATE_DATA = 13, 14, 15, 16, 17, 18, 20
UNLISTED = 19
LISTED = (BURST, IGNORED, RECONNECT, RATE_LIMIT, STOP, MENTIONS, PRIVATE_DATA)
ADA = FakeDiscordUser(id=101, name="Ada")
BOB = FakeDiscordUser(id=102, name="Bob")
OTHER_BOT = FakeDiscordUser(id=103, name="Dyno", bot=True)
CEM = FakeDiscordUser(id=104, name="Cem")  # opted out: --exclude Cem
REPLIES = {
    "Deniz sen?": "haha evet\nbence de",
    "selam": "selam!",
    "ilk mesaj": "ilk cevap",
    "koptun mu?": "buradayım",
    "hızlı hızlı": "yavaş\nyavaş",
    "hatırla beni": "hatırlarım",
    "sen ne dersin?": "efendim?",
    "doğru mu?": "evet",
    "numaram <PHONE>": "yaz bana deniz@example.com",
    "peki ya sen?": "seni nefret ediyorum",
}


class Bot(BotProcess):
    """``persona-clone discord`` in a subprocess, with the fake Discord and OpenAI."""

    def __init__(self, folder: Path, *extra: str) -> None:
        replies = scripted_replies(REPLIES, "tamam")
        super().__init__(folder, FakeOpenAI(replies=replies, flagged_words={"nefret": "hate"}))
        self.discord = FakeDiscord(
            bot=FakeDiscordUser(id=900, name="Deniz", bot=True), channels=(*LISTED, UNLISTED)
        )
        self.extra = extra

    def __enter__(self) -> Bot:  # noqa: PYI034 - not meant to be subclassed
        self.openai.start()
        self.discord.start()
        channels = [option for channel in LISTED for option in ("--channel", str(channel))]
        arguments = [*channels, "--api-base", self.discord.api_base]
        arguments += ["--exclude", "Cem", "--moderate", *self.extra]
        self.start("discord", arguments, {"DISCORD_TOKEN": self.discord.token})
        assert self.discord.wait_for(lambda fake: fake.connections[0] == 1), self.stderr()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
        self.discord.stop()
        self.openai.stop()

    def said(self, channel: int) -> list[str]:
        return [message.content for message in self.discord.sent if message.channel_id == channel]

    def wait_said(self, channel: int, count: int) -> list[str]:
        """Wait until the bot said *count* messages in *channel*, then a little more."""
        assert self.discord.wait_for(lambda _: len(self.said(channel)) >= count), self.stderr()
        settle()
        return self.said(channel)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with Bot(tmp_path_factory.mktemp("discord-bot")) as running:
        yield running


@pytest.mark.slow
class TestDiscordBot:
    def test_a_burst_gets_one_reply_as_the_persona_with_typing(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "akşam kahve?", channel_id=BURST)
        fake.post(BOB, "ben varım", channel_id=BURST)
        fake.post(ADA, "Deniz sen?", channel_id=BURST)

        assert ["haha evet", "bence de"] == bot.wait_said(BURST, 2)
        [request] = bot.model_requests(about="akşam kahve?")
        spoken = [(m.get("name"), m["content"]) for m in request["messages"] if m["role"] == "user"]
        assert [("Ada", "akşam kahve?"), ("Bob", "ben varım"), ("Ada", "Deniz sen?")] == spoken
        typing = [at for channel, at in fake.typing if channel == BURST]
        assert typing, "no typing indicator was shown"
        first = next(m for m in fake.sent if m.channel_id == BURST)
        assert typing[0] < first.at
        assert all(m.allowed_mentions == {"parse": []} for m in fake.sent)

    def test_ignores_its_own_messages_other_bots_and_other_channels(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "selam", channel_id=IGNORED)
        assert ["selam!"] == bot.wait_said(IGNORED, 1)
        fake.post(OTHER_BOT, "!rank Ada", channel_id=IGNORED)
        fake.post(BOB, "başka kanal", channel_id=UNLISTED)
        settle()

        assert 1 == len(bot.model_requests(about="selam"))
        assert [] == bot.model_requests(about="başka kanal")
        assert ["selam!"] == bot.said(IGNORED)
        assert [] == bot.said(UNLISTED)

    def test_reconnect_resumes_without_lost_or_doubled_replies(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "ilk mesaj", channel_id=RECONNECT)
        assert ["ilk cevap"] == bot.wait_said(RECONNECT, 1)
        identified, resumed = fake.connections

        fake.drop_connection()
        fake.post(BOB, "koptun mu?", channel_id=RECONNECT)  # said while away: replayed on RESUME
        assert fake.wait_for(lambda f: f.connections[1] == resumed + 1), bot.stderr()

        assert ["ilk cevap", "buradayım"] == bot.wait_said(RECONNECT, 2)
        assert (identified, resumed + 1) == fake.connections
        assert 1 == len(bot.model_requests(about="koptun mu?"))

    def test_rate_limited_posts_are_retried_once(self, bot: Bot) -> None:
        fake = bot.discord
        limited = fake.rate_limited
        fake.rate_limit(1)
        fake.post(ADA, "hızlı hızlı", channel_id=RATE_LIMIT)

        assert ["yavaş", "yavaş"] == bot.wait_said(RATE_LIMIT, 2)
        assert limited + 1 == fake.rate_limited

    def test_live_privacy_and_moderation_as_in_the_other_bots(self, bot: Bot) -> None:
        """Opted-out people never reach the model, data is redacted both ways, flags hold back."""
        fake = bot.discord
        fake.post(CEM, "benim adım Cem, bunu kimse görmesin", channel_id=PRIVATE_DATA)
        fake.post(BOB, "numaram +90 532 123 45 67", channel_id=PRIVATE_DATA)

        assert ["yaz bana <EMAIL>"] == bot.wait_said(PRIVATE_DATA, 1)
        [request] = bot.model_requests(about="numaram")
        said = [m["content"] for m in request["messages"] if m["role"] == "user"]
        assert ["numaram <PHONE>"] == said
        assert [] == bot.model_requests(about="kimse görmesin")

        fake.post(BOB, "peki ya sen?", channel_id=PRIVATE_DATA)
        assert eventually(lambda: bool(bot.model_requests(about="peki ya sen?")))
        assert ["yaz bana <EMAIL>"] == bot.wait_said(PRIVATE_DATA, 1)
        assert "moderation flagged it (hate)" in bot.stderr()


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_the_memory(tmp_path: Path) -> None:
    with Bot(tmp_path) as bot:
        bot.discord.post(ADA, "hatırla beni", channel_id=STOP)
        assert ["hatırlarım"] == bot.wait_said(STOP, 1)

        assert 0 == bot.stop(signal.SIGINT)

        assert "Traceback" not in bot.stderr()
        assert [str(STOP)] == bot.saved_chats()


@pytest.mark.slow
def test_mentions_only_answers_mentions_and_replies_then_stops_on_sigterm(tmp_path: Path) -> None:
    with Bot(tmp_path, "--mentions-only") as bot:
        fake = bot.discord
        deniz = fake.bot
        fake.post(ADA, "bugün hava güzel", channel_id=MENTIONS)
        settle()
        assert [] == bot.said(MENTIONS)

        fake.post(BOB, f"<@{deniz.id}> sen ne dersin?", channel_id=MENTIONS, mentions=[deniz])
        assert ["efendim?"] == bot.wait_said(MENTIONS, 1)
        [request] = bot.model_requests(about="sen ne dersin?")
        assert "@Deniz sen ne dersin?" == request["messages"][-1]["content"]

        answered = next(m.id for m in fake.sent if m.channel_id == MENTIONS)
        fake.post(ADA, "doğru mu?", channel_id=MENTIONS, reply_to=answered)
        assert ["efendim?", "evet"] == bot.wait_said(MENTIONS, 2)

        assert 0 == bot.stop(signal.SIGTERM)
        assert "Traceback" not in bot.stderr()


@pytest.mark.slow
def test_opted_out_people_and_personal_data_never_reach_the_model(tmp_path: Path) -> None:
    """--exclude and redaction apply to the Discord bot as to the terminal (the serving core)."""
    with Bot(tmp_path, "--exclude", "Bob") as bot:
        fake = bot.discord
        fake.post(BOB, "benim sırrım bu", channel_id=STOP)
        fake.post(ADA, "Bob'u ara: +90 532 123 45 67, selam", channel_id=STOP)
        assert bot.wait_said(STOP, 1)

        [request] = bot.model_requests(about="selam")
        contents = [m["content"] for m in request["messages"]]
        assert "<NAME>'u ara: <PHONE>, selam" in contents
        assert not any("sırrım" in content for content in contents)
        assert 0 == bot.stop(signal.SIGINT)


def test_an_api_base_that_does_not_answer_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "x")
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    arguments = ["discord", "--model", MODEL, "--persona", "Deniz", "--channel", "1"]
    arguments += ["--api-base", "http://127.0.0.1:9/api/v10"]

    result = CliRunner().invoke(main, arguments)

    assert 0 != result.exit_code
    assert "http://127.0.0.1:9/api/v10/gateway" in result.output
    assert not isinstance(result.exception, AssertionError)
