"""Tests for the Telegram Desktop JSON parser (export-formats.md section 5)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_fuzz import EXPORT_JSON
from persona_clone import (
    CollectingIssueSink,
    Message,
    MessageKind,
    ParseError,
    ParserRegistry,
    Participant,
    Sessionizer,
    Severity,
    parse,
)
from persona_clone.parsers.telegram import TelegramChat, TelegramParser
from persona_clone.testing.strategies import chats


NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"
TOO_BIG = "(File exceeds maximum size. Change data exporting settings to download.)"
PEER_FILES = [
    "chat-miner/telegram/test_single_export.json",
    "telegram-chat-parser/bot.json",
    "telegram-chat-parser/personal.json",
    "telegram-chat-parser/private_channel.json",
    "telegram-chat-parser/private_group.json",
]


def expectation(peers: Path, path: str) -> dict[str, Any]:
    entries = json.loads((peers / "expected.json").read_text(encoding="utf-8"))
    return next(entry for entry in entries if entry["path"] == path)


def summary(messages: list[Message], expected: dict[str, Any]) -> dict[str, Any]:
    """Reduce *messages* to the keys of an expected.json entry."""
    users = [m for m in messages if m.kind is not MessageKind.SYSTEM]

    def end(message: Message | None) -> dict[str, str] | None:
        if message is None:
            return None
        assert message.author is not None
        if "text" not in (expected.get("first") or {}) or message.kind is MessageKind.MEDIA:
            return {"author": message.author.name}
        return {"author": message.author.name, "text": message.text}

    found: dict[str, Any] = {
        "path": expected["path"],
        "user_messages": len(users),
        "system_events": len(messages) - len(users),
        "authors": sorted({m.author.name for m in users if m.author}),
        "first": end(users[0] if users else None),
        "last": end(users[-1] if users else None),
    }
    if "replies" in expected:
        found["replies"] = sum(1 for m in messages if m.reply_to is not None)
    return found


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def record(number: int, **fields: Any) -> dict[str, Any]:
    """A Telegram message record with a date and sender unless given."""
    base: dict[str, Any] = {
        "id": number,
        "type": "message",
        "date": "2024-04-02T07:01:10",
        "date_unixtime": str(1712034000 + number),
        "from": "Omar Haddad",
        "from_id": "user502",
        "text": f"message {number}",
    }
    base.update(fields)
    return base


def chat(
    *records: dict[str, Any],
    name: str = "Running club",
    id: int = 42,  # noqa: A002
) -> dict[str, Any]:
    return {
        "name": name,
        "type": "private_supergroup",
        "id": id,
        "messages": list(records),
    }


def read(path: Path, **options: Any) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    parser = TelegramParser(**options)
    return list(parse(path, format=parser, issues=sink)), sink


class TestPeerSamples:
    @pytest.mark.parametrize("path", PEER_FILES)
    def test_matches_expected(self, peers: Path, path: str) -> None:
        """Each auto-detected peer sample gives the expected counts and ends."""
        expected = expectation(peers, path)
        expected.pop("note", None)

        messages = list(parse(peers / path, issues=CollectingIssueSink()))

        assert expected == summary(messages, expected)

    @pytest.mark.parametrize("path", PEER_FILES)
    def test_detected_as_telegram(self, peers: Path, path: str) -> None:
        """Auto-detection picks the Telegram parser for every Telegram peer sample."""
        source = peers / path

        from persona_clone.parsers.source import Source  # noqa: PLC0415

        assert "telegram" == ParserRegistry.default().detect(Source(path=source)).name

    @pytest.mark.parametrize("path", PEER_FILES)
    def test_counts_add_up(self, peers: Path, path: str) -> None:
        """Messages plus records accounted for by issues equal the file's records."""
        records = json.loads((peers / path).read_text(encoding="utf-8"))["messages"]
        sink = CollectingIssueSink()

        messages = list(parse(peers / path, issues=sink))

        assert len(records) == len(messages) + sum(issue.lines for issue in sink.issues)

    def test_entity_list_is_concatenated_exactly(self, peers: Path) -> None:
        """An entity list's parts are joined with nothing in between."""
        messages = list(parse(peers / "chat-miner/telegram/test_single_export.json"))

        assert "Link:https://telegram.org/" == messages[1].text

    def test_local_dates_are_read_in_the_given_zone(self, peers: Path) -> None:
        """Exports without date_unixtime are read in the caller's zone, warned."""
        sink = CollectingIssueSink()

        messages = list(
            parse(
                peers / "telegram-chat-parser/private_group.json",
                tz="Europe/Istanbul",
                issues=sink,
            )
        )

        assert pendulum.datetime(2021, 3, 18, 12, 20, 24, tz="UTC") == messages[0].sent_at
        assert [Severity.WARNING] == [issue.severity for issue in sink.issues]
        assert 0 == sink.issues[0].lines

    def test_channel_replies(self, peers: Path) -> None:
        """reply_to_message_id becomes reply_to; a pin's message_id does not."""
        path = peers / "telegram-chat-parser/private_channel.json"
        messages = list(parse(path, issues=CollectingIssueSink()))

        assert {"3": "2", "7": "6"} == {m.id: m.reply_to for m in messages if m.reply_to}


class TestText:
    def test_reference_example(self, tmp_path: Path) -> None:
        """The example of the reference gives 1 system event and 2 user messages."""
        document = chat(
            {
                "id": 41,
                "type": "service",
                "date": "2024-04-02T07:00:00",
                "date_unixtime": "1712034000",
                "actor": "Lena Fischer",
                "actor_id": "user501",
                "action": "invite_members",
                "members": ["Omar Haddad"],
                "text": "",
                "text_entities": [],
            },
            record(
                42,
                reply_to_message_id=40,
                text=["Sunday ", {"type": "bold", "text": "8 km"}, "?"],
            ),
            record(
                43,
                **{"from": "Lena Fischer", "from_id": "user501"},
                file="voice_messages/audio_3@02-04-2024_07-02-00.ogg",
                file_name="audio_3@02-04-2024_07-02-00.ogg",
                file_size=18234,
                media_type="voice_message",
                mime_type="audio/ogg",
                text="",
            ),
        )

        messages, sink = read(write(tmp_path / "result.json", document))

        assert [MessageKind.SYSTEM, MessageKind.TEXT, MessageKind.MEDIA] == [
            m.kind for m in messages
        ]
        assert None is messages[0].author
        assert "invite_members" == messages[0].text
        assert "Sunday 8 km?" == messages[1].text
        assert "40" == messages[1].reply_to
        assert "user502" == messages[1].author.id if messages[1].author else None
        attachment = messages[2].attachments[0]
        assert ("audio_3@02-04-2024_07-02-00.ogg", "audio/ogg", 18234) == (
            attachment.name,
            attachment.content_type,
            attachment.size,
        )
        assert [] == sink.issues

    def test_unixtime_is_the_exact_instant(self, tmp_path: Path) -> None:
        """date_unixtime wins over the local date and gives the exact UTC instant."""
        path = write(tmp_path / "result.json", chat(record(1, date_unixtime="1712034070")))

        messages, _ = read(path)

        assert dt.datetime(2024, 4, 2, 5, 1, 10, tzinfo=dt.timezone.utc) == messages[0].sent_at

    def test_turkish_text_and_emoji_survive(self, tmp_path: Path) -> None:
        """Turkish dotted and dotless i and emoji are kept exactly over entities."""
        text = ["Işık ", {"type": "italic", "text": "İstanbul'da"}, " şöyle 🇹🇷\nğüç"]
        path = write(tmp_path / "result.json", chat(record(1, text=text)))

        messages, _ = read(path)

        assert "Işık İstanbul'da şöyle 🇹🇷\nğüç" == messages[0].text

    def test_text_entities_used_when_text_missing(self, tmp_path: Path) -> None:
        """A record with only text_entities takes its text from them."""
        entities = [{"type": "plain", "text": "a "}, {"type": "bold", "text": "b"}]
        item = record(1, text_entities=entities)
        del item["text"]
        path = write(tmp_path / "result.json", chat(item))

        messages, _ = read(path)

        assert "a b" == messages[0].text

    def test_edited_flag(self, tmp_path: Path) -> None:
        """A record with an edited time is marked edited."""
        path = write(
            tmp_path / "result.json",
            chat(
                record(1, edited="2024-04-02T08:00:00", edited_unixtime="1712037600"),
                record(2),
            ),
        )

        messages, _ = read(path)

        assert [True, False] == [m.edited for m in messages]

    def test_deleted_account(self, tmp_path: Path) -> None:
        """A null sender becomes 'Deleted Account' and is reported as a warning."""
        path = write(tmp_path / "result.json", chat(record(1, **{"from": None})))

        messages, sink = read(path)

        assert "Deleted Account" == (messages[0].author.name if messages[0].author else None)
        assert [Severity.WARNING] == [issue.severity for issue in sink.issues]

    def test_forward_is_a_message_of_the_forwarder(self, tmp_path: Path) -> None:
        """A forwarded message is authored by whoever forwarded it."""
        path = write(tmp_path / "result.json", chat(record(1, forwarded_from="Someone Else")))

        messages, _ = read(path)

        assert "Omar Haddad" == (messages[0].author.name if messages[0].author else None)

    def test_reply_to_other_chat(self, tmp_path: Path) -> None:
        """A reply into another chat names that chat in reply_to."""
        item = record(2, reply_to_message_id=9, reply_to_peer_id="channel77")
        path = write(tmp_path / "result.json", chat(item))

        messages, _ = read(path)

        assert "channel77/9" == messages[0].reply_to


class TestForwards:
    def test_the_original_author_is_kept(self, tmp_path: Path) -> None:
        """A forward keeps the forwarder as author and names the original author."""
        path = write(
            tmp_path / "result.json",
            chat(record(1, forwarded_from="Mehmet Kaya", forwarded_from_id="user77")),
        )

        (message,), _ = read(path)

        assert "Omar Haddad" == message.author.name if message.author else None
        assert Participant(id="user77", name="Mehmet Kaya") == message.forwarded_from

    def test_a_forward_without_an_id_is_known_by_name(self, tmp_path: Path) -> None:
        """Exports without forwarded_from_id name the original author only."""
        path = write(tmp_path / "result.json", chat(record(1, forwarded_from="Mehmet Kaya")))

        (message,), _ = read(path)

        assert Participant.from_name("Mehmet Kaya") == message.forwarded_from

    def test_hidden_senders_and_plain_messages_have_no_origin(self, tmp_path: Path) -> None:
        """A hidden sender (null) and a message that is not a forward have no origin."""
        path = write(tmp_path / "result.json", chat(record(1, forwarded_from=None), record(2)))

        messages, _ = read(path)

        assert [None, None] == [message.forwarded_from for message in messages]


class TestMedia:
    @pytest.mark.parametrize(
        ("fields", "name"),
        [
            (
                {"photo": "photos/photo_1@02-04-2024.jpg", "photo_file_size": 100},
                "photo_1@02-04-2024.jpg",
            ),
            (
                {"photo": NOT_INCLUDED},
                "photo",
            ),
            (
                {
                    "file": "stickers/sticker.webp",
                    "media_type": "sticker",
                    "sticker_emoji": "😀",
                },
                "sticker.webp",
            ),
            (
                {
                    "file": TOO_BIG,
                    "media_type": "video_file",
                },
                "video_file",
            ),
            (
                {"contact_information": {"first_name": "Ada", "phone_number": "+90"}},
                "contact",
            ),
            (
                {"location_information": {"latitude": 41.0, "longitude": 29.0}},
                "location",
            ),
            ({"poll": {"question": "?", "answers": []}}, "poll"),
        ],
    )
    def test_media_kinds(self, tmp_path: Path, fields: dict[str, Any], name: str) -> None:
        """Photos, files, stickers, contacts, places and polls are media messages."""
        path = write(tmp_path / "result.json", chat(record(1, text="", **fields)))

        messages, _ = read(path)

        assert (MessageKind.MEDIA, name) == (
            messages[0].kind,
            messages[0].attachments[0].name,
        )

    def test_skip_notice_has_no_url(self, tmp_path: Path) -> None:
        """A file the export left out has no path."""
        notice = "(File not included. Change data exporting settings to download.)"
        path = write(tmp_path / "result.json", chat(record(1, file=notice, file_name="a.pdf")))

        messages, _ = read(path)

        assert (None, "a.pdf") == (
            messages[0].attachments[0].url,
            messages[0].attachments[0].name,
        )

    def test_caption_is_the_text(self, tmp_path: Path) -> None:
        """A photo with a caption is a media message whose text is the caption."""
        path = write(tmp_path / "result.json", chat(record(1, photo="photos/a.jpg", text="look")))

        messages, _ = read(path)

        assert (MessageKind.MEDIA, "look") == (messages[0].kind, messages[0].text)


class TestService:
    @pytest.mark.parametrize(
        "action",
        [
            "create_group",
            "pin_message",
            "phone_call",
            "join_group_by_link",
            "topic_created",
        ],
    )
    def test_service_is_system_without_author(self, tmp_path: Path, action: str) -> None:
        """Every service action is a system event without author, never a reply."""
        item = {
            "id": 1,
            "type": "service",
            "date_unixtime": "1712034000",
            "actor": "Lena",
            "actor_id": "user501",
            "action": action,
            "message_id": 7,
            "text": "",
        }
        path = write(tmp_path / "result.json", chat(item))

        messages, _ = read(path)

        assert [(MessageKind.SYSTEM, None, None, action)] == [
            (m.kind, m.author, m.reply_to, m.text) for m in messages
        ]

    def test_custom_service_text(self, tmp_path: Path) -> None:
        """A custom service message without action keeps its information text."""
        item = {
            "id": 1,
            "type": "service",
            "date_unixtime": "1712034000",
            "information_text": "Hi",
            "text": "",
        }
        path = write(tmp_path / "result.json", chat(item))

        messages, _ = read(path)

        assert "Hi" == messages[0].text


class TestAccountExport:
    def account(self) -> dict[str, Any]:
        return {
            "about": "Here is the data you requested.",
            "personal_information": {"user_id": 1, "first_name": "Zeynep"},
            "contacts": {"about": "", "list": [{"first_name": "Omar"}]},
            "chats": {
                "about": "This page lists all chats from this export.",
                "list": [
                    chat(record(1), record(2, reply_to_message_id=1), name="Omar", id=502),
                    chat(record(1, text="selam"), name="Çağrı", id=777),
                ],
            },
            "left_chats": {
                "about": "",
                "list": [chat(record(5, text="bye"), name="Old group", id=9)],
            },
        }

    def test_every_chat_in_file_order(self, tmp_path: Path) -> None:
        """By default every chat is read, one after another, with chat-qualified ids."""
        path = write(tmp_path / "result.json", self.account())

        messages, sink = read(path)

        assert ["502/1", "502/2", "777/1", "9/5"] == [m.id for m in messages]
        assert "502/1" == messages[1].reply_to
        assert "$.chats.list[1].messages[0]" == (
            messages[2].source.path if messages[2].source else None
        )
        assert [] == sink.issues

    @pytest.mark.parametrize("selector", ["Çağrı", 777, "777"])
    def test_select_by_name_or_id(self, tmp_path: Path, selector: str | int) -> None:
        """A chat can be selected by its name or its id."""
        path = write(tmp_path / "result.json", self.account())

        messages, _ = read(path, chats=[selector])

        assert ["selam"] == [m.text for m in messages]

    def test_unknown_selection_lists_the_chats(self, tmp_path: Path) -> None:
        """Selecting a chat that is not there fails, listing the chats that are."""
        path = write(tmp_path / "result.json", self.account())

        with pytest.raises(ParseError, match="Omar") as info:
            read(path, chats="Nobody")

        assert "Nobody" in str(info.value)

    def test_detected(self, tmp_path: Path) -> None:
        """An account export is detected as Telegram."""
        path = write(tmp_path / "result.json", self.account())

        assert 4 == len(list(parse(path)))

    def test_export_folder_and_zip(self, tmp_path: Path) -> None:
        """The export folder and a zip of it are read through their result.json."""
        folder = tmp_path / "DataExport_2024-04-02"
        (folder / "chats" / "chat_1").mkdir(parents=True)
        write(folder / "result.json", self.account())
        (folder / "chats" / "chat_1" / "photo.jpg").write_bytes(b"\xff\xd8")
        archive = tmp_path / "export.zip"
        with zipfile.ZipFile(archive, "w") as out:
            out.write(folder / "result.json", "DataExport_2024-04-02/result.json")

        from_folder = [m.id for m in parse(folder)]
        from_zip = [m.id for m in parse(archive)]

        assert ["502/1", "502/2", "777/1", "9/5"] == from_folder == from_zip

    def test_chat_is_the_chat_id(self, tmp_path: Path) -> None:
        """Every message of an account export carries its chat's id as its chat."""
        path = write(tmp_path / "result.json", self.account())

        messages, _ = read(path)

        assert ["502", "502", "777", "9"] == [m.chat for m in messages]

    def test_sessions_never_span_two_chats(self, tmp_path: Path) -> None:
        """The whole account sessionizes although time starts again at each chat."""
        path = write(tmp_path / "result.json", self.account())

        sessions = list(Sessionizer()(parse(path)))

        assert [["502", "502"], ["777"], ["9"]] == [[m.chat for m in s.messages] for s in sessions]

    def test_chat_without_id_is_named_by_its_place(self, tmp_path: Path) -> None:
        """A chat that has no id is told apart by its place in the export."""
        document = self.account()
        del document["chats"]["list"][1]["id"]
        path = write(tmp_path / "result.json", document)

        messages, _ = read(path)

        assert ["502", "502", "chats.list[1]", "9"] == [m.chat for m in messages]
        assert "chats.list[1]/1" == messages[2].id


class TestSingleChat:
    def test_chat_is_the_chat_id(self, tmp_path: Path) -> None:
        """A one-chat export gives its messages the chat's id, ids stay unqualified."""
        path = write(tmp_path / "result.json", chat(record(1), record(2)))

        messages, _ = read(path)

        assert [("1", "42"), ("2", "42")] == [(m.id, m.chat) for m in messages]

    def test_chat_without_id(self, tmp_path: Path) -> None:
        """A one-chat export without an id leaves chat unset."""
        document = chat(record(1))
        del document["id"]
        path = write(tmp_path / "result.json", document)

        messages, _ = read(path)

        assert [None] == [m.chat for m in messages]


class TestBadInput:
    def test_empty_file(self, tmp_path: Path) -> None:
        """An empty file is a clear error."""
        path = tmp_path / "result.json"
        path.write_bytes(b"")

        with pytest.raises(ParseError, match="empty file"):
            read(path)

    def test_binary_file(self, tmp_path: Path) -> None:
        """A binary file is a clear error."""
        path = tmp_path / "result.json"
        path.write_bytes(b"\x00\x01\x02garbage" * 10)

        with pytest.raises(ParseError, match="binary"):
            read(path)

    def test_other_json_shape(self, tmp_path: Path) -> None:
        """JSON of another shape names the keys found."""
        path = write(tmp_path / "result.json", {"guild": {}, "channel": {}})

        with pytest.raises(ParseError, match="guild"):
            read(path)

    def test_top_level_array(self, tmp_path: Path) -> None:
        """A JSON array is not a Telegram export."""
        path = write(tmp_path / "result.json", [1, 2])

        with pytest.raises(ParseError, match="not an object"):
            read(path)

    def test_truncated_file_keeps_what_was_read(self, tmp_path: Path) -> None:
        """A truncated file yields the complete records and reports where it broke."""
        text = json.dumps(chat(record(1), record(2), record(3)))
        path = tmp_path / "result.json"
        path.write_text(text[: text.index('"id": 3') + 4], encoding="utf-8")

        messages, sink = read(path)

        assert ["1", "2"] == [m.id for m in messages]
        assert 1 == len(sink.errors)
        assert "$.messages[2]" in sink.errors[0].location

    def test_truncated_file_strict(self, tmp_path: Path) -> None:
        """In strict mode a truncated file raises ParseError."""
        text = json.dumps(chat(record(1), record(2)))
        path = tmp_path / "result.json"
        path.write_text(text[:-10], encoding="utf-8")

        with pytest.raises(ParseError, match="truncated"):
            list(parse(path, format="telegram", strict=True))

    def test_bad_records_are_reported(self, tmp_path: Path) -> None:
        """Unreadable records are reported with their JSON path, the rest are kept."""
        document = chat(
            record(1),
            "not an object",  # type: ignore[arg-type]
            record(3, date_unixtime="soon"),
            record(4, text=42),
            {"id": 5, "type": "unsupported"},
            {"id": 6, "type": "poke", "date_unixtime": "1"},
            record(7),
        )
        path = write(tmp_path / "result.json", document)

        messages, sink = read(path)

        assert ["1", "7"] == [m.id for m in messages]
        assert [
            "result.json $.messages[1]",
            "result.json $.messages[2].date_unixtime",
            "result.json $.messages[3].text",
            "result.json $.messages[4]",
            "result.json $.messages[5]",
        ] == [issue.location for issue in sink.issues]
        assert 7 == len(messages) + sum(issue.lines for issue in sink.issues)

    def test_utf16_and_bom(self, tmp_path: Path) -> None:
        """A UTF-16 or BOM-prefixed export is read like UTF-8."""
        text = json.dumps(chat(record(1, text="Işık")), ensure_ascii=False)
        utf16 = tmp_path / "a.json"
        utf16.write_text(text, encoding="utf-16")
        bom = tmp_path / "b.json"
        bom.write_text(text, encoding="utf-8-sig")

        assert ["Işık"] == [m.text for m in parse(utf16)] == [m.text for m in parse(bom)]

    def test_folder_without_result(self, tmp_path: Path) -> None:
        """A folder without result.json is a clear error when Telegram is forced."""
        (tmp_path / "notes.txt").write_text("hi", encoding="utf-8")

        with pytest.raises(ParseError, match=r"no result\.json"):
            list(parse(tmp_path, format="telegram"))


def render(messages: list[Message], rng: random.Random) -> dict[str, Any]:
    """Write generated *messages* as a Telegram single-chat export."""
    records: list[dict[str, Any]] = []
    for message in messages:
        item: dict[str, Any] = {
            "id": int(message.id),
            "type": "service" if message.author is None else "message",
            "date": "2000-01-01T00:00:00",
            "date_unixtime": str(int(message.sent_at.timestamp())),
        }
        if message.author is None:
            item.update(actor="x", action="custom", text=message.text)
        else:
            item.update({"from": message.author.name, "from_id": message.author.id})
            cut = rng.randint(0, len(message.text))
            head, tail = message.text[:cut], message.text[cut:]
            item["text"] = (
                [head, {"type": "bold", "text": tail}] if rng.random() < 0.5 else message.text
            )
            if message.reply_to is not None:
                item["reply_to_message_id"] = int(message.reply_to)
            if message.edited:
                item["edited_unixtime"] = item["date_unixtime"]
            if message.kind is MessageKind.MEDIA:
                item.update(file="files/IMG-0001.jpg", file_name="IMG-0001.jpg")
        records.append(item)
    return {"name": "Generated", "type": "personal_chat", "id": 1, "messages": records}


def essentials(message: Message) -> tuple[Any, ...]:
    seconds = int(message.sent_at.timestamp())
    return (
        message.id,
        seconds,
        message.author,
        message.text,
        message.kind,
        message.reply_to,
        message.edited and message.author is not None,
        tuple(a.name for a in message.attachments),
    )


class TestRoundTrip:
    @given(
        chats(kinds=st.sampled_from([MessageKind.TEXT, MessageKind.MEDIA, MessageKind.SYSTEM])),
        st.randoms(use_true_random=False),
    )
    def test_generated_chats_round_trip(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        messages: list[Message],
        rng: random.Random,
    ) -> None:
        """A chat written as a Telegram export parses back to the same messages."""
        path = write(tmp_path_factory.mktemp("tg") / "result.json", render(messages, rng))
        sink = CollectingIssueSink()

        parsed = list(parse(path, format="telegram", issues=sink))

        assert [essentials(m) for m in messages] == [essentials(m) for m in parsed]
        assert [] == sink.issues

    @given(
        chats(kinds=st.sampled_from([MessageKind.TEXT, MessageKind.SYSTEM])),
        st.lists(
            st.sampled_from(
                [
                    "junk",
                    {"id": 0, "type": "message", "from": "A", "text": "no date"},
                    {"id": 0, "type": "unsupported"},
                    {"id": 0, "type": "message", "date_unixtime": "1", "text": 5},
                ]
            ),
            max_size=5,
        ),
        st.randoms(use_true_random=False),
    )
    def test_counts_add_up_with_bad_records(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        messages: list[Message],
        junk: list[Any],
        rng: random.Random,
    ) -> None:
        """Messages plus the records issues account for equal the records written."""
        document = render(messages, rng)
        for item in junk:
            document["messages"].insert(rng.randint(0, len(document["messages"])), item)
        path = write(tmp_path_factory.mktemp("tg") / "result.json", document)
        sink = CollectingIssueSink()

        parsed = list(parse(path, format="telegram", issues=sink))

        assert len(document["messages"]) == len(parsed) + sum(i.lines for i in sink.issues)
        assert len(messages) == len(parsed)


class TestHtmlExport:
    def test_html_export_is_explained(self, tmp_path: Path) -> None:
        """An HTML export folder is detected and refused with what to do instead."""
        folder = tmp_path / "ChatExport_2024-04-02"
        (folder / "css").mkdir(parents=True)
        (folder / "messages.html").write_text("<html></html>", encoding="utf-8")
        (folder / "css" / "style.css").write_text("body {}", encoding="utf-8")

        with pytest.raises(ParseError, match="Machine-readable JSON"):
            list(parse(folder))


class TestNoDeepTracebacks:
    @given(EXPORT_JSON)
    def test_any_json_is_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, value: Any
    ) -> None:
        """Any JSON document either parses or raises ParseError, never another error."""
        path = write(tmp_path_factory.mktemp("fuzz") / "result.json", value)

        with contextlib.suppress(ParseError):
            list(parse(path, format="telegram", issues=CollectingIssueSink()))

    @given(st.binary(max_size=200))
    def test_any_bytes_are_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, raw: bytes
    ) -> None:
        """Any bytes either parse or raise ParseError, never another error."""
        path = tmp_path_factory.mktemp("fuzz") / "result.json"
        path.write_bytes(raw)

        with contextlib.suppress(ParseError):
            list(parse(path, format="telegram", issues=CollectingIssueSink()))


class TestChatsIn:
    def test_lists_chats_of_an_account(self, tmp_path: Path) -> None:
        """chats_in() lists the id, name, type and size of each chat, in order."""
        path = write(tmp_path / "result.json", TestAccountExport().account())

        found = TelegramParser().chats_in(path)

        assert [
            TelegramChat(id="502", name="Omar", type="private_supergroup", messages=2),
            TelegramChat(id="777", name="Çağrı", type="private_supergroup", messages=1),
            TelegramChat(id="9", name="Old group", type="private_supergroup", messages=1),
        ] == found

    def test_lists_the_one_chat(self, peers: Path) -> None:
        """A single-chat export lists its one chat."""
        path = peers / "telegram-chat-parser/private_channel.json"

        assert [
            TelegramChat(id="10036995664", name="test", type="private_channel", messages=7)
        ] == TelegramParser().chats_in(path)

    def test_not_telegram(self, tmp_path: Path) -> None:
        """Listing the chats of another file is a clear error."""
        path = write(tmp_path / "x.json", {"guild": {}})

        with pytest.raises(ParseError, match="guild"):
            TelegramParser().chats_in(path)
