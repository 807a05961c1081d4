"""Tests for the iMessage parser (imessage-exporter's text export), on fixtures written here."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pendulum
import pytest

from persona_clone import (
    CollectingIssueSink,
    MessageKind,
    ParseContext,
    ParseError,
    Participant,
    Sessionizer,
    Source,
    parse,
)
from persona_clone.parsers.imessage import IMessageParser
from persona_clone.testing import check_parser


PLAIN = (
    "May 06, 2024  9:15:02 AM\n"
    "Me\n"
    "Günaydın! Bugün geliyor musun?\n"
    "\n"
    "May 06, 2024  9:16:40 AM (Read by you after 1 minute, 38 seconds)\n"
    "+90 555 123 45 67\n"
    "Evet, öğlene doğru\n"
    "\n"
    "May 06, 2024  9:20:00 AM Deniz renamed the conversation to Cumartesi\n"
    "\n"
    "May 06, 2024 10:06:00 AM\n"
    "+90 555 123 45 67\n"
    "İki satır\n"
    "ikinci satır\n"
    "\n"
    "May 06, 2024 12:30:15 PM\n"
    "Me\n"
    "/Users/deniz/Library/Messages/Attachments/0a/10/IMG_4021.HEIC\n"
    "Harita bu\n"
    "\n"
)

RICH = (
    "May 06, 2024  9:16:40 AM\n"
    "Ayşe\n"
    "Evet\n"
    "Sent with Confetti\n"
    "Reactions:\n"
    "Loved by Me\n"
    "    May 06, 2024  9:18:30 AM\n"
    "    Me\n"
    "    Tamam 👍\n"
    "\n"
    "\n"
    "May 06, 2024  9:18:30 AM\n"
    "Me\n"
    "Tamam 👍\n"
    "This message responded to an earlier message.\n"
    "\n"
    "May 06, 2024 10:01:10 AM\n"
    "Me\n"
    "May 06, 2024 10:01:10 AM Saat 12de\n"
    "Edited 1 minute later: Saat 13te\n"
    "\n"
    "May 06, 2024 10:05:00 AM\n"
    "Me\n"
    "You deleted a message.\n"
    "\n"
    "May 06, 2024 10:07:00 AM\n"
    "Ayşe\n"
    "Attachment missing!\n"
    "\n"
)


def write(tmp_path: Path, text: str, name: str = "+905551234567.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path, tz: str = "Europe/Istanbul") -> tuple[list, CollectingIssueSink]:  # type: ignore[type-arg]
    sink = CollectingIssueSink()
    return list(parse(path, format="imessage", tz=tz, issues=sink)), sink


class TestMessages:
    def test_blocks_become_messages_in_the_callers_zone(self, tmp_path: Path) -> None:
        """Each block is one message: time in the given zone, sender, body with its line breaks."""
        messages, sink = read(write(tmp_path, PLAIN))

        assert [
            ("2024-05-06T09:15:02+03:00", "Me", "Günaydın! Bugün geliyor musun?"),
            ("2024-05-06T09:16:40+03:00", "+90 555 123 45 67", "Evet, öğlene doğru"),
            ("2024-05-06T09:20:00+03:00", None, "Deniz renamed the conversation to Cumartesi"),
            ("2024-05-06T10:06:00+03:00", "+90 555 123 45 67", "İki satır\nikinci satır"),
            ("2024-05-06T12:30:15+03:00", "Me", "Harita bu"),
        ] == [
            (m.sent_at.isoformat(), m.author.name if m.author else None, m.text) for m in messages
        ]
        assert [] == sink.issues

    def test_events_are_system_messages_and_paths_are_attachments(self, tmp_path: Path) -> None:
        """A one-line block is a system event; a file path is an attachment of a media message."""
        messages, _ = read(write(tmp_path, PLAIN))

        assert MessageKind.SYSTEM is messages[2].kind
        assert MessageKind.MEDIA is messages[4].kind
        assert ("IMG_4021.HEIC",) == tuple(a.name for a in messages[4].attachments)
        assert messages[4].attachments[0].url == (
            "/Users/deniz/Library/Messages/Attachments/0a/10/IMG_4021.HEIC"
        )

    def test_ids_and_sources_are_the_time_lines(self, tmp_path: Path) -> None:
        """A message's id is the line number of its time line, and its source points there."""
        messages, _ = read(write(tmp_path, PLAIN))

        assert ["1", "5", "9", "11", "16"] == [m.id for m in messages]
        assert "+905551234567.txt:5" == str(messages[1].source)

    def test_exporter_annotations_are_not_text(self, tmp_path: Path) -> None:
        """Effects, tapbacks, the reply note and the indented reply copy stay out of the text."""
        messages, sink = read(write(tmp_path, RICH))

        assert ["Evet", "Tamam 👍", "Saat 13te", "You deleted a message.", ""] == [
            m.text for m in messages
        ]
        assert [] == sink.issues

    def test_reply_copy_links_the_reply(self, tmp_path: Path) -> None:
        """The indented copy under a message makes the later reply point at that message."""
        messages, _ = read(write(tmp_path, RICH))

        assert [None, "1", None, None, None] == [m.reply_to for m in messages]

    def test_edits_deletions_and_missing_attachments(self, tmp_path: Path) -> None:
        """An edit history keeps its last text, a deletion is deleted, a missing file is media."""
        messages, _ = read(write(tmp_path, RICH))

        assert (True, MessageKind.TEXT) == (messages[2].edited, messages[2].kind)
        assert MessageKind.DELETED is messages[3].kind
        assert MessageKind.MEDIA is messages[4].kind
        assert "Attachment missing!" == messages[4].attachments[0].name

    def test_twelve_oclock(self, tmp_path: Path) -> None:
        """12 AM is midnight and 12 PM is noon."""
        text = "Jan 01, 2024 12:05:00 AM\nMe\na\n\nJan 01, 2024 12:05:00 PM\nMe\nb\n"
        messages, _ = read(write(tmp_path, text), tz="UTC")

        assert [0, 12] == [m.sent_at.hour for m in messages]


class TestProblems:
    def test_stray_lines_and_impossible_dates_are_located(self, tmp_path: Path) -> None:
        """A line before the first block and a block with no real date are reported, located."""
        text = "exported by me\n\n" + PLAIN + "Feb 30, 2024  9:00:00 AM\nMe\nlost\n"
        messages, sink = read(write(tmp_path, text))

        assert 5 == len(messages)
        assert ["+905551234567.txt:1", "+905551234567.txt:23"] == [i.location for i in sink.issues]
        assert [1, 3] == [i.lines for i in sink.issues]

    def test_block_without_sender(self, tmp_path: Path) -> None:
        """A time line followed by nothing is reported, not turned into a message."""
        messages, sink = read(write(tmp_path, PLAIN + "May 07, 2024  9:00:00 AM\n"))

        assert 5 == len(messages)
        assert "a sender line after the time line" == sink.issues[0].expected

    @pytest.mark.parametrize("content", [b"", b"  \n", b"\x00\x01binary"])
    def test_empty_or_binary_file_is_refused(self, tmp_path: Path, content: bytes) -> None:
        """An empty or binary file raises a located ParseError."""
        path = tmp_path / "chat.txt"
        path.write_bytes(content)

        with pytest.raises(ParseError, match=r"chat\.txt"):
            list(IMessageParser().parse(Source(path=path), ParseContext()))

    def test_late_message_is_put_in_place(self, tmp_path: Path) -> None:
        """Output is chronological even when a block is stored a little late."""
        text = "May 06, 2024  9:20:00 AM\nMe\nb\n\nMay 06, 2024  9:15:00 AM\nMe\na\n\n"
        messages, _ = read(write(tmp_path, text))

        assert ["a", "b"] == [m.text for m in messages]


class TestContainers:
    def test_folder_of_conversations(self, tmp_path: Path) -> None:
        """A folder of .txt files gives each conversation as its own chat."""
        folder = tmp_path / "export"
        folder.mkdir()
        write(folder, PLAIN, "Ayşe.txt")
        write(folder, RICH, "Aile.txt")
        messages, _ = read(folder)

        assert ["Aile"] * 5 + ["Ayşe"] * 5 == [m.chat for m in messages]
        assert 3 == len(list(Sessionizer(gap=pendulum.duration(hours=1))(messages)))

    def test_zip_is_detected(self, tmp_path: Path) -> None:
        """A zip of conversations is recognised as iMessage by its content."""
        archive = tmp_path / "messages.zip"
        with zipfile.ZipFile(archive, "w") as handle:
            handle.writestr("Ayşe.txt", PLAIN)

        messages = list(parse(archive, tz="Europe/Istanbul"))

        assert 5 == len(messages)
        assert Participant(id="Me", name="Me") == messages[0].author


class TestDetection:
    def test_detected_among_all_formats(self, tmp_path: Path) -> None:
        """parse() picks the iMessage parser for an imessage-exporter file on its own."""
        messages = list(parse(write(tmp_path, PLAIN), tz="Europe/Istanbul"))

        assert 5 == len(messages)

    @pytest.mark.parametrize(
        "text",
        [
            "06/05/2024, 09:15 - Ada: selam\n",
            "[2024-05-06, 09:15] Ada: selam\n",
            "just some notes\nMay 06, 2024  9:15:02 AM\nMe\nhi\n",
        ],
    )
    def test_other_text_scores_zero(self, tmp_path: Path, text: str) -> None:
        """WhatsApp, Signal and plain notes are not taken for iMessage."""
        sample = Source(path=write(tmp_path, text)).sample()

        assert 0.0 == IMessageParser().sniff(sample)

    def test_keeps_the_rules(self, tmp_path: Path) -> None:
        """The parser passes check_parser on a conversation with every plain shape."""
        messages = check_parser(IMessageParser(), write(tmp_path, PLAIN), tz="Europe/Istanbul")

        assert 5 == len(messages)
