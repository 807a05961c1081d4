"""
The responder end to end: the real SDK over HTTP against the fake OpenAI server.

Needs ``persona_clone.testing.fake_openai`` (skipped where it is not there yet).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from persona_clone import LoopGuard, LoopPolicy, Responder
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.privacy.identity import NameBook
from persona_clone.serving.loop_guard import RepetitionKind
from persona_clone.serving.responder import connect
from persona_clone.testing import FakeClock, make_message, make_participant


fake_openai = pytest.importorskip("persona_clone.testing.fake_openai")

ADA = make_participant("Ada")
BOB = make_participant("Bob")
MODEL = "ft:gpt-4o-mini-2024-07-18:persona-clone::ada"
LEGACY_MODEL = "ft:davinci-002:persona-clone::ada"  # completions models are legacy ones


class Chat:
    """A responder against a running fake server, with a fake clock."""

    def __init__(self, base_url: str, *, legacy: bool = False, guard: LoopGuard) -> None:
        self.clock = FakeClock()
        self.sent: list[str] = []
        renderer: ChatRenderer | LegacyRenderer = (
            LegacyRenderer(persona=ADA, names=NameBook())
            if legacy
            else ChatRenderer(persona=ADA, names=NameBook())
        )

        async def send(chat: str, text: str) -> None:
            self.sent.append(text)

        self.responder = Responder(
            client=connect(base_url=base_url, api_key="test"),
            model=LEGACY_MODEL if legacy else MODEL,
            renderer=renderer,
            send=send,
            clock=self.clock,
            sleep=self.clock.async_sleep,
            guard=guard,
        )

    async def talk(self, *texts: str) -> None:
        """Bob says each of *texts*; the clone answers each once the chat is quiet."""
        for text in texts:
            message = make_message(author=BOB, text=text, sent_at=self.clock.now())
            await self.responder.receive("group", message)
            await self.responder.wait_idle()


def conversation(server: Any, **options: Any) -> Chat:
    return Chat(server.base_url, **options)


class TestStuckModel:
    @pytest.mark.parametrize("legacy", [False, True], ids=["chat", "legacy"])
    def test_loop_guard_stops_lol(self, legacy: bool) -> None:
        """A model stuck on "lol" is stopped after two: regenerated, then silent."""
        guard = LoopGuard(policy=LoopPolicy.REGENERATE, max_attempts=3)
        with fake_openai.FakeOpenAI(replies=["lol"] * 40) as server:
            chat = conversation(server, legacy=legacy, guard=guard)
            asyncio.run(chat.talk("hi", "how was the exam?", "hello??", "ada?", "?"))

        assert ["lol", "lol"] == chat.sent
        assert {RepetitionKind.NEAR_DUPLICATE} == {i.repetition.kind for i in guard.interventions}
        assert "stayed silent" == guard.interventions[-1].action

    def test_repeated_word_is_never_sent(self) -> None:
        """A reply that is one word over and over never reaches the chat."""
        guard = LoopGuard(policy=LoopPolicy.SILENT)
        with fake_openai.FakeOpenAI(replies=["lol lol lol lol lol"] * 10) as server:
            chat = conversation(server, guard=guard)
            asyncio.run(chat.talk("hi", "what?"))

        assert [] == chat.sent
        assert 2 == len(guard.interventions)

    def test_drop_unsticks_the_model(self) -> None:
        """Dropping the repeated replies lets the next answer through."""
        guard = LoopGuard(policy=LoopPolicy.DROP)
        replies = ["lol", "lol", "lol", "ok seriously, the exam went fine"]
        with fake_openai.FakeOpenAI(replies=replies) as server:
            chat = conversation(server, guard=guard)
            asyncio.run(chat.talk("hi", "so?", "tell me"))

        assert ["lol", "lol", "ok seriously, the exam went fine"] == chat.sent
        persona_entries = [
            t.text
            for t in chat.responder.buffer("group").entries
            if chat.responder.buffer("group").is_persona(t.author)
        ]
        assert ["ok seriously, the exam went fine"] == persona_entries
