"""WhatsAppParser on exports as they come in the wild: disorder and hostile sizes."""

from __future__ import annotations

import os
import tracemalloc
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

import persona_clone
from persona_clone import Merger, Message, ParseError, Sessionizer, WhatsAppParser, parse
from persona_clone.parsers import CollectingIssueSink, Severity, StrictIssueSink


LRM = "\u200e"


def read(
    folder: Path, text: str, *, name: str = "c.txt", **options: object
) -> tuple[list[Message], CollectingIssueSink]:
    """Write *text* to a file and parse it with a WhatsAppParser(**options)."""
    path = folder / name
    path.write_text(text, encoding="utf-8")
    sink = CollectingIssueSink()
    parser = WhatsAppParser(**options)  # type: ignore[arg-type]
    return list(parse(path, format=parser, issues=sink)), sink


def minutes(messages: Sequence[Message]) -> list[int]:
    """The messages' times as minutes of the day."""
    return [m.sent_at.hour * 60 + m.sent_at.minute for m in messages]


def is_chronological(messages: Sequence[Message]) -> bool:
    """Whether the instants never go back."""
    instants = [m.sent_at.timestamp() for m in messages]
    return instants == sorted(instants)


# --- order -------------------------------------------------------------------------------

JOINED_GROUP = (
    "14/03/2024, 18:02 - Messages and calls are end-to-end encrypted. Learn more.\n"
    '12/03/2024, 09:00 - Ece created group "Hiking"\n'
    "14/03/2024, 18:02 - Ece added you\n"
    "14/03/2024, 18:03 - Ece: welcome!\n"
    "14/03/2024, 18:04 - Ada: thanks\n"
)


class TestOrder:
    def test_joined_group_export_is_chronological(self, tmp_path: Path) -> None:
        """A group-join export (notice at joining, then an earlier "created group") is reordered."""
        messages, sink = read(tmp_path, JOINED_GROUP)

        assert ["2", "1", "3", "4", "5"] == [m.id for m in messages]
        assert is_chronological(messages)
        assert [] == sink.errors
        assert ["c.txt:2"] == [w.location for w in sink.warnings]
        assert "moved back into place" in sink.warnings[0].expected

    def test_joined_group_export_goes_through_the_pipeline(self, tmp_path: Path) -> None:
        """The reordered export sessionizes and merges without OutOfOrderError."""
        path = tmp_path / "c.txt"
        path.write_text(JOINED_GROUP, encoding="utf-8")
        sessions = list(Sessionizer()(persona_clone.parse(path)))
        turns = [t for turns in Merger()(sessions) for t in turns]

        assert 5 == sum(len(s.messages) for s in sessions)
        assert 2 == len([t for t in turns if t.author is not None])

    def test_delayed_message_is_put_in_place(self, tmp_path: Path) -> None:
        """A message delivered a minute late, a few lines down, is put where its time says."""
        text = (
            "14/03/2024, 18:00 - Ada: one\n"
            "14/03/2024, 18:02 - Bob: three\n"
            "14/03/2024, 18:03 - Ada: four\n"
            "14/03/2024, 18:01 - Bob: two\nstill two\n"
            "14/03/2024, 18:04 - Ada: five\n"
        )
        messages, sink = read(tmp_path, text)

        assert ["one", "two\nstill two", "three", "four", "five"] == [m.text for m in messages]
        assert ["c.txt:4"] == [w.location for w in sink.warnings]
        assert 0 == sum(w.lines for w in sink.issues)

    def test_beyond_the_window_is_clamped(self, tmp_path: Path) -> None:
        """A message more places late than the window keeps its place at the time before it."""
        lines = [f"14/03/2024, 18:{i:02d} - Ada: m{i}\n" for i in range(10, 20)]
        text = "".join(lines) + "14/03/2024, 18:00 - Bob: late\n"
        messages, sink = read(tmp_path, text, reorder_window=3)

        assert "late" == messages[-1].text
        assert 19 == messages[-1].sent_at.minute
        assert is_chronological(messages)
        assert ["c.txt:11"] == [w.location for w in sink.warnings]
        assert "too late" in sink.warnings[0].expected
        assert "18:00:00" in sink.warnings[0].found

    def test_within_the_window_is_moved(self, tmp_path: Path) -> None:
        """A message exactly as many places late as the window is still moved."""
        lines = [f"14/03/2024, 18:{i:02d} - Ada: m{i}\n" for i in range(10, 13)]
        text = "".join(lines) + "14/03/2024, 18:00 - Bob: late\n"
        messages, sink = read(tmp_path, text, reorder_window=3)

        assert ["late", "m10", "m11", "m12"] == [m.text for m in messages]
        assert "moved back into place" in sink.warnings[0].expected

    @pytest.mark.parametrize("chunk_size", [1, 5, 64, 4096])
    def test_block_size_does_not_change_the_order(self, tmp_path: Path, chunk_size: int) -> None:
        """Reordering gives the same output whatever size the blocks are read in."""
        lines = [f"14/03/2024, 18:{(i * 7) % 60:02d} - Ada: m{i}\n" for i in range(60)]
        messages, _ = read(tmp_path, "".join(lines), chunk_size=chunk_size, reorder_window=8)
        expected, _ = read(tmp_path, "".join(lines), reorder_window=8)

        assert [m.id for m in expected] == [m.id for m in messages]
        assert is_chronological(messages)
        assert 60 == len(messages)

    def test_same_time_keeps_file_order(self, tmp_path: Path) -> None:
        """Messages of the same minute stay in file order around a moved one."""
        text = (
            "14/03/2024, 18:05 - Ada: a\n"
            "14/03/2024, 18:05 - Bob: b\n"
            "14/03/2024, 18:04 - Cem: early\n"
            "14/03/2024, 18:05 - Ada: c\n"
        )
        messages, _ = read(tmp_path, text)

        assert ["early", "a", "b", "c"] == [m.text for m in messages]


# --- hostile inputs ----------------------------------------------------------------------


def _peak(function: object, *args: object) -> int:
    """The peak of traced memory while calling *function*."""
    tracemalloc.start()
    try:
        function(*args)  # type: ignore[operator]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _count(path: Path, sink: CollectingIssueSink) -> int:
    return sum(1 for _ in parse(path, format="whatsapp", issues=sink))


def _long_line_export(path: Path, characters: int) -> Path:
    """An export whose second message is one line of *characters* characters."""
    with path.open("w", encoding="utf-8") as out:
        out.write("14/03/2024, 18:00 - Ada: hi\n14/03/2024, 18:01 - Bob: ")
        block = "x" * (1 << 16)
        for _ in range(characters // len(block)):
            out.write(block)
        out.write("\n14/03/2024, 18:02 - Ada: bye\n")
    return path


class TestHostileInputs:
    def test_long_line_is_cut_and_reported(self, tmp_path: Path) -> None:
        """A line longer than max_message is cut to it; an error says so, at its line."""
        path = _long_line_export(tmp_path / "c.txt", 1 << 20)
        sink = CollectingIssueSink()
        parser = WhatsAppParser(max_message=100_000)
        messages = list(parse(path, format=parser, issues=sink))

        assert ["hi", "bye"] == [messages[0].text, messages[2].text]
        assert 100_000 - len("Bob: ") == len(messages[1].text)
        assert [("c.txt:2", 0)] == [(e.location, e.lines) for e in sink.errors]
        assert "at most 100,000 characters" in sink.errors[0].expected

    def test_long_line_memory_does_not_grow_with_the_line(self, tmp_path: Path) -> None:
        """Reading a 16 MB line peaks no higher than reading a 4 MB one (no re-joined carry)."""
        small = _long_line_export(tmp_path / "small.txt", 4 << 20)
        large = _long_line_export(tmp_path / "large.txt", 16 << 20)

        small_peak = _peak(_count, small, CollectingIssueSink())
        large_peak = _peak(_count, large, CollectingIssueSink())

        assert large_peak < 1.2 * small_peak
        assert large_peak < 4 << 20

    def test_continuation_lines_are_capped(self, tmp_path: Path) -> None:
        """A message of many continuation lines is cut to max_message; lost lines are counted."""
        text = "14/03/2024, 18:00 - Ada: start\n" + "y" * 99 + "\n"
        text += ("z" * 99 + "\n") * 50 + "14/03/2024, 18:01 - Bob: ok\n"
        messages, sink = read(tmp_path, text, max_message=1000, chunk_size=64)
        kept = messages[0].text.count("\n") + 1

        assert 1000 - len("Ada: ") == len(messages[0].text)
        assert 53 == kept + sum(e.lines for e in sink.errors) + 1
        assert ["c.txt:1"] == [e.location for e in sink.errors]

    def test_zip_of_continuation_lines_reads_in_bounded_memory(self, tmp_path: Path) -> None:
        """A small zip inflating to 24 MB of continuation lines is read in a few MB."""
        path = tmp_path / "WhatsApp Chat - Ada.zip"
        line = ("w" * 1023 + "\n").encode()
        with (
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            archive.open("_chat.txt", "w") as out,
        ):
            out.write(b"14/03/2024, 18:00 - Ada: start\n")
            for _ in range(24 * 1024):
                out.write(line)
            out.write(b"14/03/2024, 18:01 - Bob: end\n")
        sink = CollectingIssueSink()

        peak = _peak(_count, path, sink)

        assert path.stat().st_size < 1 << 20
        assert peak < 8 << 20
        assert 1 == len(sink.errors)

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_fifo_is_refused(self, tmp_path: Path) -> None:
        """A named pipe is refused with a clear error instead of waiting for a writer."""
        path = tmp_path / "chat.txt"
        os.mkfifo(path)

        with pytest.raises(ParseError, match=r"chat\.txt: expected a regular file.*FIFO"):
            list(parse(path))
        with pytest.raises(ParseError, match="FIFO"):
            list(parse(path, format="whatsapp"))

    def test_no_header_reads_only_the_head(self, tmp_path: Path) -> None:
        """A file without headers is refused after one block is read, even with a huge line."""
        path = tmp_path / "c.txt"
        path.write_text("z" * (8 << 20), encoding="utf-8")

        peak = _peak(self._refused, path)

        assert peak < 2 << 20

    @staticmethod
    def _refused(path: Path) -> None:
        with pytest.raises(ParseError, match="expected a WhatsApp message header"):
            list(parse(path, format="whatsapp"))

    def test_undecodable_line_far_into_a_long_file(self, tmp_path: Path) -> None:
        """The line of bytes that do not decode is found by reading in blocks."""
        path = tmp_path / "c.txt"
        good = "".join(f"13/01/24, 10:{i % 60:02d} - A: {'x' * 50}\n" for i in range(3000))
        path.write_bytes(good.encode() + b"13/01/24, 11:00 - A: \xff\n")

        with pytest.raises(ParseError, match=r"c\.txt:3001: expected text in UTF-8"):
            list(parse(path, format="whatsapp"))


# --- severity --------------------------------------------------------------------------


def test_reorder_warnings_are_warnings(tmp_path: Path) -> None:
    """Moving a message is a warning: strict mode still reads the file."""
    path = tmp_path / "c.txt"
    path.write_text(JOINED_GROUP, encoding="utf-8")
    sink = StrictIssueSink()

    messages = list(parse(path, issues=sink))

    assert 5 == len(messages)
    assert [Severity.WARNING] == [i.severity for i in sink.warnings]
