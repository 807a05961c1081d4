"""Tests for the parser of the library's own JSON Lines interchange files."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from pathlib import Path

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import (
    CollectingIssueSink,
    Message,
    ParseError,
    ParserRegistry,
    Session,
    Sessionizer,
    Source,
    SourceRef,
    parse,
)
from persona_clone.parsers import Record, write_jsonl
from persona_clone.testing import make_message
from persona_clone.testing.strategies import chats


def read(path: Path) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    return list(parse(path, issues=sink)), sink


def comparable(message: Message) -> Message:
    """
    The message without its source, its time in UTC.

    The interchange format keeps the instant and its UTC offset, not the zone's
    name; and by PEP 495 a time inside a DST fold never equals the same instant
    in another zone, so times are compared in UTC.
    """
    return attrs.evolve(message, source=None, sent_at=message.sent_at.astimezone(dt.timezone.utc))


class TestInterchangeParser:
    def test_detected_by_header(self, tmp_path: Path) -> None:
        """A write_jsonl file is detected by its header line."""
        path = tmp_path / "messages.jsonl"
        write_jsonl([make_message()], path)

        assert "persona-clone-jsonl" == ParserRegistry.default().detect(Source(path=path)).name

    def test_records_get_file_and_line(self, tmp_path: Path) -> None:
        """A record written without a source gets this file and its line."""
        path = tmp_path / "messages.jsonl"
        write_jsonl([make_message(), make_message()], path)

        messages, _ = read(path)

        assert [SourceRef(file="messages.jsonl", line=3)] == [m.source for m in messages[1:]]

    def test_original_source_kept(self, tmp_path: Path) -> None:
        """A record that knows where it came from keeps that source."""
        origin = SourceRef(file="_chat.txt", line=12)
        path = tmp_path / "messages.jsonl"
        write_jsonl([make_message(source=origin)], path)

        messages, _ = read(path)

        assert [origin] == [m.source for m in messages]

    def test_session_file_gives_its_messages(self, tmp_path: Path) -> None:
        """A session file is read as the messages of its sessions, in order."""
        chat = [make_message(text=str(i)) for i in range(3)]
        path = tmp_path / "sessions.jsonl"
        write_jsonl([Session(messages=tuple(chat[:2])), Session(messages=tuple(chat[2:]))], path)

        messages, _ = read(path)

        assert [comparable(m) for m in chat] == [comparable(m) for m in messages]

    def test_bad_lines_are_reported(self, tmp_path: Path) -> None:
        """Lines that are not JSON or not messages are reported, the rest kept."""
        path = tmp_path / "messages.jsonl"
        handle = io.StringIO()
        write_jsonl([make_message(text="a"), make_message(text="b")], handle)
        lines = handle.getvalue().splitlines()
        lines[1:1] = ["{not json", '{"id": "x"}', "", "[1, 2]"]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        messages, sink = read(path)

        assert ["a", "b"] == [m.text for m in messages]
        assert ["messages.jsonl:2", "messages.jsonl:3", "messages.jsonl:5"] == [
            i.location for i in sink.issues
        ]
        assert 6 == len(messages) + sum(i.lines for i in sink.issues) + 1  # + header

    def test_time_in_a_dst_fold_keeps_its_instant(self, tmp_path: Path) -> None:
        """A time in the repeated hour of a DST change reads back as that instant."""
        zone = pendulum.timezone("Europe/London")
        second = dt.datetime(2020, 10, 25, 1, 30, fold=1, tzinfo=zone)
        path = tmp_path / "m.jsonl"
        write_jsonl([make_message(sent_at=second)], path)

        messages, _ = read(path)

        assert second.timestamp() == messages[0].sent_at.timestamp()
        assert dt.timedelta(0) == messages[0].sent_at.utcoffset()

    def test_newer_version_refused(self, tmp_path: Path) -> None:
        """A header with a newer version than this library knows is an error."""
        path = tmp_path / "m.jsonl"
        path.write_text('{"persona_clone": "message", "version": 99}\n', encoding="utf-8")

        with pytest.raises(ParseError, match="version"):
            read(path)

    def test_missing_header_warns(self, tmp_path: Path) -> None:
        """A file without a header is read as messages, with a warning."""
        path = tmp_path / "m.jsonl"
        handle = io.StringIO()
        write_jsonl([make_message(text="a")], handle)
        path.write_text(handle.getvalue().split("\n", 1)[1], encoding="utf-8")
        sink = CollectingIssueSink()

        messages = list(parse(path, format="persona-clone-jsonl", issues=sink))

        assert (["a"], 1) == ([m.text for m in messages], len(sink.warnings))

    @pytest.mark.parametrize(("content", "match"), [(b"", "empty"), (b"\x00\x01" * 40, "binary")])
    def test_clear_errors(self, tmp_path: Path, content: bytes, match: str) -> None:
        """Empty and binary files are clear errors."""
        path = tmp_path / "m.jsonl"
        path.write_bytes(content)

        with pytest.raises(ParseError, match=match):
            list(parse(path, format="persona-clone-jsonl"))

    @given(chats())
    def test_round_trip(
        self, tmp_path_factory: pytest.TempPathFactory, chat: list[Message]
    ) -> None:
        """Messages written with write_jsonl parse back equal, but for the source."""
        path = tmp_path_factory.mktemp("jsonl") / "messages.jsonl"
        write_jsonl(chat, path)
        sink = CollectingIssueSink()

        parsed = list(parse(path, issues=sink))

        assert [comparable(m) for m in chat] == [comparable(m) for m in parsed]
        assert [] == sink.issues

    @given(chats(min_size=1))
    def test_sessions_round_trip(
        self, tmp_path_factory: pytest.TempPathFactory, chat: list[Message]
    ) -> None:
        """Sessions written with write_jsonl parse back as the chat they came from."""
        path = tmp_path_factory.mktemp("jsonl") / "sessions.jsonl"
        write_jsonl(Sessionizer()(chat), path, record=Record.SESSION)

        parsed = list(parse(path, format="persona-clone-jsonl"))

        assert [comparable(m) for m in chat] == [comparable(m) for m in parsed]


class TestNoDeepTracebacks:
    @given(st.lists(st.text(max_size=40), max_size=6))
    def test_any_lines_are_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, lines: list[str]
    ) -> None:
        """Any lines after a header either parse or raise ParseError."""
        path = tmp_path_factory.mktemp("fuzz") / "m.jsonl"
        header = '{"persona_clone": "message", "version": 1}'
        path.write_text("\n".join([header, *lines]), encoding="utf-8", errors="replace")

        with contextlib.suppress(ParseError):
            list(parse(path, format="persona-clone-jsonl", issues=CollectingIssueSink()))

    @given(st.binary(max_size=200))
    def test_any_bytes_are_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, raw: bytes
    ) -> None:
        """Any bytes either parse or raise ParseError, never another error."""
        path = tmp_path_factory.mktemp("fuzz") / "m.jsonl"
        path.write_bytes(raw)

        with contextlib.suppress(ParseError):
            list(parse(path, format="persona-clone-jsonl", issues=CollectingIssueSink()))
