"""What the bots' tests share: a scripted responder, an outbox, a bot process under test."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from openai_mock import ScriptedEndpoint
from persona_clone import LoopGuard, Responder
from persona_clone.clock import system_sleep
from persona_clone.dataset.rendering import ChatRenderer
from persona_clone.privacy.identity import NameBook
from persona_clone.testing import FakeClock, make_participant
from persona_clone.testing.fake_openai import FakeOpenAI


MODEL = "ft:gpt-4.1-mini-2025-04-14:persona-clone::deniz"
QUIET = 0.5
"""The bots' quiet window in the end-to-end tests, in seconds."""


class Outbox:
    """A `send` that keeps what the responder sent, by chat."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    async def __call__(self, chat: str, text: str) -> None:
        self.sent.append((chat, text))


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coroutine)


def scripted_responder(script: list[Any] | None, outbox: Outbox, persona: str = "Ada") -> Responder:
    """A responder with a fake clock over a scripted model, answering as *persona*."""
    clock = FakeClock()
    return Responder(
        client=ScriptedEndpoint(script or ["hey"]).client(),
        model="ft:ada",
        renderer=ChatRenderer(persona=make_participant(persona), names=NameBook()),
        send=outbox,
        clock=clock,
        sleep=clock.async_sleep,
        guard=LoopGuard(),
    )


def settle(seconds: float = 3 * QUIET) -> None:
    """Wait long enough for a reply that should not come to have come."""
    system_sleep(seconds)


def eventually(condition: Callable[[], bool], timeout: float = 60.0) -> bool:
    """Whether *condition* comes true within *timeout* seconds (checked every tenth)."""
    for _ in range(int(timeout * 10)):
        if condition():
            return True
        system_sleep(0.1)
    return condition()


class BotProcess:
    """A bot command of the CLI in a subprocess, talking to a fake OpenAI server."""

    def __init__(self, folder: Path, openai: FakeOpenAI) -> None:
        self.openai = openai
        self.memory = folder / "memory.json"
        self.stderr_path = folder / "stderr.txt"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, command: str, arguments: Sequence[str], env: dict[str, str]) -> None:
        """Run ``persona-clone COMMAND`` with the serving options and *arguments*."""
        line = [
            sys.executable,
            "-m",
            "persona_clone",
            command,
            "--model",
            MODEL,
            "--persona",
            "Deniz",
            "--base-url",
            self.openai.base_url,
            "--quiet",
            str(QUIET),
            "--line-delay",
            "0",
            "--memory",
            str(self.memory),
            *arguments,
        ]
        variables = {**os.environ, "OPENAI_API_KEY": "test", "PYTHONUNBUFFERED": "1", **env}
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(line, env=variables, stderr=stderr)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def model_requests(self, *, about: str) -> list[dict[str, Any]]:
        """The model requests whose conversation contains *about*."""
        found = [
            json.loads(request.body)
            for request in self.openai.requests
            if request.path.endswith("/chat/completions")
        ]
        return [body for body in found if any(about in m["content"] for m in body["messages"])]

    def stop(self, signum: int = signal.SIGINT) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(20)

    def saved_chats(self) -> list[str]:
        return list(json.loads(self.memory.read_text(encoding="utf-8")))


def scripted_replies(replies: dict[str, str], default: str) -> Callable[[Any], str]:
    """A fake model answering the last thing said: the reply of the first cue it ends with."""

    def reply(body: Any) -> str:
        last = str(body["messages"][-1]["content"])
        return next((text for cue, text in replies.items() if last.endswith(cue)), default)

    return reply
