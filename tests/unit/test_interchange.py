"""Tests for persona_clone.parsers.interchange_format."""

from __future__ import annotations

import io
from pathlib import Path

import pendulum
import pytest

from persona_clone import (
    Attachment,
    MessageKind,
    ParseError,
    Session,
    SourceRef,
)
from persona_clone.parsers import read_jsonl, write_jsonl
from persona_clone.testing import make_message


class TestInterchange:
    def test_round_trip_through_a_file(self, tmp_path: Path) -> None:
        """Every field survives a write and read through a file."""
        message = make_message(
            sent_at=pendulum.datetime(2024, 5, 1, 9, 30, tz="Asia/Kolkata"),
            text="Çağrı: ılık\nsatır 2 😂",
            kind=MessageKind.MEDIA,
            reply_to="42",
            attachments=[Attachment(name="IMG-1.jpg", url="media/IMG-1.jpg", size=10)],
            edited=True,
            source=SourceRef(file="chat.txt", line=9),
        )
        path = tmp_path / "messages.jsonl"

        count = write_jsonl([message], path)

        assert 1 == count
        assert [message] == list(read_jsonl(path))

    def test_text_is_written_as_utf8(self, tmp_path: Path) -> None:
        """Turkish letters are written as themselves, not escaped."""
        path = tmp_path / "m.jsonl"
        write_jsonl([make_message(text="ığüşöçİ")], path)

        assert "ığüşöçİ" in path.read_text(encoding="utf-8")

    def test_header_names_the_record_type(self) -> None:
        """Reading a session file as messages is refused, naming the line."""
        buffer = io.StringIO()
        buffer.name = "s.jsonl"
        write_jsonl([Session(messages=[make_message()])], buffer)
        buffer.seek(0)

        with pytest.raises(ParseError, match=r"s\.jsonl:1: expected a message file"):
            list(read_jsonl(buffer))

    def test_bad_json_names_the_line(self) -> None:
        """A line that is not JSON raises ParseError naming its line."""
        buffer = io.StringIO('{"persona_clone":"message","version":1}\n{not json\n')

        with pytest.raises(ParseError, match=":2: expected one JSON value per line"):
            list(read_jsonl(buffer))

    def test_naive_time_in_file_is_refused(self) -> None:
        """A record whose time has no offset is refused with its line."""
        buffer = io.StringIO(
            '{"id":"1","sent_at":"2024-01-01T10:00:00","author":{"id":"a","name":"A"},"text":"x"}\n'
        )

        with pytest.raises(ParseError, match=":1: expected a Message record"):
            list(read_jsonl(buffer))

    def test_missing_field_is_named(self) -> None:
        """A record missing a required field says which."""
        buffer = io.StringIO('{"id":"1","author":null,"text":"x"}\n')

        with pytest.raises(ParseError, match="sent_at"):
            list(read_jsonl(buffer))

    def test_newer_version_is_refused(self) -> None:
        """A file from a newer interchange version is refused."""
        buffer = io.StringIO('{"persona_clone":"message","version":99}\n')

        with pytest.raises(ParseError, match="interchange version"):
            list(read_jsonl(buffer))

    def test_empty_stream_writes_only_a_header(self) -> None:
        """Writing no messages writes a header and reads back as nothing."""
        buffer = io.StringIO()

        assert 0 == write_jsonl([], buffer)
        buffer.seek(0)
        assert [] == list(read_jsonl(buffer))


class TestZones:
    """Times keep their zone through the interchange format."""

    @pytest.mark.parametrize("fold", [0, 1])
    def test_a_repeated_wall_time_reads_back_equal(self, fold: int) -> None:
        """01:00 on the night New York's clocks go back is two instants; each comes back."""
        zone = pendulum.timezone("America/New_York")
        sent_at = pendulum.DateTime(2028, 11, 5, 1, 0, 0, 0, zone, fold=fold)
        message = make_message(sent_at=sent_at)
        buffer = io.StringIO()
        write_jsonl([message], buffer)
        buffer.seek(0)

        (back,) = read_jsonl(buffer)

        assert message == back
        assert sent_at.utcoffset() == back.sent_at.utcoffset()
        assert "[America/New_York]" in buffer.getvalue()

    def test_utc_times_carry_no_zone_name(self) -> None:
        """An offset says all there is to say about UTC."""
        buffer = io.StringIO()
        write_jsonl([make_message(sent_at=pendulum.datetime(2024, 1, 1, tz="UTC"))], buffer)

        assert "+00:00[" not in buffer.getvalue()

    def test_an_unknown_zone_is_a_clear_error(self) -> None:
        """A zone name nobody knows is refused, naming the line and the zone."""
        istanbul = pendulum.datetime(2024, 1, 1, tz="Europe/Istanbul")
        buffer = io.StringIO()
        write_jsonl([make_message(sent_at=istanbul)], buffer)
        broken = io.StringIO(buffer.getvalue().replace("[Europe/Istanbul]", "[Mars/Base]"))

        with pytest.raises(ParseError, match="Mars/Base"):
            list(read_jsonl(broken))
