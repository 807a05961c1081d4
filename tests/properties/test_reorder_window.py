"""Laws of the reorder window, through the WhatsApp parser: late lines are mended, none lost."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import Message, WhatsAppParser, parse
from persona_clone.parsers import CollectingIssueSink


START = dt.datetime(2024, 3, 14, 8, 0, tzinfo=dt.timezone.utc)


def _export(order: list[int]) -> str:
    """An Android export with message *i* sent *i* minutes after the start, in *order*."""
    lines = []
    for i in order:
        at = START + dt.timedelta(minutes=i)
        lines.append(f"{at:%d/%m/%Y, %H:%M} - Ada: m{i}\n")
    return "".join(lines)


def _parse(text: str, window: int) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.txt"
        path.write_text(text, encoding="utf-8")
        parser = WhatsAppParser(reorder_window=window, chunk_size=64)
        return list(parse(path, format=parser, issues=sink)), sink


def _late(order: list[int]) -> int:
    """How many messages come after a later one in *order*."""
    late, top = 0, -1
    for i in order:
        late += i < top
        top = max(top, i)
    return late


@st.composite
def displaced(draw: st.DrawFn) -> tuple[list[int], int]:
    """A file order where no message comes after more than *window* later ones."""
    window = draw(st.integers(1, 8))
    count = draw(st.integers(1, 60))
    shifts = draw(st.lists(st.integers(0, window + 1), min_size=count, max_size=count))
    order = sorted(range(count), key=lambda i: (i + shifts[i], i))
    return order, window


class TestReorderWindow:
    @given(displaced())
    def test_disorder_within_the_window_comes_out_sorted(self, case: tuple[list[int], int]) -> None:
        """Any order where each line is at most *window* places late parses to sorted order."""
        order, window = case
        messages, sink = _parse(_export(order), window)

        assert [f"m{i}" for i in range(len(order))] == [m.text for m in messages]
        assert _late(order) == len(sink.warnings)
        assert not any("too late" in w.expected for w in sink.warnings)
        assert [] == sink.errors

    @given(st.permutations(range(40)), st.integers(1, 8))
    def test_any_order_comes_out_whole(self, order: list[int], window: int) -> None:
        """Whatever the disorder, the output is chronological and holds every message once."""
        messages, sink = _parse(_export(list(order)), window)
        instants = [m.sent_at for m in messages]

        assert sorted(instants) == instants
        assert sorted(f"m{i}" for i in order) == sorted(m.text for m in messages)
        assert [] == sink.errors
