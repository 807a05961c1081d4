"""
`persona-clone telegram` end to end, through the real python-telegram-bot client.

The CLI runs the bot in a subprocess against the local fake Bot API server and
the fake OpenAI server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


pytest.importorskip("telegram", reason="the Telegram bot needs the telegram extra")

from persona_clone.clock import system_sleep
from persona_clone.testing.fake_openai import FakeOpenAI
from persona_clone.testing.fake_telegram import FakeTelegram, FakeTelegramChat, FakeTelegramUser


MODEL = "ft:gpt-4.1-mini-2025-04-14:persona-clone::deniz"
GROUP = FakeTelegramChat(id=-1001, title="Kahve")
OTHER_GROUP = FakeTelegramChat(id=-1002, title="İş")
ADA = FakeTelegramUser(id=11, first_name="Ada", last_name="Yılmaz")
BOB = FakeTelegramUser(id=12, first_name="Bob")
OTHER_BOT = FakeTelegramUser(id=13, first_name="Combot", username="combot", is_bot=True)
QUIET = 0.5


class Bot:
    """The CLI's Telegram bot in a subprocess, with both fakes it talks to."""

    def __init__(self, tmp_path: Path, *extra: str, replies: list[str]) -> None:
        self.openai = FakeOpenAI(replies=replies)
        self.telegram = FakeTelegram()
        self.memory = tmp_path / "memory.json"
        self.stderr_path = tmp_path / "stderr.txt"
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Bot:  # noqa: PYI034 - not meant to be subclassed
        self.openai.start()
        self.telegram.start()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "OPENAI_API_KEY": "test",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "persona_clone",
            "telegram",
            "--model",
            MODEL,
            "--persona",
            "Deniz",
            "--api-base",
            self.telegram.api_base,
            "--base-url",
            self.openai.base_url,
            "--quiet",
            str(QUIET),
            "--line-delay",
            "0",
            "--poll-timeout",
            "1",
            "--memory",
            str(self.memory),
            *self.extra,
        ]
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(command, env=env, stderr=stderr)
        assert self.telegram.wait_for(lambda fake: fake.polls >= 1), self.stderr()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.telegram.stop()
        self.openai.stop()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def model_requests(self) -> list[dict[str, Any]]:
        return [
            json.loads(request.body)
            for request in self.openai.requests
            if request.path.endswith("/chat/completions")
        ]

    def said(self, chat: FakeTelegramChat = GROUP) -> list[str]:
        return [sent.text for sent in self.telegram.sent if sent.chat_id == chat.id]

    def stop(self, signum: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(20)


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    with Bot(tmp_path, replies=["haha evet\nbence de", "tamam", "geliyorum"]) as running:
        yield running


def settle(seconds: float = 3 * QUIET) -> None:
    """Wait long enough for a reply that should not come to have come."""
    system_sleep(seconds)


@pytest.mark.slow
class TestTelegramBot:
    def test_a_burst_gets_one_reply_as_the_persona_with_typing(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.post(ADA, "akşam kahve?", chat=GROUP)
        fake.post(BOB, "ben varım", chat=GROUP)
        fake.post(ADA, "Deniz sen?", chat=GROUP)

        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        settle()

        assert ["haha evet", "bence de"] == bot.said()
        assert 1 == len(bot.model_requests())
        request = bot.model_requests()[0]
        spoken = [(m.get("name"), m["content"]) for m in request["messages"] if m["role"] == "user"]
        assert [
            ("Ada_Yilmaz", "akşam kahve?"),
            ("Bob", "ben varım"),
            ("Ada_Yilmaz", "Deniz sen?"),
        ] == spoken
        typing = [at for chat, action, at in fake.actions if chat == GROUP.id]
        assert typing, "no typing action was sent"
        assert typing[0] < fake.sent[0].at
        assert {"typing"} == {action for _, action, _ in fake.actions}

    def test_ignores_itself_other_bots_and_answers_every_group(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.post(ADA, "selam", chat=GROUP)
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        fake.post(OTHER_BOT, "/stats", chat=GROUP)
        settle()
        assert 1 == len(bot.model_requests())

        fake.post(BOB, "burası da var", chat=OTHER_GROUP)
        assert fake.wait_for(lambda f: len(f.sent) == 3), bot.stderr()
        assert ["tamam"] == bot.said(OTHER_GROUP)

    def test_a_private_message_is_told_what_the_bot_is_and_never_sent_on(self, bot: Bot) -> None:
        fake = bot.telegram
        private = FakeTelegramChat(id=ADA.id, type="private", title=None)
        fake.post(ADA, "sen kimsin?", chat=private)

        assert fake.wait_for(lambda f: len(f.sent) == 1), bot.stderr()
        settle()

        [answer] = bot.said(private)
        assert "chat bot" in answer
        assert "Deniz" in answer
        assert [] == bot.model_requests()

    def test_a_429_is_waited_out_and_the_reply_sent_once(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.rate_limit(1)
        fake.post(ADA, "hızlı hızlı", chat=GROUP)

        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        settle()

        assert 1 == fake.rate_limited
        assert ["haha evet", "bence de"] == bot.said()

    def test_ctrl_c_stops_cleanly_and_keeps_the_memory(self, bot: Bot) -> None:
        fake = bot.telegram
        fake.post(ADA, "hatırla beni", chat=GROUP)
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()

        assert 0 == bot.stop(signal.SIGINT)

        assert "Traceback" not in bot.stderr()
        saved = json.loads(bot.memory.read_text(encoding="utf-8"))
        assert [str(GROUP.id)] == list(saved)


@pytest.mark.slow
def test_only_the_chats_given_and_mentions_when_asked(tmp_path: Path) -> None:
    extra = ("--chat", str(GROUP.id), "--mentions-only")
    with Bot(tmp_path, *extra, replies=["efendim?", "evet", "hayır"]) as bot:
        fake = bot.telegram
        fake.post(ADA, "bugün hava güzel", chat=GROUP)
        fake.post(BOB, "@deniz_clone_bot orada mısın", chat=OTHER_GROUP)
        settle()
        assert [] == bot.model_requests()

        fake.post(BOB, "@deniz_clone_bot sen ne dersin?", chat=GROUP)
        assert fake.wait_for(lambda f: len(f.sent) == 1), bot.stderr()
        assert "@Deniz sen ne dersin?" == bot.model_requests()[-1]["messages"][-1]["content"]

        fake.post(ADA, "doğru mu?", chat=GROUP, reply_to=fake.sent[0].message_id)
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        assert ["efendim?", "evet"] == bot.said()


def test_a_refused_token_is_said_plainly(tmp_path: Path) -> None:
    with FakeTelegram(token="1:right") as fake:  # noqa: S106 - a test token
        api_base = fake.api_base
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:wrong", "OPENAI_API_KEY": "test"}
        command = [
            sys.executable,
            "-m",
            "persona_clone",
            "telegram",
            "--model",
            MODEL,
            "--persona",
            "Deniz",
            "--api-base",
            api_base,
        ]
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    assert 0 != done.returncode
    assert api_base in done.stderr, done.stderr
    assert "1:wrong" not in done.stderr
    assert "Traceback" not in done.stderr
