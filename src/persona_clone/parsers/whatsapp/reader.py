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
import itertools
import mimetypes
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from typing import Final, Protocol

import pendulum

from persona_clone._fast import MutableMessage, MutableSourceRef
from persona_clone.errors import ParseError
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
    nfc,
)
from persona_clone.parsers._ordering import ReorderWindow, late_reporter
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


__all__ = [
    "MAX_MESSAGE",
    "REORDER_WINDOW",
    "EntryReader",
    "LocalTimes",
    "TextBlocks",
    "decode_error",
]

MAX_MESSAGE: Final = 1 << 18
"""The most characters one message keeps by default (WhatsApp sends at most 65,536)."""
REORDER_WINDOW: Final = 100
"""How many messages are held back by default to put late ones in place."""

_SHORT_BODY: Final = 64
_PLAIN: Final = 0
_SUSPICIOUS: Final = 1
_CHAT: Final = 2
_BATCH: Final = 64
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
                if offset is None or hour > 12:  # noqa: PLR2004
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
    """
    The second pass: lines to messages for one file, with its learned grammar.

    Args:
        grammar: What the first pass learned about the file.
        context: Where issues go, and the zone of the wall times.
        display: The file's name in reports.
        media: The files beside the chat, by name.
        chunk_size: Bytes read at a time.
        max_message: The most characters one message keeps; the rest of a
            longer one is left out and reported.
        window: How many messages are held back to put late ones in place
            (see `persona_clone.parsers._ordering.ReorderWindow`).
    """

    def __init__(
        self,
        *,
        grammar: FileGrammar,
        context: ParseContext,
        display: str,
        media: dict[str, str],
        chunk_size: int = 1 << 16,
        max_message: int = MAX_MESSAGE,
        window: int = REORDER_WINDOW,
    ) -> None:
        self.chunk_size = chunk_size
        self.max_message = max_message
        self.window = window
        self.grammar = grammar
        self.context = context
        self.display = display
        self.media = media
        self.ios = grammar.shape.ios
        # name -> (participant, how its messages are built): 0 the common way,
        # _SUSPICIOUS maybe an event, _CHAT the chat's own name (see _chat_event)
        self.authors: dict[str, tuple[Participant | None, int]] = {}
        self.chat_name: str | None = None
        self._chat_speaks = False
        self._first = True
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

    def _cut(self, start: int, body: str, newlines: int) -> str:
        """Return *body* cut to `max_message` characters, reporting the cut."""
        kept = body[: self.max_message]
        self.context.report(
            f"{self.display}:{start}",
            f"a message of at most {self.max_message:,} characters (the rest is left out)",
            f"{len(body):,}+ characters",
            lines=newlines - kept.count("\n"),
        )
        return kept

    def messages(self, stream: TextBlocks) -> Iterator[Message]:
        """
        Yield the messages of *stream* oldest first; report every line not part of one.

        Messages come out of a `ReorderWindow`: one stored up to `window` places
        late is put in its place, a later one is read at the time of the latest
        message before it; each is reported as a warning.
        """
        return itertools.chain.from_iterable(self.batches(stream))

    def batches(self, stream: TextBlocks) -> Iterator[list[Message]]:
        """
        Yield the messages of `messages` in lists of a few (some empty).

        Flattened by `itertools.chain.from_iterable`, no Python frame is
        resumed per message.
        """
        mender = ReorderWindow(late=late_reporter(self.context, "messages"), window=self.window)
        return self._read(stream, mender)

    def _windows(self, stream: TextBlocks) -> Iterator[str]:
        r"""
        Yield the text of *stream* in windows of whole lines, each after a ``\n``.

        Work and memory are linear in the text: an unfinished line is kept in
        pieces and joined once. A line longer than `max_message` keeps its first
        `max_message` characters or so; the message holding it is cut and reported.
        """
        read = stream.read
        size = self.chunk_size
        cap = self.max_message
        pieces = ["\n"]  # the unfinished last line, after the newline ending the one before
        held = 1
        while block := read(size):
            limit = block.rfind("\n")
            if limit < 0:
                if held <= cap:
                    pieces.append(block)
                    held += len(block)
                continue
            if held > cap:  # the rest of an over-long line is left out
                pieces.append(block[block.find("\n") : limit])
            else:
                pieces.append(block[:limit])
            yield "".join(pieces)
            pieces = [block[limit:]]
            held = len(block) - limit
        if held > 1:
            yield "".join(pieces)

    def _read(  # noqa: C901, PLR0912, PLR0915 - the hot loop, kept flat
        self, stream: TextBlocks, mender: ReorderWindow
    ) -> Iterator[list[Message]]:
        """
        Yield the lists of messages of *stream* that *mender* releases, a few at a time.

        Each window is split at the file's headers in one regex call: the pieces
        are a header, its fields, and everything up to the next header
        (continuation lines and their line breaks included), so no Python work
        is done per continuation line. Memory holds one window plus the entry
        being read.
        """
        split = re.compile("\n(" + self.grammar.header.pattern + ")").split
        push = mender.push
        at = self.times.reader(self.grammar)
        build = self._build
        author_of = self._known_author
        display = self.display
        cap = self.max_message
        windows = self._windows(stream)
        # The pending entry: header line number, header text, instant or problem,
        # body pieces and how many line breaks they hold. Before the first header it
        # is the text before any header (reported if there is some).
        line = 0
        header = ""
        sent_at: dt.datetime | None = None
        problem: str | None = _BEFORE_HEADER
        body = ""  # the pending entry's text (its first piece while *more* is set)
        more: list[str] | None = None  # its pieces when it runs over windows
        held = 0  # the characters in *more*
        newline = -1  # where the body's first line break is
        newlines = 0
        last_key = "\n"  # never a header's text
        high: dt.datetime | None = None  # the latest time so far
        late = False  # whether the pending entry is earlier than *high*
        ordered = True  # whether the messages in *out* are
        out: list[Message] = []
        append = out.append
        room = _BATCH  # messages until *out* is handed on (few: held messages cost)
        charge = 0  # the characters read since *out* was last handed on
        finished = False
        big = False  # whether the pending entry's body is longer than *cap*
        try:
            while not finished:
                window = next(windows, "")
                if window:
                    items = split(window)
                    long = len(window) > cap
                    charge += len(window)
                else:
                    finished = True
                    items = [""]
                    long = False
                if items[0]:
                    if more is None:
                        more = [body]
                        held = len(body)
                    if held <= cap:
                        more.append(items[0])
                        held += len(items[0])
                    newlines += items[0].count("\n")
                count = len(items)
                index = 1
                while True:
                    if index >= count and not finished:
                        break
                    # The pending entry is complete: a header follows, or the text ends.
                    if more is not None:
                        body = "".join(more)
                        more = None
                        if held > cap:
                            body = self._cut(line, body, newlines)
                        newline = body.find("\n")
                    elif big:
                        body = self._cut(line, body, newlines)
                        newline = body.find("\n")
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
                            append(build(line, sent_at, body))  # type: ignore[arg-type]
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
                            append(message)  # type: ignore[arg-type]
                        room -= 1
                        if not room:
                            yield push(out, ordered=ordered, chars=charge)
                            out = []
                            append = out.append
                            ordered = not late
                            room = _BATCH
                            charge = 0
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
                    big = long and len(body) > cap
                    if header != last_key:
                        try:
                            sent_at, cacheable = at(items, index + 1, sent_at, line)
                        except ValueError as error:
                            problem = _date_problem(error)
                            last_key = "\n"
                        else:
                            problem = None
                            last_key = header if cacheable else "\n"
                            if high is None or not sent_at < high:
                                high = sent_at
                                late = False
                            else:
                                late = True
                                ordered = False
                    index += 9
            if out:
                yield push(out, ordered=ordered, chars=charge)
            yield mender.finish()
        except UnicodeDecodeError as error:
            raise decode_error(f"{display}:{line + newlines + 1}", error) from None

    def _author(self, name: str) -> tuple[Participant | None, int]:
        """Return the participant a header names, and how its messages are built."""
        known = self.authors.get(name)
        if known is None:
            if len(self.authors) >= _CACHE_LIMIT:  # odd files: keep memory bounded
                self.authors.clear()
            clean = nfc(name.translate(_AUTHOR_TABLE).strip())
            suspicious = len(name) > _MAX_AUTHOR or _QUOTED.search(name) is not None
            participant = Participant(id=clean, name=clean) if clean else None
            known = self.authors[name] = (
                participant,
                _SUSPICIOUS if suspicious or participant is None else _PLAIN,
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
            author, how = known if known is not None else self._author(name)
            suspicious = how == _SUSPICIOUS
            text = body[colon + 2 :]
            if text.startswith(_MARK_PREFIXES):
                marked = True
                text = text.lstrip(BIDI_MARKS)
                if self.ios and self._chat_event(
                    name, text if newline < 0 else text.split("\n", 1)[0]
                ):
                    kind = _SYSTEM
            elif how == _CHAT:  # the chat's name writes plain text: a person (1:1 chat)
                self._chat_speaks = True
                self.authors[name] = (author, _PLAIN)
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
        self._first = False
        return message  # type: ignore[return-value]

    def _chat_event(self, name: str, line: str) -> bool:
        """
        Whether an iOS body after a U+200E mark (*line*, mark removed) by *name* is an event.

        iOS writes events as the chat's own lines: ``[time] <chat name>: \u200e<text>``.
        A known phrase decides, and teaches the chat's name; a mark on the
        file's first entry teaches it too (exports start with an event). After
        that, any marked body by the chat's name that is not media, a deleted
        notice or an attachment is an event, in any language, unless that name
        has written plain text (a one-to-one chat, named after the contact).
        """
        if _is_event(line):
            if self.chat_name is None:
                self._learn_chat(name)
            return True
        if line.endswith(">") or line in _BODY_KINDS or _placeholder_kind(line) is not None:
            return False
        if self.chat_name is None and self._first:
            self._learn_chat(name)
            return True
        return name == self.chat_name and not self._chat_speaks

    def _learn_chat(self, name: str) -> None:
        """Take *name* as the chat's; its plain messages now go through `_build`."""
        self.chat_name = name
        participant, _ = self._author(name)
        self.authors[name] = (participant, _CHAT)

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
