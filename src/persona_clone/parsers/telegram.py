"""
Telegram Desktop JSON exports: one chat (``result.json``) or the whole account.

The file is streamed with `ijson` (its C backend when installed), so memory stays
flat however large the export is. Grammar: ``docs/export-formats.md`` section 5.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar, Final

import ijson
import pendulum
from attrs import define, field, frozen

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
from persona_clone.parsers._json_stream import JsonInput
from persona_clone.parsers._ordering import chronological, late_reporter
from persona_clone.parsers._selection import selectors
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source, as_source


__all__ = ["TelegramChat", "TelegramParser"]

_WHAT: Final = "a Telegram Desktop JSON export (result.json)"
_DELETED_ACCOUNT: Final = "Deleted Account"
_PARTICIPANT_CACHE: Final = 10_000
_HTML_SCORE: Final = 0.3  # claimed only to explain that JSON is needed
_CHAT_TYPES: Final = (
    "personal_chat|bot_chat|private_group|private_supergroup|public_supergroup|"
    "private_channel|public_channel|saved_messages|replies|verification_codes"
)
_CHAT_TYPE = re.compile(rf'"type"\s*:\s*"(?:{_CHAT_TYPES})"')
_ACCOUNT = re.compile(r'"personal_information"\s*:\s*\{|"chats"\s*:\s*\{\s*"about"')
_MESSAGES = re.compile(r'"messages"\s*:\s*\[')
_RECORD_TYPE = re.compile(r'"type"\s*:\s*"(?:message|service)"')
_RECORD_TIME = re.compile(r'"date_unixtime"\s*:|"date"\s*:\s*"\d{4}-\d\d-\d\dT')
_LOCAL_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")

# Media fields (section 5.5) and the attachment name used when no file name is known.
_OTHER_MEDIA: Final = {
    "contact_information": "contact",
    "location_information": "location",
    "place_name": "venue",
    "poll": "poll",
    "game_title": "game",
    "invoice_information": "invoice",
    "todo_list": "todo list",
    "giveaway_information": "giveaway",
    "giveaway_results": "giveaway results",
    "paid_stars_amount": "paid media",
}


@define(kw_only=True)
class TelegramParser:
    """
    Read a Telegram Desktop JSON export: one chat or the whole account.

    Accepts ``result.json`` itself, or the export folder (``ChatExport_…`` or
    ``DataExport_…``) or a zip of it. Each exported message becomes one `Message`;
    service messages become system events; photos, files, stickers, voice notes,
    polls, contacts and locations become media messages. Times come from
    ``date_unixtime`` (exact instants); exports older than mid-2022 have only local
    times, which are read in the context's zone and reported once as a warning.

    A whole-account export holds many chats (``chats.list`` and ``left_chats.list``).
    By default every chat is read, one chat after another in file order, each in
    chronological order; message ids are then ``"<chat id>/<message id>"`` so they
    stay unique. Select chats with *chats* to read only those.

    Every message's `Message.chat` is its chat's id as text, for a one-chat
    ``result.json`` too, so `persona_clone.Sessionizer` starts a new session at
    each chat and ids stay the same whichever way the chat was exported. A chat
    without an id (rare, damaged exports) is named by its place instead
    (``"chats.list[3]"``; ``None`` for a one-chat export without an id).

    Args:
        chats: Names or ids of the chats to read from a whole-account export
            (compared with each chat's ``name`` and its ``id`` as text); ``None``
            reads every chat. A chat that matches no selector is skipped; if none
            matches, parsing fails with an error that lists the chats there are.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "telegram"

    chats: frozenset[str] | None = field(default=None, converter=selectors)

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: a ``result.json`` of Telegram's shape (alone or inside)."""
        if sample.is_container:
            member = _result_member(sample.members)
            if member is None:
                return _HTML_SCORE if _html_export(sample.members) else 0.0
            head = sample.heads.get(member)
            return 0.5 if head is None else _score(sample.text(member))
        return _score(sample.text())

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the export's messages, chat by chat, each chat in chronological order.

        Raises:
            ParseError: the input is not a Telegram JSON export (empty, binary, another
                JSON shape), a folder or zip holds no ``result.json``, or *chats*
                selects no chat.
        """
        where, opener = _locate(source)
        reader = _Reader(where=where, context=context, selection=self.chats)
        yield from chronological(
            reader.read(opener), order="oldest-first", late=late_reporter(context, "messages")
        )

    def chats_in(self, source: Source | str | os.PathLike[str]) -> list[TelegramChat]:
        """
        List the chats of an export (one for a single-chat export), in file order.

        Use it to choose what to pass as *chats*. The file is streamed; no message
        is built.

        Raises:
            ParseError: as `parse` does for input that is not a Telegram export.
        """
        where, opener = _locate(as_source(source))
        reader = _Reader(where=where, context=ParseContext(), selection=frozenset(), listing=True)
        for _ in reader.read(opener):
            pass  # pragma: no cover - nothing is selected, nothing is yielded
        return [
            TelegramChat(id=chat.id, name=chat.name, type=chat.type, messages=chat.count)
            for chat in reader.chats
        ]


@frozen(kw_only=True)
class TelegramChat:
    """
    One chat of a Telegram export, as `TelegramParser.chats_in` lists it.

    Args:
        id: The chat's id, as text (``None`` when the export has none).
        name: The chat's name (``None`` for saved messages and deleted chats).
        type: ``personal_chat``, ``private_group``, ``public_channel``, ...
        messages: How many records the chat holds.

    .. versionadded:: 0.1.0
    """

    id: str | None
    name: str | None
    type: str | None
    messages: int


def _locate(source: Source) -> tuple[str, Callable[[], JsonInput]]:
    """Find the ``result.json`` of *source*, check it; return its name and opener."""
    member = ""
    if source.is_dir or source.is_zip:
        members = source.members()
        found = _result_member(members)
        if found is None and _html_export(members):
            raise ParseError(
                source.display(),
                "a JSON export (in Telegram Desktop choose the format "
                "'Machine-readable JSON' when exporting)",
                "an HTML export (messages.html)",
            )
        if found is None:
            raise ParseError(source.display(), f"{_WHAT} inside", "no result.json")
        member = found
    where = source.display(member)
    with open_json_bytes(source, member) as probe:
        reject_non_json(where, probe.read(256), _WHAT)
    return where, lambda: open_json_bytes(source, member)


def _result_member(members: Collection[str]) -> str | None:
    found = [m for m in members if PurePosixPath(m).name == "result.json"]
    return min(found, key=lambda m: (m.count("/"), m)) if found else None


def _html_export(members: Collection[str]) -> bool:
    names = {PurePosixPath(m).name for m in members}
    return "messages.html" in names and bool({"style.css", "script.js"} & names)


def _score(text: str) -> float:
    body = text.lstrip()
    if not body.startswith("{"):
        return 0.0
    if _ACCOUNT.search(body):
        return 0.95
    if _CHAT_TYPE.search(body) and _MESSAGES.search(body):
        return 0.95
    if _MESSAGES.search(body) and _RECORD_TYPE.search(body) and _RECORD_TIME.search(body):
        return 0.9
    return 0.0


def _roles() -> dict[str, tuple[str, str]]:
    """Map each JSON prefix the reader follows to (what it is, which chat list)."""
    roles = {
        "name": ("name", ""),
        "id": ("id", ""),
        "type": ("type", ""),
        "messages": ("messages", ""),
        "messages.item": ("record", ""),
    }
    for list_name in ("chats", "left_chats"):
        item = f"{list_name}.list.item"
        roles[item] = ("chat", list_name)
        roles[f"{item}.name"] = ("name", list_name)
        roles[f"{item}.id"] = ("id", list_name)
        roles[f"{item}.type"] = ("type", list_name)
        roles[f"{item}.messages"] = ("messages", list_name)
        roles[f"{item}.messages.item"] = ("record", list_name)
    return roles


_ROLES: Final = _roles()
_MEDIA_KEYS: Final = frozenset({"photo", "file", "media_type", *_OTHER_MEDIA})
_VALUE_STARTS: Final = frozenset(
    {"start_map", "start_array", "string", "number", "boolean", "null"}
)


@define(kw_only=True)
class _Chat:
    """What the reader knows of the chat whose messages it is reading."""

    path: str
    qualify: bool
    name: str | None = None
    id: str | None = None
    type: str | None = None
    selected: bool = True
    count: int = 0

    @property
    def key(self) -> str | None:
        """The chat's `Message.chat`: its id, else its place in an account export."""
        if self.id is not None:
            return self.id
        return self.path.removeprefix("$.") if self.qualify else None


@define(kw_only=True)
class _Reader:
    """
    Reads one export file.

    Chats are followed through ijson events; the messages of a one-chat export
    are read in a second, faster pass with ``ijson.items``.
    """

    where: str
    context: ParseContext
    selection: frozenset[str] | None
    listing: bool = False
    chats: list[_Chat] = field(init=False, factory=list)
    _chat: _Chat | None = field(init=False, default=None)
    _lists: dict[str, int] = field(init=False, factory=dict)
    _keys: list[str] = field(init=False, factory=list)
    _path: str = field(init=False, default="$")
    _warned_local: bool = field(init=False, default=False)
    _participants: dict[tuple[Any, Any], Participant] = field(init=False, factory=dict)

    def read(self, opener: Callable[[], JsonInput]) -> Iterator[Message]:
        """Yield the messages of the selected chats, reporting unreadable records."""
        single: _Chat | None = None
        with opener() as handle:
            events = iter(ijson.parse(handle, use_float=True))
            try:
                for prefix, event, value in events:
                    role = _ROLES.get(prefix)
                    if role is None:
                        if not prefix:
                            self._top(event, value)
                    elif role[0] == "record":
                        message = self._record(events, event, value)
                        if message is not None:
                            yield message
                    else:
                        self._structure(role, event, value)
                        if role == ("messages", "") and event == "start_array":
                            single = self._chat
                            break
            except ijson.JSONError as error:
                self._broken(error)
                return
        if single is not None:
            yield from self._single_chat(opener, single)
        self._finish()

    def _single_chat(self, opener: Callable[[], JsonInput], chat: _Chat) -> Iterator[Message]:
        """Read a one-chat export's messages with ijson's fast item parser."""
        with opener() as handle:
            try:
                for record in ijson.items(handle, "messages.item", use_float=True):
                    self._path = f"$.messages[{chat.count}]"
                    chat.count += 1
                    if chat.selected:
                        message = self._convert(record, chat)
                        if message is not None:
                            yield message
            except ijson.JSONError as error:
                self._path = f"$.messages[{chat.count}]"
                self._broken(error)

    def _broken(self, error: Exception) -> None:
        if not self._keys:
            raise ParseError(self.where, _WHAT, json_problem(error)) from None
        self.context.report(
            f"{self.where} {self._path}",
            "complete JSON (the file looks truncated or damaged)",
            json_problem(error),
        )

    def _top(self, event: str, value: Any) -> None:
        if event == "map_key":
            self._keys.append(value)
        elif event in _VALUE_STARTS and event != "start_map":
            raise ParseError(self.where, _WHAT, "a JSON document that is not an object")

    def _structure(self, role: tuple[str, str], event: str, value: Any) -> None:
        """Follow the chats and their names and ids as the events pass."""
        what, list_name = role
        chat = self._chat
        if what == "chat":
            if event == "start_map":
                index = self._lists.get(list_name, 0)
                self._lists[list_name] = index + 1
                self._chat = _Chat(path=f"$.{list_name}.list[{index}]", qualify=True)
        elif what == "messages":
            if event == "start_array":
                chat = self._chat = chat or _Chat(path="$", qualify=False)
                self.chats.append(chat)
                if self.selection is not None:
                    chat.selected = bool({chat.name, chat.id} & self.selection)
            elif event != "end_array":
                path = chat.path if chat else "$"
                raise ParseError(f"{self.where} {path}.messages", "an array of messages", event)
        elif event in _VALUE_STARTS:
            if chat is None and not list_name:
                chat = self._chat = _Chat(path="$", qualify=False)
            if chat is not None:
                setattr(chat, what, None if value is None else str(value))

    def _finish(self) -> None:
        if not self.chats:
            raise ParseError(
                self.where,
                f"{_WHAT}: a top-level 'messages' array or 'chats.list'",
                f"keys {excerpt(', '.join(self._keys))}" if self._keys else "no keys",
            )
        if self.listing or self.selection is None:
            return
        if any(chat.selected for chat in self.chats):
            return
        there = "; ".join(f"{excerpt(chat.name or '')} (id {chat.id})" for chat in self.chats[:20])
        raise ParseError(
            self.where,
            f"a chat named or numbered {', '.join(sorted(self.selection))}",
            f"only {there}",
        )

    def _record(
        self, events: Iterator[tuple[str, str, Any]], event: str, value: Any
    ) -> Message | None:
        chat = self._chat
        if chat is None or event not in _VALUE_STARTS:
            return None
        self._path = f"{chat.path}.messages[{chat.count}]"
        chat.count += 1
        if not chat.selected:
            return None
        return self._convert(_build(events, event, value), chat)

    def _convert(self, record: Any, chat: _Chat) -> Message | None:
        where = f"{self.where} {self._path}"
        record_type = self._check(record, where)
        if record_type is None:
            return None
        sent_at = self._time(record, where)
        raw_text = record.get("text", record.get("text_entities", ""))
        text = _text(raw_text)
        if text is None:
            self.context.report(f"{where}.text", "a string or a list of text parts", repr(raw_text))
        if sent_at is None or text is None:
            return None
        raw_id = record.get("id")
        local_id = str(raw_id) if raw_id is not None else f"#{chat.count}"
        key = chat.key
        message_id = f"{key}/{local_id}" if chat.qualify else local_id
        source = SourceRef(file=self.where, path=self._path)
        edited = "edited" in record or "edited_unixtime" in record
        if record_type == "service":
            label = text or record.get("information_text") or record.get("action")
            return Message(
                id=message_id,
                sent_at=sent_at,
                author=None,
                text=str(label or "service"),
                kind=MessageKind.SYSTEM,
                edited=edited,
                source=source,
                chat=key,
            )
        attachments = _attachments(record)
        return Message(
            id=message_id,
            sent_at=sent_at,
            author=self._author(record, where),
            text=text,
            kind=MessageKind.MEDIA if attachments else MessageKind.TEXT,
            reply_to=_reply(record, chat),
            attachments=attachments,
            edited=edited,
            source=source,
            chat=key,
            forwarded_from=_forwarded_from(record),
        )

    def _check(self, record: Any, where: str) -> str | None:
        """Return the type of a message or service record; report any other record."""
        if not isinstance(record, dict):
            self.context.report(where, "a message object", repr(record))
            return None
        record_type = record.get("type")
        if record_type == "unsupported":
            self.context.report(
                where,
                "a message Telegram could export (the record is 'unsupported')",
                severity=Severity.WARNING,
            )
            return None
        if record_type not in ("message", "service"):
            self.context.report(where, "a record of type 'message' or 'service'", repr(record_type))
            return None
        return str(record_type)

    def _author(self, record: dict[str, Any], where: str) -> Participant:
        name = record.get("from")
        raw_id = record.get("from_id")
        if name is None:
            self.context.report(
                f"{where}.from",
                "a sender name (the account was deleted; shown as 'Deleted Account')",
                "null",
                severity=Severity.WARNING,
                lines=0,
            )
            name = _DELETED_ACCOUNT
        key = (raw_id, name)
        known = self._participants.get(key)
        if known is None:
            name = str(name)
            known = Participant(id=str(raw_id) if raw_id is not None else name, name=name)
            if len(self._participants) < _PARTICIPANT_CACHE:
                self._participants[key] = known
        return known

    def _time(self, record: dict[str, Any], where: str) -> pendulum.DateTime | None:
        unix = record.get("date_unixtime")
        if unix is not None:
            try:
                return utc_instant(int(unix))
            except (TypeError, ValueError, OverflowError, OSError):
                self.context.report(f"{where}.date_unixtime", "Unix seconds", repr(unix))
                return None
        local = record.get("date")
        match = _LOCAL_DATE.fullmatch(local) if isinstance(local, str) else None
        if match is None:
            self.context.report(where, "a 'date_unixtime' or 'date' field", repr(local))
            return None
        if not self._warned_local:
            self._warned_local = True
            self.context.report(
                f"{where}.date",
                f"'date_unixtime' (exact instants); local times are read in {self.context.tz.name}",
                match[0],
                severity=Severity.WARNING,
                lines=0,
            )
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        try:
            return pendulum.DateTime(year, month, day, hour, minute, second, tzinfo=self.context.tz)
        except ValueError:
            self.context.report(f"{where}.date", "a valid date and time", match[0])
            return None


def _build(events: Iterator[tuple[str, str, Any]], event: str, value: Any) -> Any:
    """Assemble the JSON value that starts with (*event*, *value*) from *events*."""
    if event not in ("start_map", "start_array"):
        return value
    builder = ijson.ObjectBuilder()
    builder.event(event, value)
    depth = 1
    for _, inner, inner_value in events:
        builder.event(inner, inner_value)
        if inner in ("start_map", "start_array"):
            depth += 1
        elif inner in ("end_map", "end_array"):
            depth -= 1
            if not depth:
                break
    return builder.value


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return None
    parts: list[str] = []
    for item in value:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, dict) and isinstance(item.get("text", ""), str):
            parts.append(item.get("text", ""))
        else:
            return None
    return "".join(parts)


def _reply(record: dict[str, Any], chat: _Chat) -> str | None:
    target = record.get("reply_to_message_id")
    if target is None:
        return None
    peer = record.get("reply_to_peer_id")
    if peer is not None:
        return f"{peer}/{target}"
    return f"{chat.key}/{target}" if chat.qualify else str(target)


def _is_notice(value: str) -> bool:
    return "(File " in value


def _file_attachment(
    path: Any, name: Any, size: Any, content_type: Any, fallback: str
) -> Attachment:
    url = path if isinstance(path, str) and path and not _is_notice(path) else None
    if not isinstance(name, str) or not name:
        name = PurePosixPath(url).name if url else fallback
    return Attachment(
        name=name,
        url=url,
        content_type=content_type if isinstance(content_type, str) else None,
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
    )


def _attachments(record: dict[str, Any]) -> tuple[Attachment, ...]:
    if _MEDIA_KEYS.isdisjoint(record):
        return ()
    found: list[Attachment] = []
    if "photo" in record:
        found.append(
            _file_attachment(record["photo"], None, record.get("photo_file_size"), None, "photo")
        )
    if "file" in record or "media_type" in record:
        found.append(
            _file_attachment(
                record.get("file"),
                record.get("file_name"),
                record.get("file_size"),
                record.get("mime_type"),
                str(record.get("media_type") or "file"),
            )
        )
    found.extend(Attachment(name=label) for key, label in _OTHER_MEDIA.items() if key in record)
    return tuple(found)


def _forwarded_from(record: dict[str, Any]) -> Participant | None:
    """
    The original author of a forwarded message, if the export names them.

    ``forwarded_from`` is their name (null for senders who hide their account);
    newer exports add ``forwarded_from_id``.
    """
    name = record.get("forwarded_from")
    if not isinstance(name, str) or not name:
        return None
    raw_id = record.get("forwarded_from_id")
    return Participant(id=str(raw_id) if raw_id is not None else name, name=name)
