"""Tests for the Signal text parser (export-formats.md section 8)."""

from __future__ import annotations

import contextlib
import json
import zipfile
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone import (
    CollectingIssueSink,
    Message,
    MessageKind,
    ParseError,
    ParserRegistry,
    SignalParser,
    Source,
    parse,
)
from persona_clone.testing.strategies import chats, zones


PEER = "chat-miner/signal/test_export.txt"


def read(path: Path, tz: str = "UTC") -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    return list(parse(path, format="signal", tz=tz, issues=sink)), sink


def write(tmp_path: Path, text: str, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


class TestPeerSample:
    def test_matches_expected(self, peers: Path) -> None:
        """The auto-detected peer sample gives the expected multi-line messages."""
        entries = json.loads((peers / "expected.json").read_text(encoding="utf-8"))
        expected = next(e for e in entries if e["path"] == PEER)

        messages = list(parse(peers / PEER))

        assert expected["user_messages"] == len(messages)
        assert sorted(expected["authors"]) == sorted({m.author.name for m in messages if m.author})
        assert [expected["first"], expected["last"]] == [
            {"author": m.author.name if m.author else None, "text": m.text}
            for m in (messages[0], messages[-1])
        ]

    def test_detected_as_signal(self, peers: Path) -> None:
        """Auto-detection picks the Signal parser for the peer sample."""
        assert "signal" == ParserRegistry.default().detect(Source(path=peers / PEER)).name

    def test_counts_add_up(self, peers: Path) -> None:
        """Every line is a header, a continuation or an issue."""
        lines = (peers / PEER).read_text(encoding="utf-8").splitlines()
        messages, sink = read(peers / PEER)

        assert len(lines) == sum(m.text.count("\n") + 1 for m in messages) + sum(
            i.lines for i in sink.issues
        )


class TestGrammar:
    def test_local_time_in_given_zone(self, tmp_path: Path) -> None:
        """Header times are wall time in the caller's zone."""
        path = write(tmp_path, "[2024-05-06, 09:15] Lena: Günaydın\n")

        messages, _ = read(path, tz="Europe/Istanbul")

        assert pendulum.datetime(2024, 5, 6, 6, 15, tz="UTC") == messages[0].sent_at

    def test_signal_export_markdown_shape(self, tmp_path: Path) -> None:
        """signal-export's header without a comma and its media links are understood."""
        path = write(
            tmp_path,
            "[2024-05-06 09:15] Lena: selam\n"
            "[2024-05-06 09:16] Lena: ![photo.jpg](./media/2024-05-06-photo.jpg)\n",
        )

        messages, _ = read(path)

        assert [MessageKind.TEXT, MessageKind.MEDIA] == [m.kind for m in messages]
        assert ("photo.jpg", "./media/2024-05-06-photo.jpg") == (
            messages[1].attachments[0].name,
            messages[1].attachments[0].url,
        )

    def test_text_kept_exactly(self, tmp_path: Path) -> None:
        """Colons, Turkish letters, emoji, blank and trailing-space lines are kept."""
        body = "Saat: 10:30 mı? İyi 👍🏽\n\n  girinti  \nson"
        path = write(tmp_path, f"[2024-05-06, 09:15] Işıl Öz: {body}\n")

        messages, _ = read(path)

        assert [("Işıl Öz", body)] == [
            (m.author.name if m.author else None, m.text) for m in messages
        ]

    def test_crlf_line_ends(self, tmp_path: Path) -> None:
        """CRLF files give the same text as LF files."""
        path = write(
            tmp_path,
            "[2024-05-06, 09:15] A: one\r\ntwo\r\n[2024-05-06, 09:16] B: x\r\n",
        )

        messages, _ = read(path)

        assert ["one\ntwo", "x"] == [m.text for m in messages]

    def test_problems_are_reported(self, tmp_path: Path) -> None:
        """A line before the first header and a header without a name are reported."""
        path = write(
            tmp_path,
            "stray\n[2024-05-06, 09:15] A: one\n[2024-05-06, 09:16] no name here\n"
            "[2024-13-45, 09:17] A: bad date continues\n[2024-05-06, 09:18] B: two\n",
        )

        messages, sink = read(path)

        assert ["one", "two"] == [m.text for m in messages]
        assert ["chat.txt:1", "chat.txt:3", "chat.txt:4"] == [i.location for i in sink.issues]

    def test_bad_date_continues_a_message(self, tmp_path: Path) -> None:
        """A header-like line with an impossible date continues the message above."""
        path = write(tmp_path, "[2024-05-06, 09:15] A: one\n[2024-13-45, 09:17] A: x\n")

        messages, sink = read(path)

        assert (["one\n[2024-13-45, 09:17] A: x"], []) == (
            [m.text for m in messages],
            sink.issues,
        )

    def test_whatsapp_ios_is_not_claimed_first(self, tmp_path: Path) -> None:
        """Headers with seconds (WhatsApp iOS in y-m-d order) get a low score."""
        path = write(tmp_path, "[2024-05-06, 09:15:02] Lena: selam\n")

        assert 0.5 >= SignalParser().sniff(Source(path=path).sample())


class TestBadInput:
    @pytest.mark.parametrize(
        ("content", "match"),
        [
            (b"", "empty file"),
            (b"\x00\x01\x02\x03" * 20, "binary"),
            (b"\xff\xfe\xfa [", "UTF"),
        ],
    )
    def test_clear_errors(self, tmp_path: Path, content: bytes, match: str) -> None:
        """Empty, binary and undecodable files are clear errors."""
        path = tmp_path / "chat.txt"
        path.write_bytes(content + b"\n\xff\xfa\n" if match == "UTF" else content)

        with pytest.raises(ParseError, match=match):
            read(path)

    def test_zip_refused(self, tmp_path: Path) -> None:
        """A zip archive is refused with a clear error."""
        archive = tmp_path / "x.zip"
        with zipfile.ZipFile(archive, "w") as out:
            out.writestr("chat.txt", "[2024-05-06, 09:15] A: one\n")

        with pytest.raises(ParseError, match="zip"):
            read(archive)

    def test_utf16(self, tmp_path: Path) -> None:
        """A UTF-16 file is read like UTF-8."""
        path = tmp_path / "chat.txt"
        path.write_text("[2024-05-06, 09:15] Işıl: ğ\n", encoding="utf-16")

        messages, _ = read(path)

        assert ["ğ"] == [m.text for m in messages]


def render(messages: list[Message], zone: pendulum.Timezone) -> str:
    lines = []
    for message in messages:
        local = message.sent_at.astimezone(zone)
        assert message.author is not None
        lines.append(f"[{local:%Y-%m-%d, %H:%M}] {message.author.name}: {message.text}\n")
    return "".join(lines)


def wall(message: Message, zone: pendulum.Timezone) -> tuple[Any, ...]:
    local = message.sent_at.astimezone(zone)
    return (
        local.strftime("%Y-%m-%d %H:%M"),
        message.author.name if message.author else None,
        message.text,
    )


class TestRoundTrip:
    @given(chats(kinds=st.just(MessageKind.TEXT)), zones())
    def test_generated_chats_round_trip(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        messages: list[Message],
        zone: pendulum.Timezone,
    ) -> None:
        """A chat written as Signal text parses back to the same times and texts."""
        path = write(tmp_path_factory.mktemp("signal"), render(messages, zone))
        sink = CollectingIssueSink()

        parsed = list(parse(path, format="signal", tz=zone, issues=sink)) if messages else []

        assert [wall(m, zone) for m in messages] == [wall(m, zone) for m in parsed]
        assert [] == sink.issues


class TestNoDeepTracebacks:
    @given(
        st.lists(
            st.text(max_size=30)
            | st.builds(lambda t: f"[2024-05-06, 09:15] {t}", st.text(max_size=20))
            | st.builds(lambda t: f"[9999-99-99, 99:99]{t}", st.text(max_size=5)),
            max_size=8,
        )
    )
    def test_any_text_is_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, lines: list[str]
    ) -> None:
        """Any text either parses or raises ParseError; every line is accounted for."""
        path = tmp_path_factory.mktemp("fuzz") / "chat.txt"
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        sink = CollectingIssueSink()

        try:
            messages = list(parse(path, format="signal", issues=sink))
        except ParseError:
            return

        with Source(path=path).open_text() as handle:
            physical = handle.read().split("\n")
        if physical and physical[-1] == "":
            physical.pop()
        assert len(physical) == sum(m.text.count("\n") + 1 for m in messages) + sum(
            i.lines for i in sink.issues
        )

    @given(st.binary(max_size=200))
    def test_any_bytes_are_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, raw: bytes
    ) -> None:
        """Any bytes either parse or raise ParseError, never another error."""
        path = tmp_path_factory.mktemp("fuzz") / "chat.txt"
        path.write_bytes(raw)

        with contextlib.suppress(ParseError):
            list(parse(path, format="signal", issues=CollectingIssueSink()))
