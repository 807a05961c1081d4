"""
`WhatsAppParser`: WhatsApp ``.txt`` exports, Android and iOS, any locale.

The parser reads the export twice, streaming both times. The first pass
(`persona_clone.parsers.whatsapp.grammar.HeaderSurvey`) learns the file's header
shape and date order from every header; the second turns lines into messages
with one compiled regex made for that file. Memory stays bounded by the longest
message and the number of distinct dates, whatever the file's size.

The first pass reads every header's date even once one date (a day above 12)
has shown the order: a later part of the file may prove the other order (two
exports joined), and then the majority decides and a warning says so. Stopping
early would read such a file by whichever order came first, silently. The scan
is one regex over the text that skips the lines repeating the last date, and
costs under a tenth of a parse; pass ``date_order=`` to skip it.

WhatsApp writes local wall time without an offset: the zone comes from the
caller (``parse(path, tz="Europe/Istanbul")``) and defaults to UTC.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, ClassVar, Final

from attrs import field, frozen

from persona_clone.errors import ParseError, excerpt
from persona_clone.message import (
    Message,
)
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.source import Sample, Source, detect_encoding
from persona_clone.parsers.whatsapp.grammar import (
    SNIFF_HEADER,
    DateOrder,
    FileGrammar,
    HeaderSurvey,
    NoHeaderError,
)
from persona_clone.parsers.whatsapp.locale import (
    CHAT_FILE_PREFIXES,
)
from persona_clone.parsers.whatsapp.reader import (
    MAX_MESSAGE,
    REORDER_WINDOW,
    EntryReader,
    decode_error,
)


__all__ = ["DateOrder", "WhatsAppParser"]

_SNIFF_LINES: Final = 12
_SIGNAL: Final = re.compile(r"\[\d{4}-\d\d-\d\d,? \d")
"""Signal's text export: bracketed year-first dates with dashes, no seconds."""
_HEAD: Final = 4096
_NOT_TEXT: Final = 9
_HEADER_EXAMPLE: Final = (
    "a WhatsApp message header such as '31/12/2023, 21:05 - Name: text' "
    "or '[31/12/2023, 21:05:12] Name: text'"
)


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
    lines = [line for line in text.lstrip("\ufeff").split("\n") if line.strip()][:_SNIFF_LINES]
    headers = 0
    first = False
    for index, line in enumerate(lines):
        found = SNIFF_HEADER.match(line)
        if found is not None and (
            found["bracket"] is None or found["seconds"] is not None or not _SIGNAL.match(line)
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
        chunk_size: Bytes read at a time by each pass.
        reorder_window: How many messages are held back so that one written
            up to that many places too late is put in its place (each moved
            message is a warning); a message later than that keeps its place
            and is read at the time of the latest message before it (a warning).
        max_message: The most characters one message keeps; the rest of a
            longer one is left out and reported as an error. WhatsApp sends at
            most 65,536.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "whatsapp"
    carries_replies: ClassVar[bool] = False
    """The format has no reply links: no message carries ``reply_to``."""

    date_order: DateOrder | None = None
    default_date_order: DateOrder = DateOrder.DMY
    am_markers: tuple[str, ...] = field(default=(), converter=tuple)
    pm_markers: tuple[str, ...] = field(default=(), converter=tuple)
    member: str | None = None
    chunk_size: int = 1 << 15
    reorder_window: int = REORDER_WINDOW
    max_message: int = MAX_MESSAGE

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: high when its first lines are WhatsApp headers."""
        if sample.is_container:
            ranked = sorted((_chat_rank(m), m) for m in sample.members if _chat_rank(m) < _NOT_TEXT)
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
        Yield the export's messages oldest first (see *reorder_window*).

        Raises:
            ParseError: the input is not a readable WhatsApp chat (empty, binary,
                undecodable, no header, a zip without a chat); in strict mode also
                the first line that cannot be read.
        """
        # Flattened in C: no Python frame is resumed per message.
        return itertools.chain.from_iterable(self._batches(source, context))

    def _batches(self, source: Source, context: ParseContext) -> Iterator[list[Message]]:
        """Yield the export's messages a few at a time (nothing is read before the first)."""
        member = self._chat_member(source)
        display = source.display(member)
        media = self._media_members(source, member)
        grammar = self._survey(source, member, display)
        for warning in grammar.warnings:
            context.report(display, warning, severity=Severity.WARNING, lines=0)
        with _open_blocks(source, member, display) as text:
            yield from EntryReader(
                grammar=grammar,
                context=context,
                display=display,
                media=media,
                chunk_size=self.chunk_size,
                max_message=self.max_message,
                window=self.reorder_window,
            ).batches(text)

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
        ranked = sorted((_chat_rank(m), m) for m in members if _chat_rank(m) < _NOT_TEXT)
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
        with _open_blocks(source, member, display) as text:
            read = text.read
            size = self.chunk_size
            forced = self.date_order is not None
            try:
                while chunk := read(size):
                    survey.feed(chunk)
                    if forced and survey.shape_known:
                        break  # the dates are read only to infer their order
            except UnicodeDecodeError as error:
                where = display
                if error.encoding.startswith("utf-8"):
                    where = f"{display}:{_undecodable_line(source, member)}"
                raise decode_error(where, error) from None
        try:
            return survey.grammar(
                order=self.date_order,
                default_order=self.default_date_order,
                am_markers=self.am_markers,
                pm_markers=self.pm_markers,
            )
        except NoHeaderError:
            with _open_blocks(source, member, display) as text:
                head = text.read(_HEAD)  # a bounded read: the first line may be huge
            first = next((line for line in head.split("\n") if line.strip()), "")
            raise ParseError(f"{display}:1", _HEADER_EXAMPLE, excerpt(first)) from None


def _listing(members: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(repr(m) for m in members[:6])
    more = f" and {len(members) - 6} more" if len(members) > 6 else ""  # noqa: PLR2004
    return f"members {shown}{more}" if members else "no files"


def _undecodable_line(source: Source, member: str) -> int:
    """The number of the first line of a UTF-8 file that does not decode (read in blocks)."""
    decode = codecs.getincrementaldecoder("utf-8")().decode
    line = 1
    with source.open_binary(member) as handle:
        while raw := handle.read(_HEAD):
            try:
                line += decode(raw).count("\n")
            except UnicodeDecodeError as error:  # noqa: PERF203 - an error path, run once
                return line + error.object[: error.start].count(b"\n")
    return line


def _head(source: Source, member: str) -> str:
    with source.open_binary(member) as handle:
        raw = handle.read(_HEAD)
    return raw.decode(detect_encoding(raw), errors="replace")


def _encoding(source: Source, member: str, display: str) -> str:
    """The chat's encoding; raises clear errors for empty, binary and odd files."""
    with source.open_binary(member) as probe:
        head = probe.read(_HEAD)
    if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise ParseError(display, "a WhatsApp chat export", "an empty file")
    encoding = detect_encoding(head)
    if encoding == "utf-8":
        if b"\x00" in head:
            raise ParseError(display, "a text file", "binary data")
        encoding = "utf-8-sig"
    return encoding


class _TextBlocks:
    r"""
    The chat's text in blocks, decoded and with universal newlines.

    What ``io.TextIOWrapper(newline=None)`` gives, at a third of its cost on
    large files: the bytes are read in blocks, decoded with an incremental
    decoder, and ``\r\n`` and ``\r`` become ``\n`` only in the blocks that hold a
    ``\r`` (a block ending in ``\r`` keeps it back for the next, so a ``\r\n`` cut
    between blocks stays one line break). `read` never returns ``""`` before the end.
    """

    def __init__(self, binary: IO[bytes], encoding: str) -> None:
        self._binary = binary
        self._decode = codecs.getincrementaldecoder(encoding)("strict").decode
        self._carriage = False
        self._done = False

    def __enter__(self) -> _TextBlocks:  # noqa: PYI034 - a private, final class
        return self

    def __exit__(self, *_: object) -> None:
        self._binary.close()

    def read(self, size: int) -> str:
        """Return the next block of about *size* bytes' text; ``""`` at the end."""
        read = self._binary.read
        decode = self._decode
        while not self._done:
            raw = read(size)
            text = decode(raw, final=not raw)
            if not raw:
                self._done = True
            if self._carriage:
                text = "\r" + text
                self._carriage = False
            if "\r" in text:
                if raw and text[-1] == "\r":
                    text = text[:-1]
                    self._carriage = True
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            if text:
                return text
        return ""


def _open_blocks(source: Source, member: str, display: str) -> _TextBlocks:
    """Open the chat for reading in blocks (see `_TextBlocks`)."""
    encoding = _encoding(source, member, display)
    return _TextBlocks(source.open_binary(member), encoding)
