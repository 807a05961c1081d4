"""
`WhatsAppParser`: WhatsApp ``.txt`` exports, Android and iOS, any locale.

The parser reads the export twice, streaming both times. The first pass
(`persona_clone.parsers.whatsapp_grammar.HeaderSurvey`) learns the file's header
shape and date order from every header; the second turns lines into messages
with one compiled regex made for that file. Memory stays bounded by the longest
message and the number of distinct dates, whatever the file's size.

WhatsApp writes local wall time without an offset: the zone comes from the
caller (``parse(path, tz="Europe/Istanbul")``) and defaults to UTC.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import io
import mimetypes
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import IO, ClassVar, Final

import pendulum
from attrs import field, frozen

from persona_clone.errors import ParseError, excerpt
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
    nfc,
)
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source, detect_encoding
from persona_clone.parsers.whatsapp_grammar import (
    SNIFF_HEADER,
    DateOrder,
    FileGrammar,
    HeaderSurvey,
    NoHeaderError,
)
from persona_clone.parsers.whatsapp_locale import (
    ATTACHED_SUFFIXES,
    AUTHOR_CONTROLS,
    BIDI_MARKS,
    CHAT_FILE_PREFIXES,
    DELETED_BODIES,
    DELETED_TEXTS,
    EDITED_MARKERS,
    IOS_ATTACHED_PREFIXES,
    MEDIA_PLACEHOLDERS,
    MEDIA_TEXTS,
    SYSTEM_PATTERN,
)


__all__ = ["DateOrder", "WhatsAppParser"]

_SNIFF_LINES: Final = 12
_SHORT_BODY: Final = 64
_EVENT_LENGTH: Final = (
    400  # system events are short; longer text is cut before matching
)
_MAX_AUTHOR: Final = 80
_CACHE_LIMIT: Final = 4096
_HEAD: Final = 4096
_NOT_TEXT: Final = 9
_QUOTED: Final = re.compile("\\s[\"'“”„«»\u2018\u2019\u201a]")
"""An opening quote after a space: the ": " may sit inside a quoted group subject."""
_AUTHOR_TABLE: Final = str.maketrans(dict.fromkeys(AUTHOR_CONTROLS))
_BEFORE_HEADER: Final = "a message header on the first line (text before any header)"
_HEADER_EXAMPLE: Final = (
    "a WhatsApp message header such as '31/12/2023, 21:05 - Name: text' "
    "or '[31/12/2023, 21:05:12] Name: text'"
)

# Messages are built without running their validators: the parser guarantees what
# they check (aware time, NFC text, an author exactly when the kind is not system),
# and skipping them makes a message about three times cheaper, which matters on
# million-message exports. Equality, hashing, pickling and repr are a normal Message's.
_new = object.__new__
_DateTime = pendulum.DateTime
(
    _set_id,
    _set_sent_at,
    _set_author,
    _set_text,
    _set_kind,
    _set_reply_to,
    _set_attachments,
    _set_edited,
    _set_source,
) = (
    Message.__dict__[name].__set__
    for name in (
        "id",
        "sent_at",
        "author",
        "text",
        "kind",
        "reply_to",
        "attachments",
        "edited",
        "source",
    )
)
_set_file, _set_line, _set_path = (
    SourceRef.__dict__[name].__set__ for name in ("file", "line", "path")
)
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


def _chat_rank(member: str) -> int:
    """Rank *member* as the chat of a WhatsApp export (lower is likelier)."""
    path = PurePosixPath(member)
    if path.suffix.lower() != ".txt" or "__MACOSX" in path.parts:
        return _NOT_TEXT
    name = path.stem.replace("_", " ").casefold()
    if path.name == "_chat.txt":
        return 0
    if name.startswith(CHAT_FILE_PREFIXES):
        return 1
    if "whatsapp" in name:
        return 2
    return 3


def _looks_like_chat(text: str) -> tuple[int, bool]:
    """Count headers among the first non-empty lines; say if the first is one."""
    lines = [line for line in text.lstrip("\ufeff").split("\n") if line.strip()][
        :_SNIFF_LINES
    ]
    headers = 0
    first = False
    for index, line in enumerate(lines):
        found = SNIFF_HEADER.match(line)
        if found is not None and (
            found["bracket"] is None or found["seconds"] is not None
        ):
            headers += 1
            first = first or index == 0
    return headers, first


@frozen(kw_only=True)
class WhatsAppParser:
    """
    Reads WhatsApp chat exports (``.txt``, the exported ``.zip``, or its folder).

    Android (``31/12/2023, 21:05 - Name: text``) and iOS
    (``[31/12/2023, 21:05:12] Name: text``) exports in any locale: every date
    order, separators ``/ . -``, two- or four-digit years, 12 h clocks with any
    day-period marker (``PM``, ``p. m.``, ``ÖS``, ``오후``, ``下午``) and 24 h clocks.
    The date order is inferred from every header in the file.

    Times are the phone's local wall time; the zone comes from
    ``ParseContext.tz`` (``parse(path, tz=...)``, default UTC).

    Args:
        date_order: Force the order of day, month and year instead of inferring it.
        default_date_order: The order used when no date in the file decides
            (every day is 12 or less and both orders keep the file
            chronological); a warning is reported.
        am_markers: Extra spellings of before-noon markers for locales the
            built-in tables miss.
        pm_markers: Extra spellings of after-noon markers.
        member: The chat file inside a zip or folder, when it holds several.
        chunk_size: Characters read at a time by the first pass.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "whatsapp"

    date_order: DateOrder | None = None
    default_date_order: DateOrder = DateOrder.DMY
    am_markers: tuple[str, ...] = field(default=(), converter=tuple)
    pm_markers: tuple[str, ...] = field(default=(), converter=tuple)
    member: str | None = None
    chunk_size: int = 1 << 16

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: high when its first lines are WhatsApp headers."""
        if sample.is_container:
            ranked = sorted(
                (_chat_rank(m), m) for m in sample.members if _chat_rank(m) < _NOT_TEXT
            )
            best = 0.0
            for rank, member in ranked[:8]:
                headers, first = _looks_like_chat(sample.text(member))
                if headers and first:
                    best = max(best, 0.95 if rank <= 1 else 0.9 if rank == 2 else 0.7)  # noqa: PLR2004
            return best
        headers, first = _looks_like_chat(sample.text())
        if not headers:
            return 0.0
        score = 0.5 + 0.1 * min(headers, 4) if first else 0.3
        if _chat_rank(sample.name) <= 2:  # noqa: PLR2004
            score += 0.05
        return min(score, 0.95)

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the export's messages in file order.

        Raises:
            ParseError: the input is not a readable WhatsApp chat (empty, binary,
                undecodable, no header, a zip without a chat); in strict mode also
                the first line that cannot be read.
        """
        member = self._chat_member(source)
        display = source.display(member)
        media = self._media_members(source, member)
        grammar = self._survey(source, member, display)
        for warning in grammar.warnings:
            context.report(display, warning, severity=Severity.WARNING, lines=0)
        with _open_text(source, member, display) as text:
            yield from _Reader(
                grammar=grammar,
                context=context,
                display=display,
                media=media,
                chunk_size=self.chunk_size,
            ).messages(text)

    def _chat_member(self, source: Source) -> str:
        if not (source.is_zip or source.is_dir):
            return ""
        members = source.members()
        if self.member is not None:
            if self.member not in members:
                raise ParseError(
                    source.display(),
                    f"a member named {self.member!r}",
                    _listing(members),
                )
            return self.member
        ranked = sorted(
            (_chat_rank(m), m) for m in members if _chat_rank(m) < _NOT_TEXT
        )
        if not ranked:
            raise ParseError(
                source.display(),
                "a WhatsApp chat inside ('_chat.txt' or 'WhatsApp Chat with ….txt')",
                _listing(members),
            )
        best = ranked[0][0]
        if best <= 2:  # noqa: PLR2004
            tied = [m for rank, m in ranked if rank == best]
        else:
            tied = [m for _, m in ranked if _looks_like_chat(_head(source, m))[0]]
            if not tied:
                raise ParseError(
                    source.display(),
                    "a WhatsApp chat inside",
                    _listing([m for _, m in ranked]),
                )
        if len(tied) > 1:
            raise ParseError(
                source.display(),
                "one WhatsApp chat (pass WhatsAppParser(member=...) to choose)",
                _listing(tied),
            )
        return tied[0]

    @staticmethod
    def _media_members(source: Source, member: str) -> dict[str, str]:
        """The files beside the chat in a zip or folder, by file name."""
        if not member:
            return {}
        folder = PurePosixPath(member).parent
        return {
            PurePosixPath(m).name: m
            for m in source.members()
            if m != member and PurePosixPath(m).parent == folder
        }

    def _survey(self, source: Source, member: str, display: str) -> FileGrammar:
        survey = HeaderSurvey()
        with _open_text(source, member, display) as text:
            read = text.read
            size = self.chunk_size
            forced = self.date_order is not None
            try:
                while chunk := read(size):
                    survey.feed(chunk)
                    if forced and survey.shape_known:
                        break  # the dates are read only to infer their order
            except UnicodeDecodeError as error:
                raise _decode_error(display, error) from None
        try:
            return survey.grammar(
                order=self.date_order,
                default_order=self.default_date_order,
                am_markers=self.am_markers,
                pm_markers=self.pm_markers,
            )
        except NoHeaderError:
            with _open_text(source, member, display) as text:
                first = next((line for line in text if line.strip()), "")
            raise ParseError(
                f"{display}:1", _HEADER_EXAMPLE, excerpt(first.rstrip("\n"))
            ) from None


def _listing(members: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(repr(m) for m in members[:6])
    more = f" and {len(members) - 6} more" if len(members) > 6 else ""  # noqa: PLR2004
    return f"members {shown}{more}" if members else "no files"


def _head(source: Source, member: str) -> str:
    with source.open_binary(member) as handle:
        raw = handle.read(_HEAD)
    return raw.decode(detect_encoding(raw), errors="replace")


def _decode_error(display: str, error: UnicodeDecodeError) -> ParseError:
    bad = error.object[error.start : error.start + 4]
    return ParseError(
        display,
        f"text in UTF-8 or UTF-16 (could not decode as {error.encoding})",
        f"bytes {bytes(bad)!r}",
    )


def _open_text(source: Source, member: str, display: str) -> IO[str]:
    """Open the chat as text, with clear errors for empty, binary and odd files."""
    with source.open_binary(member) as probe:
        head = probe.read(_HEAD)
    if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise ParseError(display, "a WhatsApp chat export", "an empty file")
    encoding = detect_encoding(head)
    if encoding == "utf-8":
        if b"\x00" in head:
            raise ParseError(display, "a text file", "binary data")
        encoding = "utf-8-sig"
    binary = source.open_binary(member)
    return io.TextIOWrapper(binary, encoding=encoding, errors="strict", newline=None)


_Instant = Callable[
    [Sequence[str | None], int, dt.datetime | None, int], tuple[dt.datetime, bool]
]
"""(groups, offset of the first, previous instant, line) -> (instant, reusable)."""


class _Times:
    """
    Turns header fields into aware times in the caller's zone.

    Around a daylight-saving change the same wall time can mean two instants (the
    clocks went back) or none (they went forward). On those days each time is
    read so the output stays chronological: a repeated wall time after the clock
    went back is the later instant; a wall time that does not exist moves
    forward by the gap, with a warning.
    """

    def __init__(
        self, zone: dt.tzinfo, report: Callable[[int, str, str], None]
    ) -> None:
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
        days: dict[
            tuple[str | None, str | None, str | None], tuple[int, int, int, bool]
        ] = {}
        day_of = days.get

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
            hour = int(groups[at + hi])  # type: ignore[arg-type]
            mark = groups[at + ki]
            if mark:
                hour = afternoon(mark, hour)
            stamp = _DateTime(
                day[0], day[1], day[2], hour,
                int(groups[at + ni]), int(groups[at + si] or 0),  # type: ignore[arg-type]
                tzinfo=zone,
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


class _Reader:
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
        self.times = _Times(context.tz, self._warn_time)

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
        self.context.report(
            f"{self.display}:{start}", expected, first, lines=entry.count("\n") + 1
        )

    def messages(self, stream: IO[str]) -> Iterator[Message]:  # noqa: C901, PLR0912, PLR0915
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
        parts: list[str] = []
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
                    parts.append(items[0])
                    newlines += items[0].count("\n")
                count = len(items)
                index = 1
                while True:
                    if index >= count and not finished:
                        break
                    # The pending entry is complete: a header follows, or the text ends.
                    if problem is None:
                        body = parts[0] if len(parts) == 1 else "".join(parts)
                        newline = body.find("\n")
                        colon = (
                            body.find(": ", 0, newline)
                            if newline >= 0
                            else body.find(": ")
                        )
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
                            ref = _new(SourceRef)
                            _set_file(ref, display)
                            _set_line(ref, line)
                            _set_path(ref, None)
                            message = _new(Message)
                            _set_id(message, str(line))
                            _set_sent_at(message, sent_at)
                            _set_author(message, known[0])
                            _set_text(message, text)
                            _set_kind(message, _TEXT)
                            _set_reply_to(message, None)
                            _set_attachments(message, ())
                            _set_edited(message, False)  # noqa: FBT003
                            _set_source(message, ref)
                            yield message
                    elif line:
                        self._drop(line, problem, header + "".join(parts))
                    elif parts:
                        self._drop(1, problem, "".join(parts)[1:])
                    if index >= count:
                        break
                    # The next entry starts: header, its seven fields, then its body.
                    line += newlines + 1
                    header = items[index]
                    body = items[index + 8]
                    parts = [body]
                    newlines = body.count("\n")
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
            raise _decode_error(f"{display}:{line + newlines + 1}", error) from None

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
                if self.ios and _is_event(
                    text if newline < 0 else text.split("\n", 1)[0]
                ):
                    kind = _SYSTEM
            if (
                suspicious
                and kind is _TEXT
                and (
                    author is None or _is_event(body if newline < 0 else body[:newline])
                )
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
        ref = _new(SourceRef)
        _set_file(ref, self.display)
        _set_line(ref, start)
        _set_path(ref, None)
        message = _new(Message)
        _set_id(message, str(start))
        _set_sent_at(message, sent_at)
        _set_author(message, author)
        _set_text(message, text)
        _set_kind(message, kind)
        _set_reply_to(message, None)
        _set_attachments(message, attachments)
        _set_edited(message, edited)
        _set_source(message, ref)
        return message

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
