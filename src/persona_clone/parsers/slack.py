"""`SlackParser`: Slack workspace exports (a folder or the ``.zip``)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Final

import pendulum
from attrs import field, frozen

from persona_clone.errors import ParseError
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
)
from persona_clone.parsers._ordering import chronological, late_reporter
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source


__all__ = ["SYSTEM_SUBTYPES", "SlackParser"]

logger = logging.getLogger(__name__)

SYSTEM_SUBTYPES: Final = frozenset(
    {
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "channel_posting_permissions",
        "channel_convert_to_private",
        "channel_convert_to_public",
        "group_join",
        "group_leave",
        "group_topic",
        "group_purpose",
        "group_name",
        "group_archive",
        "group_unarchive",
        "pinned_item",
        "unpinned_item",
        "bot_add",
        "bot_remove",
        "huddle_thread",
        "reminder_add",
        "joiner_notification",
        "tombstone",
    }
)
"""Message subtypes that are events of the conversation, not messages."""

_LIVE_EVENTS: Final = frozenset({"message_changed", "message_deleted", "message_replied"})
_USER_SUBTYPES: Final = frozenset(
    {
        "thread_broadcast",
        "me_message",
        "file_share",
        "file_comment",
        "bot_message",
        "slackbot_response",
    }
)
_DAY_FILE: Final = re.compile(r"^([^/]+)/\d{4}-\d\d-\d\d\.json$")
_MENTION: Final = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CONVERSATION_FILES: Final = ("channels.json", "groups.json", "mpims.json", "dms.json")
_SHAPE: Final = "a Slack workspace export (users.json, channels.json and day files)"
_UTC: Final = pendulum.UTC


def _root(members: Collection[str]) -> str | None:
    """The folder (``""`` or ``"name/"``) holding users.json/channels.json, if any."""
    for marker in ("channels.json", "users.json", "org_users.json"):
        for member in members:
            if member == marker:
                return ""
            if member.endswith("/" + marker) and member.count("/") == 1:
                return member[: -len(marker)]
    return None


def _display_name(user: Mapping[str, Any]) -> str | None:
    profile = user.get("profile")
    if not isinstance(profile, dict):
        profile = {}
    for value in (user.get("real_name"), profile.get("real_name"), user.get("name")):
        if isinstance(value, str) and value:
            return value
    return None


def _timestamp(ts: str) -> pendulum.DateTime | None:
    seconds, _, fraction = ts.partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        return None
    micro = int((fraction + "000000")[:6]) if fraction else 0
    return pendulum.from_timestamp(int(seconds), tz=_UTC).replace(microsecond=micro)


def _day_files(members: Collection[str], root: str) -> dict[str, list[str]]:
    """The day files of each conversation folder under *root*, sorted by name."""
    found: dict[str, list[str]] = {}
    for member in sorted(members):
        if member.startswith(root):
            match = _DAY_FILE.match(member[len(root) :])
            if match:
                found.setdefault(match.group(1), []).append(member)
    return found


def _names(value: Iterable[str] | None) -> frozenset[str] | None:
    """Hold the chosen conversations as a set (a plain string is one name)."""
    if value is None:
        return None
    return frozenset([value] if isinstance(value, str) else value)


def _ts_key(ts: str) -> tuple[int, int]:
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int((fraction + "000000")[:6]) if fraction else 0


@frozen(kw_only=True)
class _Conversation:
    id: str
    name: str
    folder: str


@frozen(kw_only=True)
class SlackParser:
    """
    Read a Slack workspace export: the ``.zip`` Slack gives, or its folder.

    Public channels (``channels.json``), private channels (``groups.json``), group
    DMs (``mpims.json``) and DMs (``dms.json``) are read, each from its folder of
    ``YYYY-MM-DD.json`` day files. Conversations come one after another, sorted
    by name (a DM's name is its id), then id; each is chronological, thread
    replies in place by time. Every message's `Message.chat` is its
    conversation's id (``"C0123ABC"``; the folder name for a folder no list
    names), so `persona_clone.Sessionizer` starts a new session at each
    conversation.
    Authors are the ``real_name`` of ``users.json`` (then ``profile.real_name``,
    then the handle ``name``; then the message's own ``user_profile``; then the
    raw id), with the user id as participant id. A message id is
    ``<conversation id>/<ts>``; a thread reply (``thread_ts`` not its own
    ``ts``) has its parent's id as `Message.reply_to`. Join, leave, topic,
    purpose, rename, archive, pin and similar subtypes are system messages; a
    ``bot_message`` without any name (only a ``bot_id``) is a system message
    too; files make a message media. Text is kept as written in mrkdwn
    (``<@U0123>``, ``&amp;``) unless *render_mentions* is set.

    Args:
        channels: Read only these conversations (names such as ``"general"`` or
            ids such as ``"C0123ABC"``); default all of them.
        render_mentions: Replace user mentions ``<@U0123>`` with ``@<name>``.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "slack"

    channels: frozenset[str] | None = field(default=None, converter=_names)
    render_mentions: bool = False

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: 0.95 for users.json + channels.json and day files."""
        if not sample.is_container:
            return 0.0
        root = _root(sample.members)
        if root is None:
            return 0.0
        names = set(sample.members)
        has_users = f"{root}users.json" in names or f"{root}org_users.json" in names
        has_days = bool(_day_files(sample.members, root))
        if has_users and has_days:
            return 0.95
        if has_users or has_days:
            return 0.5
        return 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the messages of the export at *source*, conversation by conversation.

        Conversations are sorted by name, then id; each is oldest first.

        Raises:
            ParseError: *source* is not a Slack export, a chosen channel does not
                exist, or (strict mode) the first unreadable record.
        """
        members = source.members()
        root = _root(members)
        if root is None:
            raise ParseError(source.display(), _SHAPE, "no users.json or channels.json")
        users = self._users(source, root, members, context)
        conversations = self._conversations(source, root, members, context)
        conversations += [
            _Conversation(id=folder, name=folder, folder=folder)
            for folder in _day_files(members, root)
            if folder not in {c.folder for c in conversations}
        ]
        if self.channels is not None:
            chosen = [c for c in conversations if c.name in self.channels or c.id in self.channels]
            known = {c.name for c in chosen} | {c.id for c in chosen}
            missing = sorted(self.channels - known)
            if missing:
                available = ", ".join(sorted(c.name for c in conversations)[:20])
                raise ParseError(
                    source.display(),
                    f"a conversation named {missing[0]!r} (available: {available})",
                )
            conversations = chosen
        days = _day_files(members, root)
        for conversation in sorted(conversations, key=lambda c: (c.name, c.id)):
            files = days.get(conversation.folder, [])
            messages = self._conversation(source, conversation, files, users, context)
            yield from chronological(
                (message for _, message in messages),
                order="oldest-first",
                late=late_reporter(context, "messages"),
            )

    def _read_json(self, source: Source, member: str, context: ParseContext) -> Any:
        where = source.display(member)
        try:
            with source.open_text(member) as handle:
                return json.load(handle)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            context.report(where, "a JSON document", str(error).splitlines()[0])
            return None

    def _read_array(
        self, source: Source, member: str, context: ParseContext, *, of: str
    ) -> list[Any] | None:
        """Return the JSON array in *member*, or ``None`` (reported) when it holds none."""
        data = self._read_json(source, member, context)
        if isinstance(data, list):
            return data
        if data is not None:
            context.report(source.display(member), f"a JSON array of {of}", type(data).__name__)
        return None

    def _arrays(
        self,
        source: Source,
        root: str,
        names: Iterable[str],
        members: Collection[str],
        context: ParseContext,
        *,
        of: str,
    ) -> Iterator[tuple[str, str, list[Any]]]:
        """Yield name, member and array of each of the files *names* in *root* that holds one."""
        for name in names:
            member = root + name
            if member in members:
                data = self._read_array(source, member, context, of=of)
                if data is not None:
                    yield name, member, data

    def _users(
        self,
        source: Source,
        root: str,
        members: Collection[str],
        context: ParseContext,
    ) -> dict[str, Participant]:
        users: dict[str, Participant] = {}
        files = ("org_users.json", "users.json")
        for _, member, data in self._arrays(source, root, files, members, context, of="users"):
            for index, user in enumerate(data):
                if not isinstance(user, dict) or not isinstance(user.get("id"), str):
                    context.report(
                        f"{source.display(member)} $[{index}]",
                        "a user with an id",
                        repr(user),
                        severity=Severity.WARNING,
                        lines=0,
                    )
                    continue
                shown = _display_name(user) or user["id"]
                users[user["id"]] = Participant(id=user["id"], name=shown)
        return users

    def _conversations(
        self,
        source: Source,
        root: str,
        members: Collection[str],
        context: ParseContext,
    ) -> list[_Conversation]:
        found: list[_Conversation] = []
        seen: set[str] = set()
        arrays = self._arrays(
            source, root, _CONVERSATION_FILES, members, context, of="conversations"
        )
        for name, _, data in arrays:
            for item in data:
                if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                    continue
                label = item.get("name") if isinstance(item.get("name"), str) else None
                folder = item["id"] if name == "dms.json" or not label else label
                if folder not in seen:
                    seen.add(folder)
                    found.append(
                        _Conversation(id=item["id"], name=label or item["id"], folder=folder)
                    )
        return found

    def _conversation(
        self,
        source: Source,
        conversation: _Conversation,
        files: list[str],
        users: dict[str, Participant],
        context: ParseContext,
    ) -> Iterator[tuple[tuple[int, int], Message]]:
        for member in files:
            data = self._read_array(source, member, context, of="messages")
            if data is None:
                continue
            where = source.display(member)
            batch: list[tuple[tuple[int, int], Message]] = []
            for index, record in enumerate(data):
                built = self._message(
                    record,
                    conversation=conversation,
                    users=users,
                    where=where,
                    path=f"$[{index}]",
                    context=context,
                )
                if built is not None:
                    batch.append(built)
            batch.sort(key=lambda pair: pair[0])
            yield from batch  # a day file out of order is mended by the caller's window

    def _message(  # noqa: C901
        self,
        record: Any,
        *,
        conversation: _Conversation,
        users: dict[str, Participant],
        where: str,
        path: str,
        context: ParseContext,
    ) -> tuple[tuple[int, int], Message] | None:
        if not isinstance(record, dict):
            context.report(f"{where} {path}", "a message object", repr(record))
            return None
        ts = record.get("ts")
        sent_at = _timestamp(ts) if isinstance(ts, str) else None
        if sent_at is None or not isinstance(ts, str):
            context.report(f"{where} {path}.ts", "a Slack ts such as '1714982400.000100'", repr(ts))
            return None
        subtype = record.get("subtype")
        if record.get("type", "message") != "message" or subtype in _LIVE_EVENTS:
            context.report(
                f"{where} {path}.subtype" if subtype else f"{where} {path}.type",
                "a message (live events such as edits and deletions are not exported)",
                str(subtype or record.get("type")),
            )
            return None
        text = record.get("text")
        if not isinstance(text, str):
            text = ""
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        source = SourceRef(file=where, path=path)
        message_id = f"{conversation.id}/{ts}"
        key = _ts_key(ts)
        author = self._author(record, subtype, users)
        if subtype in SYSTEM_SUBTYPES or author is None:
            if subtype not in SYSTEM_SUBTYPES and subtype != "bot_message":
                context.report(
                    f"{where} {path}.user",
                    "an author (read as a system message)",
                    repr(record.get("user")),
                    severity=Severity.WARNING,
                    lines=0,
                )
            return key, Message(
                id=message_id, sent_at=sent_at, author=None, text=text,
                kind=MessageKind.SYSTEM, source=source, chat=conversation.id,
            )  # fmt: skip
        if subtype is not None and subtype not in _USER_SUBTYPES:
            context.report(
                f"{where} {path}.subtype",
                "a known Slack message subtype (read as a user message)",
                str(subtype),
                severity=Severity.WARNING,
                lines=0,
            )
        if self.render_mentions and "<@" in text:
            text = _MENTION.sub(
                lambda m: "@" + (users[m.group(1)].name if m.group(1) in users else m.group(1)),
                text,
            )
        attachments = _files(record)
        media = bool(attachments) and (subtype == "file_share" or not text.strip())
        if subtype == "file_comment":
            media = False
        thread = record.get("thread_ts")
        reply_to = (
            f"{conversation.id}/{thread}" if isinstance(thread, str) and thread != ts else None
        )
        return key, Message(
            id=message_id,
            sent_at=sent_at,
            author=author,
            text=text,
            kind=MessageKind.MEDIA if media else MessageKind.TEXT,
            reply_to=reply_to,
            attachments=attachments,  # attrs converter=tuple
            edited=isinstance(record.get("edited"), dict),
            source=source,
            chat=conversation.id,
        )

    def _author(
        self, record: Mapping[str, Any], subtype: Any, users: dict[str, Participant]
    ) -> Participant | None:
        user = record.get("user")
        if subtype == "file_comment" and isinstance(record.get("comment"), dict):
            user = record["comment"].get("user", user)
        if isinstance(user, str) and user:
            known = users.get(user)
            if known is not None:
                return known
            profile = record.get("user_profile")
            shown = _display_name(profile) if isinstance(profile, dict) else None
            if shown is None and isinstance(profile, dict):
                display = profile.get("display_name")
                shown = display if isinstance(display, str) and display else None
            return Participant(id=user, name=shown or user)
        bot_profile = record.get("bot_profile")
        bot_name = record.get("username")
        if not (isinstance(bot_name, str) and bot_name) and isinstance(bot_profile, dict):
            bot_name = bot_profile.get("name")
        if isinstance(bot_name, str) and bot_name:
            bot_id = record.get("bot_id")
            return Participant(id=bot_id if isinstance(bot_id, str) else bot_name, name=bot_name)
        return None


def _files(record: Mapping[str, Any]) -> tuple[Attachment, ...]:
    files = record.get("files")
    items = list(files) if isinstance(files, list) else []
    if isinstance(record.get("file"), dict) and not items:
        items.append(record["file"])
    found = []
    for item in items:
        if not isinstance(item, dict):
            continue
        name = item.get("name") or item.get("title") or item.get("id") or "file"
        url = item.get("url_private") or item.get("permalink")
        size = item.get("size")
        mimetype = item.get("mimetype")
        found.append(
            Attachment(
                name=str(name),
                url=url if isinstance(url, str) else None,
                content_type=mimetype if isinstance(mimetype, str) and mimetype else None,
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return tuple(found)
