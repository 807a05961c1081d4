# ruff: noqa: E501 - locale tables (Turkish dotless i) read best one case per line
"""WhatsAppParser on peer samples, locale fixtures, quirks and broken inputs."""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pendulum
import pytest

import persona_clone
from persona_clone import (
    DateOrder,
    Message,
    MessageKind,
    ParseError,
    Sample,
    Source,
    WhatsAppParser,
    parse,
)
from persona_clone.parsers import CollectingIssueSink


LRM = "\u200e"
RLM = "\u200f"
NNBSP = "\u202f"
NBSP = "\u00a0"
LRE = "\u202a"
PDF = "\u202c"


def physical_lines(raw: str) -> int:
    """Lines as the parser counts them: split on CRLF, CR or LF; no empty last line."""
    parts = re.split(r"\r\n|\r|\n", raw)
    if parts and parts[-1] == "":
        parts.pop()
    return len(parts)


def accounted(messages: Sequence[Message], sink: CollectingIssueSink) -> int:
    """Lines covered by messages and by reported errors."""
    return sum(m.text.count("\n") + 1 for m in messages) + sum(i.lines for i in sink.errors)


def read(
    folder: Path,
    text: str,
    *,
    name: str = "WhatsApp Chat with Ada.txt",
    tz: str = "UTC",
    encoding: str = "utf-8",
    **options: object,
) -> tuple[list[Message], CollectingIssueSink]:
    """Write *text* to a file and parse it with a WhatsAppParser(**options)."""
    path = folder / name
    path.write_bytes(text.encode(encoding))
    sink = CollectingIssueSink()
    parser = WhatsAppParser(**options)  # type: ignore[arg-type]
    return list(parse(path, format=parser, tz=tz, issues=sink)), sink


def user(messages: Sequence[Message]) -> list[Message]:
    return [m for m in messages if m.kind is not MessageKind.SYSTEM]


Wall = tuple[int, ...]


def wall(*parts: int) -> Wall:
    """A wall time as (year, month, day, hour, minute[, second])."""
    return (*parts, *(0,) * (6 - len(parts)))


def name(message: Message) -> str | None:
    """The author's name, or None for a system event."""
    return message.author.name if message.author is not None else None


def stamp(message: Message) -> Wall:
    """The message's wall time."""
    return tuple(message.sent_at.timetuple()[:6])


# --- peers -------------------------------------------------------------------------------


def _whatsapp_expectations() -> list[dict[str, object]]:
    path = Path(__file__).resolve().parents[2].parent / "shared/fixtures/peers/expected.json"
    if not path.is_file():
        return [{"path": "absent"}]
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [e for e in entries if "whatsapp" in str(e["path"])]


class TestPeers:
    @pytest.mark.parametrize("expected", _whatsapp_expectations(), ids=lambda e: str(e["path"]))
    def test_peer_sample(self, peers: Path, expected: dict[str, object]) -> None:
        """Each peer WhatsApp sample auto-detects and parses to the expected results."""
        path = peers / str(expected["path"])
        sink = CollectingIssueSink()
        messages = list(persona_clone.parse(path, issues=sink))
        users = user(messages)
        first, last = expected["first"], expected["last"]
        assert isinstance(first, dict)
        assert isinstance(last, dict)

        assert expected["user_messages"] == len(users)
        assert expected["system_events"] == len(messages) - len(users)
        assert set(expected["authors"]) == {m.author.name for m in users if m.author}  # type: ignore[call-overload]
        assert (first["author"], first["text"]) == (users[0].author.name, users[0].text)  # type: ignore[union-attr]
        assert (last["author"], last["text"]) == (users[-1].author.name, users[-1].text)  # type: ignore[union-attr]
        assert physical_lines(path.read_text(encoding="utf-8")) == accounted(messages, sink)
        assert [] == sink.issues

    def test_signal_text_is_not_claimed(self, peers: Path) -> None:
        """Bracketed headers without seconds (Signal) are not scored as WhatsApp."""
        sample = Source(path=peers / "chat-miner/signal/test_export.txt").sample()

        assert 0.0 == WhatsAppParser().sniff(sample)


# --- the reference examples --------------------------------------------------------------

ANDROID_EXAMPLE = (
    "03/02/2024, 09:14 - Messages and calls are end-to-end encrypted. Only people in this "
    "chat can read, listen to, or share them. Learn more.\n"
    '03/02/2024, 09:14 - Zeynep created group "Book club 📚"\n'
    "03/02/2024, 09:15 - Zeynep: Welcome all!\n"
    "First book: anyone?\n"
    f"03/02/2024, 09:16 - {LRE}+44 7700 900123{PDF}: Hi! 👋\n"
    "03/02/2024, 09:17 - Bob: <Media omitted>\n"
    "03/02/2024, 09:18 - Bob: This message was deleted\n"
    "13/02/2024, 09:19 - Zeynep: typo fixed now <This message was edited>\n"
)

IOS_EXAMPLE = (
    f"[2/3/24, 9:14:02{NNBSP}AM] Book club 📚: {LRM}Messages and calls are end-to-end "
    "encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.\n"
    f"[2/3/24, 9:15:40{NNBSP}AM] Zeynep: Welcome all!\n"
    f"[2/3/24, 9:17:03{NNBSP}AM] Bob: {LRM}image omitted\n"
    f"{LRM}[2/3/24, 9:18:11{NNBSP}AM] Bob: {LRM}<attached: 00000007-PHOTO-2024-02-03-09-18-11.jpg>\n"
    f"[2/13/24, 9:19:30{NNBSP}AM] Zeynep: typo fixed now {LRM}<This message was edited>\n"
)


class TestReferenceExamples:
    def test_android_example(self, tmp_path: Path) -> None:
        """The Android example: seven entries, two system events, kinds and flags as documented."""
        messages, sink = read(tmp_path, ANDROID_EXAMPLE)

        assert [
            (None, MessageKind.SYSTEM, False),
            (None, MessageKind.SYSTEM, False),
            ("Zeynep", MessageKind.TEXT, False),
            ("+44 7700 900123", MessageKind.TEXT, False),
            ("Bob", MessageKind.MEDIA, False),
            ("Bob", MessageKind.DELETED, False),
            ("Zeynep", MessageKind.TEXT, True),
        ] == [(m.author.name if m.author else None, m.kind, m.edited) for m in messages]
        assert "Welcome all!\nFirst book: anyone?" == messages[2].text
        assert "typo fixed now" == messages[6].text
        assert wall(2024, 2, 3, 9, 14) == stamp(messages[0])
        assert 8 == accounted(messages, sink)

    def test_ios_example(self, tmp_path: Path) -> None:
        """The iOS example: the chat-named encryption line is a system event, two media."""
        messages, _ = read(tmp_path, IOS_EXAMPLE)

        assert [
            (None, MessageKind.SYSTEM),
            ("Zeynep", MessageKind.TEXT),
            ("Bob", MessageKind.MEDIA),
            ("Bob", MessageKind.MEDIA),
            ("Zeynep", MessageKind.TEXT),
        ] == [(m.author.name if m.author else None, m.kind) for m in messages]
        assert messages[0].text.startswith("Messages and calls")
        assert "image omitted" == messages[2].text
        assert ("00000007-PHOTO-2024-02-03-09-18-11.jpg",) == tuple(
            a.name for a in messages[3].attachments
        )
        assert ("typo fixed now", True) == (messages[4].text, messages[4].edited)
        assert wall(2024, 2, 13, 9, 19, 30) == stamp(messages[4])


# --- headers of many locales -------------------------------------------------------------

HEADERS = [
    # (first line, second line proving the order, expected time of the first line)
    (
        "1/5/22, 9:05 PM - A: x",
        "1/25/22, 9:06 PM - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        f"1/5/22, 9:05{NNBSP}PM - A: x",
        "1/25/22, 9:06 PM - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05/01/2022, 21:05 - A: x",
        "25/01/2022, 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "5/1/22, 9:05 pm - A: x",
        "25/1/22, 9:06 pm - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "5/1/22, 9:05 p.m. - A: x",
        "25/1/22, 9:06 a.m. - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        f"5/1/22, 9:05 p.{NBSP}m. - A: x",
        "25/1/22, 9:06 a. m. - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        f"5/1/22, 9:05{NNBSP}p.{NNBSP}m. - A: x",
        "25/1/22, 9:06 a. m. - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05.01.22, 21:05 - A: x",
        "25.01.22, 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05.01.2022 21:05 - A: x",
        "25.01.2022 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05.01.2022 ÖS 9:05 - A: x",
        "25.01.2022 ÖÖ 9:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05.01.2022 9:05 ÖS - A: x",
        "25.01.2022 9:06 ÖÖ - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05-01-2022 21:05 - A: x",
        "25-01-2022 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05/01/2022 à 21:05 - A: x",
        "25/01/2022 à 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "5.1.2022, 21.05 - A: x",
        "25.1.2022, 21.06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "2022. 1. 5. 오후 9:05 - A: x",
        "2022. 1. 25. 오전 9:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "2022/1/5 下午9:05 - A: x",
        "2022/1/25 上午9:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "2022/01/05 午後9:05 - A: x",
        "2022/01/25 午前9:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "2022-01-05 21:05 - A: x",
        "2022-01-25 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05/01/2022, 21:05 \u2013 A: x",
        "25/01/2022, 21:06 \u2013 A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "12/01/22, 12:05 AM - A: x",
        "12/13/22, 12:06 PM - A: y",
        wall(2022, 12, 1, 0, 5),
    ),
    (
        "[05/01/2022, 21:05:12] A: x",
        "[25/01/2022, 21:06:00] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        f"{LRM}[1/5/22, 9:05:12{NNBSP}PM] A: x",
        "[1/25/22, 9:06:00 PM] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        "[5.1.2022 klo 21.05.12] A: x",
        "[25.1.2022 klo 21.06.00] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        f"{RLM}[05.01.22, 21:05:12] A: x",
        "[25.01.22, 21:06:00] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        "[2022/01/05, 21:05:12] A: x",
        "[2022/01/25, 21:06:00] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        f"5{RLM}/1{RLM}/2022، 9:05 م - A: x",
        f"25{RLM}/1{RLM}/2022، 9:06 ص - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        f"٥{RLM}/١{RLM}/٢٠٢٢، ٩:٠٥ م - A: x",
        f"٢٥{RLM}/١{RLM}/٢٠٢٢، ٩:٠٦ م - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "۲۰۲۲/۱/۵, ۹:۰۵ ب.ظ - A: x",
        "۲۰۲۲/۱/۲۵, ۹:۰۶ ق.ظ - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        f"{LRM}5.1.22, 21:05 - A: x",
        f"{LRM}25.1.22, 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    # any word between date and time, learned from the file
    (
        "05.01.22 um 21:05 - A: x",
        "25.01.22 um 9:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05/01/2022 às 21:05 - A: x",
        "25/01/2022 às 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "05.01.2022, kl. 21:05 - A: x",
        "25.01.2022, kl. 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
    (
        "[05.01.2022 kl. 21:05:12] A: x",
        "[25.01.2022 kl. 21:06:00] A: y",
        wall(2022, 1, 5, 21, 5, 12),
    ),
    (
        "05.01.2022 o godz. 21:05 - A: x",
        "25.01.2022 o godz. 21:06 - A: y",
        wall(2022, 1, 5, 21, 5),
    ),
]


class TestLocales:
    @pytest.mark.parametrize(("first", "second", "expected"), HEADERS, ids=lambda v: repr(v)[:30])
    def test_header_time(self, tmp_path: Path, first: str, second: str, expected: Wall) -> None:
        """Each locale's header gives the right wall time, author and body."""
        messages, sink = read(tmp_path, f"{first}\n{second}\n")

        assert (expected, "A", "x") == (
            stamp(messages[0]),
            name(messages[0]),
            messages[0].text,
        )
        assert 2 == len(messages)
        assert [] == sink.issues

    def test_twelve_oclock(self, tmp_path: Path) -> None:
        """12:xx AM is just after midnight and 12:xx PM just after noon."""
        text = "1/13/24, 12:01 AM - A: x\n1/13/24, 12:01 PM - A: y\n"
        messages, _ = read(tmp_path, text)

        assert [wall(2024, 1, 13, 0, 1), wall(2024, 1, 13, 12, 1)] == [stamp(m) for m in messages]

    def test_extra_markers(self, tmp_path: Path) -> None:
        """Markers missing from the tables can be given as options."""
        text = "13/01/24, 9:05 vorm - A: x\n13/01/24, 9:05 nachm - A: y\n"
        messages, sink = read(tmp_path, text, am_markers=("vorm",), pm_markers=("nachm",))

        assert [9, 21] == [m.sent_at.hour for m in messages]
        assert [] == sink.errors


# --- date order ---------------------------------------------------------------------------


class TestDateOrder:
    def test_day_first_proven_late(self, tmp_path: Path) -> None:
        """A day over 12 anywhere in the file decides day-first for every line."""
        text = "12/01/2024, 10:00 - A: x\n" * 3 + "13/01/2024, 10:00 - A: y\n"
        messages, sink = read(tmp_path, text)

        assert wall(2024, 1, 12, 10) == stamp(messages[0])
        assert [] == sink.issues

    def test_month_first_proven_late(self, tmp_path: Path) -> None:
        """A second field over 12 decides month-first."""
        text = "01/12/2024, 10:00 - A: x\n01/13/2024, 10:00 - A: y\n"
        messages, _ = read(tmp_path, text)

        assert wall(2024, 1, 12, 10) == stamp(messages[0])

    def test_chronology_decides(self, tmp_path: Path) -> None:
        """With every field 12 or less, the order that keeps the file chronological wins."""
        text = "01/02/24, 10:00 - A: x\n02/01/24, 10:00 - A: y\n"
        messages, sink = read(tmp_path, text)

        assert [wall(2024, 1, 2, 10), wall(2024, 2, 1, 10)] == [stamp(m) for m in messages]
        assert [] == sink.issues

    def test_undecidable_warns_and_uses_default(self, tmp_path: Path) -> None:
        """When nothing decides, the default order is used and a warning says so."""
        text = "03/02/24, 10:00 - A: x\n"
        messages, sink = read(tmp_path, text, default_date_order=DateOrder.MDY)

        assert wall(2024, 3, 2, 10) == stamp(messages[0])
        assert 1 == len(sink.warnings)
        assert "date_order=" in sink.warnings[0].expected
        assert "--date-order" in sink.warnings[0].expected

    def test_forced_order(self, tmp_path: Path) -> None:
        """date_order= overrides what the file suggests; impossible dates are reported."""
        text = "03/02/24, 10:00 - A: x\n13/02/24, 10:00 - A: y\n"
        messages, sink = read(tmp_path, text, date_order=DateOrder.MDY)

        assert [wall(2024, 3, 2, 10)] == [stamp(m) for m in messages]
        assert ["WhatsApp Chat with Ada.txt:2"] == [i.location for i in sink.errors]
        assert 2 == accounted(messages, sink)

    def test_year_first(self, tmp_path: Path) -> None:
        """A four-digit first field means year first."""
        messages, _ = read(tmp_path, "2024/02/03, 10:00 - A: x\n")

        assert wall(2024, 2, 3, 10) == stamp(messages[0])

    def test_mixed_orders_warn(self, tmp_path: Path) -> None:
        """A file proving both orders (two exports joined) is read, with a warning."""
        text = "13/01/24, 10:00 - A: x\n14/01/24, 10:00 - A: y\n01/15/24, 10:00 - A: z\n"
        messages, sink = read(tmp_path, text)

        assert [wall(2024, 1, 13, 10), wall(2024, 1, 14, 10)] == [stamp(m) for m in messages]
        mixed = [w.expected for w in sink.warnings if "mix" in w.expected]
        assert 1 == len(mixed)
        assert "pass date_order= (--date-order on the command line) to choose" in mixed[0]
        assert 3 == accounted(messages, sink)


# --- bodies -------------------------------------------------------------------------------

MEDIA = [
    "<Media omitted>",
    "<Multimedia omitido>",
    "<Mídia oculta>",
    "<Medien ausgeschlossen>",
    "<Médias omis>",
    "<Media omessi>",
    "<Medya dahil edilmedi>",
    "<Media weggelaten>",
    "<Без медиафайлов>",
    "<media OMITTED>",
    "null",
]
IOS_MEDIA = [
    "image omitted",
    "GIF omitted",
    "Bild weggelassen",
    "görüntü dahil edilmedi",
    "imagen omitida",
]
DELETED = [
    "This message was deleted",
    "You deleted this message",
    "Se eliminó este mensaje.",
    "Diese Nachricht wurde gelöscht.",
    "Ce message a été supprimé",
    "Bu mesaj silindi",
    "Bu mesajı sildiniz",
    "Dit bericht is verwijderd",
    "Данное сообщение удалено",
]
EDITED = [
    "<This message was edited>",
    "<Diese Nachricht wurde bearbeitet.>",
    "<Se editó este mensaje.>",
    "<Bu mesaj düzenlendi>",
    "<Mensagem editada>",
]
SYSTEM = [
    "Messages and calls are end-to-end encrypted. Tap to learn more.",
    "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Tippe, um mehr zu erfahren.",
    "Mesajlar ve aramalar uçtan uca şifrelidir.",
    'Ayşe created group "Plans: Sat"',
    'Ayşe changed the subject from "Plans: Sat" to "Plans: Sun"',
    "Ayşe hat die Gruppe „Pläne: Sa“ erstellt.",
    "Ayşe added Mert",
    "Mert left",
    "Missed voice call",
    "Your security code with Mert changed. Tap to learn more.",
]


class TestBodies:
    @pytest.mark.parametrize("body", MEDIA)
    def test_android_media_placeholders(self, tmp_path: Path, body: str) -> None:
        """Android placeholders in every language are media with the placeholder as attachment."""
        messages, _ = read(tmp_path, f"13/01/24, 10:00 - A: {body}\n")

        assert (MessageKind.MEDIA, body, (body,)) == (
            messages[0].kind,
            messages[0].text,
            tuple(a.name for a in messages[0].attachments),
        )

    @pytest.mark.parametrize("body", IOS_MEDIA)
    def test_ios_media_placeholders(self, tmp_path: Path, body: str) -> None:
        """On iOS, per-type placeholders after the mark are media; the mark is removed."""
        messages, _ = read(tmp_path, f"{LRM}[13.01.24, 10:00:00] A: {LRM}{body}\n")

        assert (MessageKind.MEDIA, body) == (messages[0].kind, messages[0].text)

    @pytest.mark.parametrize("body", DELETED)
    def test_deleted(self, tmp_path: Path, body: str) -> None:
        """Deletion notices in every language are deleted user messages."""
        messages, _ = read(tmp_path, f"[13.01.24, 10:00:00] A: {LRM}{body}\n")

        assert (MessageKind.DELETED, "A") == (messages[0].kind, messages[0].author.name)  # type: ignore[union-attr]

    @pytest.mark.parametrize("marker", EDITED)
    def test_edited(self, tmp_path: Path, marker: str) -> None:
        """The localized edited marker is removed with its separator and sets the flag."""
        messages, _ = read(tmp_path, f"13/01/24, 10:00 - A: fixed it {marker}\n")

        assert ("fixed it", True) == (messages[0].text, messages[0].edited)

    def test_edited_marker_on_its_own_line(self, tmp_path: Path) -> None:
        """A marker alone on the last continuation line goes with its line break."""
        messages, _ = read(tmp_path, "13/01/24, 10:00 - A: one\ntwo\n<This message was edited>\n")

        assert ("one\ntwo", True) == (messages[0].text, messages[0].edited)

    @pytest.mark.parametrize("body", SYSTEM)
    def test_android_system(self, tmp_path: Path, body: str) -> None:
        """System events have no author, even when they contain ': '."""
        messages, _ = read(tmp_path, f"13/01/24, 10:00 - {body}\n")

        assert (None, MessageKind.SYSTEM, body) == (
            messages[0].author,
            messages[0].kind,
            messages[0].text,
        )

    @pytest.mark.parametrize("body", [*SYSTEM, f"Missed voice call, {LRM}Tap to call back"])
    def test_ios_system(self, tmp_path: Path, body: str) -> None:
        """On iOS, events written as the chat's own lines are system events without the chat name."""
        messages, _ = read(tmp_path, f"{LRM}[13.01.24, 10:00:00] Kampüs 🎓: {LRM}{body}\n")

        assert (None, MessageKind.SYSTEM, body) == (
            messages[0].author,
            messages[0].kind,
            messages[0].text,
        )

    def test_names_with_quotes_stay_authors(self, tmp_path: Path) -> None:
        """A name with an apostrophe is an author, even if the text reads like an event."""
        messages, _ = read(tmp_path, "13/01/24, 10:00 - O'Brien: left\n")

        assert ("O'Brien", "left") == (messages[0].author.name, messages[0].text)  # type: ignore[union-attr]

    def test_android_attachment_with_caption(self, tmp_path: Path) -> None:
        """A file attached on Android is media; the caption on the next line is its text too."""
        text = "13/01/24, 10:00 - A: IMG-20240113-WA0001.jpg (file attached)\nlook!\n"
        messages, _ = read(tmp_path, text)
        attachment = messages[0].attachments[0]

        assert MessageKind.MEDIA == messages[0].kind
        assert ("IMG-20240113-WA0001.jpg", "image/jpeg") == (
            attachment.name,
            attachment.content_type,
        )
        assert "IMG-20240113-WA0001.jpg (file attached)\nlook!" == messages[0].text

    def test_text_kept_as_written(self, tmp_path: Path) -> None:
        """Inner and trailing spaces, Turkish letters, emoji and empty lines survive; NFC applies."""
        decomposed = "c\u0327ay"  # ç as c + combining cedilla
        text = f"13/01/24, 10:00 - İrem: Iı İi  şğ 👨‍👩‍👧  \n\n{decomposed}\n"
        messages, _ = read(tmp_path, text)

        assert "Iı İi  şğ 👨‍👩‍👧  \n\nçay" == messages[0].text

    def test_continuation_lines_of_another_shape(self, tmp_path: Path) -> None:
        """Header-like lines of another shape are continuation lines, with a warning."""
        text = (
            "[13.01.24, 10:00:00] A: see the list:\n"
            "[12.12.23, 10:00] B: old line pasted\n"
            "12.12.2024, 10:00 was fun\n"
            "[13.01.24, 10:01:00] B: ok\n"
        )
        messages, sink = read(tmp_path, text)

        assert 2 == len(messages)
        assert 3 == messages[0].text.count("\n") + 1
        assert [] == sink.errors

    def test_author_colon_splits_first(self, tmp_path: Path) -> None:
        """The author ends at the first ': '."""
        messages, _ = read(tmp_path, "13/01/24, 10:00 - A: note: b: c\n")

        assert ("A", "note: b: c") == (messages[0].author.name, messages[0].text)  # type: ignore[union-attr]


# --- files, encodings, errors ------------------------------------------------------------


class TestInputs:
    @pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
    def test_line_ends(self, tmp_path: Path, newline: str) -> None:
        """LF, CRLF and lone CR give the same messages."""
        text = "13/01/24, 10:00 - A: one\ntwo\n13/01/24, 10:01 - B: x\n".replace("\n", newline)
        messages, _ = read(tmp_path, text)

        assert ["one\ntwo", "x"] == [m.text for m in messages]

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
    def test_encodings(self, tmp_path: Path, encoding: str) -> None:
        """UTF-8 with a byte-order mark and UTF-16 exports are read."""
        text = "13/01/24, 10:00 - Çağla: şimdi\n"
        if encoding in ("utf-16-le", "utf-16-be"):
            bom = codecs.BOM_UTF16_LE if encoding.endswith("le") else codecs.BOM_UTF16_BE
            path = tmp_path / "chat.txt"
            path.write_bytes(bom + text.encode(encoding))
            messages = list(parse(path, format="whatsapp"))
        else:
            messages, _ = read(tmp_path, text, encoding=encoding)

        assert [("Çağla", "şimdi")] == [(m.author.name, m.text) for m in messages if m.author]

    def test_empty_file(self, tmp_path: Path) -> None:
        """An empty file is a clear error."""
        with pytest.raises(ParseError, match="empty file"):
            read(tmp_path, "")

    def test_binary_file(self, tmp_path: Path) -> None:
        """A binary file is a clear error."""
        path = tmp_path / "chat.txt"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)

        with pytest.raises(ParseError, match="binary"):
            list(parse(path, format="whatsapp"))

    def test_undecodable_file(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 give an error naming the encoding, not a traceback."""
        path = tmp_path / "chat.txt"
        path.write_bytes("13/01/24, 10:00 - A: çay\n".encode("cp1254") + b"\xfe\xff\xfd" * 3)

        with pytest.raises(ParseError, match=r"chat\.txt:1: expected text in UTF-8"):
            list(parse(path, format="whatsapp"))

    def test_no_header(self, tmp_path: Path) -> None:
        """Text without any header names the first line and shows what was expected."""
        with pytest.raises(ParseError, match=r"chat\.txt:1: expected a WhatsApp message header"):
            read(tmp_path, "hello\nworld\n", name="chat.txt")

    def test_text_before_first_header(self, tmp_path: Path) -> None:
        """Lines before the first header are reported together, located, in lenient mode."""
        messages, sink = read(tmp_path, "junk\nmore junk\n13/01/24, 10:00 - A: x\n", name="c.txt")

        assert [("c.txt:1", 2)] == [(i.location, i.lines) for i in sink.errors]
        assert 1 == len(messages)

    def test_strict_mode(self, tmp_path: Path) -> None:
        """In strict mode the first unreadable line raises ParseError with its location."""
        path = tmp_path / "c.txt"
        path.write_text("13/01/24, 10:00 - A: x\n31/02/24, 10:00 - A: y\n", encoding="utf-8")

        with pytest.raises(ParseError, match=r"c\.txt:2: expected a valid date"):
            list(parse(path, format="whatsapp", strict=True))

    def test_unknown_marker_is_reported(self, tmp_path: Path) -> None:
        """A day-period marker no table knows is a reported problem, not a 24 h guess."""
        messages, sink = read(tmp_path, "13/01/24, 9:05 zz - A: x\n13/01/24, 9:06 zz - A: y\n")

        assert [] == messages
        assert 2 == len(sink.errors)
        assert "marker" in sink.errors[0].expected

    def test_time_zone(self, tmp_path: Path) -> None:
        """Times are aware: UTC by default, the caller's zone when given."""
        text = "13/07/24, 10:00 - A: x\n"
        default, _ = read(tmp_path, text)
        istanbul, _ = read(tmp_path, text, tz="Europe/Istanbul")

        assert "+00:00" == default[0].sent_at.isoformat()[-6:]
        assert pendulum.datetime(2024, 7, 13, 7, tz="UTC") == istanbul[0].sent_at

    def test_dst_fold_stays_chronological(self, tmp_path: Path) -> None:
        """Times repeated after the clocks go back are read as the later instants."""
        text = (
            "27/10/24, 02:30 - A: first pass\n"
            "27/10/24, 02:50 - A: still first\n"
            "27/10/24, 02:10 - A: clocks went back\n"
            "27/10/24, 02:40 - A: second pass\n"
            "27/10/24, 03:10 - A: after\n"
        )
        messages, _ = read(tmp_path, text, tz="Europe/Berlin")
        instants = [m.sent_at.timestamp() for m in messages]
        offsets = [m.sent_at.utcoffset() or dt.timedelta() for m in messages]

        assert sorted(instants) == instants
        assert [2, 2, 1, 1, 1] == [offset // dt.timedelta(hours=1) for offset in offsets]

    def test_dst_gap_moves_forward(self, tmp_path: Path) -> None:
        """A wall time skipped by the clocks going forward moves past the gap, with a warning."""
        text = "31/03/24, 01:50 - A: x\n31/03/24, 02:30 - A: y\n31/03/24, 03:40 - A: z\n"
        messages, sink = read(tmp_path, text, tz="Europe/Berlin")

        assert pendulum.datetime(2024, 3, 31, 1, 30, tz="UTC") == messages[1].sent_at
        assert 1 == len(sink.warnings)

    def test_ids_and_sources(self, tmp_path: Path) -> None:
        """Ids are header line numbers and sources name file and line."""
        messages, _ = read(
            tmp_path,
            "13/01/24, 10:00 - A: x\ny\n13/01/24, 10:01 - B: z\n",
            name="c.txt",
        )

        assert [("1", "c.txt:1"), ("3", "c.txt:3")] == [(m.id, str(m.source)) for m in messages]

    def test_same_values_as_the_constructor(self, tmp_path: Path) -> None:
        """Messages built by the parser equal those built by Message() with the same values."""
        messages, _ = read(tmp_path, "13/01/24, 10:00 - A: x\n", name="c.txt")
        rebuilt = Message(
            id=messages[0].id,
            sent_at=messages[0].sent_at,
            author=messages[0].author,
            text=messages[0].text,
            source=messages[0].source,
        )

        assert rebuilt == messages[0]
        assert hash(rebuilt) == hash(messages[0])


class TestContainers:
    def _zip(self, path: Path, files: dict[str, str | bytes]) -> Path:
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in files.items():
                archive.writestr(name, data)
        return path

    def test_ios_zip(self, tmp_path: Path) -> None:
        """An iOS zip is detected by its _chat.txt; attachments point into the archive."""
        path = self._zip(
            tmp_path / "WhatsApp Chat - Ada.zip",
            {
                "_chat.txt": IOS_EXAMPLE,
                "00000007-PHOTO-2024-02-03-09-18-11.jpg": b"\xff\xd8",
            },
        )
        messages = list(persona_clone.parse(path))
        attachment = messages[3].attachments[0]

        assert 5 == len(messages)
        assert "00000007-PHOTO-2024-02-03-09-18-11.jpg" == attachment.url
        assert "WhatsApp Chat - Ada.zip!_chat.txt:2" == str(messages[1].source)

    @pytest.mark.parametrize(
        "name",
        [
            "WhatsApp Chat with Ada.txt",
            "WhatsApp-Chat mit Ada.txt",
            "Discussion WhatsApp avec Ada.txt",
            "WhatsApp_Chat_with_Ada.txt",
        ],
    )
    def test_android_zip_names(self, tmp_path: Path, name: str) -> None:
        """Android zips with localized chat file names are read."""
        path = self._zip(tmp_path / "export.zip", {name: ANDROID_EXAMPLE, "IMG-1.jpg": b"x"})

        assert 7 == len(list(persona_clone.parse(path)))

    def test_folder(self, tmp_path: Path) -> None:
        """An unpacked export folder is read like its zip."""
        folder = tmp_path / "export"
        folder.mkdir()
        (folder / "_chat.txt").write_text(IOS_EXAMPLE, encoding="utf-8")

        assert 5 == len(list(parse(folder, format="whatsapp")))

    def test_zip_without_chat(self, tmp_path: Path) -> None:
        """A zip without a chat says what it holds."""
        path = self._zip(tmp_path / "photos.zip", {"IMG-1.jpg": b"x"})

        with pytest.raises(ParseError, match=r"IMG-1\.jpg"):
            list(parse(path, format="whatsapp"))

    def test_zip_with_two_chats(self, tmp_path: Path) -> None:
        """Two chats in one archive need member= to choose; the error lists them."""
        path = self._zip(
            tmp_path / "two.zip",
            {"a/_chat.txt": IOS_EXAMPLE, "b/_chat.txt": ANDROID_EXAMPLE},
        )

        with pytest.raises(ParseError, match="member="):
            list(parse(path, format="whatsapp"))
        assert 7 == len(list(parse(path, format=WhatsAppParser(member="b/_chat.txt"))))


class TestSniff:
    def test_scores(self, tmp_path: Path) -> None:
        """WhatsApp text scores high; other text and JSON score zero."""
        parser = WhatsAppParser()

        def score(name: str, data: str) -> float:
            path = tmp_path / name
            path.write_text(data, encoding="utf-8")
            return parser.sniff(Source(path=path).sample())

        assert score("a.txt", ANDROID_EXAMPLE) >= 0.8
        assert score("b.txt", IOS_EXAMPLE) >= 0.8
        assert 0.0 == score("c.txt", "just some notes\n12:00 lunch\n")
        assert 0.0 == score("d.json", '{"messages": []}')

    def test_zip_score(self, tmp_path: Path) -> None:
        """A zip holding a chat scores high; one holding other text scores zero."""
        good = tmp_path / "good.zip"
        with zipfile.ZipFile(good, "w") as archive:
            archive.writestr("_chat.txt", IOS_EXAMPLE)
        bad = tmp_path / "bad.zip"
        with zipfile.ZipFile(bad, "w") as archive:
            archive.writestr("notes.txt", "hello")

        assert WhatsAppParser().sniff(Source(path=good).sample()) >= 0.9
        assert 0.0 == WhatsAppParser().sniff(
            Sample(name="bad.zip", members=("notes.txt",), heads={"notes.txt": b"hello"})
        )


# --- large generated exports --------------------------------------------------------------

GENERATOR = Path(__file__).resolve().parents[2].parent / "shared/bench/gen_exports.py"


def _truth_view(record: dict[str, object]) -> tuple[object, ...]:
    """What the parser must return for one truth record, in the project's semantics."""
    text = str(record["text"]).lstrip(LRM)
    edited = False
    for suffix in (f" {LRM}<This message was edited>", " <This message was edited>"):
        if text.endswith(suffix):
            text, edited = text[: -len(suffix)], True
    kind = "text" if record["kind"] == "multiline" else str(record["kind"])
    author = None if kind == "system" else record["author"]
    return (record["ts"], author, text, kind, edited, record["lines"])


class TestGeneratedExports:
    @pytest.mark.parametrize(
        "fmt",
        [
            "whatsapp-android",
            "whatsapp-android-24h",
            "whatsapp-ios",
            "whatsapp-ios-12h",
        ],
    )
    def test_truth_is_reproduced(self, tmp_path: Path, fmt: str) -> None:
        """Every record of a 2,000-message generated export comes back exactly."""
        if not GENERATOR.is_file():
            pytest.skip("../shared/bench/gen_exports.py is absent")
        export, truth = tmp_path / "chat.txt", tmp_path / "truth.jsonl"
        subprocess.run(
            [sys.executable, str(GENERATOR), "--format", fmt, "--messages", "2000", "--seed", "5",
             "-o", str(export), "--truth", str(truth)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        sink = CollectingIssueSink()
        messages = list(persona_clone.parse(export, tz="Europe/Istanbul", issues=sink))
        expected = [_truth_view(json.loads(line)) for line in truth.read_text("utf-8").splitlines()]

        assert expected == [
            (
                m.sent_at.replace(tzinfo=None).isoformat(),
                m.author.name if m.author else None,
                m.text,
                m.kind.value,
                m.edited,
                m.text.count("\n") + 1,
            )
            for m in messages
        ]
        assert [] == sink.issues
        assert physical_lines(export.read_text("utf-8")) == accounted(messages, sink)


class TestBlocks:
    @pytest.mark.parametrize("chunk_size", [1, 7, 64, 4096])
    def test_block_size_does_not_matter(self, tmp_path: Path, chunk_size: int) -> None:
        """Messages come out the same whatever size the blocks are read in."""
        long_body = "\n".join(f"line {i}: {'ç' * (i % 50)}" for i in range(3000))
        text = (
            "junk before\n"
            + ANDROID_EXAMPLE
            + f"13/02/2024, 10:00 - Ada: {long_body}\n"
            + "31/02/2024, 10:01 - Ada: impossible\nwith a tail\n"
            + "13/02/2024, 10:02 - Bob: last"
        )
        expected, expected_sink = read(tmp_path, text, chunk_size=1 << 16)
        messages, sink = read(tmp_path, text, chunk_size=chunk_size)

        assert [(m.id, m.text, m.kind) for m in expected] == [
            (m.id, m.text, m.kind) for m in messages
        ]
        assert expected_sink.issues == sink.issues
        assert long_body == messages[-2].text
        assert physical_lines(text) == accounted(messages, sink)

    @pytest.mark.parametrize("newline", ["\r\n", "\r"])
    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
    @pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 4096])
    def test_line_breaks_cut_between_blocks(
        self, tmp_path: Path, newline: str, encoding: str, chunk_size: int
    ) -> None:
        """CR LF and lone CR read as LF whatever the encoding and wherever a block ends."""
        text = (
            "13/02/2024, 10:00 - Ada: çé 🌸\nsecond ğ line\n\n"
            "13/02/2024, 10:01 - Bob: ok\n"
            "13/02/2024, 10:02 - Ada: last\n"
        )
        expected, expected_sink = read(tmp_path, text, encoding=encoding)
        messages, sink = read(
            tmp_path, text.replace("\n", newline), encoding=encoding, chunk_size=chunk_size
        )

        assert [(m.id, m.text) for m in expected] == [(m.id, m.text) for m in messages]
        assert expected_sink.issues == sink.issues


class TestMoreQuirks:
    def test_ios_document_with_pages(self, tmp_path: Path) -> None:
        """An iOS document line with its page count is media named after the attached file."""
        body = f"{LRM}Plan.pdf • {LRM}3 pages {LRM}<attached: 00000013-Plan.pdf>"
        messages, _ = read(tmp_path, f"[13.01.24, 10:00:00] Ada: {body}\n")
        attachment = messages[0].attachments[0]

        assert (MessageKind.MEDIA, "00000013-Plan.pdf", "application/pdf") == (
            messages[0].kind,
            attachment.name,
            attachment.content_type,
        )

    def test_edited_multiline(self, tmp_path: Path) -> None:
        """The edited marker after several lines is removed from the last one only."""
        text = f"[13.01.24, 10:00:00] Ada: one\ntwo {LRM}<This message was edited>\n"
        messages, _ = read(tmp_path, text)

        assert ("one\ntwo", True) == (messages[0].text, messages[0].edited)

    def test_you_and_locations_are_plain(self, tmp_path: Path) -> None:
        """'You' is an author like any other; a shared location is text."""
        text = "13/01/24, 10:00 - You: location: https://maps.google.com/?q=41.0,29.0\n"
        messages, _ = read(tmp_path, text)

        assert ("You", MessageKind.TEXT) == (name(messages[0]), messages[0].kind)

    def test_utf16_sniffs(self, tmp_path: Path) -> None:
        """A UTF-16 export is detected like a UTF-8 one."""
        path = tmp_path / "chat.txt"
        path.write_bytes(ANDROID_EXAMPLE.encode("utf-16"))

        assert 7 == len(list(persona_clone.parse(path)))

    def test_russian_zip_name(self, tmp_path: Path) -> None:
        """A zip whose chat has a Russian name is detected."""
        path = tmp_path / "export.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("Чат WhatsApp с Ада.txt", ANDROID_EXAMPLE)

        assert 7 == len(list(persona_clone.parse(path)))

    def test_date_impossible_in_the_file_order(self, tmp_path: Path) -> None:
        """A date that exists only in the other order is reported, located, not guessed."""
        text = "13/01/24, 10:00 - A: x\n" * 3 + "01/13/24, 10:00 - A: y\nmore\n"
        messages, sink = read(tmp_path, text, name="c.txt")

        assert 3 == len(messages)
        assert [("c.txt:4", 2)] == [(i.location, i.lines) for i in sink.errors]

    def test_late_undecodable_bytes(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 far into the file are reported with their line."""
        path = tmp_path / "c.txt"
        good = "".join(f"13/01/24, 10:{i % 60:02d} - A: x {i}\n" for i in range(5000))
        path.write_bytes(good.encode() + b"13/01/24, 11:00 - A: \xff\xfe\n")

        with pytest.raises(ParseError, match=r"c\.txt:5001: expected text in UTF-8"):
            list(parse(path, format="whatsapp"))
