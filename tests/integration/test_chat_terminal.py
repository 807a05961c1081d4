"""``persona-clone chat`` typed into in a real terminal (tmux), against FakeOpenAI."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from persona_clone.testing import FakeOpenAI
from terminal_support import Terminal, require_tmux


pytestmark = pytest.mark.slow

MODEL = "ft:gpt-4o-mini-2024-07-18:fake-org:cem:abc123"


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(replies=["selam!", "call me on +90 532 765 43 21"]) as fake:
        yield fake


@pytest.fixture(name="terminal")
def _terminal(fake: FakeOpenAI, tmp_path: Path) -> Iterator[Terminal]:
    require_tmux("the chat")
    command = [
        sys.executable, "-m", "persona_clone", "chat", "--model", MODEL, "--persona", "Cem",
        "--base-url", fake.base_url, "--quiet", "0", "--line-delay", "0",
    ]  # fmt: skip
    terminal = Terminal(command, cwd=tmp_path, environment={"OPENAI_API_KEY": "test"}, width=120)
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
