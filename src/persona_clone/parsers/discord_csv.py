"""`DiscordCsvParser`: DiscordChatExporter's CSV exports, streamed row by row."""

from __future__ import annotations

import csv
import heapq
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import ClassVar, Final

from attrs import field, frozen
from attrs.validators import in_

from persona_clone.errors import ParseError
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
)
from persona_clone.parsers._discord import SYSTEM_TEXT, channel_of, parse_timestamp, part_number
from persona_clone.parsers._ordering import ORDERS, Order, chronological, late_reporter
from persona_clone.parsers.base import ParseContext
from persona_clone.parsers.source import Sample, Source


__all__ = ["HEADER", "DiscordCsvParser"]

HEADER: Final = ("AuthorID", "Author", "Date", "Content", "Attachments", "Reactions")
"""The header row DiscordChatExporter writes."""

_HEADER_LINE: Final = ",".join(HEADER)
_SHAPE: Final = f"a DiscordChatExporter CSV export (header {_HEADER_LINE})"
_URL_SPLIT: Final = re.compile(r",(?=[A-Za-z][A-Za-z0-9+.-]*://)")


def _looks_like_export(text: str) -> float:
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    if first == _HEADER_LINE:
        return 0.95
    if first.replace('"', "") == _HEADER_LINE:
        return 0.9
    return 0.0


def _attachments(field_text: str) -> tuple[Attachment, ...]:
    if not field_text:
        return ()
    urls = _URL_SPLIT.split(field_text) if "://" in field_text else field_text.split(",")
    return tuple(
        Attachment(name=PurePosixPath(url.split("?")[0]).name or url, url=url)
        for url in urls
        if url
    )


@frozen(kw_only=True)
class DiscordCsvParser:
    """
    Read DiscordChatExporter CSV exports (``-f Csv``).

    The CSV has no message ids, types, nicknames or replies: a message's id is its
    record number in the file (``"1"``, ``"2"``, ...; ``"<file>#<n>"`` when a
    folder or zip holds several files), its author is the ``Author`` column
    (``name`` or legacy ``name#1234``) with ``AuthorID`` as participant id, and
    ``Attachments`` (URLs) become `Attachment`s, making the message media.
    ``Reactions`` are ignored.

    The CSV holds no channel id either, so `Message.chat` comes from the file
    name: DiscordChatExporter names files ``Guild - Category - channel [id].csv``,
    and the id in brackets is the chat (a thread's own id for a thread export);
    a file named otherwise has its name without the `` [part n]`` suffix and the
    extension (``"exports/general"``) as chat. The parts of one channel in a
    folder or zip are merged into one chronological stream; channels come one
    after another in the order of their file names, so
    `persona_clone.Sessionizer` starts a new session at each.

    Args:
        detect_system: Read rows whose whole content is one of the English texts
            DiscordChatExporter writes for system notifications (``Joined the
            server.``, ``Pinned a message.``, ...) as system messages. A user who
            typed exactly such a sentence cannot be told apart; pass False to keep
            every row a user message.
        order: How each file is stored (see `DiscordJsonParser`).

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "discord-csv"
    carries_replies: ClassVar[bool] = False
    """The format has no reply links: no message carries ``reply_to``."""

    detect_system: bool = True
    order: Order = field(default="auto", validator=in_(ORDERS))

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: 0.95 when it starts with DiscordChatExporter's CSV header."""
        if not sample.is_container:
            return _looks_like_export(sample.text())
        best = max(
            (
                _looks_like_export(sample.text(member))
                for member in sample.heads
                if member.lower().endswith(".csv")
            ),
            default=0.0,
        )
        return best * 0.95

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the messages of the CSV export at *source*, channel by channel, oldest first.

        *source* is a file, or a folder or zip of CSV files.

        Raises:
            ParseError: the input is not such a CSV export, or (strict mode) the
                first unreadable row.
        """
        if source.is_dir or source.is_zip:
            members = sorted(
                (m for m in source.members() if m.lower().endswith(".csv")),
                key=lambda m: (re.sub(r" \[part \d+\]", "", m), part_number(m)),
            )
            if not members:
                raise ParseError(source.display(), _SHAPE, "no .csv file inside")
            channels: dict[str, list[str]] = {}
            for member in members:
                channels.setdefault(channel_of(member), []).append(member)
            for chat, files in channels.items():
                streams = [
                    self._file(source, member, context, prefix=f"{member}#", chat=chat)
                    for member in files
                ]
                yield from heapq.merge(*streams, key=lambda message: message.sent_at)
        else:
            yield from self._file(source, "", context, prefix="", chat=channel_of(source.name))

    def _file(
        self, source: Source, member: str, context: ParseContext, *, prefix: str, chat: str
    ) -> Iterator[Message]:
        where = source.display(member)
        with source.open_text(member) as handle:
            try:
                first = handle.readline()
            except UnicodeDecodeError as error:
                raise ParseError(where, _SHAPE, f"undecodable bytes ({error.reason})") from None
            if first.rstrip("\n").replace('"', "") != _HEADER_LINE:
                raise ParseError(where, _SHAPE, first[:60] if first else "an empty file")
            rows = self._rows(handle, where, context, prefix, chat)
            yield from chronological(rows, order=self.order, late=late_reporter(context, "rows"))

    def _rows(
        self, handle: Iterator[str], where: str, context: ParseContext, prefix: str, chat: str
    ) -> Iterator[Message]:
        reader = csv.reader(handle, strict=True)
        authors: dict[tuple[str, str], Participant] = {}
        line = 2  # the header is line 1
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                context.report(f"{where}:{line}", "a well-formed CSV row", str(error))
                line = reader.line_num + 2
                continue
            start, line = line, reader.line_num + 2
            if not row:
                continue
            number += 1
            if len(row) != len(HEADER):
                context.report(
                    f"{where}:{start}",
                    f"{len(HEADER)} columns ({_HEADER_LINE})",
                    f"{len(row)} columns: {','.join(row)}",
                )
                continue
            author_id, author_name, date, content, files, _reactions = row
            sent_at = parse_timestamp(date)
            if sent_at is None:
                context.report(f"{where}:{start}", "an ISO 8601 time with offset in Date", date)
                continue
            if "\r" in content:
                content = content.replace("\r\n", "\n").replace("\r", "\n")
            source = SourceRef(file=where, line=start)
            message_id = f"{prefix}{number}"
            if self.detect_system and not files and SYSTEM_TEXT.fullmatch(content):
                yield Message(
                    id=message_id,
                    sent_at=sent_at,
                    author=None,
                    text=content,
                    kind=MessageKind.SYSTEM,
                    source=source,
                    chat=chat,
                )
                continue
            key = (author_id, author_name)
            author = authors.get(key)
            if author is None:
                author = authors[key] = Participant(
                    id=author_id or author_name, name=author_name or author_id
                )
            attachments = _attachments(files)
            yield Message(
                id=message_id,
                sent_at=sent_at,
                author=author,
                text=content,
                kind=MessageKind.MEDIA if attachments else MessageKind.TEXT,
                attachments=attachments,  # attrs converter=tuple
                source=source,
                chat=chat,
            )
