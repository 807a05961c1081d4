"""
Facebook Messenger and Instagram JSON exports (``message_1.json``, ...).

Meta's "Download your information" writes every string as UTF-8 bytes read as
Latin-1 (mojibake); the parser repairs each string once. Files hold the newest
messages first; the parser yields them oldest first. Grammar:
``docs/export-formats.md`` section 6.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar, Final

import attrs
from attrs import define, field

from persona_clone.errors import ParseError, excerpt
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
)
from persona_clone.parsers._json_input import (
    json_problem,
    open_json_bytes,
    reject_non_json,
    utc_instant,
)
from persona_clone.parsers._selection import selectors
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source


__all__ = ["InstagramParser", "MessengerParser", "unmojibake"]

_WHAT: Final = "a Messenger or Instagram message_<n>.json export"
_PART = re.compile(r"(?:^|/)message_(\d+)\.json$")
_HTML_PART = re.compile(r"(?:^|/)messages/.*message_\d+\.html$")
_HTML_SCORE: Final = 0.3  # claimed only to explain that JSON is needed
_SHAPE = re.compile(r'"messages"\s*:\s*\[')
_SENDER = re.compile(r'"sender_name"\s*:')
_STAMP = re.compile(r'"timestamp_ms"\s*:')
_E2EE = re.compile(r'"senderName"\s*:')
_MESSENGER_TYPE = re.compile(r'"type"\s*:\s*"(?:Generic|Share|Call|Subscribe|Unsubscribe)"')
_SYSTEM_TYPES: Final = frozenset({"Call", "Subscribe", "Unsubscribe"})
_MEDIA_LISTS: Final = {
    "photos": "photo",
    "videos": "video",
    "gifs": "gif",
    "audio_files": "audio",
    "files": "file",
}


def unmojibake(text: str) -> str:
    r"""
    Repair one string of a Meta export: UTF-8 bytes that were stored as Latin-1.

    Text that is not mojibake (already correct, as in end-to-end encrypted
    exports, or plain ASCII) is returned unchanged, so repairing twice is harmless.

    Example:
        >>> unmojibake("Ba\u00c5\u009fla \u00f0\u009f\u0098\u0080")
        'Başla 😀'
        >>> unmojibake("Başla 😀")
        'Başla 😀'

    .. versionadded:: 0.1.0
    """
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _mark(text: str, needle: str) -> bool:
    return needle in text.lower()


@define(kw_only=True)
class MessengerParser:
    """
    Read Facebook Messenger (or Instagram) JSON message exports.

    Accepts one ``message_<n>.json`` file, a thread folder holding
    ``message_1.json``, ``message_2.json``, ..., or a whole export (folder or zip)
    with many threads under ``messages/inbox/`` (and ``archived_threads/``,
    ``filtered_threads/``, ``message_requests/``). Every thread found is read, one
    thread after another in path order, each oldest message first; select threads
    with *chats*. Message ids are the position in the thread (``"1"``, ``"2"``, ...),
    prefixed by the thread's folder (``"inbox/ada_123/7"``) when the input holds
    folders.

    Every message's `Message.chat` names its thread, so that
    `persona_clone.Sessionizer` starts a new session at each thread: the thread's
    folder in the input (the prefix of its ids, ``"messages/inbox/ada_123"``) when
    the input holds folders; for a single thread file or folder, the file's own
    ``thread_path`` (``"inbox/ada_123"``), or ``None`` when it has none.

    Strings are repaired from Meta's Latin-1/UTF-8 mojibake. ``Call``,
    ``Subscribe`` and ``Unsubscribe`` entries become system events, unsent messages
    become deleted ones, photos, videos, GIFs, audio, files and stickers without
    text become media messages; reactions are not messages and are ignored.

    Args:
        chats: Thread folder names (``ada_1234567890``) or thread titles to read;
            ``None`` reads every thread.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "messenger"
    carries_replies: ClassVar[bool] = False
    """The format has no reply links: no message carries ``reply_to``."""

    chats: frozenset[str] | None = field(default=None, converter=selectors)

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: ``message_<n>.json`` files of Meta's shape."""
        score, instagram = _sniff(sample)
        if not score:
            return 0.0
        if instagram is None:
            return score
        return score + 0.02 if not instagram else score - 0.04

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield each thread's messages, oldest first, thread after thread.

        Raises:
            ParseError: the input holds no ``message_<n>.json``, a file is not JSON
                of this shape (or the unsupported end-to-end encrypted shape), or
                *chats* selects no thread.
        """
        if not (source.is_dir or source.is_zip):
            yield from _Thread(source=source, context=context, key="", parts=[""]).read()
            return
        members = source.members()
        threads = _threads(members)
        if not threads and any(_HTML_PART.search(m) for m in members):
            raise ParseError(
                source.display(),
                "a JSON export (choose the format JSON in Download your information)",
                "an HTML export (message_1.html)",
            )
        if not threads:
            raise ParseError(source.display(), f"{_WHAT} inside", "no message_<n>.json")
        matched = False
        skipped: list[str] = []
        for key, parts in threads.items():
            thread = _Thread(source=source, context=context, key=key, parts=parts)
            if self.chats is not None and not thread.matches(self.chats):
                skipped.append(PurePosixPath(key).name or source.name)
                continue
            matched = True
            yield from thread.read()
        if not matched:
            raise ParseError(
                source.display(),
                f"a thread named {', '.join(sorted(self.chats or ()))}",
                f"only {', '.join(excerpt(name) for name in skipped[:20])}",
            )


@define(kw_only=True)
class InstagramParser(MessengerParser):
    """
    Read Instagram JSON message exports; the same format as Messenger's.

    Detection prefers this parser when the path says Instagram
    (``your_instagram_activity/``, an ``instagram-…`` download) or the messages
    carry no Messenger ``type``; parsing is `MessengerParser`'s.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "instagram"

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: as Messenger, higher where path or content say Instagram."""
        score, instagram = _sniff(sample)
        if not score:
            return 0.0
        if instagram is None:
            return score - 0.02
        return score + 0.04 if instagram else score - 0.04


def _threads(members: Collection[str]) -> dict[str, list[str]]:
    """Group the ``message_<n>.json`` members by folder, highest part number first."""
    found: dict[str, list[tuple[int, str]]] = {}
    for member in members:
        match = _PART.search(member)
        if match is None:
            continue
        folder = str(PurePosixPath(member).parent)
        found.setdefault("" if folder == "." else folder, []).append((int(match[1]), member))
    return {
        key: [member for _, member in sorted(parts, reverse=True)]
        for key, parts in sorted(found.items())
    }


def _sniff(sample: Sample) -> tuple[float, bool | None]:
    """Return the Meta score of *sample* and whether it is Instagram (None: unknown)."""
    name = sample.name.lower()
    if sample.is_container:
        parts = [m for m in sample.members if _PART.search(m)]
        if not parts:
            html = any(_HTML_PART.search(m) for m in sample.members)
            return (_HTML_SCORE if html else 0.0), None
        paths = " ".join(parts[:50]).lower()
        sampled = [m for m in parts if m in sample.heads]
        score = _score(sample.text(sampled[0])) if sampled else 0.6
        head = sample.text(sampled[0]) if sampled else ""
    else:
        paths = ""
        head = sample.text()
        score = _score(head)
    if _mark(name, "instagram") or "instagram" in paths:
        return score, True
    if _mark(name, "facebook") or "facebook" in paths:
        return score, False
    if _MESSENGER_TYPE.search(head):
        return score, False
    if _SENDER.search(head):
        return score, True
    return score, None


def _score(head: str) -> float:
    body = head.lstrip()
    if not body.startswith("{") or not _SHAPE.search(body):
        return 0.0
    if _SENDER.search(body) and _STAMP.search(body):
        return 0.9
    if _E2EE.search(body):
        return 0.6  # claimed so that parsing explains it is not supported yet
    if '"participants"' in body and re.search(r'"messages"\s*:\s*\[\s*\]', body):
        return 0.8
    return 0.0


@define(kw_only=True)
class _Thread:
    """One conversation: its ``message_<n>.json`` parts, newest part first."""

    source: Source
    context: ParseContext
    key: str
    parts: list[str]
    _count: int = field(init=False, default=0)
    _chat: str | None = field(init=False, default=None)

    def matches(self, selection: frozenset[str]) -> bool:
        """Whether this thread's folder, path or title is in *selection*."""
        if self.key in selection or PurePosixPath(self.key).name in selection:
            return True
        document = self._load(self.parts[-1], quiet=True)
        title = document.get("title") if isinstance(document, dict) else None
        return isinstance(title, str) and unmojibake(title) in selection

    def read(self) -> Iterator[Message]:
        if not self.key and self.parts == [""]:
            self._warn_siblings()
        self._chat = self.key or None
        for member in self.parts:
            document = self._load(member)
            if document is None:
                continue
            if self._chat is None and isinstance(document.get("thread_path"), str):
                self._chat = unmojibake(document["thread_path"])
            yield from self._messages(member, document)

    def _warn_siblings(self) -> None:
        path = self.source.path
        match = _PART.search(path.name)
        if match is None:
            return
        siblings = sorted(p.name for p in path.parent.glob("message_*.json") if p != path)
        if siblings:
            self.context.report(
                self.source.display(),
                "the whole thread (pass the folder to read every part)",
                f"other parts beside it: {', '.join(siblings[:5])}",
                severity=Severity.WARNING,
                lines=0,
            )

    def _load(self, member: str, *, quiet: bool = False) -> Any:
        where = self.source.display(member)
        with open_json_bytes(self.source, member) as handle:
            raw = handle.read()
        try:
            reject_non_json(where, raw[:256], _WHAT)
            document = json.loads(raw)
        except (ParseError, ValueError) as error:
            if quiet:
                return None
            if isinstance(error, ParseError):
                raise
            raise ParseError(where, _WHAT, json_problem(error)) from None
        if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
            if quiet:
                return None
            keys = ", ".join(document) if isinstance(document, dict) else type(document).__name__
            raise ParseError(where, f"{_WHAT} (a top-level 'messages' array)", excerpt(keys))
        return document

    def _messages(self, member: str, document: dict[str, Any]) -> Iterator[Message]:
        where = self.source.display(member)
        records: list[Any] = document["messages"]
        if records and isinstance(records[0], dict) and "senderName" in records[0]:
            raise ParseError(
                where,
                f"{_WHAT}; the end-to-end encrypted Messenger export (camelCase keys) "
                "is not supported yet",
                "'senderName'",
            )
        built: list[tuple[int, int, Message]] = []
        last = len(records) - 1
        for index in range(last, -1, -1):
            found = self._message(records[index], f"$.messages[{index}]", where)
            if found is not None:
                built.append((found[0], last - index, found[1]))
        built.sort(key=lambda entry: (entry[0], entry[1]))
        for _, _, partial in built:
            self._count += 1
            local = str(self._count)
            yield attrs.evolve(
                partial, id=f"{self.key}/{local}" if self.key else local, chat=self._chat
            )

    def _message(self, record: Any, path: str, where: str) -> tuple[int, Message] | None:
        at = f"{where} {path}"
        if not isinstance(record, dict):
            self.context.report(at, "a message object", repr(record))
            return None
        stamp = record.get("timestamp_ms")
        if not isinstance(stamp, int) or isinstance(stamp, bool):
            self.context.report(f"{at}.timestamp_ms", "Unix milliseconds", repr(stamp))
            return None
        try:
            sent_at = utc_instant(stamp // 1000, stamp % 1000 * 1000)
        except (OverflowError, OSError, ValueError):
            self.context.report(f"{at}.timestamp_ms", "Unix milliseconds", repr(stamp))
            return None
        content = record.get("content")
        text = unmojibake(content) if isinstance(content, str) else ""
        record_type = record.get("type")
        source = SourceRef(file=where, path=path)
        if record_type in _SYSTEM_TYPES:
            return stamp, Message(
                id="",
                sent_at=sent_at,
                author=None,
                text=text or str(record_type),
                kind=MessageKind.SYSTEM,
                source=source,
            )
        sender = record.get("sender_name")
        if not isinstance(sender, str):
            self.context.report(f"{at}.sender_name", "the sender's name", repr(sender))
            return None
        attachments = _attachments(record)
        if record.get("is_unsent") is True:
            kind = MessageKind.DELETED
        elif attachments and not text:
            kind = MessageKind.MEDIA
        else:
            kind = MessageKind.TEXT
        return stamp, Message(
            id="",
            sent_at=sent_at,
            author=Participant.from_name(unmojibake(sender)),
            text=text,
            kind=kind,
            attachments=attachments,
            source=source,
        )


def _attachment(item: Any, fallback: str) -> Attachment:
    uri = item.get("uri") if isinstance(item, dict) else None
    if isinstance(uri, str) and uri:
        uri = unmojibake(uri)
        return Attachment(name=PurePosixPath(uri).name or fallback, url=uri)
    return Attachment(name=fallback)


def _attachments(record: dict[str, Any]) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    for key, label in _MEDIA_LISTS.items():
        items = record.get(key)
        if isinstance(items, list):
            found.extend(_attachment(item, label) for item in items)
    if isinstance(record.get("sticker"), dict):
        found.append(_attachment(record["sticker"], "sticker"))
    share = record.get("share")
    if isinstance(share, dict) and isinstance(share.get("link"), str):
        link = unmojibake(share["link"])
        found.append(Attachment(name=link, url=link))
    return tuple(found)
