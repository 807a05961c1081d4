"""Tests for `persona_clone.parsers._ordering`: the reorder window every parser shares."""

from __future__ import annotations

from pathlib import Path

import pendulum

from persona_clone import Message, parse
from persona_clone.parsers import CollectingIssueSink
from persona_clone.parsers._ordering import ReorderWindow, chronological
from persona_clone.testing import make_message


START = pendulum.datetime(2024, 3, 14, 18, 0, tz="UTC")


def at(minute: int, **overrides: object) -> Message:
    """A message sent *minute* minutes after the start, its text the minute."""
    return make_message(sent_at=START.add(minutes=minute), text=str(minute), **overrides)


class Recorder:
    """A *late* callback that records (text, later text, clamped)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []

    def __call__(self, message: Message, later: Message, clamped: bool) -> None:
        self.calls.append((message.text, later.text, clamped))


class TestReorderWindow:
    def test_moves_and_clamps(self) -> None:
        """Within the window a late message moves; beyond it, it takes the latest time."""
        late = Recorder()
        window = ReorderWindow(late=late, window=2)
        batch = [at(m) for m in (1, 2, 0, 3, 4, 5, -1, 6)]

        out = window.push(batch) + window.finish()

        assert ["0", "1", "2", "3", "4", "5", "-1", "6"] == [m.text for m in out]
        assert [("0", "2", False), ("-1", "5", True)] == late.calls
        assert out[6].sent_at == out[5].sent_at

    def test_batches_do_not_change_the_result(self) -> None:
        """Pushing one message at a time gives what one batch gives."""
        texts = (3, 1, 2, 9, 4, 8, 5, 0, 7, 6)
        whole = ReorderWindow(late=Recorder(), window=3)
        single = ReorderWindow(late=Recorder(), window=3)

        expected = whole.push([at(m) for m in texts]) + whole.finish()
        found = [m for t in texts for m in single.push([at(t)])] + single.finish()

        assert [m.text for m in expected] == [m.text for m in found]

    def test_budget_releases_long_texts(self) -> None:
        """Held text beyond the budget is released early, in order."""
        window = ReorderWindow(late=Recorder(), window=100, budget=25)
        batch = [make_message(sent_at=START.add(minutes=m), text="x" * 10) for m in range(5)]

        out = window.push(batch)

        assert 3 == len(out)
        assert 2 == len(window.finish())


class TestChronological:
    def test_each_chat_is_mended_on_its_own(self) -> None:
        """Time starts again with the next chat: no clamping across chats."""
        messages = [at(5, chat="a"), at(4, chat="a"), at(1, chat="b"), at(2, chat="b")]
        late = Recorder()

        out = list(chronological(messages, order="oldest-first", late=late))

        assert [("a", "4"), ("a", "5"), ("b", "1"), ("b", "2")] == [(m.chat, m.text) for m in out]
        assert [("4", "5", False)] == late.calls


class TestParsers:
    def test_signal_export_is_mended(self, tmp_path: Path) -> None:
        """A Signal export with a late line comes out oldest first, with a warning."""
        path = tmp_path / "signal.txt"
        path.write_text(
            "[2024-03-14, 18:00] Ada: one\n"
            "[2024-03-14, 18:02] Bob: three\n"
            "[2024-03-14, 18:01] Ada: two\n",
            encoding="utf-8",
        )
        sink = CollectingIssueSink()

        messages = list(parse(path, format="signal", issues=sink))

        assert ["one", "two", "three"] == [m.text for m in messages]
        assert ["signal.txt:3"] == [w.location for w in sink.warnings]
