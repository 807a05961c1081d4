"""
`persona-clone telegram` end to end, through the real python-telegram-bot client.

The CLI runs the bot in a subprocess against the local fake Bot API server and
the fake OpenAI server.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot_support import MODEL, BotProcess, eventually, scripted_replies, settle


pytest.importorskip("telegram", reason="the Telegram bot needs the telegram extra")

from persona_clone.cli import main
from persona_clone.testing.fake_openai import FakeOpenAI
from persona_clone.testing.fake_telegram import FakeTelegram, FakeTelegramChat, FakeTelegramUser


# one group per test, so the tests can share one bot process
BURST = FakeTelegramChat(id=-1001, title="Kahve")
IGNORED = FakeTelegramChat(id=-1002, title="İş")
ANOTHER = FakeTelegramChat(id=-1003, title="Aile")
RATE_LIMIT = FakeTelegramChat(id=-1004, title="Koşu")
STOP = FakeTelegramChat(id=-1005, title="Kitap")
GIVEN = FakeTelegramChat(id=-1006, title="Seçilmiş")
NOT_GIVEN = FakeTelegramChat(id=-1007, title="Başka")
PRIVATE_DATA = FakeTelegramChat(id=-1008, title="Gizli")
ADA = FakeTelegramUser(id=11, first_name="Ada", last_name="Yılmaz")
BOB = FakeTelegramUser(id=12, first_name="Bob")
OTHER_BOT = FakeTelegramUser(id=13, first_name="Combot", username="combot", is_bot=True)
CEM = FakeTelegramUser(id=14, first_name="Cem")  # opted out: --exclude Cem
REPLIES = {
    "Deniz sen?": "haha evet\nbence de",
    "selam": "selam!",
    "burası da var": "tamam",
    "hızlı hızlı": "yavaş\nyavaş",
    "hatırla beni": "hatırlarım",
    "sen ne dersin?": "efendim?",
    "doğru mu?": "evet",
    "numaram <PHONE>": "yaz bana deniz@example.com",
    "peki ya sen?": "seni nefret ediyorum",
}


class Bot(BotProcess):
    """``persona-clone telegram`` in a subprocess, with the fake Bot API and OpenAI."""

    def __init__(self, folder: Path, *extra: str) -> None:
        replies = scripted_replies(REPLIES, "hmm")
        super().__init__(folder, FakeOpenAI(replies=replies, flagged_words={"nefret": "hate"}))
        self.telegram = FakeTelegram()
        self.extra = extra

    def __enter__(self) -> Bot:  # noqa: PYI034 - not meant to be subclassed
        self.openai.start()
        self.telegram.start()
        arguments = ["--api-base", self.telegram.api_base, "--poll-timeout", "1"]
        arguments += ["--exclude", "Cem", "--moderate", *self.extra]
        self.start("telegram", arguments, {"TELEGRAM_BOT_TOKEN": self.telegram.token})
        assert self.telegram.wait_for(lambda fake: fake.polls >= 1), self.stderr()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
        self.telegram.stop()
        self.openai.stop()

    def said(self, chat: FakeTelegramChat) -> list[str]:
        return [sent.text for sent in self.telegram.sent if sent.chat_id == chat.id]

    def wait_said(self, chat: FakeTelegramChat, count: int) -> list[str]:
        """Wait until the bot said *count* messages in *chat*, then a little more."""
        assert self.telegram.wait_for(lambda _: len(self.said(chat)) >= count), self.stderr()
        settle()
        return self.said(chat)


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    with Bot(tmp_path_factory.mktemp("telegram-bot")) as running:
        yield running


@pytest.mark.slow
class TestTelegramBot:
    def test_a_burst_gets_one_reply_as_the_persona_with_typing(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.post(ADA, "akşam kahve?", chat=BURST)
        fake.post(BOB, "ben varım", chat=BURST)
        fake.post(ADA, "Deniz sen?", chat=BURST)

        assert ["haha evet", "bence de"] == bot.wait_said(BURST, 2)
        [request] = bot.model_requests(about="akşam kahve?")
        spoken = [(m.get("name"), m["content"]) for m in request["messages"] if m["role"] == "user"]
        assert [
            ("Ada_Yilmaz", "akşam kahve?"),
            ("Bob", "ben varım"),
            ("Ada_Yilmaz", "Deniz sen?"),
        ] == spoken
        typing = [at for chat, action, at in fake.actions if chat == BURST.id]
        assert typing, "no typing action was sent"
        first = next(sent for sent in fake.sent if sent.chat_id == BURST.id)
        assert typing[0] < first.at
        assert {"typing"} == {action for _, action, _ in fake.actions}

    def test_ignores_itself_other_bots_and_answers_every_group(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.post(ADA, "selam", chat=IGNORED)
        assert ["selam!"] == bot.wait_said(IGNORED, 1)
        fake.post(OTHER_BOT, "/stats", chat=IGNORED)
        settle()
        assert 1 == len(bot.model_requests(about="selam"))
        assert ["selam!"] == bot.said(IGNORED)

        fake.post(BOB, "burası da var", chat=ANOTHER)
        assert ["tamam"] == bot.wait_said(ANOTHER, 1)

    def test_a_private_message_is_told_what_the_bot_is_and_never_sent_on(self, bot: Bot) -> None:
        private = FakeTelegramChat(id=ADA.id, type="private", title=None)
        bot.telegram.post(ADA, "sen kimsin?", chat=private)

        [answer] = bot.wait_said(private, 1)
        assert "chat bot" in answer
        assert "Deniz" in answer
        assert [] == bot.model_requests(about="sen kimsin?")

    def test_a_429_is_waited_out_and_the_reply_sent_once(self, bot: Bot) -> None:
        fake = bot.telegram
        limited = fake.rate_limited
        fake.rate_limit(1)
        fake.post(ADA, "hızlı hızlı", chat=RATE_LIMIT)

        assert ["yavaş", "yavaş"] == bot.wait_said(RATE_LIMIT, 2)
        assert limited + 1 == fake.rate_limited

    def test_live_privacy_and_moderation_as_in_the_other_bots(self, bot: Bot) -> None:
        """Opted-out people never reach the model, data is redacted both ways, flags hold back."""
        fake = bot.telegram
        fake.post(CEM, "benim adım Cem, bunu kimse görmesin", chat=PRIVATE_DATA)
        fake.post(BOB, "numaram +90 532 123 45 67", chat=PRIVATE_DATA)

        assert ["yaz bana <EMAIL>"] == bot.wait_said(PRIVATE_DATA, 1)
        [request] = bot.model_requests(about="numaram")
        said = [m["content"] for m in request["messages"] if m["role"] == "user"]
        assert ["numaram <PHONE>"] == said
        assert [] == bot.model_requests(about="kimse görmesin")

        fake.post(BOB, "peki ya sen?", chat=PRIVATE_DATA)
        assert eventually(lambda: bool(bot.model_requests(about="peki ya sen?")))
        assert ["yaz bana <EMAIL>"] == bot.wait_said(PRIVATE_DATA, 1)
        assert "moderation flagged it (hate)" in bot.stderr()


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_keeps_the_memory(tmp_path: Path) -> None:
    with Bot(tmp_path) as bot:
        bot.telegram.post(ADA, "hatırla beni", chat=STOP)
        assert ["hatırlarım"] == bot.wait_said(STOP, 1)

        assert 0 == bot.stop(signal.SIGINT)

        assert "Traceback" not in bot.stderr()
        assert [str(STOP.id)] == bot.saved_chats()


@pytest.mark.slow
def test_only_the_chats_given_and_mentions_then_stops_on_sigterm(tmp_path: Path) -> None:
    with Bot(tmp_path, "--chat", str(GIVEN.id), "--mentions-only") as bot:
        fake = bot.telegram
        fake.post(ADA, "bugün hava güzel", chat=GIVEN)
        fake.post(BOB, "@deniz_clone_bot orada mısın", chat=NOT_GIVEN)
        settle()
        assert [] == bot.model_requests(about="")

        fake.post(BOB, "@deniz_clone_bot sen ne dersin?", chat=GIVEN)
        assert ["efendim?"] == bot.wait_said(GIVEN, 1)
        [request] = bot.model_requests(about="sen ne dersin?")
        assert "@Deniz sen ne dersin?" == request["messages"][-1]["content"]

        answered = next(sent.message_id for sent in fake.sent if sent.chat_id == GIVEN.id)
        fake.post(ADA, "doğru mu?", chat=GIVEN, reply_to=answered)
        assert ["efendim?", "evet"] == bot.wait_said(GIVEN, 2)

        assert 0 == bot.stop(signal.SIGTERM)
        assert "Traceback" not in bot.stderr()


def test_a_refused_token_is_said_plainly(monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeTelegram(token="1:right") as fake:  # noqa: S106 - a test token
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:wrong")
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        arguments = ["telegram", "--model", MODEL, "--persona", "Deniz"]
        result = CliRunner().invoke(main, [*arguments, "--api-base", fake.api_base])

        assert 0 != result.exit_code
        assert f"{fake.api_base}: the Bot API server refused the bot token" in result.output
        assert "1:wrong" not in result.output
