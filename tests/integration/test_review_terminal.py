"""``persona-clone review`` driven in a real terminal (tmux), and ``--apply``."""

from __future__ import annotations

import importlib.util
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
from click.testing import CliRunner

import persona_clone
from persona_clone.cli import main
from persona_clone.curation import Decision, ReviewState, example_key, review_path


EXAMPLES = [
    {"messages": [{"role": "user", "name": "Mert", "content": "geliyor musun"},
                  {"role": "assistant", "content": "lol"}]},
    {"messages": [{"role": "user", "name": "Ayse", "content": "naber"},
                  {"role": "assistant", "content": "iyi, sen?\nbugün yorgunum"}]},
    {"messages": [{"role": "user", "name": "Mert", "content": "pizza?"},
                  {"role": "assistant", "content": "haha olur"}]},
]  # fmt: skip


@pytest.fixture(name="dataset")
def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in EXAMPLES), "utf-8")
    return path


class Terminal:
    """A program running in a detached tmux session: type keys, read the screen."""

    def __init__(self, command: list[str], *, cwd: Path) -> None:
        self.name = f"pc-review-{uuid.uuid4().hex[:8]}"
        source = Path(persona_clone.__file__).resolve().parents[1]
        env = f"PYTHONPATH={shlex.quote(str(source))}"
        shell = f"{env} {shlex.join(command)}; echo EXIT=$?; sleep 60"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", "100", "-y", "30", "-c", str(cwd),
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

    def press(self, key: str) -> None:
        """Type *key*."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)

    def close(self) -> None:
        """End the tmux session."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture(name="terminal")
def _terminal(dataset: Path) -> Iterator[Terminal]:
    if shutil.which("tmux") is None:
        pytest.skip(
            "tmux is not installed (apt-get install tmux): the review screen needs a terminal"
        )
    if importlib.util.find_spec("prompt_toolkit") is None:
        pytest.skip("prompt_toolkit is not installed (the 'review' extra)")
    terminal = Terminal(
        [sys.executable, "-m", "persona_clone", "review", dataset.name], cwd=dataset.parent
    )
    yield terminal
    terminal.close()


class TestReviewScreen:
    def test_keep_drop_undo_quit_resume(self, terminal: Terminal, dataset: Path) -> None:
        """k, d and u act on the shown example, q saves, and the next run resumes there."""
        first = terminal.wait_for("example 1/3")
        assert "> persona: lol" in first
        assert "laughter-only" in first

        terminal.press("k")
        terminal.wait_for("example 2/3")
        terminal.press("d")
        terminal.wait_for("example 3/3")
        terminal.press("u")
        second = terminal.wait_for("example 2/3")
        assert "kept 1  dropped 0  left 2" in second
        terminal.press("d")
        terminal.wait_for("example 3/3")
        terminal.press("q")
        terminal.wait_for("EXIT=0")

        state = ReviewState.load(review_path(dataset))
        assert {example_key(EXAMPLES[0]): "keep", example_key(EXAMPLES[1]): "drop"} == {
            k: d.value for k, d in state.decisions.items()
        }
        resumed = Terminal(
            [sys.executable, "-m", "persona_clone", "review", dataset.name], cwd=dataset.parent
        )
        try:
            screen = resumed.wait_for("example 3/3")
            assert "haha olur" in screen
            resumed.press("q")
            resumed.wait_for("EXIT=0")
        finally:
            resumed.close()


class TestApply:
    def test_writes_the_examples_not_dropped(self, dataset: Path, tmp_path: Path) -> None:
        """--apply writes every example not dropped, in order, whole."""
        state = ReviewState()
        state.decide(example_key(EXAMPLES[1]), Decision.DROP)
        state.save(review_path(dataset))
        out = tmp_path / "curated.jsonl"

        result = CliRunner().invoke(main, ["review", str(dataset), "--apply", "-o", str(out)])

        assert 0 == result.exit_code, result.output
        lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
        assert [EXAMPLES[0], EXAMPLES[2]] == lines
        assert "Wrote 2 of 3 examples" in result.output

    def test_needs_a_terminal(self, dataset: Path) -> None:
        """Without a terminal the interactive review refuses and points at --apply."""
        result = CliRunner().invoke(main, ["review", str(dataset)])

        assert 1 == result.exit_code
        assert "run it in a terminal" in result.output
