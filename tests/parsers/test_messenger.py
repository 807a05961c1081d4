"""Tests for the Messenger and Instagram JSON parser (export-formats.md section 6)."""

from __future__ import annotations

import contextlib
import json
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers_fuzz import EXPORT_JSON
from persona_clone import (
    CollectingIssueSink,
    InstagramParser,
    Message,
    MessageKind,
    MessengerParser,
    ParseError,
    ParserRegistry,
    Sessionizer,
    Severity,
    Source,
    parse,
)
from persona_clone.parsers.messenger import unmojibake
from persona_clone.testing.strategies import chats


PEER = "chat-miner/instagram/test_export.json"
BASE_MS = 1_714_982_400_000


def mojibake(text: str) -> str:
    """What Meta stores for *text*: its UTF-8 bytes read as Latin-1."""
    return text.encode("utf-8").decode("latin-1")


def write(path: Path, document: Any) -> Path:
    """Write *document* as Meta does: ASCII JSON, non-ASCII escaped."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, ensure_ascii=True), encoding="ascii")
    return path


def entry(sender: str, offset_s: int, **fields: Any) -> dict[str, Any]:
    """One message of a thread file, strings already turned into mojibake."""
    item: dict[str, Any] = {
        "sender_name": mojibake(sender),
        "timestamp_ms": BASE_MS + offset_s * 1000,
        "type": "Generic",
    }
    for key, value in fields.items():
        item[key] = mojibake(value) if isinstance(value, str) else value
    return item


def thread(*newest_first: dict[str, Any], title: str = "Kitap kulübü") -> dict[str, Any]:
    return {
        "participants": [{"name": mojibake("Zeynep Yılmaz")}, {"name": "Bob"}],
        "messages": list(newest_first),
        "title": mojibake(title),
        "is_still_participant": True,
        "thread_path": "inbox/kitapkulubu_123",
    }


def read(path: Path, **options: Any) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    return list(parse(path, format=MessengerParser(**options), issues=sink)), sink


class TestPeerSample:
    def test_matches_expected(self, peers: Path) -> None:
        """The auto-detected Instagram peer sample gives the expected result."""
        entries = json.loads((peers / "expected.json").read_text(encoding="utf-8"))
        expected = next(e for e in entries if e["path"] == PEER)

        messages = list(parse(peers / PEER))

        users = [m for m in messages if m.kind is not MessageKind.SYSTEM]
        assert expected["user_messages"] == len(users)
        assert expected["system_events"] == len(messages) - len(users)
        assert sorted(expected["authors"]) == sorted({m.author.name for m in users if m.author})
        assert expected["first"] == {"author": "Jane Doe", "text": users[0].text}
        assert expected["last"] == {"author": "John Doe", "text": users[-1].text}
        assert "Jane Doe" == (users[0].author.name if users[0].author else None)

    def test_detected_as_instagram(self, peers: Path) -> None:
        """The peer sample (no Messenger 'type' field) is detected as Instagram."""
        parser = ParserRegistry.default().detect(Source(path=peers / PEER))

        assert "instagram" == parser.name

    def test_counts_add_up(self, peers: Path) -> None:
        """Messages plus issue lines equal the records of the file."""
        records = json.loads((peers / PEER).read_text(encoding="utf-8"))["messages"]
        sink = CollectingIssueSink()

        messages = list(parse(peers / PEER, issues=sink))

        assert len(records) == len(messages) + sum(i.lines for i in sink.issues)


class TestMojibake:
    @pytest.mark.parametrize(
        "text",
        ["Başla 😀", "ılık İstanbul şimdi ğüçö", "İIıi", "👍🏽🇹🇷", "café ñ", "plain"],
    )
    def test_repairs_once(self, text: str) -> None:
        """Mojibake is repaired; repairing correct text again changes nothing."""
        assert text == unmojibake(mojibake(text)) == unmojibake(unmojibake(mojibake(text)))

    def test_reference_example(self) -> None:
        """The worked example of the reference comes out right."""
        stored = json.loads('"Ba\\u00c5\\u009fla \\u00f0\\u009f\\u0098\\u0080"')

        assert "Başla 😀" == unmojibake(stored)

    def test_names_and_content_repaired(self, tmp_path: Path) -> None:
        """Sender names and content with Turkish letters and emoji come out right."""
        path = write(
            tmp_path / "message_1.json",
            thread(entry("Zeynep Yılmaz", 1, content="Işık İstanbul'da şöyle 🇹🇷 ğüç")),
        )

        messages, _ = read(path)

        assert ("Zeynep Yılmaz", "Işık İstanbul'da şöyle 🇹🇷 ğüç") == (
            messages[0].author.name if messages[0].author else None,
            messages[0].text,
        )

    def test_clean_utf8_is_not_decoded_twice(self, tmp_path: Path) -> None:
        """An export that is already proper UTF-8 is kept as it is."""
        item = {
            "sender_name": "Çağrı",
            "timestamp_ms": BASE_MS,
            "content": "naber ğ 😀",
        }
        path = tmp_path / "message_1.json"
        path.write_text(json.dumps({"messages": [item]}, ensure_ascii=False), encoding="utf-8")

        messages, _ = read(path)

        assert "naber ğ 😀" == messages[0].text


class TestMessages:
    def test_newest_first_becomes_chronological(self, tmp_path: Path) -> None:
        """A newest-first file comes out oldest first; ties keep reversed order."""
        path = write(
            tmp_path / "message_1.json",
            thread(
                entry("Bob", 5, content="third"),
                entry("Bob", 5, content="second"),
                entry("Bob", 1, content="first"),
            ),
        )

        messages, _ = read(path)

        assert ["first", "second", "third"] == [m.text for m in messages]
        assert ["1", "2", "3"] == [m.id for m in messages]

    def test_kinds(self, tmp_path: Path) -> None:
        """Calls and (un)subscribes are system, unsent is deleted, media is media."""
        path = write(
            tmp_path / "message_1.json",
            thread(
                entry(
                    "Bob",
                    9,
                    type="Unsubscribe",
                    content="Bob left the group.",
                    users=[{"name": "Bob"}],
                ),
                entry(
                    "Bob",
                    8,
                    type="Subscribe",
                    content="Bob added Ada.",
                    users=[{"name": "Ada"}],
                ),
                entry(
                    "Bob",
                    7,
                    type="Call",
                    content="Bob started a call.",
                    call_duration=30,
                ),
                entry("Bob", 6, is_unsent=True),
                entry("Bob", 5, sticker={"uri": "messages/stickers_used/a.png"}),
                entry(
                    "Bob",
                    4,
                    photos=[
                        {
                            "uri": "messages/inbox/x/photos/p.jpg",
                            "creation_timestamp": 1,
                        }
                    ],
                ),
                entry(
                    "Bob",
                    3,
                    share={"link": "https://example.org"},
                    type="Share",
                    content="https://example.org",
                ),
                entry(
                    "Bob",
                    2,
                    content="hi",
                    reactions=[{"reaction": mojibake("❤"), "actor": "Ada"}],
                ),
            ),
        )

        messages, sink = read(path)

        assert [
            MessageKind.TEXT,
            MessageKind.TEXT,
            MessageKind.MEDIA,
            MessageKind.MEDIA,
            MessageKind.DELETED,
            MessageKind.SYSTEM,
            MessageKind.SYSTEM,
            MessageKind.SYSTEM,
        ] == [m.kind for m in messages]
        assert [None, None, None] == [m.author for m in messages[5:]]
        assert ["p.jpg"] == [a.name for a in messages[2].attachments]
        assert [] == sink.issues

    @pytest.mark.parametrize("key", ["videos", "gifs", "audio_files", "files"])
    def test_media_lists(self, tmp_path: Path, key: str) -> None:
        """Every media list without content gives a media message."""
        path = write(
            tmp_path / "message_1.json",
            thread(entry("Bob", 1, **{key: [{"uri": f"messages/inbox/x/{key}/f.bin"}]})),
        )

        messages, _ = read(path)

        assert (MessageKind.MEDIA, f"messages/inbox/x/{key}/f.bin") == (
            messages[0].kind,
            messages[0].attachments[0].url,
        )

    def test_bad_records_reported(self, tmp_path: Path) -> None:
        """Records without a time or sender are reported with their JSON path."""
        path = write(
            tmp_path / "message_1.json",
            thread(
                entry("Bob", 3, content="ok"),
                {"sender_name": "Bob", "content": "no time"},
                {"timestamp_ms": BASE_MS, "content": "no sender"},
                "junk",  # type: ignore[arg-type]
            ),
        )

        messages, sink = read(path)

        assert ["ok"] == [m.text for m in messages]
        assert [
            "message_1.json $.messages[3]",
            "message_1.json $.messages[2].sender_name",
            "message_1.json $.messages[1].timestamp_ms",
        ] == [i.location for i in sink.issues]
        assert 4 == len(messages) + sum(i.lines for i in sink.issues)


class TestThreads:
    def export(self, root: Path) -> Path:
        inbox = root / "your_facebook_activity" / "messages" / "inbox"
        write(
            inbox / "kitapkulubu_123" / "message_1.json",
            thread(entry("Bob", 30, content="newest"), entry("Bob", 20, content="middle")),
        )
        write(
            inbox / "kitapkulubu_123" / "message_2.json",
            thread(entry("Bob", 10, content="oldest")),
        )
        write(
            inbox / "ada_456" / "message_1.json",
            thread(entry("Ada", 5, content="selam"), title="Ada Lovelace"),
        )
        (inbox / "ada_456" / "photos").mkdir()
        (inbox / "ada_456" / "photos" / "p.jpg").write_bytes(b"\xff\xd8")
        return root

    def test_parts_read_oldest_first(self, tmp_path: Path) -> None:
        """message_2.json (older) is read before message_1.json, thread by thread."""
        root = self.export(tmp_path / "export")

        messages, _ = read(root)

        assert ["selam", "oldest", "middle", "newest"] == [m.text for m in messages]
        assert "your_facebook_activity/messages/inbox/kitapkulubu_123/3" == messages[-1].id

    @pytest.mark.parametrize("selector", ["kitapkulubu_123", "Kitap kulübü"])
    def test_select_thread(self, tmp_path: Path, selector: str) -> None:
        """A thread is selected by its folder name or its (repaired) title."""
        root = self.export(tmp_path / "export")

        messages, _ = read(root, chats=[selector])

        assert ["oldest", "middle", "newest"] == [m.text for m in messages]

    def test_unknown_thread(self, tmp_path: Path) -> None:
        """Selecting a thread that is not there lists those that are."""
        root = self.export(tmp_path / "export")

        with pytest.raises(ParseError, match="ada_456"):
            read(root, chats="nobody")

    def test_zip_detected_as_messenger(self, tmp_path: Path) -> None:
        """A zipped Facebook export is detected as Messenger and read as the folder."""
        root = self.export(tmp_path / "export")
        archive = tmp_path / "facebook-zeynep-2024.zip"
        with zipfile.ZipFile(archive, "w") as out:
            for file in sorted(root.rglob("*")):
                if file.is_file():
                    out.write(file, file.relative_to(root).as_posix())

        assert "messenger" == ParserRegistry.default().detect(Source(path=archive)).name
        assert ["selam", "oldest", "middle", "newest"] == [m.text for m in parse(archive)]

    def test_instagram_folder_detected(self, tmp_path: Path) -> None:
        """An Instagram export folder is detected as Instagram."""
        inbox = tmp_path / "your_instagram_activity" / "messages" / "inbox" / "ada_1"
        write(inbox / "message_1.json", thread(entry("Ada", 1, content="hey")))

        assert "instagram" == ParserRegistry.default().detect(Source(path=tmp_path)).name
        assert isinstance(InstagramParser(), MessengerParser)

    def test_chat_is_the_thread_folder(self, tmp_path: Path) -> None:
        """Each message of a whole export carries its thread's folder as its chat."""
        root = self.export(tmp_path / "export")

        messages, _ = read(root)

        inbox = "your_facebook_activity/messages/inbox"
        assert [f"{inbox}/ada_456"] + [f"{inbox}/kitapkulubu_123"] * 3 == [m.chat for m in messages]

    def test_sessions_never_span_two_threads(self, tmp_path: Path) -> None:
        """A whole export sessionizes although time starts again at each thread."""
        root = self.export(tmp_path / "export")
        inbox = root / "your_facebook_activity" / "messages" / "inbox"
        write(
            inbox / "zeki_789" / "message_1.json",
            thread(entry("Zeki", 1, content="merhaba"), title="Zeki"),
        )

        sessions = list(Sessionizer()(parse(root)))

        assert [["selam"], ["oldest", "middle", "newest"], ["merhaba"]] == [
            [m.text for m in s.messages] for s in sessions
        ]
        assert [1, 1, 1] == [len({m.chat for m in s.messages}) for s in sessions]

    def test_single_thread_chat_is_its_thread_path(self, tmp_path: Path) -> None:
        """A single thread folder takes its chat from the file's thread_path."""
        root = self.export(tmp_path / "export")
        folder = next(root.rglob("kitapkulubu_123"))

        messages, _ = read(folder)

        assert {"inbox/kitapkulubu_123"} == {m.chat for m in messages}
        assert ["1", "2", "3"] == [m.id for m in messages]

    def test_single_part_warns_about_siblings(self, tmp_path: Path) -> None:
        """Reading one part of a split thread warns that other parts exist."""
        root = self.export(tmp_path / "export")
        part = next(root.rglob("kitapkulubu_123/message_1.json"))

        messages, sink = read(part)

        assert 2 == len(messages)
        assert [(Severity.WARNING, 0)] == [(i.severity, i.lines) for i in sink.issues]


class TestBadInput:
    @pytest.mark.parametrize(
        ("content", "match"),
        [
            (b"", "empty file"),
            (b"\x00\x01\x02\x03" * 20, "binary"),
            (b'{"messages": [{"sender_name": "a", "timestamp_ms": 1', "message_<n>"),
            (b'{"participants": []}', "participants"),
            (b"[1, 2]", "list"),
        ],
    )
    def test_clear_errors(self, tmp_path: Path, content: bytes, match: str) -> None:
        """Empty, binary, truncated and wrongly shaped files are clear errors."""
        path = tmp_path / "message_1.json"
        path.write_bytes(content)

        with pytest.raises(ParseError, match=match):
            read(path)

    def test_e2ee_export_is_explained(self, tmp_path: Path) -> None:
        """The end-to-end encrypted export shape is detected and explained."""
        item = {"senderName": "Ada", "timestamp": BASE_MS, "text": "hi"}
        path = write(tmp_path / "message_1.json", {"participants": ["Ada"], "messages": [item]})

        with pytest.raises(ParseError, match="end-to-end encrypted"):
            list(parse(path))

    def test_zip_without_threads(self, tmp_path: Path) -> None:
        """A zip without message_<n>.json is a clear error when Messenger is forced."""
        archive = tmp_path / "x.zip"
        with zipfile.ZipFile(archive, "w") as out:
            out.writestr("readme.txt", "hello")

        with pytest.raises(ParseError, match=r"no message_<n>\.json"):
            read(archive)


def render(messages: list[Message]) -> dict[str, Any]:
    """Write *messages* as a Messenger thread file, newest first, in mojibake."""
    records: list[dict[str, Any]] = []
    for message in reversed(messages):
        item: dict[str, Any] = {
            "sender_name": mojibake(message.author.name if message.author else "Meta"),
            "timestamp_ms": int(message.sent_at.timestamp() * 1000),
        }
        if message.kind is MessageKind.SYSTEM:
            item.update(type="Call", content=mojibake(message.text))
        elif message.kind is MessageKind.DELETED:
            item["is_unsent"] = True
        elif message.kind is MessageKind.MEDIA:
            item["photos"] = [{"uri": "photos/IMG-0001.jpg", "creation_timestamp": 1}]
        else:
            item["content"] = mojibake(message.text)
        records.append(item)
    return {"participants": [], "messages": records}


def expected_view(message: Message) -> tuple[Any, ...]:
    text = "" if message.kind in (MessageKind.DELETED, MessageKind.MEDIA) else message.text
    return (
        int(message.sent_at.timestamp() * 1000),
        message.author.name if message.author else None,
        text,
        message.kind,
    )


def parsed_view(message: Message) -> tuple[Any, ...]:
    return (
        int(message.sent_at.timestamp() * 1000),
        message.author.name if message.author else None,
        message.text,
        message.kind,
    )


class TestRoundTrip:
    @given(chats())
    def test_generated_chats_round_trip(
        self, tmp_path_factory: pytest.TempPathFactory, messages: list[Message]
    ) -> None:
        """A chat written as a mojibake Messenger file parses back, in order."""
        path = write(tmp_path_factory.mktemp("fb") / "message_1.json", render(messages))
        sink = CollectingIssueSink()

        parsed = list(parse(path, format="messenger", issues=sink))

        assert [expected_view(m) for m in messages] == [parsed_view(m) for m in parsed]
        assert [] == sink.issues

    @given(st.text())
    def test_unmojibake_inverts_mojibake(self, text: str) -> None:
        """Any text that survives UTF-8 comes back from its mojibake unchanged."""
        try:
            stored = mojibake(text)
        except UnicodeEncodeError:
            return  # lone surrogates cannot be exported at all

        assert text == unmojibake(stored)

    @given(
        chats(),
        st.lists(
            st.sampled_from(
                ["junk", {"sender_name": "A"}, {"timestamp_ms": "soon", "content": "x"}]
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
        document = render(messages)
        for item in junk:
            document["messages"].insert(rng.randint(0, len(document["messages"])), item)
        path = write(tmp_path_factory.mktemp("fb") / "message_1.json", document)
        sink = CollectingIssueSink()

        parsed = list(parse(path, format="messenger", issues=sink))

        assert len(document["messages"]) == len(parsed) + sum(i.lines for i in sink.issues)
        assert len(messages) == len(parsed)


class TestHtmlExport:
    def test_html_export_is_explained(self, tmp_path: Path) -> None:
        """An HTML Messenger export is detected and refused with what to do instead."""
        thread_folder = tmp_path / "messages" / "inbox" / "ada_1"
        thread_folder.mkdir(parents=True)
        (thread_folder / "message_1.html").write_text("<html></html>", encoding="utf-8")

        with pytest.raises(ParseError, match="format JSON"):
            list(parse(tmp_path))


class TestNoDeepTracebacks:
    @given(EXPORT_JSON)
    def test_any_json_is_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, value: Any
    ) -> None:
        """Any JSON document either parses or raises ParseError, never another error."""
        path = write(tmp_path_factory.mktemp("fuzz") / "message_1.json", value)

        with contextlib.suppress(ParseError):
            list(parse(path, format="messenger", issues=CollectingIssueSink()))

    @given(st.binary(max_size=200))
    def test_any_bytes_are_parsed_or_refused_clearly(
        self, tmp_path_factory: pytest.TempPathFactory, raw: bytes
    ) -> None:
        """Any bytes either parse or raise ParseError, never another error."""
        path = tmp_path_factory.mktemp("fuzz") / "message_1.json"
        path.write_bytes(raw)

        with contextlib.suppress(ParseError):
            list(parse(path, format="messenger", issues=CollectingIssueSink()))
