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


# --- hour 00 -------------------------------------------------------------------------------


class TestHourZero:
    @pytest.mark.parametrize(
        ("header", "expected"),
        [
            ("14/03/24, 00:08 a. m.", (0, 8)),
            ("14/03/24, 0:08 a. m.", (0, 8)),
            ("14/03/24, 12:08 a. m.", (0, 8)),
            ("14/03/24, 00:08 p. m.", (12, 8)),
            ("14/03/24, 12:08 p. m.", (12, 8)),
        ],
    )
    def test_hour_zero_is_after_midnight(
        self, tmp_path: Path, header: str, expected: tuple[int, int]
    ) -> None:
        """A 12 h time with hour 00 (some Android locales) is read, not dropped."""
        text = f"{header} - Ada: hola\n15/03/24, 9:00 a. m. - Bob: buenas\n"
        messages, sink = read(tmp_path, text)

        assert expected == (messages[0].sent_at.hour, messages[0].sent_at.minute)
        assert [] == sink.issues

    def test_hour_over_twelve_is_reported(self, tmp_path: Path) -> None:
        """An hour over 12 before a marker is still a located error."""
        messages, sink = read(tmp_path, "14/03/24, 13:08 p. m. - Ada: x\n")

        assert [] == messages
        assert ["c.txt:1"] == [e.location for e in sink.errors]
        assert "an hour from 0 to 12" in sink.errors[0].expected


# --- iOS system events -----------------------------------------------------------------------

IOS_EVENTS = {
    # language: (encryption notice, security-code notice), phrasings outside the tables
    "polish": (
        "Wiadomości i połączenia są szyfrowane end-to-end.",
        "Twój kod zabezpieczenia z Ada uległ zmianie.",
    ),
    "indonesian": (
        "Pesan dan panggilan terenkripsi secara end-to-end.",
        "Kode keamanan Anda dengan Ada telah berubah.",
    ),
    "japanese": (
        "メッセージと通話はエンドツーエンドで暗号化されています。",
        "Adaとのセキュリティコードが変更されました。",
    ),
    "swedish": (
        "Meddelanden och samtal är end-to-end-krypterade.",
        "Din säkerhetskod med Ada har ändrats.",
    ),
}


class TestIosSystemEvents:
    @pytest.mark.parametrize("language", sorted(IOS_EVENTS))
    def test_group_events_are_read_by_structure(self, tmp_path: Path, language: str) -> None:
        """Events written as the group's own marked lines are system events in any language."""
        notice, security = IOS_EVENTS[language]
        text = (
            f"[14.03.24, 18:00:00] Wandern 🏔: {LRM}{notice}\n"
            "[14.03.24, 18:01:00] Ada: hallo\n"
            f"[14.03.24, 18:02:00] Bob: {LRM}image omitted\n"
            f"[14.03.24, 18:03:00] Wandern 🏔: {LRM}{security}\n"
            "[14.03.24, 18:04:00] Bob: ok\n"
        )
        messages, sink = read(tmp_path, text)

        assert [
            (None, "system", notice),
            ("Ada", "text", "hallo"),
            ("Bob", "media", "image omitted"),
            (None, "system", security),
            ("Bob", "text", "ok"),
        ] == [(m.author and m.author.name, m.kind.value, m.text) for m in messages]
        assert [] == sink.issues

    def test_contact_in_a_one_to_one_chat_stays_an_author(self, tmp_path: Path) -> None:
        """In a one-to-one chat named after the contact, their own marked lines stay theirs."""
        text = (
            f"[14.03.24, 18:00:00] Ada: {LRM}Messages and calls are end-to-end encrypted.\n"
            "[14.03.24, 18:01:00] Ada: hi!\n"
            f"[14.03.24, 18:02:00] Ada: {LRM}Location: https://maps.example/?q=41,29\n"
            f"[14.03.24, 18:03:00] Ada: {LRM}image omitted\n"
            f"[14.03.24, 18:04:00] Ada: {LRM}Your security code with Bob changed.\n"
        )
        messages, _ = read(tmp_path, text)

        assert ["system", "text", "text", "media", "system"] == [m.kind.value for m in messages]
        assert ["Ada", "Ada", "Ada"] == [m.author.name for m in messages if m.author]

    def test_a_known_phrase_teaches_the_chat_name(self, tmp_path: Path) -> None:
        """A known phrase mid-file is an event and teaches the chat's name for unknown ones."""
        text = (
            "[14.03.24, 18:01:00] Ada: hi\n"
            f"[14.03.24, 18:02:00] Kampüs: {LRM}Your security code with Bob changed.\n"
            f"[14.03.24, 18:03:00] Kampüs: {LRM}Kod bezpieczeństwa został zmieniony.\n"
        )
        messages, _ = read(tmp_path, text)

        assert ["text", "system", "system"] == [m.kind.value for m in messages]

    def test_android_lines_are_not_affected(self, tmp_path: Path) -> None:
        """Android exports keep their rule: a body without an author is an event."""
        text = (
            "14/03/24, 18:00 - Ada: hi\n"
            f"14/03/24, 18:01 - Ada: {LRM}something marked\n"
            "14/03/24, 18:02 - Kod bezpieczeństwa został zmieniony.\n"
        )
        messages, _ = read(tmp_path, text)

        assert ["text", "text", "system"] == [m.kind.value for m in messages]


# --- header shapes learned from the file ---------------------------------------------------

SHAPES = [
    # (two lines proving the order, wall time of the first as (y, m, d, h, min, s))
    (
        "14-03-24 18:05:09: Ada: older iOS, dashes\n15-03-24 09:00:00: Bob: ok\n",
        (2024, 3, 14, 18, 5, 9),
    ),
    (
        "14/03/2024 18:05:09: Ada: older iOS, slashes\n15/03/2024 09:00:00: Bob: ok\n",
        (2024, 3, 14, 18, 5, 9),
    ),
    (
        "[03/14/24 18:05] Ada: bracketed, no comma\n[03/15/24 09:00] Bob: ok\n",
        (2024, 3, 14, 18, 5, 0),
    ),
    (
        "[14.03.24 6:05:09 PM] Ada: bracketed, 12 h\n[15.03.24 9:00:00 AM] Bob: ok\n",
        (2024, 3, 14, 18, 5, 9),
    ),
    (
        "14.03.2024 18:05: Ada: colon, no seconds\n15.03.2024 09:00: Bob: ok\n",
        (2024, 3, 14, 18, 5, 0),
    ),
]


class TestHeaderShapes:
    @pytest.mark.parametrize(("text", "expected"), SHAPES, ids=lambda v: repr(v)[:24])
    def test_shape_is_learned(self, tmp_path: Path, text: str, expected: tuple[int, ...]) -> None:
        """Each consistent date + time + separator shape is detected and read exactly."""
        path = tmp_path / "chat.txt"
        path.write_text(text, encoding="utf-8")
        sink = CollectingIssueSink()
        messages = list(persona_clone.parse(path, issues=sink))

        assert expected == tuple(messages[0].sent_at.timetuple()[:6])
        assert ["Ada", "Bob"] == [m.author.name for m in messages if m.author]
        assert "ok" == messages[1].text
        assert [] == sink.issues

    def test_colon_shape_keeps_author_colons(self, tmp_path: Path) -> None:
        """After a colon-ended header, the author still ends at the next ': '."""
        text = "14/03/2024 18:05:09: Ada: note: 10:30 works\nsecond line\n"
        messages, _ = read(tmp_path, text)

        assert ("Ada", "note: 10:30 works\nsecond line") == (
            messages[0].author and messages[0].author.name,
            messages[0].text,
        )

    def test_other_shapes_are_continuation_lines(self, tmp_path: Path) -> None:
        """In a colon-shaped file, a pasted Android header continues a message, with a warning."""
        text = (
            "14/03/2024 18:05:09: Ada: pasted:\n"
            "13/03/2024, 10:00 - Bob: old\n"
            "14/03/2024 18:06:00: Bob: ok\n"
        )
        messages, sink = read(tmp_path, text)

        assert 2 == len(messages)
        assert 2 == messages[0].text.count("\n") + 1
        assert 1 == len(sink.warnings)
