"""``persona-clone review`` driven in a real terminal (tmux), and ``--apply``."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from persona_clone.cli import main
from persona_clone.curation import Decision, ReviewState, example_key, review_path
from terminal_support import Terminal, require_tmux


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


@pytest.fixture(name="terminal")
def _terminal(dataset: Path) -> Iterator[Terminal]:
    require_tmux("the review screen")
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

        terminal.type("k")
        terminal.wait_for("example 2/3")
        terminal.type("d")
        terminal.wait_for("example 3/3")
        terminal.type("u")
        second = terminal.wait_for("example 2/3")
        assert "kept 1  dropped 0  left 2" in second
        terminal.type("d")
        terminal.wait_for("example 3/3")
        terminal.type("q")
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
            resumed.type("q")
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
