"""Tests for `persona_clone.parsers.discord_csv`."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings

from persona_clone import (
    CollectingIssueSink,
    DiscordCsvParser,
    Message,
    MessageKind,
    ParseContext,
    ParseError,
    Participant,
    Sessionizer,
    Source,
    parse,
)
from persona_clone.testing.strategies import chats


HEADER = "AuthorID,Author,Date,Content,Attachments,Reactions"


def row(*fields: str) -> str:
    return ",".join('"' + f.replace('"', '""') + '"' for f in fields)


def write(tmp_path: Path, rows: list[str], *, newline: str = "\n", name: str = "chat.csv") -> Path:
    path = tmp_path / name
    path.write_bytes((newline.join([HEADER, *rows]) + newline).encode("utf-8"))
    return path


def read(
    path: Path, parser: DiscordCsvParser | None = None
) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    found = list((parser or DiscordCsvParser()).parse(Source(path=path), ParseContext(issues=sink)))
    return found, sink


EXAMPLE = [
    row(
        "555000000000000001",
        "chen.w",
        "2024-02-03T09:14:05.1230000+00:00",
        'first line\nsecond line, with a "quote"',
        "",
        "",
    ),
    row(
        "555000000000000002",
        "bob#0420",
        "2024-02-03T09:15:00.0000000+00:00",
        "",
        "https://cdn.discordapp.com/attachments/1/2/a.png",
        "👍 (1)",
    ),
]


class TestRows:
    def test_reference_example(self, tmp_path: Path) -> None:
        """The reference's rows: multi-line quoted text, then attachment-only media."""
        found, sink = read(write(tmp_path, EXAMPLE))

        assert [
            (
                "1",
                Participant(id="555000000000000001", name="chen.w"),
                'first line\nsecond line, with a "quote"',
                MessageKind.TEXT,
            ),
            (
                "2",
                Participant(id="555000000000000002", name="bob#0420"),
                "",
                MessageKind.MEDIA,
            ),
        ] == [(m.id, m.author, m.text, m.kind) for m in found]
        assert ["a.png"] == [a.name for a in found[1].attachments]
        assert [] == sink.issues

    def test_crlf_rows(self, tmp_path: Path) -> None:
        """Windows row ends (CRLF) are read; content newlines stay LF."""
        found, _ = read(write(tmp_path, EXAMPLE, newline="\r\n"))

        assert ['first line\nsecond line, with a "quote"', ""] == [m.text for m in found]

    def test_offsets(self, tmp_path: Path) -> None:
        """Dates keep their offset and seven-digit fraction exactly."""
        found, _ = read(
            write(
                tmp_path,
                [row("1", "a", "2024-02-03T09:14:05.1234567+03:00", "x", "", "")],
            )
        )

        assert [pendulum.datetime(2024, 2, 3, 6, 14, 5, 123456, tz="UTC")] == [
            m.sent_at for m in found
        ]

    def test_several_attachments(self, tmp_path: Path) -> None:
        """Attachment URLs joined by commas become several attachments."""
        urls = "https://cdn.x/a/1.png?ex=1,https://cdn.x/a/2.jpg"
        found, _ = read(
            write(tmp_path, [row("1", "a", "2024-02-03T09:14:05+00:00", "two", urls, "")])
        )

        assert [
            ("1.png", "https://cdn.x/a/1.png?ex=1"),
            ("2.jpg", "https://cdn.x/a/2.jpg"),
        ] == [(a.name, a.url) for a in found[0].attachments]

    @pytest.mark.parametrize(
        "content",
        [
            "Joined the server.",
            "Pinned a message.",
            "Started a call that lasted 5 minutes.",
            "Changed the channel name: ders",
            "Added Ana to the group.",
        ],
    )
    def test_system_fallback_texts(self, tmp_path: Path, content: str) -> None:
        """Rows whose content is a system fallback text are system events."""
        found, _ = read(
            write(tmp_path, [row("1", "a", "2024-02-03T09:14:05+00:00", content, "", "")])
        )

        assert [(None, MessageKind.SYSTEM, content)] == [(m.author, m.kind, m.text) for m in found]

    def test_system_detection_off(self, tmp_path: Path) -> None:
        """With detect_system=False every row is a user message."""
        found, _ = read(
            write(
                tmp_path,
                [
                    row(
                        "1",
                        "a",
                        "2024-02-03T09:14:05+00:00",
                        "Joined the server.",
                        "",
                        "",
                    )
                ],
            ),
            DiscordCsvParser(detect_system=False),
        )

        assert [MessageKind.TEXT] == [m.kind for m in found]

    def test_reversed_rows(self, tmp_path: Path) -> None:
        """A --reverse CSV comes out oldest first."""
        rows = [row("1", "a", f"2024-02-03T09:{m:02d}:00+00:00", str(m), "", "") for m in range(20)]
        found, _ = read(write(tmp_path, rows[::-1]))

        assert [str(m) for m in range(20)] == [m.text for m in found]


class TestBadInput:
    def test_not_csv_export(self, tmp_path: Path) -> None:
        """Another CSV raises ParseError naming the expected header."""
        path = tmp_path / "x.csv"
        path.write_text("a,b,c\n1,2,3\n")

        with pytest.raises(ParseError, match=r"x\.csv: expected a DiscordChatExporter CSV export"):
            read(path)

    def test_empty(self, tmp_path: Path) -> None:
        """An empty file raises ParseError."""
        path = tmp_path / "x.csv"
        path.write_text("")

        with pytest.raises(ParseError, match="an empty file"):
            read(path)

    def test_bad_rows_are_located(self, tmp_path: Path) -> None:
        """Rows with a bad date or column count are issues at their first line."""
        rows = [
            EXAMPLE[0],
            row("1", "a", "yesterday", "x", "", ""),
            row("1", "a"),
            EXAMPLE[1],
        ]
        found, sink = read(write(tmp_path, rows))

        assert 2 == len(found)
        assert ["chat.csv:4", "chat.csv:5"] == [i.location for i in sink.errors]
        assert 4 == len(found) + len(sink.errors)

    def test_detected(self, tmp_path: Path) -> None:
        """persona_clone.parse recognises the CSV by its header."""
        assert 2 == len(list(parse(write(tmp_path, EXAMPLE))))

    def test_zip_of_csvs(self, tmp_path: Path) -> None:
        """A zip of CSV parts merges chronologically with ids unique per file."""
        archive = tmp_path / "e.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("c [1].csv", "\n".join([HEADER, EXAMPLE[1]]) + "\n")
            z.writestr("c [1] [part 2].csv", "\n".join([HEADER, EXAMPLE[0]]) + "\n")

        assert ["c [1] [part 2].csv#1", "c [1].csv#1"] == [m.id for m in parse(archive)]


class TestChats:
    def channels(self, folder: Path) -> Path:
        """Two channels, the first in two parts, their times overlapping."""
        folder.mkdir()
        rows = [
            row("1", "ada", f"2024-02-03T09:{minute:02d}:00+00:00", text, "", "")
            for minute, text in [(0, "a0"), (1, "a1"), (3, "a3"), (2, "b2"), (4, "b4")]
        ]
        write(folder, [rows[0], rows[2]], name="G - T - alpha [11].csv")
        write(folder, [rows[1]], name="G - T - alpha [11] [part 2].csv")
        write(folder, [rows[3], rows[4]], name="G - T - beta [22].csv")
        return folder

    def test_chat_is_the_id_in_the_file_name(self, tmp_path: Path) -> None:
        """Each channel's parts merge by time; channels come one after another."""
        found, _ = read(self.channels(tmp_path / "e"))

        assert [("11", "a0"), ("11", "a1"), ("11", "a3"), ("22", "b2"), ("22", "b4")] == [
            (m.chat, m.text) for m in found
        ]
        assert len(found) == len({m.id for m in found})

    def test_sessions_never_span_two_channels(self, tmp_path: Path) -> None:
        """A folder of channels sessionizes although time starts again at each."""
        sessions = list(Sessionizer()(parse(self.channels(tmp_path / "e"))))

        assert [["a0", "a1", "a3"], ["b2", "b4"]] == [
            [m.text for m in s.messages] for s in sessions
        ]
        assert [{"11"}, {"22"}] == [{m.chat for m in s.messages} for s in sessions]

    def test_file_name_without_id(self, tmp_path: Path) -> None:
        """A file named without an id has its base name as chat."""
        found, _ = read(write(tmp_path, EXAMPLE, name="dm with chen [part 2].csv"))

        assert {"dm with chen"} == {m.chat for m in found}


def render(chat: list[Message]) -> str:
    lines = [HEADER]
    for message in chat:
        author = message.author or Participant(id="0", name="x")
        files = ",".join(
            f"https://cdn.discordapp.com/attachments/1/2/{a.name}" for a in message.attachments
        )
        content = message.text if not message.is_system else "Joined the server."
        lines.append(row(author.id, author.name, message.sent_at.isoformat(), content, files, ""))
    return "\n".join(lines) + "\n"


class TestRoundTrip:
    @given(chats())
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    def test_render_then_parse(self, tmp_path: Path, chat: list[Message]) -> None:
        """A generated chat rendered as CSV parses back to the same messages."""
        path = tmp_path / "rt.csv"
        path.write_text(render(chat), encoding="utf-8")
        found, sink = read(path)

        def expected(m: Message) -> tuple[object, ...]:
            if m.is_system:
                return (None, "Joined the server.", MessageKind.SYSTEM)
            kind = MessageKind.MEDIA if m.attachments else MessageKind.TEXT
            if kind is MessageKind.TEXT and m.text == "Joined the server.":
                kind = MessageKind.SYSTEM
            return (m.author, m.text, kind)

        assert [(m.sent_at, *expected(m)) for m in chat] == [
            (m.sent_at, m.author, m.text, m.kind) for m in found
        ]
        assert [str(i) for i in range(1, len(chat) + 1)] == [m.id for m in found]
        assert [] == sink.issues


class TestBinary:
    def test_binary_file(self, tmp_path: Path) -> None:
        """A binary file given as CSV raises ParseError, not a decoding traceback."""
        path = tmp_path / "x.csv"
        path.write_bytes(b"\xff\xfe\xfd\x00\x81\x82" * 10)

        with pytest.raises(ParseError, match=r"x\.csv: expected a DiscordChatExporter CSV"):
            read(path)
