"""``persona-clone chat`` typed into in a real terminal (tmux), against FakeOpenAI."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import persona_clone
from persona_clone.testing import FakeOpenAI


pytestmark = pytest.mark.slow

MODEL = "ft:gpt-4o-mini-2024-07-18:fake-org:cem:abc123"


class Terminal:
    """``persona-clone chat`` in a detached tmux session: type lines, read the screen."""

    def __init__(self, base_url: str, *, cwd: Path) -> None:
        self.name = f"pc-chat-{uuid.uuid4().hex[:8]}"
        source = Path(persona_clone.__file__).resolve().parents[1]
        command = [
            sys.executable, "-m", "persona_clone", "chat", "--model", MODEL, "--persona", "Cem",
            "--base-url", base_url, "--quiet", "0", "--line-delay", "0",
        ]  # fmt: skip
        env = f"PYTHONPATH={shlex.quote(str(source))} OPENAI_API_KEY=test"
        shell = f"{env} {shlex.join(command)}; echo EXIT=$?; sleep 60"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "120", "-y", "30", "-c", str(cwd),
             shell],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        """The visible text of the terminal."""
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Wait until *text* is on the screen; return the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared; the screen was:\n{screen}")
            threading.Event().wait(0.1)

    def type(self, *keys: str) -> None:
        """Type *keys* (tmux key names such as ``Enter`` and ``C-d`` included)."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        """End the tmux session."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(replies=["selam!", "call me on +90 532 765 43 21"]) as fake:
        yield fake


@pytest.fixture(name="terminal")
def _terminal(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux): the chat needs a terminal")
    terminal = Terminal(fake.base_url, cwd=tmp_path)
    yield terminal
    terminal.close()


class TestChatInATerminal:
    def test_typed_lines_are_answered_redacted_and_ctrl_d_ends(
        self, terminal: Terminal, fake: FakeOpenAI
    ) -> None:
        """Each typed line is answered; phone numbers are redacted both ways; Ctrl-D exits 0."""
        terminal.wait_for("Talking to Cem")
        terminal.type("Ada: hi", "Enter")
        terminal.wait_for("Cem: selam!")
        terminal.type("Ada: my number is +90 532 123 45 67", "Enter")
        screen = terminal.wait_for("Cem: call me on <PHONE>")
        terminal.type("C-d")
        terminal.wait_for("EXIT=0")

        asked = json.dumps([r.json for r in fake.requests_to("POST", "/v1/chat/completions")])
        assert "123 45 67" not in asked
        assert "my number is <PHONE>" in asked
        assert "765 43 21" not in screen
