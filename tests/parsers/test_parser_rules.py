"""Every built-in parser keeps the rules `persona_clone.testing.check_parser` checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from persona_clone import ParserRegistry
from persona_clone.parsers.interchange_format import write_jsonl
from persona_clone.testing import check_parser, make_message, make_participant


PEER_SAMPLES = [
    ("whatsapp", "chat-miner/whatsapp/test_ddmmyy_24hrs.txt"),
    ("whatsapp", "chat-miner/whatsapp/test_mmddyy_24hrs.txt"),
    ("whatsapp", "chat-miner/whatsapp/test_yyyymmdd_24hrs.txt"),
    ("signal", "chat-miner/signal/test_export.txt"),
    ("telegram", "chat-miner/telegram/test_single_export.json"),
    ("telegram", "telegram-chat-parser/bot.json"),
    ("telegram", "telegram-chat-parser/private_channel.json"),
    ("telegram", "telegram-chat-parser/private_group.json"),
    ("instagram", "chat-miner/instagram/test_export.json"),
    ("slack", "slack-export-viewer/testarchive.zip"),
]


class TestPeerSamples:
    @pytest.mark.parametrize(("name", "sample"), PEER_SAMPLES, ids=[s for _, s in PEER_SAMPLES])
    def test_builtin_parser_keeps_the_rules(self, peers: Path, name: str, sample: str) -> None:
        """The built-in parser passes check_parser on another project's real sample."""
        parser = ParserRegistry.default().get(name)

        messages = check_parser(parser, peers / sample, tz="Europe/Istanbul")

        assert messages


def _discord_json(tmp_path: Path) -> Path:
    author = {"id": "7", "name": "ada", "nickname": "Ada"}
    records = [
        {"id": "11", "type": "Default", "timestamp": "2024-03-01T10:00:00+00:00",
         "content": "selam\nnasılsın", "author": author},
        {"id": "12", "type": "GuildMemberJoin", "timestamp": "2024-03-01T10:01:00+00:00",
         "content": "Joined the server.", "author": author},
        {"id": "13", "type": "Default", "timestamp": "soon", "content": "x", "author": author},
        {"id": "14", "type": "Reply", "timestamp": "2024-03-01T10:02:00+00:00",
         "content": "iyi", "author": author, "reference": {"messageId": "11"}},
    ]  # fmt: skip
    path = tmp_path / "Hall - general [9].json"
    document = {"guild": {"id": "1"}, "channel": {"id": "9"}, "messages": records}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _discord_csv(tmp_path: Path) -> Path:
    path = tmp_path / "general.csv"
    path.write_text(
        "AuthorID,Author,Date,Content,Attachments,Reactions\n"
        '"7","ada","2024-03-01T10:00:00+03:00","selam\nnasılsın","",""\n'
        '"8","bob","2024-03-01T10:01:00+03:00","merhaba","",""\n',
        encoding="utf-8",
    )
    return path


def _imessage(tmp_path: Path) -> Path:
    path = tmp_path / "Ayşe.txt"
    path.write_text(
        "May 06, 2024  9:15:02 AM\nMe\nGünaydın!\n\n"
        "May 06, 2024  9:16:40 AM (Read by you after 1 minute, 38 seconds)\nAyşe\nİki\nsatır\n\n"
        "May 06, 2024  9:20:00 AM Ayşe renamed the conversation to Cumartesi\n\n"
        "May 06, 2024 10:06:00 AM\nMe\n/Users/me/Attachments/IMG_1.HEIC\n\n",
        encoding="utf-8",
    )
    return path


def _interchange(tmp_path: Path) -> Path:
    path = tmp_path / "chat.jsonl"
    ada, bob = make_participant("Ada"), make_participant("Bob")
    write_jsonl(
        [make_message(id="1", author=ada, text="selam"), make_message(id="2", author=bob)], path
    )
    return path


OWN_SAMPLES = {
    "discord-json": (_discord_json, 0),
    "imessage": (_imessage, 0),
    "discord-csv": (_discord_csv, 1),  # the header row
    "persona-clone-jsonl": (_interchange, 1),  # the header record
}


class TestOwnSamples:
    @pytest.mark.parametrize("name", sorted(OWN_SAMPLES))
    def test_builtin_parser_keeps_the_rules(self, tmp_path: Path, name: str) -> None:
        """The built-in parser passes check_parser on a sample with its format's quirks."""
        parser = ParserRegistry.default().get(name)

        write, preamble = OWN_SAMPLES[name]
        messages = check_parser(parser, write(tmp_path), preamble=preamble)

        assert messages

    def test_every_builtin_parser_is_checked(self) -> None:
        """No built-in format is left out of these checks."""
        checked = set(OWN_SAMPLES) | {name for name, _ in PEER_SAMPLES} | {"messenger"}

        assert set(ParserRegistry.default().names) <= checked
