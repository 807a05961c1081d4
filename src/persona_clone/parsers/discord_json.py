"""
`DiscordJsonParser`: DiscordChatExporter's JSON exports, streamed.

One file, a partitioned export (``… [part 2].json``, as a folder, a zip or
several paths), thread exports and ``--reverse`` exports all come out as
chronological streams of `Message`s, one channel (or thread) after another;
memory does not grow with the file.
"""

from __future__ import annotations

import array
import bisect
import functools
import heapq
import io
import mimetypes
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar, Final

from attrs import field, frozen
from attrs.validators import ge, in_

from persona_clone.errors import ParseError, excerpt
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
)
from persona_clone.parsers._discord import (
    SYSTEM_TYPES,
    USER_TYPES,
    channel_of,
    parse_timestamp,
    part_number,
)
from persona_clone.parsers._json_stream import (
    JsonInput,
    JsonStreamError,
    iter_array_items,
    top_level_keys,
)
from persona_clone.parsers._ordering import ORDERS, Order, chronological, late_reporter
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source, as_source


__all__ = ["DiscordJsonParser"]

_SHAPE: Final = (
    "a DiscordChatExporter JSON export (an object with 'guild', 'channel' and 'messages')"
)
_MARKERS: Final = frozenset({"guild", "channel", "messages"})
_COUNT: Final = re.compile(rb'"messageCount"\s*:\s*(\d+)\s*\}\s*$')
_STICKER_TYPES: Final = {
    "Png": "image/png",
    "Apng": "image/apng",
    "Gif": "image/gif",
    "Lottie": "application/json",
}
_REPLY_TYPES: Final = frozenset({"Default", "Reply", "0", "19"})
_RECENT: Final = 64
_DIGITS: Final = 20  # a snowflake fits an unsigned 64-bit integer
_SYSTEM: Final = MessageKind.SYSTEM
_MEDIA: Final = MessageKind.MEDIA
_TEXT: Final = MessageKind.TEXT


@functools.lru_cache(maxsize=1024)
def _content_type(name: str) -> str | None:
    return mimetypes.guess_type(name, strict=False)[0]


def _sort_members(members: Iterable[str]) -> list[str]:
    """Order files so that the parts of one export follow each other, part 1 first."""
    return sorted(members, key=_member_key)


def _member_key(name: str) -> tuple[str, int]:
    return (re.sub(r" \[part \d+\]", "", name), part_number(name))


def _looks_like_export(head: bytes) -> float:
    try:
        kind, keys, _ = top_level_keys(io.BytesIO(head))
    except JsonStreamError:
        return 0.0
    if kind != "map":
        return 0.0
    found = _MARKERS.intersection(keys)
    if found == _MARKERS:
        return 0.95
    if {"channel", "messages"} <= found:
        return 0.6
    return 0.0


@frozen(kw_only=True)
class DiscordJsonParser:
    """
    Read DiscordChatExporter JSON exports (``-f Json``).

    Each record becomes one `Message` with the Discord message id as its id;
    system notifications (joins, pins, calls, renames, thread creation, ...) are
    system messages without an author. The author is the member's nickname,
    falling back to the account name, with the user id as participant id.
    A reply's ``reference.messageId`` becomes `Message.reply_to`; attachments,
    stickers and embeds become `Attachment`s, and a message with attachments or
    stickers is media (its caption, if any, kept as text).

    The input may be one file, a folder or zip holding several (the parts of a
    partitioned export, or a channel and its threads), or several files given to
    `parse_files`. Every message's `Message.chat` is its channel's id (a thread
    export's channel is the thread: its id), read from the file's ``channel.id``
    (from the ``[id]`` in the file name, or the file name without part suffix,
    when that is missing). The files of one channel (the parts of a partitioned
    export) are merged into one chronological stream; channels and threads come
    one after another, in the order of their file names (parts suffix aside),
    so `persona_clone.Sessionizer` starts a new session at each.

    Args:
        order: How each file is stored. ``"auto"`` (default) compares the first
            two distinct timestamps: oldest-first files stream with constant
            memory; newest-first files (``--reverse``) are re-ordered by an
            external merge sort that holds at most *spill_at* messages in memory
            and keeps the rest in temporary files. ``"any"`` sorts files whose
            order is unknown the same way; ``"oldest-first"`` and
            ``"newest-first"`` skip the detection.
        spill_at: Most messages held in memory while re-ordering one file.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "discord-json"

    order: Order = field(default="auto", validator=in_(ORDERS))
    spill_at: int = field(default=100_000, validator=ge(1))

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: 0.95 for an object with guild, channel and messages keys."""
        if not sample.is_container:
            return _looks_like_export(sample.head)
        scores = [
            _looks_like_export(head)
            for member, head in sample.heads.items()
            if member.lower().endswith(".json")
        ]
        best = max(scores, default=0.0)
        return best * 0.95 if best else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the messages of the export at *source*, channel by channel, oldest first.

        *source* is a file, or a folder or zip of files (parts, threads).

        Raises:
            ParseError: the input holds no readable DiscordChatExporter export, or
                (strict mode) the first unreadable record.
        """
        if source.is_dir or source.is_zip:
            members = [m for m in source.members() if m.lower().endswith(".json")]
            targets = [(source, m) for m in _sort_members(members)]
            if not targets:
                raise ParseError(source.display(), _SHAPE, "no .json file inside")
        else:
            targets = [(source, "")]
        yield from self._merge(targets, context)

    def parse_files(
        self,
        paths: Iterable[str | os.PathLike[str] | Source],
        context: ParseContext,
    ) -> Iterator[Message]:
        """
        Yield the messages of several exports, channel by channel, oldest first.

        Raises:
            ParseError: none of *paths* holds a readable export.
        """
        sources = [as_source(path) for path in paths]
        ordered = sorted(sources, key=lambda s: _member_key(s.name))
        targets = [(s, "") for s in ordered]
        if not targets:
            raise ParseError("<no files>", "at least one export file")
        yield from self._merge(targets, context)

    def _merge(self, targets: list[tuple[Source, str]], context: ParseContext) -> Iterator[Message]:
        if len(targets) == 1:
            source, member = targets[0]
            problem, chat = _check_shape(source, member)
            if problem is not None:
                raise ParseError(source.display(member), _SHAPE, problem)
            yield from _unique(self._file(source, member, context, chat=chat), context)
            return
        channels: dict[str, list[tuple[Source, str]]] = {}
        for source, member in targets:
            problem, chat = _check_shape(source, member)
            if problem is not None:
                where = source.display(member)
                context.report(where, _SHAPE, problem, severity=Severity.WARNING, lines=0)
                continue
            channels.setdefault(chat, []).append((source, member))
        if not channels:
            where = ", ".join(s.display(m) for s, m in targets[:3])
            raise ParseError(where, _SHAPE, "no such file among them")
        for chat, files in channels.items():
            streams = [self._file(source, member, context, chat=chat) for source, member in files]
            if len(streams) == 1:
                yield from _unique(streams[0], context)
            else:
                merged = heapq.merge(*streams, key=lambda message: message.sent_at)
                yield from _unique(merged, context)

    def _file(
        self, source: Source, member: str, context: ParseContext, *, chat: str
    ) -> Iterator[Message]:
        where = source.display(member)
        records = _Records(where, context, chat)
        with JsonInput(source.open_binary(member)) as stream:
            messages = records.messages(iter_array_items(stream, "messages.item"))
            yield from chronological(
                messages,
                order=self.order,
                spill_at=self.spill_at,
                late=late_reporter(context, "messages"),
            )
            if not records.broken:
                match = _COUNT.search(stream.tail)
                if match and int(match.group(1)) != records.count:
                    context.report(
                        f"{where} $.messageCount",
                        f"{records.count} (the number of records in 'messages')",
                        match.group(1).decode(),
                        severity=Severity.WARNING,
                        lines=0,
                    )


def _unique(messages: Iterator[Message], context: ParseContext) -> Iterator[Message]:
    """
    Yield the messages of one channel, each id once; report each repeat.

    A repeated record (the same id again, as where the parts of an export
    overlap) is reported at its own place, naming the first one's place when it
    is among the last `_RECENT` messages; the first is kept. Snowflake ids are
    kept as 8-byte integers in a sorted array (they come nearly in order), so
    memory stays small for million-message channels.
    """
    seen = array.array("Q")
    other: set[str] = set()
    recent: deque[Message] = deque(maxlen=_RECENT)
    highest = -1
    for message in messages:
        key = message.id
        number = int(key) if key.isdigit() and key.isascii() and len(key) < _DIGITS else -1
        if number > highest:
            highest = number
            seen.append(number)
        elif number >= 0:
            index = bisect.bisect_left(seen, number)
            if index < len(seen) and seen[index] == number:
                _report_repeat(message, recent, context)
                continue
            seen.insert(index, number)
        elif key in other:
            _report_repeat(message, recent, context)
            continue
        else:
            other.add(key)
        recent.append(message)
        yield message


def _report_repeat(message: Message, recent: deque[Message], context: ParseContext) -> None:
    first = next((m.source for m in recent if m.id == message.id), None)
    where = f"the record at {first}" if first is not None else "an earlier record"
    context.report(
        str(message.source),
        f"a message id of its own, not the id of {where} (this repeat is left out)",
        message.id,
        severity=Severity.WARNING,
    )


def _check_shape(source: Source, member: str) -> tuple[str | None, str]:  # noqa: PLR0911
    """
    Look at the start of *member*.

    Returns:
        Why it is not a DiscordChatExporter export (None when it is), and its
        channel: ``channel.id``, else what the file name tells (`channel_of`).
    """
    fallback = channel_of(member or source.name)
    with JsonInput(source.open_binary(member)) as stream:
        if stream.empty:
            return "an empty file", fallback
        try:
            kind, keys, scalars = top_level_keys(stream, stop_at="messages")
        except JsonStreamError as error:
            return f"no JSON ({error.reason})", fallback
    if kind is None:
        return "a truncated JSON document", fallback
    if kind != "map" or "messages" not in keys:
        shown = ", ".join(keys[:6]) if kind == "map" else f"a JSON {kind}"
        return excerpt(f"keys {shown}" if kind == "map" else shown, 80), fallback
    value = scalars.get("messages")
    if value is not None and value != "array":
        return f"'messages' is a JSON {value}", fallback
    channel = scalars.get("channel.id")
    if type(channel) is int or (type(channel) is str and channel):
        return None, str(channel)
    return None, fallback


class _Records:
    """Turns the records of one file into messages, reporting the rest."""

    def __init__(self, where: str, context: ParseContext, chat: str) -> None:
        self.where = where
        self.context = context
        self.chat = chat
        self.count = 0
        self.broken = False
        self._authors: dict[tuple[Any, Any, Any], Participant] = {}
        self._unknown_types: set[str] = set()

    def messages(self, records: Iterator[Any]) -> Iterator[Message]:
        """Yield the messages of *records*; report where the JSON breaks off."""
        build = self.build
        try:
            for index, record in enumerate(records):
                message = build(record, index)
                if message is not None:
                    yield message
        except JsonStreamError as error:
            self.broken = True
            self.context.report(
                f"{self.where} $.messages[{self.count}]",
                "the rest of the JSON document (the file is truncated or damaged)",
                error.reason,
            )

    def build(  # noqa: C901, PLR0911, PLR0912
        self, record: Any, index: int
    ) -> Message | None:
        """Return the message of *record*, or None after reporting what is wrong."""
        self.count = index + 1
        path = f"$.messages[{index}]"
        if type(record) is not dict:
            return self._bad(path, "a message object", record)
        message_id = record.get("id")
        if type(message_id) is not str:
            if type(message_id) is int:
                message_id = str(message_id)
            else:
                return self._bad(f"{path}.id", "a message id", message_id)
        stamp = record.get("timestamp")
        sent_at = parse_timestamp(stamp) if type(stamp) is str else None
        if sent_at is None:
            return self._bad(f"{path}.timestamp", "an ISO 8601 time with offset", stamp)
        kind_name = record.get("type", "Default")
        if type(kind_name) is not str:
            kind_name = str(kind_name)
        content = record.get("content")
        if type(content) is not str:
            if content is not None:
                return self._bad(f"{path}.content", "text", content)
            content = ""
        if "\r" in content:
            content = content.replace("\r\n", "\n").replace("\r", "\n")
        source = SourceRef(file=self.where, path=path)
        if kind_name in SYSTEM_TYPES:
            return Message(
                id=message_id, sent_at=sent_at, author=None, text=content,
                kind=_SYSTEM, source=source, chat=self.chat,
            )  # fmt: skip
        if kind_name not in USER_TYPES and kind_name not in self._unknown_types:
            self._unknown_types.add(kind_name)
            self.context.report(
                f"{self.where} {path}.type",
                "a known DiscordChatExporter message type (read as a user message)",
                kind_name,
                severity=Severity.WARNING,
                lines=0,
            )
        author = self._author(record.get("author"))
        if author is None:
            return self._bad(f"{path}.author", "an author with an id", record.get("author"))
        attachments: tuple[Attachment, ...] = ()
        files = record.get("attachments")
        stickers = record.get("stickers")
        embeds = record.get("embeds")
        if files or stickers or embeds:
            attachments = _attachments(files, stickers, embeds)
        reply_to = None
        reference = record.get("reference")
        if reference and kind_name in _REPLY_TYPES:
            reply_to = _reply_target(reference)
        forwarded = record.get("forwardedMessage")
        if forwarded and type(forwarded) is dict:
            reply_to = None
            if not content and type(forwarded.get("content")) is str:
                content = forwarded["content"]
            more = _attachments(forwarded.get("attachments"), forwarded.get("stickers"), ())
            attachments += more
            files = files or more
        kind = _MEDIA if files or stickers else _TEXT
        return Message(
            id=message_id,
            sent_at=sent_at,
            author=author,
            text=content,
            kind=kind,
            reply_to=reply_to,
            attachments=attachments,  # attrs converter=tuple
            edited=record.get("timestampEdited") is not None,
            source=source,
            chat=self.chat,
        )

    def _author(self, author: Any) -> Participant | None:
        if type(author) is not dict:
            return None
        user_id = author.get("id")
        nickname = author.get("nickname")
        name = author.get("name")
        key = (user_id, nickname, name)
        try:
            known = self._authors.get(key)
        except TypeError:  # unhashable values where strings belong
            return None
        if known is None:
            if user_id is None or type(user_id) is dict or type(user_id) is list:
                return None
            display = nickname if type(nickname) is str and nickname else name
            if type(display) is not str or not display:
                display = str(user_id)
            known = self._authors[key] = Participant(id=str(user_id), name=display)
        return known

    def _bad(self, path: str, expected: str, found: Any) -> Message | None:
        """Report the record at *path* as unreadable; return None (no message)."""
        shown = found if type(found) is str else repr(found)
        self.context.report(f"{self.where} {path}", expected, shown)
        return None


def _reply_target(reference: Any) -> str | None:
    if type(reference) is not dict or reference.get("type") == "Forward":
        return None
    target = reference.get("messageId")
    if target is None or type(target) is dict or type(target) is list:
        return None
    return str(target)


def _attachments(files: Any, stickers: Any, embeds: Any) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for item in files if type(files) is list else ():
        if type(item) is dict:
            url = item.get("url")
            name = item.get("fileName") or (
                PurePosixPath(url.split("?")[0]).name if type(url) is str else ""
            )
            size = item.get("fileSizeBytes")
            found.append(
                Attachment(
                    name=str(name),
                    url=url if type(url) is str else None,
                    content_type=_content_type(str(name)),
                    size=size if type(size) is int else None,
                )
            )
    for item in stickers if type(stickers) is list else ():
        if type(item) is dict:
            url = item.get("sourceUrl")
            found.append(
                Attachment(
                    name=str(item.get("name") or "sticker"),
                    url=url if type(url) is str else None,
                    content_type=_STICKER_TYPES.get(str(item.get("format"))),
                )
            )
    for item in embeds if type(embeds) is list else ():
        if type(item) is dict:
            url = item.get("url")
            title = item.get("title") or url or "embed"
            found.append(Attachment(name=str(title), url=url if type(url) is str else None))
    return tuple(found)
