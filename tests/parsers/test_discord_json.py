"""Tests for `persona_clone.parsers.discord_json`."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from persona_clone import (
    Attachment,
    CollectingIssueSink,
    DiscordJsonParser,
    Message,
    MessageKind,
    ParseContext,
    ParseError,
    Participant,
    Sessionizer,
    Severity,
    Source,
    parse,
)
from persona_clone.parsers._discord import parse_timestamp
from persona_clone.testing.strategies import chats


SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GENERATOR = SHARED / "bench" / "gen_exports.py"

_ids = iter(range(1213000000000000001, 1213000000000900000))


def user(name: str = "chen.w", nickname: str | None = "Chen", uid: str = "555") -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": uid,
        "name": name,
        "discriminator": "0000",
        "color": None,
        "isBot": False,
        "roles": [],
        "avatarUrl": "https://cdn.discordapp.com/embed/avatars/1.png",
    }
    if nickname is not None:
        found["nickname"] = nickname
    return found


def record(
    content: str = "hello",
    *,
    kind: str = "Default",
    at: str = "2024-03-01T10:00:00+00:00",
    author: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": str(next(_ids)),
        "type": kind,
        "timestamp": at,
        "timestampEdited": None,
        "callEndedTimestamp": None,
        "isPinned": False,
        "content": content,
        "author": author if author is not None else user(),
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
        "inlineEmojis": [],
    }
    found.update(extra)
    return found


def export(
    messages: list[Any],
    *,
    channel_type: str = "GuildTextChat",
    channel_id: str | None = "9010",
) -> str:
    document = {
        "guild": {"id": "9001", "name": "Study Hall", "iconUrl": ""},
        "channel": {
            "id": channel_id,
            "type": channel_type,
            "categoryId": None,
            "category": None,
            "name": "general",
            "topic": None,
        },
        "dateRange": {"after": None, "before": None},
        "exportedAt": "2024-03-02T12:00:00.0000000+00:00",
        "messages": messages,
        "messageCount": len(messages),
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def write(
    tmp_path: Path,
    messages: list[Any],
    name: str = "Study Hall - general [9010].json",
    *,
    channel_id: str | None = "9010",
) -> Path:
    path = tmp_path / name
    path.write_text(export(messages, channel_id=channel_id), encoding="utf-8")
    return path


def read(
    path: Path, parser: DiscordJsonParser | None = None
) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    found = list(
        (parser or DiscordJsonParser()).parse(Source(path=path), ParseContext(issues=sink))
    )
    return found, sink


def at(minute: int, second: int = 0) -> str:
    seconds = minute * 60 + second
    hours, rest = divmod(seconds, 3600)
    return f"2024-03-01T{10 + hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00:00"


class TestSniff:
    def test_export_scores_high(self, tmp_path: Path) -> None:
        """A DiscordChatExporter document scores 0.95."""
        path = write(tmp_path, [record()])

        assert 0.95 == DiscordJsonParser().sniff(Source(path=path).sample())

    def test_other_json_scores_zero(self, tmp_path: Path) -> None:
        """A Telegram-shaped document scores nothing."""
        path = tmp_path / "result.json"
        path.write_text('{"name": "x", "type": "personal_chat", "id": 1, "messages": []}')

        assert 0.0 == DiscordJsonParser().sniff(Source(path=path).sample())

    def test_text_scores_zero(self, tmp_path: Path) -> None:
        """A text file scores nothing."""
        path = tmp_path / "chat.txt"
        path.write_text("12/01/2024, 10:00 - Ada: hi\n")

        assert 0.0 == DiscordJsonParser().sniff(Source(path=path).sample())

    def test_zip_of_parts_is_detected(self, tmp_path: Path) -> None:
        """A zip holding the parts of an export is detected as discord-json."""
        archive = tmp_path / "export.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("G - c [1].json", export([record()]))
            z.writestr("G - c [1] [part 2].json", export([record()]))

        assert 0.0 < DiscordJsonParser().sniff(Source(path=archive).sample())
        assert 2 == len(list(parse(archive)))


class TestKinds:
    @pytest.mark.parametrize(
        ("kind", "content"),
        [
            ("RecipientAdd", "Added Ana to the group."),
            ("RecipientRemove", "Left the group."),
            ("Call", "Started a call that lasted 3 minutes."),
            ("ChannelNameChange", "Changed the channel name: ders"),
            ("ChannelIconChange", "Changed the channel icon."),
            ("ChannelPinnedMessage", "Pinned a message."),
            ("GuildMemberJoin", "Joined the server."),
            ("ThreadCreated", "Started a thread."),
            ("8", ""),
            ("12", ""),
            ("21", ""),
        ],
    )
    def test_system_kinds(self, tmp_path: Path, kind: str, content: str) -> None:
        """System notifications are system messages without an author, text kept."""
        found, sink = read(write(tmp_path, [record(content, kind=kind)]))

        assert [(None, MessageKind.SYSTEM, content)] == [(m.author, m.kind, m.text) for m in found]
        assert [] == sink.issues

    @pytest.mark.parametrize("kind", ["Default", "Reply", "20", "23"])
    def test_user_kinds(self, tmp_path: Path, kind: str) -> None:
        """Default, Reply and command replies are user messages."""
        found, _ = read(write(tmp_path, [record("hi", kind=kind)]))

        assert [("Chen", MessageKind.TEXT)] == [
            (m.author.name if m.author else None, m.kind) for m in found
        ]

    def test_unknown_named_kind_is_warned(self, tmp_path: Path) -> None:
        """An unknown type name is read as a user message, with a warning."""
        found, sink = read(write(tmp_path, [record("x", kind="FancyNewKind")]))

        assert [MessageKind.TEXT] == [m.kind for m in found]
        assert [Severity.WARNING] == [i.severity for i in sink.issues]
        assert sink.issues[0].location.endswith("$.messages[0].type")


class TestReplies:
    def test_reply_reference(self, tmp_path: Path) -> None:
        """A reply's reference.messageId is reply_to."""
        first = record("q", at=at(0))
        second = record(
            "a",
            kind="Reply",
            at=at(1),
            reference={
                "type": "Default",
                "messageId": first["id"],
                "channelId": "9010",
                "guildId": "9001",
            },
        )
        found, _ = read(write(tmp_path, [first, second]))

        assert [None, first["id"]] == [m.reply_to for m in found]

    def test_pin_is_not_reply(self, tmp_path: Path) -> None:
        """A pin notification's reference is not a reply."""
        pin = record(
            "Pinned a message.",
            kind="ChannelPinnedMessage",
            reference={"messageId": "1", "channelId": "9010", "guildId": None},
        )
        found, _ = read(write(tmp_path, [pin]))

        assert [None] == [m.reply_to for m in found]

    def test_forward_is_not_reply(self, tmp_path: Path) -> None:
        """A forward keeps the forwarded text but is not a reply."""
        forward = record(
            "",
            reference={
                "type": "Forward",
                "messageId": "77",
                "channelId": "1",
                "guildId": "2",
            },
            forwardedMessage={
                "content": "look",
                "attachments": [],
                "embeds": [],
                "stickers": [],
            },
        )
        found, _ = read(write(tmp_path, [forward]))

        assert [(None, "look")] == [(m.reply_to, m.text) for m in found]

    def test_command_reply_reference_is_not_reply(self, tmp_path: Path) -> None:
        """Only Default and Reply messages count as replies."""
        answer = record("done", kind="20", reference={"messageId": "5"})
        found, _ = read(write(tmp_path, [answer]))

        assert [(MessageKind.TEXT, None)] == [(m.kind, m.reply_to) for m in found]

    def test_reference_without_message(self, tmp_path: Path) -> None:
        """A reference with a null messageId is no reply."""
        found, _ = read(
            write(tmp_path, [record("x", reference={"messageId": None, "channelId": "5"})])
        )

        assert [None] == [m.reply_to for m in found]


class TestContent:
    def test_attachment_only_is_media(self, tmp_path: Path) -> None:
        """A message with only an attachment is media and keeps the file's details."""
        files: list[dict[str, Any]] = [
            {
                "id": "1",
                "url": "https://cdn.discordapp.com/attachments/1/2/a.png",
                "fileName": "a.png",
                "fileSizeBytes": 1234,
            }
        ]
        found, _ = read(write(tmp_path, [record("", attachments=files)]))

        assert [
            (
                MessageKind.MEDIA,
                (
                    Attachment(
                        name="a.png",
                        url=files[0]["url"],
                        content_type="image/png",
                        size=1234,
                    ),
                ),
            )
        ] == [(m.kind, m.attachments) for m in found]

    def test_caption_with_attachment_is_media(self, tmp_path: Path) -> None:
        """An attachment with a caption is media and keeps the caption as text."""
        files: list[dict[str, Any]] = [
            {"id": "1", "url": "media/a.jpg", "fileName": "a.jpg", "fileSizeBytes": 9}
        ]
        found, _ = read(write(tmp_path, [record("bak", attachments=files)]))

        assert [(MessageKind.MEDIA, "bak")] == [(m.kind, m.text) for m in found]

    def test_sticker_only_is_media(self, tmp_path: Path) -> None:
        """A sticker is an attachment; a sticker-only message is media."""
        stickers = [
            {
                "id": "3",
                "name": "wave",
                "format": "Png",
                "sourceUrl": "https://media.discordapp.net/stickers/3.png",
            }
        ]
        found, _ = read(write(tmp_path, [record("", stickers=stickers)]))

        assert [(MessageKind.MEDIA, "wave", "image/png")] == [
            (m.kind, m.attachments[0].name, m.attachments[0].content_type) for m in found
        ]

    def test_embed_is_attachment_but_text(self, tmp_path: Path) -> None:
        """A link preview becomes an attachment; the message stays text."""
        embeds = [
            {
                "title": "Docs",
                "url": "https://example.org",
                "timestamp": None,
                "description": "",
            }
        ]
        found, _ = read(write(tmp_path, [record("see https://example.org", embeds=embeds)]))

        assert [(MessageKind.TEXT, (Attachment(name="Docs", url="https://example.org"),))] == [
            (m.kind, m.attachments) for m in found
        ]

    @pytest.mark.parametrize(
        ("nickname", "expected"),
        [("Chen 🌸", "Chen 🌸"), ("", "chen.w"), (None, "chen.w")],
    )
    def test_display_name(self, tmp_path: Path, nickname: str | None, expected: str) -> None:
        """The author is the nickname, else the account name; the id is the user id."""
        found, _ = read(write(tmp_path, [record(author=user(nickname=nickname, uid="42"))]))

        assert [Participant(id="42", name=expected)] == [m.author for m in found]

    def test_edited(self, tmp_path: Path) -> None:
        """TimestampEdited sets the edited flag."""
        found, _ = read(
            write(
                tmp_path,
                [record(timestampEdited="2024-03-01T10:05:00+00:00"), record()],
            )
        )

        assert [True, False] == [m.edited for m in found]

    def test_text_as_written(self, tmp_path: Path) -> None:
        """Turkish letters, emoji, newlines and markdown survive; CRLF becomes LF."""
        text = "Işık **ğüş** 👍🏽\r\nikinci  satır "
        found, _ = read(write(tmp_path, [record(text)]))

        assert ["Işık **ğüş** 👍🏽\nikinci  satır "] == [m.text for m in found]

    @pytest.mark.parametrize(
        ("stamp", "expected"),
        [
            (
                "2024-02-03T09:14:05.123+03:00",
                pendulum.datetime(2024, 2, 3, 6, 14, 5, 123000, tz="UTC"),
            ),
            (
                "2024-02-03T09:14:05.1230000+03:00",
                pendulum.datetime(2024, 2, 3, 6, 14, 5, 123000, tz="UTC"),
            ),
            (
                "2024-02-03T09:14:05-05:30",
                pendulum.datetime(2024, 2, 3, 14, 44, 5, tz="UTC"),
            ),
            ("2024-02-03T09:14:05Z", pendulum.datetime(2024, 2, 3, 9, 14, 5, tz="UTC")),
            (
                "2024-02-03T09:14:05.5+0100",
                pendulum.datetime(2024, 2, 3, 8, 14, 5, 500000, tz="UTC"),
            ),
        ],
    )
    def test_timestamps(self, stamp: str, expected: pendulum.DateTime) -> None:
        """Timestamps keep their exact instant, whatever the fraction and offset."""
        assert expected == parse_timestamp(stamp)

    @pytest.mark.parametrize(
        "stamp", ["2024-02-03T09:14:05", "yesterday", "2024-13-03T09:14:05+00:00"]
    )
    def test_bad_timestamps(self, stamp: str) -> None:
        """Naive or malformed timestamps are refused."""
        assert parse_timestamp(stamp) is None


class TestOrder:
    def test_reverse_export_comes_out_oldest_first(self, tmp_path: Path) -> None:
        """A --reverse export is output oldest first."""
        records = [record(str(i), at=at(i)) for i in range(30)]
        found, _ = read(write(tmp_path, records[::-1]))

        assert [str(i) for i in range(30)] == [m.text for m in found]

    def test_reverse_export_spills_to_disk(self, tmp_path: Path) -> None:
        """A small spill_at sorts through temporary runs; ties keep their order."""
        records = [record(str(i), at=at(i // 2)) for i in range(50)]
        found, _ = read(write(tmp_path, records[::-1]), DiscordJsonParser(spill_at=7))

        assert [str(i) for i in range(50)] == [m.text for m in found]

    def test_small_disorder_is_mended(self, tmp_path: Path) -> None:
        """Two swapped neighbours of an oldest-first file come out in order, with a warning."""
        records = [record(str(i), at=at(i)) for i in range(20)]
        records[5], records[6] = records[6], records[5]
        found, sink = read(write(tmp_path, records))

        assert [str(i) for i in range(20)] == [m.text for m in found]
        assert [] == sink.errors
        assert ["$.messages[6]"] == [i.location.split(" ")[-1] for i in sink.warnings]

    def test_far_disorder_is_reported(self, tmp_path: Path) -> None:
        """A message far too late for the window keeps its place at the time before it, reported."""
        records = [record(str(i), at=at(0, i)) for i in range(1, 1300)]
        records.append(record("late", at=at(0)))
        found, sink = read(write(tmp_path, records))

        assert 1300 == len(found)
        assert ("late", found[-2].sent_at) == (found[-1].text, found[-1].sent_at)
        assert ["$.messages[1299]"] == [i.location.split(" ")[-1] for i in sink.warnings]

    def test_any_order_sorts(self, tmp_path: Path) -> None:
        """order='any' sorts a shuffled file."""
        order = [3, 0, 4, 1, 2]
        found, _ = read(
            write(tmp_path, [record(str(i), at=at(i)) for i in order]),
            DiscordJsonParser(order="any"),
        )

        assert ["0", "1", "2", "3", "4"] == [m.text for m in found]


class TestParts:
    def test_folder_of_parts_merges(self, tmp_path: Path) -> None:
        """The parts of an export in a folder come out as one chronological stream."""
        (tmp_path / "export").mkdir()
        write(
            tmp_path / "export",
            [record("a", at=at(0)), record("b", at=at(1))],
            "G - c [1].json",
        )
        write(tmp_path / "export", [record("c", at=at(2))], "G - c [1] [part 2].json")
        found, _ = read(tmp_path / "export")

        assert ["a", "b", "c"] == [m.text for m in found]

    def test_reverse_parts_merge(self, tmp_path: Path) -> None:
        """Parts of a --reverse export (newest part first) merge oldest first."""
        write(tmp_path, [record("d", at=at(3)), record("c", at=at(2))], "G - c [1].json")
        write(
            tmp_path,
            [record("b", at=at(1)), record("a", at=at(0))],
            "G - c [1] [part 2].json",
        )
        sink = CollectingIssueSink()
        found = list(
            DiscordJsonParser().parse_files(sorted(tmp_path.iterdir()), ParseContext(issues=sink))
        )

        assert ["a", "b", "c", "d"] == [m.text for m in found]

    def thread_export(self, folder: Path) -> Path:
        """A channel (id 1, two parts) and one of its threads (id 2), overlapping in time."""
        parent = record("soru?", at=at(0))
        write(
            folder,
            [parent, record("Started a thread.", kind="ThreadCreated", at=at(1))],
            "G - general [1].json",
            channel_id="1",
        )
        write(folder, [record("sonra", at=at(5))], "G - general [1] [part 2].json", channel_id="1")
        thread = [
            record(
                "",
                kind="21",
                at=at(1, 1),
                reference={"messageId": parent["id"], "channelId": "1"},
            ),
            record("cevap", at=at(2)),
        ]
        (folder / "G - general - soru [2].json").write_text(
            export(thread, channel_type="GuildPublicThread", channel_id="2"), encoding="utf-8"
        )
        return folder

    def test_thread_and_channel(self, tmp_path: Path) -> None:
        """A thread and its channel come one after the other, by file name, each whole."""
        found, _ = read(self.thread_export(tmp_path))

        assert [
            ("2", MessageKind.SYSTEM, ""),
            ("2", MessageKind.TEXT, "cevap"),
            ("1", MessageKind.TEXT, "soru?"),
            ("1", MessageKind.SYSTEM, "Started a thread."),
            ("1", MessageKind.TEXT, "sonra"),
        ] == [(m.chat, m.kind, m.text) for m in found]

    def test_sessions_never_span_two_channels(self, tmp_path: Path) -> None:
        """A channel and its thread sessionize apart, though their times overlap."""
        folder = self.thread_export(tmp_path)

        sessions = list(Sessionizer()(parse(folder)))

        assert [["", "cevap"], ["soru?", "Started a thread.", "sonra"]] == [
            [m.text for m in s.messages] for s in sessions
        ]
        assert [{"2"}, {"1"}] == [{m.chat for m in s.messages} for s in sessions]

    def test_single_file_chat_is_the_channel_id(self, tmp_path: Path) -> None:
        """A one-file export gives every message its channel's id as chat."""
        found, _ = read(write(tmp_path, [record("a", at=at(0)), record("b", at=at(1))]))

        assert ["9010", "9010"] == [m.chat for m in found]

    def test_several_files_of_one_channel_merge(self, tmp_path: Path) -> None:
        """Files of one channel merge by time although named differently."""
        write(tmp_path, [record("a", at=at(0)), record("c", at=at(2))], "first.json")
        write(tmp_path, [record("b", at=at(1))], "second.json")

        found, _ = read(tmp_path)

        assert [("9010", "a"), ("9010", "b"), ("9010", "c")] == [(m.chat, m.text) for m in found]

    def test_chat_from_file_name_without_channel_id(self, tmp_path: Path) -> None:
        """Without channel.id the chat is the id in the file name, else its base name."""
        write(tmp_path, [record("a", at=at(3))], "G - c [77] [part 2].json", channel_id=None)
        write(tmp_path, [record("b", at=at(0))], "notes.json", channel_id=None)

        found, _ = read(tmp_path)

        assert [("77", "a"), ("notes", "b")] == [(m.chat, m.text) for m in found]

    def test_foreign_json_in_folder_is_warned(self, tmp_path: Path) -> None:
        """A JSON file of another shape beside the export is skipped with a warning."""
        write(tmp_path, [record("a")])
        (tmp_path / "notes.json").write_text("[1, 2]")
        found, sink = read(tmp_path)

        assert ["a"] == [m.text for m in found]
        assert [Severity.WARNING] == [i.severity for i in sink.issues]


class TestBadInput:
    def test_empty_file(self, tmp_path: Path) -> None:
        """An empty file raises a ParseError naming it."""
        path = tmp_path / "empty.json"
        path.write_bytes(b"")

        with pytest.raises(
            ParseError,
            match=r"empty\.json: expected a DiscordChatExporter JSON .*an empty file",
        ):
            read(path)

    def test_binary_file(self, tmp_path: Path) -> None:
        """A binary file raises a ParseError, not a JSON library traceback."""
        path = tmp_path / "x.json"
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")

        with pytest.raises(ParseError, match="no JSON"):
            read(path)

    def test_other_shape(self, tmp_path: Path) -> None:
        """JSON of another shape raises a ParseError listing its keys."""
        path = tmp_path / "result.json"
        path.write_text('{"name": "x", "chats": {"list": []}}')

        with pytest.raises(ParseError, match="keys name, chats"):
            read(path)

    def test_array(self, tmp_path: Path) -> None:
        """A JSON array is not an export."""
        path = tmp_path / "a.json"
        path.write_text("[]")

        with pytest.raises(ParseError, match="a JSON array"):
            read(path)

    @pytest.mark.parametrize(
        ("value", "kind"), [({}, "map"), ("none", "string"), (None, "null"), (3, "number")]
    )
    def test_messages_not_a_list(self, tmp_path: Path, value: Any, kind: str) -> None:
        """A 'messages' value that is not a list is refused, naming what it holds."""
        document = json.loads(export([]))
        document["messages"] = value
        path = tmp_path / "odd.json"
        path.write_text(json.dumps(document), encoding="utf-8")

        with pytest.raises(ParseError, match=f"'messages' is a JSON {kind}"):
            read(path)

    def test_messages_not_a_list_in_a_folder_is_reported(self, tmp_path: Path) -> None:
        """In a folder, a file whose 'messages' is not a list is a located issue."""
        write(tmp_path, [record("a")])
        document = json.loads(export([]))
        document["messages"] = {"0": record("b")}
        (tmp_path / "odd.json").write_text(json.dumps(document), encoding="utf-8")
        found, sink = read(tmp_path)

        assert ["a"] == [m.text for m in found]
        assert ["odd.json"] == [i.location.split("/")[-1] for i in sink.issues]
        assert "'messages' is a JSON map" in str(sink.issues[0])

    def test_repeated_record_is_kept_once_and_reported(self, tmp_path: Path) -> None:
        """A record repeated with the same id is read once; the repeat names both places."""
        first = record("a", at=at(0))
        path = write(tmp_path, [first, record("b", at=at(1)), dict(first), record("c", at=at(2))])
        found, sink = read(path)

        repeats = [i for i in sink.issues if i.expected.startswith("a message id of its own")]
        assert ["a", "b", "c"] == [m.text for m in found]
        assert 1 == len(repeats)
        issue = repeats[0]
        assert issue.location.endswith("$.messages[2]")
        assert "$.messages[0]" in issue.expected
        assert repr(first["id"]) == issue.found
        assert 1 == issue.lines

    def test_repeat_across_parts_is_reported(self, tmp_path: Path) -> None:
        """Parts of one channel that overlap give each message once."""
        shared = record("b", at=at(1))
        name = "Hall - general [9010] [part {}].json"
        write(tmp_path, [record("a", at=at(0)), shared], name.format(1))
        write(tmp_path, [dict(shared), record("c", at=at(2))], name.format(2))
        found, sink = read(tmp_path)

        assert ["a", "b", "c"] == [m.text for m in found]
        assert ["a message id of its own"] == [i.expected[:23] for i in sink.issues]

    def test_truncated_file(self, tmp_path: Path) -> None:
        """A truncated export yields the messages before the break, then an issue."""
        text = export([record("a"), record("b"), record("c")])
        path = tmp_path / "t.json"
        path.write_text(text[: text.index('"c"') + 1], encoding="utf-8")
        found, sink = read(path)

        assert ["a", "b"] == [m.text for m in found]
        assert ["t.json $.messages[2]"] == [i.location for i in sink.errors]

    def test_strict_mode_raises(self, tmp_path: Path) -> None:
        """In strict mode the first bad record raises ParseError with its JSON path."""
        path = write(tmp_path, [record("a"), record("b", at="soon")])

        with pytest.raises(
            ParseError,
            match=r"\$\.messages\[1\]\.timestamp: expected an ISO 8601 time with "
            r"offset, found 'soon'",
        ):
            list(parse(path, strict=True))

    def test_bad_records_are_reported(self, tmp_path: Path) -> None:
        """Each unreadable record is one located issue; the rest are messages."""
        good = record("ok")
        no_author = record("x")
        del no_author["author"]
        path = write(tmp_path, [good, 5, record("y", at="2024"), no_author, record("z", id=None)])
        found, sink = read(path)

        assert ["ok"] == [m.text for m in found]
        assert [
            "$.messages[1]",
            "$.messages[2].timestamp",
            "$.messages[3].author",
            "$.messages[4].id",
        ] == [i.location.split(" ")[-1] for i in sink.errors]

    def test_message_count_mismatch_is_warned(self, tmp_path: Path) -> None:
        """A messageCount that disagrees with the records is a warning."""
        path = tmp_path / "c.json"
        path.write_text(export([record("a")]).replace('"messageCount": 1', '"messageCount": 3'))
        found, sink = read(path)

        assert 1 == len(found)
        assert ["c.json $.messageCount"] == [i.location for i in sink.warnings]

    @pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
    def test_encodings(self, tmp_path: Path, encoding: str) -> None:
        """A byte-order mark or a UTF-16 file is read."""
        path = tmp_path / "e.json"
        path.write_text(export([record("Ğüşİ")]), encoding=encoding)
        found, _ = read(path)

        assert ["Ğüşİ"] == [m.text for m in found]


class TestDetection:
    def test_auto_detected(self, tmp_path: Path) -> None:
        """persona_clone.parse finds the format by itself."""
        path = write(tmp_path, [record("merhaba")])

        assert ["merhaba"] == [m.text for m in parse(path)]

    def test_sources(self, tmp_path: Path) -> None:
        """Each message names its file and JSON path."""
        path = write(tmp_path, [record("a"), record("b")])
        found, _ = read(path)

        assert [f"{path.name} $.messages[0]", f"{path.name} $.messages[1]"] == [
            str(m.source) for m in found
        ]


class TestGeneratedExport:
    @pytest.mark.parametrize("seed", [1, 7])
    def test_truth_is_reproduced(self, tmp_path: Path, seed: int) -> None:
        """The bench generator's truth is reproduced exactly, in chronological order."""
        if not GENERATOR.is_file():
            pytest.skip("../shared/bench is absent")
        out, truth = tmp_path / "d.json", tmp_path / "t.jsonl"
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                "--format",
                "discord-json",
                "--messages",
                "2000",
                "--seed",
                str(seed),
                "-o",
                str(out),
                "--truth",
                str(truth),
                "--tz-offset",
                "+03:00",
            ],
            check=True,
            capture_output=True,
        )
        want = []
        for line in truth.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            kind = {"multiline": "text"}.get(item["kind"], item["kind"])
            who = None if kind == "system" else item["nickname"]
            stamp = parse_timestamp(item["ts"])
            assert stamp is not None
            want.append((stamp, who, item["text"], kind))
        want.sort(key=lambda w: w[0])  # the generator writes a few same-second pairs swapped
        sink = CollectingIssueSink()
        found = list(parse(out, issues=sink))

        assert want == [
            (m.sent_at, m.author.name if m.author else None, m.text, m.kind.value) for m in found
        ]
        assert [] == sink.errors  # same-second pairs swapped are moved back, with warnings


def render(chat: list[Message]) -> str:
    """Render a chat the way DiscordChatExporter writes it."""
    records = []
    for message in chat:
        author = message.author or Participant(id="0", name="System")
        item = record(
            message.text,
            kind="GuildMemberJoin"
            if message.is_system
            else ("Reply" if message.reply_to else "Default"),
            at=message.sent_at.isoformat(),
            author=user(name=author.id, nickname=author.name, uid=author.id),
            id=message.id,
            timestampEdited=message.sent_at.isoformat() if message.edited else None,
        )
        if message.reply_to:
            item["reference"] = {
                "messageId": message.reply_to,
                "channelId": "1",
                "guildId": "2",
            }
        if message.attachments:
            item["attachments"] = [
                {
                    "id": "1",
                    "url": f"https://cdn/{a.name}",
                    "fileName": a.name,
                    "fileSizeBytes": 1,
                }
                for a in message.attachments
            ]
        records.append(item)
    return export(records)


class TestRoundTrip:
    @given(chats())
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    def test_render_then_parse(self, tmp_path: Path, chat: list[Message]) -> None:
        """A generated chat rendered as JSON parses back to the same messages."""
        path = tmp_path / "rt.json"
        path.write_text(render(chat), encoding="utf-8")
        sink = CollectingIssueSink()
        found = list(DiscordJsonParser().parse(Source(path=path), ParseContext(issues=sink)))

        expected_kind = {MessageKind.DELETED: MessageKind.TEXT}
        assert [
            (
                m.id,
                m.sent_at,
                m.author,
                m.text,
                expected_kind.get(m.kind, m.kind),
                m.reply_to,
                m.edited and not m.is_system,
            )
            for m in chat
        ] == [(m.id, m.sent_at, m.author, m.text, m.kind, m.reply_to, m.edited) for m in found]
        assert [] == sink.issues


class TestCounts:
    @pytest.mark.parametrize(
        "records",
        [
            [record("a"), record("b", kind="GuildMemberJoin")],
            [record("a"), 7, record("b", at="x"), record("c")],
            [record("a", author="nobody"), record("b", id=[1])],
            [],
        ],
    )
    def test_every_record_is_accounted_for(self, tmp_path: Path, records: list[Any]) -> None:
        """Messages plus error issues equal the records of the file."""
        found, sink = read(write(tmp_path, records))

        assert len(records) == len(found) + sum(i.lines for i in sink.errors)

    def test_minified_and_crlf(self, tmp_path: Path) -> None:
        """A minified document and one with Windows line ends read the same."""
        document = json.loads(export([record("a", at=at(0)), record("b", at=at(1))]))
        (tmp_path / "m.json").write_text(json.dumps(document, separators=(",", ":")))
        (tmp_path / "w.json").write_bytes(
            json.dumps(document, indent=2).replace("\n", "\r\n").encode()
        )

        assert ["a", "b"] == [m.text for m in read(tmp_path / "m.json")[0]]
        assert ["a", "b"] == [m.text for m in read(tmp_path / "w.json")[0]]

    def test_folder_without_exports(self, tmp_path: Path) -> None:
        """A folder of foreign JSON files raises ParseError."""
        (tmp_path / "a.json").write_text("[]")
        (tmp_path / "b.json").write_text("{}")

        with pytest.raises(ParseError, match="no such file among them"):
            read(tmp_path)

    def test_generated_reverse_export(self, tmp_path: Path) -> None:
        """A realistic export reversed on disk reads the same as forward."""
        if not GENERATOR.is_file():
            pytest.skip("../shared/bench is absent")
        out = tmp_path / "d.json"
        subprocess.run(
            [sys.executable, str(GENERATOR), "--format", "discord-json",
             "--messages", "1500", "--seed", "3", "-o", str(out)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        document = json.loads(out.read_text(encoding="utf-8"))
        document["messages"].reverse()
        backwards = tmp_path / "r.json"
        backwards.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

        forward = [(m.id, m.sent_at) for m in read(out)[0]]
        assert forward == [
            (m.id, m.sent_at) for m in read(backwards, DiscordJsonParser(spill_at=400))[0]
        ]


_BROKEN = [
    5,
    "text",
    {"id": "1"},
    {"id": "2", "timestamp": "2024-03-01T10:00:00"},
    {"id": "3", "timestamp": "2024-03-01T10:00:00+00:00", "author": None},
    {"id": "4", "timestamp": "2024-03-01T10:00:00+00:00", "content": 7},
]


class TestCountsProperty:
    @given(st.lists(st.booleans(), max_size=30), st.randoms(use_true_random=False))
    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
    def test_messages_plus_errors_equal_records(
        self, tmp_path: Path, good: list[bool], random: Any
    ) -> None:
        """Any mix of good and broken records: messages plus errors equal records."""
        records = [
            record(str(i), at=at(0, i)) if ok else random.choice(_BROKEN)
            for i, ok in enumerate(good)
        ]
        found, sink = read(write(tmp_path, records))

        assert sum(good) == len(found)
        assert len(records) == len(found) + sum(i.lines for i in sink.errors)


class TestMediaFolder:
    def test_zip_with_media(self, tmp_path: Path) -> None:
        """An export zipped with its --media folder keeps the relative paths."""
        files = [{"id": "1", "url": "general_media/a-1.png", "fileName": "a.png"}]
        archive = tmp_path / "e.zip"
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("G - general [1].json", export([record("", attachments=files)]))
            z.writestr("general_media/a-1.png", b"\x89PNG\r\n\x1a\n")

        assert [("a.png", "general_media/a-1.png")] == [
            (a.name, a.url) for m in parse(archive) for a in m.attachments
        ]
