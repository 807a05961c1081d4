"""
The message model: `Message`, `Participant`, `Attachment`, `SourceRef`, `MessageKind`.

Parsers turn each export record into one `Message`; everything after the parser
works on these values only.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Iterable

from attrs import Attribute, field, frozen

from .errors import NaiveTimestampError


__all__ = ["Attachment", "Message", "MessageKind", "Participant", "SourceRef"]

_REPR_TEXT = 24


def _short(text: str) -> str:
    """Show at most a short prefix of chat text, so logs and tracebacks stay private."""
    if len(text) <= _REPR_TEXT:
        return repr(text)
    return repr(text[: _REPR_TEXT - 1] + "…")


def nfc(text: str) -> str:
    """Return *text* in Unicode NFC (cheap when it already is)."""
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def _aware(_: object, attribute: Attribute[dt.datetime], value: dt.datetime) -> None:
    if value.tzinfo is None:  # cheap check: this runs once per parsed message
        msg = (
            f"{attribute.name} must be timezone-aware, found naive {value.isoformat()}; "
            "attach the export's zone (e.g. tz='Europe/Istanbul')"
        )
        raise NaiveTimestampError(msg)


def _attachments(value: Iterable[Attachment]) -> tuple[Attachment, ...]:
    return value if type(value) is tuple else tuple(value)


class MessageKind(enum.Enum):
    """What a message is."""

    TEXT = "text"
    """Words someone wrote."""
    MEDIA = "media"
    """A photo, video, voice note, sticker, file or its placeholder."""
    SYSTEM = "system"
    """An event of the chat itself (joins, renames, calls); has no author."""
    DELETED = "deleted"
    """A message its author deleted; only the notice remains."""


@frozen(kw_only=True)
class Participant:
    """
    Someone who writes in a chat.

    Args:
        id: Stable identifier within the export (a platform id, or the display
            name where the format has none).
        name: Display name as the export shows it.
    """

    id: str
    name: str

    @classmethod
    def from_name(cls, name: str) -> Participant:
        """Build a participant known only by its display name (WhatsApp, Signal)."""
        return cls(id=name, name=name)


@frozen(kw_only=True, weakref_slot=False)  # layout twin in persona_clone._fast
class SourceRef:
    """
    Where a message came from, for error reports.

    Args:
        file: The file name (inside a zip: ``archive.zip!inner.txt``).
        line: 1-based line number in a text export.
        path: JSON path of the record in a JSON export, e.g. ``$.messages[12]``.
    """

    file: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        if self.path is not None:
            return f"{self.file} {self.path}"
        return self.file


@frozen(kw_only=True)
class Attachment:
    """
    A file attached to a message (or the export's placeholder for it).

    Args:
        name: File name, or the placeholder's words when the export omitted media.
        url: Where the file is (URL or a path inside the export), if known.
        content_type: MIME type, if known.
        size: Size in bytes, if known.
    """

    name: str
    url: str | None = None
    content_type: str | None = None
    size: int | None = None


@frozen(kw_only=True, weakref_slot=False)  # layout twin in persona_clone._fast
class Message:
    """
    One chat message, already cleaned of its export format.

    Build messages in parsers (or with `persona_clone.testing.make_message` in tests);
    ``__init__`` only takes clean values.

    Args:
        id: Stable id, unique within its chat.
        sent_at: Timezone-aware time the message was sent; naive times raise
            `persona_clone.errors.NaiveTimestampError`.
        author: Who wrote it; ``None`` exactly for system events.
        text: The text as written, in NFC, newlines kept.
        kind: What the message is.
        reply_to: Id of the message this one answers, if any.
        attachments: Files attached to the message.
        edited: Whether the export marks the message as edited.
        source: Where the message came from, if it came from a file.
        chat: Which conversation of a multi-chat export the message belongs to
            (a channel, thread or chat id); ``None`` for single-chat exports.
            Sessions never span two chats.
        forwarded_from: Whose message *author* forwarded, when the export
            says (Telegram's ``forwarded_from``): the words are theirs, and
            consent applies to them as to their own messages.

    Raises:
        ValueError: a system event with an author, or another message without one.
    """

    id: str
    sent_at: dt.datetime = field(validator=_aware)
    author: Participant | None
    text: str = field(converter=nfc, repr=_short)
    kind: MessageKind = MessageKind.TEXT
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = field(default=(), converter=_attachments)
    edited: bool = False
    source: SourceRef | None = None
    chat: str | None = None
    forwarded_from: Participant | None = None

    def __attrs_post_init__(self) -> None:
        if (self.author is None) != (self.kind is MessageKind.SYSTEM):
            where = f"{self.source}: " if self.source else ""
            msg = (
                f"{where}message {self.id!r}: expected an author exactly when the kind "
                f"is not system, found kind={self.kind.value} author={self.author!r}"
            )
            raise ValueError(msg)

    @property
    def is_system(self) -> bool:
        """Whether this is an event of the chat rather than something someone sent."""
        return self.kind is MessageKind.SYSTEM
