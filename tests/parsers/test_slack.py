"""Tests for `persona_clone.parsers.slack`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pendulum
import pytest

from persona_clone import (
    CollectingIssueSink,
    Message,
    MessageKind,
    ParseContext,
    ParseError,
    Participant,
    Sessionizer,
    Severity,
    SlackParser,
    Source,
    parse,
)


USERS = [
    {
        "id": "U07LENA01",
        "name": "lena",
        "real_name": "Lena Ak",
        "profile": {"real_name": "Lena Ak"},
    },
    {"id": "U07OMAR01", "name": "omar", "profile": {"real_name": "Omar Şahin"}},
    {"id": "U07ZED001", "name": "zed", "deleted": True, "profile": {}},
]
CHANNELS = [{"id": "C01GENERAL", "name": "general", "members": ["U07LENA01", "U07OMAR01"]}]

EXAMPLE = [
    {
        "type": "message",
        "subtype": "channel_join",
        "ts": "1714982400.000100",
        "user": "U07LENA01",
        "text": "<@U07LENA01> has joined the channel",
    },
    {
        "type": "message",
        "user": "U07OMAR01",
        "ts": "1714982460.000200",
        "text": "Welcome <@U07LENA01>! Q&amp;A is on Friday",
        "thread_ts": "1714982460.000200",
        "reply_count": 1,
        "reply_users": ["U07LENA01"],
        "latest_reply": "1714982520.000300",
    },
    {
        "type": "message",
        "user": "U07LENA01",
        "ts": "1714982520.000300",
        "text": "thanks :wave:",
        "thread_ts": "1714982460.000200",
        "parent_user_id": "U07OMAR01",
    },
]


def build(
    root: Path,
    days: dict[str, Any],
    *,
    users: list[dict[str, Any]] | None = None,
    channels: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write an export folder: {"general/2024-05-06.json": [...]}."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, Any] = {
        "users.json": USERS if users is None else users,
        "channels.json": CHANNELS if channels is None else channels,
    }
    files.update(extra or {})
    files.update(days)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return root


def zipped(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, prefix + path.relative_to(folder).as_posix())
    return archive


def read(
    path: Path, parser: SlackParser | None = None
) -> tuple[list[Message], CollectingIssueSink]:
    sink = CollectingIssueSink()
    found = list((parser or SlackParser()).parse(Source(path=path), ParseContext(issues=sink)))
    return found, sink


class TestPeerSample:
    def test_expected_counts(self, peers: Path) -> None:
        """The peer archive, auto-detected, gives the expected counts and authors."""
        expected = next(
            e
            for e in json.loads((peers / "expected.json").read_text(encoding="utf-8"))
            if e["path"].startswith("slack")
        )
        sink = CollectingIssueSink()
        found = list(parse(peers / expected["path"], issues=sink))
        users = [m for m in found if not m.is_system]

        assert expected["user_messages"] == len(users)
        assert expected["system_events"] == len(found) - len(users)
        assert sorted(expected["authors"]) == sorted({m.author.name for m in users if m.author})
        assert expected["replies"] == sum(1 for m in found if m.reply_to)
        assert (expected["first"]["author"], expected["first"]["text"]) == (
            users[0].author.name if users[0].author else None,
            users[0].text,
        )
        assert (expected["last"]["author"], MessageKind.MEDIA) == (
            users[-1].author.name if users[-1].author else None,
            users[-1].kind,
        )
        assert [] == sink.issues
        chats = {m.chat for m in found}
        assert {"C0JGLMMNX", "C0JL6CGQ2"} == chats
        for chat in chats:
            times = [m.sent_at for m in found if m.chat == chat]
            assert sorted(times) == times
        assert len(found) == len({m.id for m in found})

    def test_channels_one_after_another(self, peers: Path) -> None:
        """The peer archive's two channels come whole, one after the other, by name."""
        found = list(parse(peers / "slack-export-viewer" / "testarchive.zip"))
        runs = [
            chat
            for index, chat in enumerate(m.chat for m in found)
            if index == 0 or chat != found[index - 1].chat
        ]

        assert ["C0JGLMMNX", "C0JL6CGQ2"] == runs

    def test_file_comment_author(self, peers: Path) -> None:
        """A file comment is a text message by the commenter."""
        found = list(parse(peers / "slack-export-viewer" / "testarchive.zip"))
        comments = [m for m in found if m.text.startswith("<@U0BMS113R> commented")]

        assert [("Hermione Granger", MessageKind.TEXT)] == [
            (m.author.name if m.author else None, m.kind) for m in comments
        ]


class TestExample:
    def test_reference_example(self, tmp_path: Path) -> None:
        """The reference example: a join, a thread parent (no reply) and its reply."""
        found, sink = read(build(tmp_path / "e", {"general/2024-05-06.json": EXAMPLE}))

        assert [
            ("C01GENERAL/1714982400.000100", None, MessageKind.SYSTEM, None),
            ("C01GENERAL/1714982460.000200", "Omar Şahin", MessageKind.TEXT, None),
            (
                "C01GENERAL/1714982520.000300",
                "Lena Ak",
                MessageKind.TEXT,
                "C01GENERAL/1714982460.000200",
            ),
        ] == [(m.id, m.author.name if m.author else None, m.kind, m.reply_to) for m in found]
        assert "Welcome <@U07LENA01>! Q&amp;A is on Friday" == found[1].text
        assert pendulum.datetime(2024, 5, 6, 8, 1, 0, 200, tz="UTC") == found[1].sent_at
        assert [] == sink.issues

    def test_zip_with_enclosing_folder(self, tmp_path: Path) -> None:
        """A zip whose files sit in one enclosing folder is read and detected."""
        archive = zipped(
            build(tmp_path / "e", {"general/2024-05-06.json": EXAMPLE}),
            tmp_path / "w.zip",
            "Acme Slack export/",
        )

        assert 3 == len(list(parse(archive)))

    def test_render_mentions(self, tmp_path: Path) -> None:
        """render_mentions replaces <@U…> with @ and the user's name."""
        found, _ = read(
            build(tmp_path / "e", {"general/2024-05-06.json": EXAMPLE}),
            SlackParser(render_mentions=True),
        )

        assert "Welcome @Lena Ak! Q&amp;A is on Friday" == found[1].text


class TestSubtypes:
    @pytest.mark.parametrize(
        "subtype",
        [
            "channel_join",
            "channel_leave",
            "channel_topic",
            "channel_purpose",
            "channel_name",
            "channel_archive",
            "pinned_item",
            "bot_add",
            "group_join",
            "tombstone",
        ],
    )
    def test_system_subtypes(self, tmp_path: Path, subtype: str) -> None:
        """Join, leave, topic, rename, archive, pin and similar are system events."""
        day = [
            {
                "type": "message",
                "subtype": subtype,
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "event",
            }
        ]
        found, _ = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [(None, MessageKind.SYSTEM)] == [(m.author, m.kind) for m in found]

    def test_user_subtypes(self, tmp_path: Path) -> None:
        """/me messages, thread broadcasts and named bot posts are user messages."""
        day = [
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "parent",
                "thread_ts": "1714982400.000100",
            },
            {
                "type": "message",
                "subtype": "me_message",
                "user": "U07LENA01",
                "ts": "1714982401.000100",
                "text": "waves",
            },
            {
                "type": "message",
                "subtype": "thread_broadcast",
                "user": "U07OMAR01",
                "ts": "1714982402.000100",
                "text": "also here",
                "thread_ts": "1714982400.000100",
            },
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "B01",
                "username": "deploybot",
                "ts": "1714982403.000100",
                "text": "deployed",
            },
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "B02",
                "bot_profile": {"name": "GitHub"},
                "ts": "1714982404.000100",
                "text": "PR",
            },
            {
                "type": "message",
                "subtype": "bot_message",
                "bot_id": "B03",
                "ts": "1714982405.000100",
                "text": "",
                "attachments": [{"text": "card"}],
            },
        ]
        found, sink = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [
            ("Lena Ak", None),
            ("Lena Ak", None),
            ("Omar Şahin", "C01GENERAL/1714982400.000100"),
            ("deploybot", None),
            ("GitHub", None),
            (None, None),
        ] == [(m.author.name if m.author else None, m.reply_to) for m in found]
        assert [] == sink.issues

    def test_files_are_media(self, tmp_path: Path) -> None:
        """Files without words are media; hidden files have no URL."""
        day = [
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "",
                "files": [
                    {
                        "id": "F1",
                        "name": "plan.pdf",
                        "mimetype": "application/pdf",
                        "size": 2048,
                        "url_private": "https://files.slack.com/plan.pdf",
                    },
                    {"id": "F2", "mode": "hidden_by_limit"},
                ],
            },
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982401.000100",
                "text": "see this",
                "files": [{"id": "F3", "name": "a.png"}],
            },
        ]
        found, _ = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [MessageKind.MEDIA, MessageKind.TEXT] == [m.kind for m in found]
        assert [
            ("plan.pdf", "https://files.slack.com/plan.pdf", "application/pdf", 2048),
            ("F2", None, None, None),
        ] == [(a.name, a.url, a.content_type, a.size) for a in found[0].attachments]

    def test_edited(self, tmp_path: Path) -> None:
        """The edited object sets the edited flag."""
        day = [
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "fixed",
                "edited": {"user": "U07LENA01", "ts": "1714982500.000000"},
            }
        ]
        found, _ = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [True] == [m.edited for m in found]

    def test_live_events_are_reported(self, tmp_path: Path) -> None:
        """message_changed and message_deleted records are reported, not kept."""
        day = [
            {
                "type": "message",
                "subtype": "message_changed",
                "ts": "1714982400.000100",
                "message": {},
            },
            {
                "type": "message",
                "subtype": "message_deleted",
                "ts": "1714982401.000100",
            },
        ]
        found, sink = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [] == found
        assert 2 == len(sink.errors)

    def test_unknown_subtype_is_warned(self, tmp_path: Path) -> None:
        """An unknown subtype with an author is a user message, with a warning."""
        day = [
            {
                "type": "message",
                "subtype": "brand_new",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "x",
            }
        ]
        found, sink = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [MessageKind.TEXT] == [m.kind for m in found]
        assert [Severity.WARNING] == [i.severity for i in sink.issues]


class TestAuthors:
    def test_name_fallbacks(self, tmp_path: Path) -> None:
        """real_name, profile.real_name, the handle, user_profile, then the raw id."""
        day = [
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "a",
            },
            {
                "type": "message",
                "user": "U07OMAR01",
                "ts": "1714982401.000100",
                "text": "b",
            },
            {
                "type": "message",
                "user": "U07ZED001",
                "ts": "1714982402.000100",
                "text": "c",
            },
            {
                "type": "message",
                "user": "U09GUEST1",
                "ts": "1714982403.000100",
                "text": "d",
                "user_profile": {"real_name": "Guest Gül"},
            },
            {
                "type": "message",
                "user": "U09GHOST1",
                "ts": "1714982404.000100",
                "text": "e",
            },
        ]
        found, _ = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert [
            Participant(id="U07LENA01", name="Lena Ak"),
            Participant(id="U07OMAR01", name="Omar Şahin"),
            Participant(id="U07ZED001", name="zed"),
            Participant(id="U09GUEST1", name="Guest Gül"),
            Participant(id="U09GHOST1", name="U09GHOST1"),
        ] == [m.author for m in found]

    def test_org_users(self, tmp_path: Path) -> None:
        """An Enterprise Grid export with org_users.json instead of users.json works."""
        folder = build(
            tmp_path / "e",
            {"general/2024-05-06.json": EXAMPLE[1:2]},
            extra={"org_users.json": USERS},
        )
        (folder / "users.json").unlink()
        found, _ = read(folder)

        assert ["Omar Şahin"] == [m.author.name for m in found if m.author]


class TestConversations:
    def _workspace(self, root: Path) -> Path:
        return build(
            root,
            {
                "general/2024-05-06.json": [
                    {
                        "type": "message",
                        "user": "U07LENA01",
                        "ts": "1714982400.000100",
                        "text": "g1",
                    }
                ],
                "general/2024-05-07.json": [
                    {
                        "type": "message",
                        "user": "U07LENA01",
                        "ts": "1715068800.000100",
                        "text": "g3",
                    }
                ],
                "secret/2024-05-06.json": [
                    {
                        "type": "message",
                        "user": "U07OMAR01",
                        "ts": "1714982500.000100",
                        "text": "s1",
                    }
                ],
                "D0DM01/2024-05-06.json": [
                    {
                        "type": "message",
                        "user": "U07OMAR01",
                        "ts": "1714982600.000100",
                        "text": "d1",
                    }
                ],
                "mpdm-lena--omar-1/2024-05-06.json": [
                    {
                        "type": "message",
                        "user": "U07OMAR01",
                        "ts": "1714982700.000100",
                        "text": "m1",
                    }
                ],
                "stray/2024-05-06.json": [
                    {
                        "type": "message",
                        "user": "U07OMAR01",
                        "ts": "1714982800.000100",
                        "text": "x1",
                    }
                ],
            },
            extra={
                "groups.json": [{"id": "G0SECRET", "name": "secret"}],
                "dms.json": [{"id": "D0DM01", "members": ["U07LENA01", "U07OMAR01"]}],
                "mpims.json": [{"id": "G0MPIM", "name": "mpdm-lena--omar-1"}],
                "integration_logs.json": {"logs": []},
            },
        )

    def test_conversations_one_after_another(self, tmp_path: Path) -> None:
        """Channels, groups, DMs, group DMs and unlisted folders come whole, by name."""
        found, _ = read(self._workspace(tmp_path / "w"))

        assert ["d1", "g1", "g3", "m1", "s1", "x1"] == [m.text for m in found]
        assert [
            "D0DM01",
            "C01GENERAL",
            "C01GENERAL",
            "G0MPIM",
            "G0SECRET",
            "stray",
        ] == [m.chat for m in found]
        assert [m.chat for m in found] == [m.id.split("/")[0] for m in found]

    def test_sessions_never_span_two_conversations(self, tmp_path: Path) -> None:
        """The workspace sessionizes although time starts again at each conversation."""
        sessions = list(Sessionizer()(parse(self._workspace(tmp_path / "w"))))

        assert [["d1"], ["g1"], ["g3"], ["m1"], ["s1"], ["x1"]] == [
            [m.text for m in s.messages] for s in sessions
        ]
        assert all(len({m.chat for m in s.messages}) == 1 for s in sessions)

    def test_choose_channels(self, tmp_path: Path) -> None:
        """channels= keeps only the named (or id-given) conversations."""
        found, _ = read(
            self._workspace(tmp_path / "w"), SlackParser(channels=["general", "D0DM01"])
        )

        assert ["d1", "g1", "g3"] == [m.text for m in found]

    def test_unknown_channel(self, tmp_path: Path) -> None:
        """Asking for a conversation that is not there names the ones that are."""
        with pytest.raises(ParseError, match=r"random.*available: D0DM01, general"):
            read(self._workspace(tmp_path / "w"), SlackParser(channels=["random"]))

    def test_unsorted_day_file(self, tmp_path: Path) -> None:
        """Messages of a day file are sorted by ts."""
        day = [
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982401.000100",
                "text": "2",
            },
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "1",
            },
        ]
        found, _ = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert ["1", "2"] == [m.text for m in found]


class TestBadInput:
    def test_not_an_export(self, tmp_path: Path) -> None:
        """A folder without users.json or channels.json raises ParseError."""
        (tmp_path / "x").mkdir()
        (tmp_path / "x" / "a.json").write_text("[]")

        with pytest.raises(ParseError, match="a Slack workspace export"):
            read(tmp_path / "x")

    def test_bad_records_are_located(self, tmp_path: Path) -> None:
        """Records without a ts or not objects are issues with their JSON path."""
        day: list[Any] = [
            {"type": "message", "user": "U07LENA01", "text": "no ts"},
            "text",
            {
                "type": "message",
                "user": "U07LENA01",
                "ts": "1714982400.000100",
                "text": "ok",
            },
        ]
        found, sink = read(build(tmp_path / "e", {"general/2024-05-06.json": day}))

        assert ["ok"] == [m.text for m in found]
        assert [
            "e/general/2024-05-06.json $[0].ts",
            "e/general/2024-05-06.json $[1]",
        ] == [i.location for i in sink.errors]
        assert 3 == len(found) + len(sink.errors)

    def test_broken_day_file(self, tmp_path: Path) -> None:
        """A day file that is not JSON is one issue; other days still parse."""
        folder = build(tmp_path / "e", {"general/2024-05-06.json": EXAMPLE})
        (folder / "general" / "2024-05-07.json").write_text('[{"type": "mess')
        found, sink = read(folder)

        assert 3 == len(found)
        assert ["e/general/2024-05-07.json"] == [i.location for i in sink.errors]

    def test_lists_of_another_shape(self, tmp_path: Path) -> None:
        """A users.json or channels.json that is no array is reported; days parse."""
        folder = build(
            tmp_path / "e",
            {"general/2024-05-06.json": EXAMPLE},
            users={"members": []},  # type: ignore[arg-type]
            channels={"channels": []},  # type: ignore[arg-type]
        )
        found, sink = read(folder)

        assert 3 == len(found)
        assert ["e/users.json", "e/channels.json"] == [i.location for i in sink.errors]

    def test_not_sniffed_as_plain_file(self, tmp_path: Path) -> None:
        """A single day file is not a workspace export."""
        path = tmp_path / "2024-05-06.json"
        path.write_text(json.dumps(EXAMPLE))

        assert 0.0 == SlackParser().sniff(Source(path=path).sample())
