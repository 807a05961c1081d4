"""
`persona-clone discord` end to end, through the real discord.py client.

The CLI runs the bot in a subprocess against the local fake Discord (REST and
gateway) and the fake OpenAI server.
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


pytest.importorskip("discord", reason="the Discord bot needs the discord extra (discord.py)")

from persona_clone.clock import system_sleep
from persona_clone.testing.fake_discord import FakeDiscord, FakeDiscordUser
from persona_clone.testing.fake_openai import FakeOpenAI


MODEL = "ft:gpt-4.1-mini-2025-04-14:persona-clone::deniz"
CHANNEL = 10
OTHER_CHANNEL = 11
ADA = FakeDiscordUser(id=101, name="Ada")
BOB = FakeDiscordUser(id=102, name="Bob")
OTHER_BOT = FakeDiscordUser(id=103, name="Dyno", bot=True)
QUIET = 0.5


class Bot:
    """The CLI's Discord bot in a subprocess, with both fakes it talks to."""

    def __init__(self, tmp_path: Path, *extra: str, replies: list[str]) -> None:
        self.openai = FakeOpenAI(replies=replies)
        self.discord = FakeDiscord(
            bot=FakeDiscordUser(id=900, name="Deniz", bot=True), channels=(CHANNEL, OTHER_CHANNEL)
        )
        self.memory = tmp_path / "memory.json"
        self.stderr_path = tmp_path / "stderr.txt"
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Bot:  # noqa: PYI034 - not meant to be subclassed
        self.openai.start()
        self.discord.start()
        env = {
            **os.environ,
            "DISCORD_TOKEN": self.discord.token,
            "OPENAI_API_KEY": "test",
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "persona_clone",
            "discord",
            "--model",
            MODEL,
            "--persona",
            "Deniz",
            "--channel",
            str(CHANNEL),
            "--api-base",
            self.discord.api_base,
            "--base-url",
            self.openai.base_url,
            "--quiet",
            str(QUIET),
            "--line-delay",
            "0",
            "--memory",
            str(self.memory),
            *self.extra,
        ]
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(command, env=env, stderr=stderr)
        assert self.discord.wait_for(lambda fake: fake.connections[0] == 1), self.stderr()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.discord.stop()
        self.openai.stop()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def model_requests(self) -> list[dict[str, Any]]:
        return [
            json.loads(request.body)
            for request in self.openai.requests
            if request.path.endswith("/chat/completions")
        ]

    def sent(self) -> list[str]:
        return [message.content for message in self.discord.sent]

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
class TestDiscordBot:
    def test_a_burst_gets_one_reply_as_the_persona_with_typing(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "akşam kahve?")
        fake.post(BOB, "ben varım")
        fake.post(ADA, "Deniz sen?")

        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        settle()

        assert ["haha evet", "bence de"] == bot.sent()
        assert 1 == len(bot.model_requests())
        request = bot.model_requests()[0]
        spoken = [(m.get("name"), m["content"]) for m in request["messages"] if m["role"] == "user"]
        assert [("Ada", "akşam kahve?"), ("Bob", "ben varım"), ("Ada", "Deniz sen?")] == spoken
        typing = [at for channel, at in fake.typing if channel == CHANNEL]
        assert typing, "no typing indicator was shown"
        assert typing[0] < fake.sent[0].at
        assert all(m.allowed_mentions == {"parse": []} for m in fake.sent)

    def test_ignores_its_own_messages_other_bots_and_other_channels(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "selam")
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        fake.post(OTHER_BOT, "!rank Ada")
        fake.post(BOB, "başka kanal", channel_id=OTHER_CHANNEL)
        settle()

        assert 1 == len(bot.model_requests())
        assert 2 == len(fake.sent)

    def test_reconnect_resumes_without_lost_or_doubled_replies(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "ilk mesaj")
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()

        fake.drop_connection()
        fake.post(BOB, "koptun mu?")  # said while the bot is away: replayed on RESUME
        assert fake.wait_for(lambda f: f.connections[1] >= 1), bot.stderr()
        assert fake.wait_for(lambda f: len(f.sent) == 3), bot.stderr()
        settle()

        assert ["haha evet", "bence de", "tamam"] == bot.sent()
        assert (1, 1) == fake.connections
        last = bot.model_requests()[-1]["messages"]
        assert "koptun mu?" == last[-1]["content"]

    def test_rate_limited_posts_are_retried_once(self, bot: Bot) -> None:
        fake = bot.discord
        fake.rate_limit(1)
        fake.post(ADA, "hızlı hızlı")

        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        settle()

        assert 1 == fake.rate_limited
        assert ["haha evet", "bence de"] == bot.sent()

    def test_ctrl_c_stops_cleanly_and_keeps_the_memory(self, bot: Bot) -> None:
        fake = bot.discord
        fake.post(ADA, "hatırla beni")
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()

        assert 0 == bot.stop(signal.SIGINT)

        assert "Traceback" not in bot.stderr()
        saved = json.loads(bot.memory.read_text(encoding="utf-8"))
        assert [str(CHANNEL)] == list(saved)

    def test_sigterm_stops_cleanly(self, bot: Bot) -> None:
        assert 0 == bot.stop(signal.SIGTERM)
        assert "Traceback" not in bot.stderr()


@pytest.mark.slow
def test_mentions_only_answers_mentions_and_replies_to_the_bot(tmp_path: Path) -> None:
    with Bot(tmp_path, "--mentions-only", replies=["efendim?", "evet", "hayır"]) as bot:
        fake = bot.discord
        deniz = fake.bot
        fake.post(ADA, "bugün hava güzel")
        settle()
        assert [] == bot.sent()

        fake.post(BOB, f"<@{deniz.id}> sen ne dersin?", mentions=[deniz])
        assert fake.wait_for(lambda f: len(f.sent) == 1), bot.stderr()
        request = bot.model_requests()[-1]["messages"]
        assert "@Deniz sen ne dersin?" == request[-1]["content"]

        fake.post(ADA, "doğru mu?", reply_to=fake.sent[0].id)
        assert fake.wait_for(lambda f: len(f.sent) == 2), bot.stderr()
        assert ["efendim?", "evet"] == bot.sent()


def test_an_api_base_that_does_not_answer_is_named(tmp_path: Path) -> None:
    env = {**os.environ, "DISCORD_TOKEN": "x", "OPENAI_API_KEY": "test"}
    command = [
        sys.executable,
        "-m",
        "persona_clone",
        "discord",
        "--model",
        MODEL,
        "--persona",
        "Deniz",
        "--channel",
        "1",
        "--api-base",
        "http://127.0.0.1:9/api/v10",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)

    assert 0 != done.returncode
    assert "http://127.0.0.1:9/api/v10/gateway" in done.stderr
    assert "Traceback" not in done.stderr
