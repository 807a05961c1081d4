"""
The second pass over a WhatsApp export: entries to `Message` values.

`EntryReader` splits the text at the file's headers (learned by
`persona_clone.parsers.whatsapp.grammar.HeaderSurvey`), reads each header's time
with `LocalTimes` and classifies each body (text, media, deleted, system event,
edited) with the tables of `persona_clone.parsers.whatsapp.locale`.
"""

from __future__ import annotations

import datetime as dt
import functools
import mimetypes
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Protocol

import pendulum

from persona_clone.errors import ParseError
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    MutableMessage,
    MutableSourceRef,
    Participant,
    SourceRef,
    nfc,
)
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.whatsapp.grammar import FileGrammar
from persona_clone.parsers.whatsapp.locale import (
    ATTACHED_SUFFIXES,
    AUTHOR_CONTROLS,
    BIDI_MARKS,
    DELETED_BODIES,
    DELETED_TEXTS,
    EDITED_MARKERS,
    IOS_ATTACHED_PREFIXES,
    MEDIA_PLACEHOLDERS,
    MEDIA_TEXTS,
    SYSTEM_PATTERN,
)


__all__ = ["EntryReader", "LocalTimes", "TextBlocks", "decode_error"]

_SHORT_BODY: Final = 64
_EVENT_LENGTH: Final = 400  # system events are short; longer text is cut before matching
_MAX_AUTHOR: Final = 80
_CACHE_LIMIT: Final = 4096
_QUOTED: Final = re.compile("\\s[\"'“”„«»\u2018\u2019\u201a]")
"""An opening quote after a space: the ": " may sit inside a quoted group subject."""
_AUTHOR_TABLE: Final = str.maketrans(dict.fromkeys(AUTHOR_CONTROLS))
_BEFORE_HEADER: Final = "a message header on the first line (text before any header)"

# Messages are built without running their validators: the parser guarantees what
# they check (aware time, NFC text, an author exactly when the kind is not system).
# They are filled through their layout twins (see `persona_clone.message`), about
# four times cheaper than ``Message(...)``, which matters on million-message
# exports. What comes out is an ordinary frozen Message.
_new = object.__new__
_DateTime = pendulum.DateTime
_TEXT: Final = MessageKind.TEXT
_SYSTEM: Final = MessageKind.SYSTEM
_MEDIA: Final = MessageKind.MEDIA
_DELETED: Final = MessageKind.DELETED
_MARK_PREFIXES: Final = tuple(BIDI_MARKS)
_ATTACHED_ENDS: Final = (">", ")")
_SPACE_MARKS: Final = " \t\u00a0\u202f" + BIDI_MARKS
_system = SYSTEM_PATTERN.search
_is_nfc = unicodedata.is_normalized
_normalize = unicodedata.normalize


def _is_event(line: str) -> bool:
    """Whether *line* (bidi marks stripped) is a system event's text."""
    if line in _BODY_KINDS or line.endswith(">"):
        return False  # a placeholder, an attachment or an edited message
    return _system(line[:_EVENT_LENGTH]) is not None


def _case_variants(texts: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for variant in (text, text.lower(), text.upper(), text.capitalize()):
            found.update((variant, variant.rstrip("."), variant.rstrip(".") + "."))
    return found


_BODY_KINDS: Final[dict[str, MessageKind]] = dict.fromkeys(
    _case_variants(DELETED_TEXTS), MessageKind.DELETED
) | dict.fromkeys(_case_variants(MEDIA_TEXTS), MessageKind.MEDIA)
"""Placeholders as usually written, for a lookup before the normalised comparison."""


def _placeholder_kind(body: str) -> MessageKind | None:
    key = body.strip(_SPACE_MARKS).rstrip(".").casefold()
    if key in MEDIA_PLACEHOLDERS:
        return MessageKind.MEDIA
    if key in DELETED_BODIES:
        return MessageKind.DELETED
    return None


@functools.lru_cache(maxsize=256)
def _placeholder_attachment(body: str) -> tuple[Attachment, ...]:
    return (Attachment(name=body.strip(_SPACE_MARKS)),)


def decode_error(display: str, error: UnicodeDecodeError) -> ParseError:
    """Return a `ParseError` for bytes that *display* could not decode."""
    bad = error.object[error.start : error.start + 4]
    return ParseError(
        display,
        f"text in UTF-8 or UTF-16 (could not decode as {error.encoding})",
        f"bytes {bytes(bad)!r}",
    )


_Instant = Callable[[Sequence[str | None], int, dt.datetime | None, int], tuple[dt.datetime, bool]]
"""(groups, offset of the first, previous instant, line) -> (instant, reusable)."""


class _Numbers(dict[str, int]):
    """``int`` of the few digit strings times are made of, each converted once."""

    def __missing__(self, text: str) -> int:
        value = self[text] = int(text)
        return value


class LocalTimes:
    """
    Turns header fields into aware times in the caller's zone.

    Around a daylight-saving change the same wall time can mean two instants (the
    clocks went back) or none (they went forward). On those days each time is
    read so the output stays chronological: a repeated wall time after the clock
    went back is the later instant; a wall time that does not exist moves
    forward by the gap, with a warning.
    """

    def __init__(self, zone: dt.tzinfo, report: Callable[[int, str, str], None]) -> None:
        self.zone = zone
        self.report = report
        # fixed offsets and UTC never change
        self.dst = getattr(zone, "key", "UTC") not in ("UTC", "Etc/UTC")

    def changes_on(self, year: int, month: int, day: int) -> bool:
        """Whether the zone's offset changes during that day (or at its edges)."""
        start = dt.datetime(year, month, day, tzinfo=self.zone)
        end = start + dt.timedelta(days=1)
        offsets = {
            start.utcoffset(),
            start.replace(fold=1).utcoffset(),
            end.utcoffset(),
            end.replace(fold=1).utcoffset(),
        }
        return len(offsets) > 1

    def reader(self, grammar: FileGrammar) -> _Instant:
        """
        Return a function from a header's groups (from an offset) to its instant.

        It also says whether the next identical header may reuse the instant
        (not on a day when the offset changes). Dates are read once per distinct
        date text; an impossible date or marker raises `ValueError`.
        """
        yi, mi, di, hi, ni, si, ki = grammar.layout
        afternoon = grammar.afternoon
        zone = self.zone
        dst = self.dst
        transition = self.transition
        noon: dict[str, int] = {}  # marker -> hours to add after 12 h arithmetic
        days: dict[tuple[str | None, str | None, str | None], tuple[int, int, int, bool]] = {}
        day_of = days.get
        numbers = _Numbers()

        def instant(
            groups: Sequence[str | None],
            at: int,
            previous: dt.datetime | None,
            line: int,
        ) -> tuple[dt.datetime, bool]:
            key = (groups[at], groups[at + 1], groups[at + 2])
            day = day_of(key)
            if day is None:
                if len(days) >= _CACHE_LIMIT:
                    days.clear()
                year = int(groups[at + yi])  # type: ignore[arg-type]
                if year < 100:  # noqa: PLR2004 - two-digit years are 20yy
                    year += 2000
                month = int(groups[at + mi])  # type: ignore[arg-type]
                date = int(groups[at + di])  # type: ignore[arg-type]
                dt.date(year, month, date)  # raises ValueError for impossible dates
                changes = dst and self.changes_on(year, month, date)
                day = days[key] = (year, month, date, changes)
            hour = numbers[groups[at + hi]]  # type: ignore[index]
            mark = groups[at + ki]
            if mark:
                offset = noon.get(mark)
                if offset is None or not 1 <= hour <= 12:  # noqa: PLR2004
                    hour = afternoon(mark, hour)  # raises for what is not a time
                    noon[mark] = 12 if grammar.meaning(mark) else 0
                else:
                    hour = hour % 12 + offset
            # Positional microsecond and zone: half the cost of tzinfo= in CPython.
            stamp = _DateTime(
                day[0], day[1], day[2], hour,
                numbers[groups[at + ni]], numbers[groups[at + si] or "0"],  # type: ignore[index]
                0, zone,
            )  # fmt: skip
            if day[3]:
                return transition(stamp, previous, line), False
            return stamp, True

        return instant

    def transition(
        self, stamp: pendulum.DateTime, previous: dt.datetime | None, line: int
    ) -> dt.datetime:
        """Read a wall time on a day when the zone's offset changes."""
        later = stamp.replace(fold=1)
        first, second = stamp.utcoffset(), later.utcoffset()
        if first == second or first is None or second is None:
            return stamp
        if first > second:  # ambiguous: the clocks went back
            if (
                previous is not None
                and stamp.timestamp() < previous.timestamp() <= later.timestamp()
            ):
                return later
            return stamp
        moved = stamp.astimezone(dt.timezone.utc).astimezone(self.zone)
        self.report(
            line,
            f"a wall time that exists in {self.zone}",
            stamp.strftime("%Y-%m-%d %H:%M:%S"),
        )
        return moved


class TextBlocks(Protocol):
    """Text read in blocks: `read` returns ``""`` only at the end."""

    def read(self, size: int, /) -> str:
        """Return the next block of text, ``""`` at the end."""
        ...


class EntryReader:
    """The second pass: lines to messages for one file, with its learned grammar."""

    def __init__(
        self,
        *,
        grammar: FileGrammar,
        context: ParseContext,
        display: str,
        media: dict[str, str],
        chunk_size: int = 1 << 16,
    ) -> None:
        self.chunk_size = chunk_size
        self.grammar = grammar
        self.context = context
        self.display = display
        self.media = media
        self.ios = grammar.shape.ios
        self.authors: dict[str, tuple[Participant | None, bool]] = {}
        self._known_author = self.authors.get
        self.times = LocalTimes(context.tz, self._warn_time)

    def _warn_time(self, line: int, expected: str, found: str) -> None:
        self.context.report(
            f"{self.display}:{line}",
            expected,
            found,
            severity=Severity.WARNING,
            lines=0,
        )

    def _drop(self, start: int, expected: str, entry: str) -> None:
        """Report the lines of an entry that cannot be a message."""
        first = entry.split("\n", 1)[0]
        self.context.report(f"{self.display}:{start}", expected, first, lines=entry.count("\n") + 1)

    def messages(self, stream: TextBlocks) -> Iterator[Message]:  # noqa: C901, PLR0912, PLR0915
        """
        Yield the messages of *stream*; report every line that is not part of one.

        The text is read in blocks, and each block (up to its last newline) is
        split at the file's headers in one regex call: the pieces are a header,
        its fields, and everything up to the next header (continuation lines and
        their line breaks included), so no Python work is done per continuation
        line. Memory holds one block plus the entry being read.
        """
        split = re.compile("\n(" + self.grammar.header.pattern + ")").split
        at = self.times.reader(self.grammar)
        build = self._build
        author_of = self._known_author
        display = self.display
        read = stream.read
        size = self.chunk_size
        tail = "\n"  # the unfinished last line, after the newline ending the one before
        # The pending entry: header line number, header text, instant or problem,
        # body pieces and how many line breaks they hold. Before the first header it
        # is the text before any header (reported if there is some).
        line = 0
        header = ""
        sent_at: dt.datetime | None = None
        problem: str | None = _BEFORE_HEADER
        body = ""  # the pending entry's text (its first piece while *more* is set)
        more: list[str] | None = None  # its pieces when it runs over blocks
        newline = -1  # where the body's first line break is
        newlines = 0
        last_key = "\n"  # never a header's text
        finished = False
        try:
            while not finished:
                block = read(size)
                if block:
                    window = tail + block
                    limit = window.rfind("\n")
                    if limit <= 0:
                        tail = window
                        continue
                    items = split(window[:limit])
                    tail = window[limit:]
                else:
                    finished = True
                    items = split(tail) if tail != "\n" else [""]
                if items[0]:
                    if more is None:
                        more = [body]
                    more.append(items[0])
                    newlines += items[0].count("\n")
                count = len(items)
                index = 1
                while True:
                    if index >= count and not finished:
                        break
                    # The pending entry is complete: a header follows, or the text ends.
                    if more is not None:
                        body = "".join(more)
                        newline = body.find("\n")
                        more = None
                    if problem is None:
                        colon = body.find(": ", 0, newline) if newline >= 0 else body.find(": ")
                        known = author_of(body[:colon]) if colon > 0 else None
                        text = body[colon + 2 :]
                        if (
                            known is None
                            or known[1]
                            or text.startswith(_MARK_PREFIXES)
                            or text.endswith(_ATTACHED_ENDS)
                            or (
                                text in _BODY_KINDS
                                if newline < 0
                                else body.endswith(")", 0, newline)
                            )
                        ):
                            yield build(line, sent_at, body)  # type: ignore[arg-type]
                        else:
                            # The common message (a known author, plain text) is
                            # built here; anything else goes through _build.
                            if not text.isascii() and not _is_nfc("NFC", text):
                                text = _normalize("NFC", text)
                            ref = _new(MutableSourceRef)
                            ref.file = display
                            ref.line = line
                            ref.path = None
                            ref.__class__ = SourceRef  # type: ignore[assignment]
                            message = _new(MutableMessage)
                            message.id = str(line)
                            message.sent_at = sent_at
                            message.author = known[0]
                            message.text = text
                            message.kind = _TEXT
                            message.reply_to = None
                            message.attachments = ()
                            message.edited = False
                            message.source = ref
                            message.chat = None
                            message.forwarded_from = None
                            message.__class__ = Message  # type: ignore[assignment]
                            yield message  # type: ignore[misc]
                    elif line:
                        self._drop(line, problem, header + body)
                    elif body:
                        self._drop(1, problem, body[1:])
                    if index >= count:
                        break
                    # The next entry starts: header, its seven fields, then its body.
                    line += newlines + 1
                    header = items[index]
                    body = items[index + 8]
                    newline = body.find("\n")
                    newlines = body.count("\n") if newline >= 0 else 0
                    if header != last_key:
                        try:
                            sent_at, cacheable = at(items, index + 1, sent_at, line)
                        except ValueError as error:
                            problem = _date_problem(error)
                            last_key = "\n"
                        else:
                            problem = None
                            last_key = header if cacheable else "\n"
                    index += 9
        except UnicodeDecodeError as error:
            raise decode_error(f"{display}:{line + newlines + 1}", error) from None

    def _author(self, name: str) -> tuple[Participant | None, bool]:
        """Return the participant a header names, and whether it may be an event."""
        known = self.authors.get(name)
        if known is None:
            if len(self.authors) >= _CACHE_LIMIT:  # odd files: keep memory bounded
                self.authors.clear()
            clean = nfc(name.translate(_AUTHOR_TABLE).strip())
            suspicious = len(name) > _MAX_AUTHOR or _QUOTED.search(name) is not None
            participant = Participant(id=clean, name=clean) if clean else None
            known = self.authors[name] = (
                participant,
                suspicious or participant is None,
            )
        return known

    def _build(  # noqa: C901, PLR0912, PLR0915 - one flat function: it runs once per message
        self, start: int, sent_at: dt.datetime, body: str
    ) -> Message:
        """Turn one entry (header line's rest and continuation lines) into a message."""
        newline = body.find("\n")
        colon = body.find(": ", 0, newline) if newline >= 0 else body.find(": ")
        author: Participant | None = None
        kind = _TEXT
        marked = False
        if colon < 0:
            kind = _SYSTEM
            text = body.lstrip(BIDI_MARKS)
        else:
            name = body[:colon]
            known = self._known_author(name)
            author, suspicious = known if known is not None else self._author(name)
            text = body[colon + 2 :]
            if text.startswith(_MARK_PREFIXES):
                marked = True
                text = text.lstrip(BIDI_MARKS)
                if self.ios and _is_event(text if newline < 0 else text.split("\n", 1)[0]):
                    kind = _SYSTEM
            if (
                suspicious
                and kind is _TEXT
                and (author is None or _is_event(body if newline < 0 else body[:newline]))
            ):
                kind = _SYSTEM
                text = body.lstrip(BIDI_MARKS)
            if kind is _SYSTEM:
                author = None
        attachments: tuple[Attachment, ...] = ()
        if kind is _TEXT:
            single = newline < 0
            if single:
                placeholder = _BODY_KINDS.get(text)
                if placeholder is None and (
                    (marked or text.startswith("<")) and len(text) <= _SHORT_BODY
                ):
                    placeholder = _placeholder_kind(text)
                if placeholder is not None:
                    kind = placeholder
                    if kind is _MEDIA:
                        attachments = _placeholder_attachment(text)
            head = text if single else text.split("\n", 1)[0]
            if kind is _TEXT and head.endswith(_ATTACHED_ENDS):
                attached = self._attached(head)
                if attached is not None:
                    kind = _MEDIA
                    attachments = (attached,)
        edited = False
        if text.endswith(">") and kind is not _SYSTEM:
            for marker in EDITED_MARKERS:
                if text.endswith(marker):
                    text = text[: -len(marker)].rstrip(BIDI_MARKS)
                    if text[-1:] in (" ", "\n"):
                        text = text[:-1]
                    edited = True
                    break
        if not text.isascii() and not _is_nfc("NFC", text):
            text = _normalize("NFC", text)
        ref = _new(MutableSourceRef)
        ref.file = self.display
        ref.line = start
        ref.path = None
        ref.__class__ = SourceRef  # type: ignore[assignment]
        message = _new(MutableMessage)
        message.id = str(start)
        message.sent_at = sent_at
        message.author = author
        message.text = text
        message.kind = kind
        message.reply_to = None
        message.attachments = attachments
        message.edited = edited
        message.source = ref
        message.chat = None
        message.forwarded_from = None
        message.__class__ = Message  # type: ignore[assignment]
        return message  # type: ignore[return-value]

    def _attached(self, first: str) -> Attachment | None:
        """Return the file a body names as attached (``<attached: …>``, ``(…)``)."""
        name: str | None = None
        if first[-1:] == ">":
            for prefix in IOS_ATTACHED_PREFIXES:
                where = first.rfind(prefix)
                if where >= 0:
                    name = first[where + len(prefix) : -1].strip()
                    break
        elif first[-1:] == ")" and first.endswith(ATTACHED_SUFFIXES):
            name = first[: first.rindex(" (")].strip(BIDI_MARKS + " ")
        if not name:
            return None
        return Attachment(
            name=name,
            url=self.media.get(name),
            content_type=mimetypes.guess_type(name)[0],
        )


def _date_problem(error: ValueError) -> str:
    reason = str(error)
    if reason.startswith(("a known", "an hour")):
        return reason
    return f"a valid date and time in the header ({reason})"
