"""
Signal chats as text: one ``[YYYY-MM-DD, HH:MM] Name: text`` header per message.

Signal has no built-in export; this is the text written by community tools (the
shape chat-miner reads, and signal-export's ``chat.md``, which omits the comma).
Times are local wall time without an offset: the caller gives the zone.
Grammar: ``docs/export-formats.md`` section 8.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Final

import pendulum
from attrs import define

from persona_clone.errors import ParseError, excerpt
from persona_clone.message import (
    Attachment,
    Message,
    MessageKind,
    Participant,
    SourceRef,
)
from persona_clone.parsers._ordering import chronological, late_reporter
from persona_clone.parsers._text_input import check_text_file
from persona_clone.parsers._wall_time import wall_time
from persona_clone.parsers.base import ParseContext
from persona_clone.parsers.source import Sample, Source


__all__ = ["SignalParser"]

_WHAT: Final = "a Signal text export ('[YYYY-MM-DD, HH:MM] Name: text' lines)"
_HEADER = re.compile(
    r"\[(\d{4})-(\d\d)-(\d\d),? (\d\d?):(\d\d)(?::(\d\d))?\] (?P<rest>.*)", re.DOTALL
)
_AUTHOR = re.compile(r"(?P<author>[^:\n]{1,80}?): (?P<body>.*)", re.DOTALL)
_MEDIA_LINK = re.compile(r"!?\[(?P<name>[^\]]*)\]\((?P<url>(?:\./)?media/[^)]+)\)")
_SNIFF_LINES: Final = 20


@define(kw_only=True)
class SignalParser:
    """
    Read a Signal chat exported as text lines.

    Each line that starts with ``[YYYY-MM-DD, HH:MM]`` (the comma and seconds are
    optional) begins a message ``Name: text``; any other line continues the message
    above it, after a line break. A body that is only a Markdown link into
    ``media/`` (as signal-export writes attachments) is a media message. Times are
    local: they are read in the context's zone (``parse(..., tz=...)``).

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "signal"
    carries_replies: ClassVar[bool] = False
    """The format has no reply links: no message carries ``reply_to``."""

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: its first lines are Signal headers without seconds."""
        if sample.is_container:
            return 0.0
        lines = [line for line in sample.text().splitlines() if line.strip()][:_SNIFF_LINES]
        if not lines:
            return 0.0
        first = _HEADER.match(lines[0])
        if first is None or _AUTHOR.match(first["rest"]) is None:
            return 0.0
        headers = [match for line in lines if (match := _HEADER.match(line))]
        if any(match[6] is not None for match in headers):
            return 0.5  # seconds: more likely a WhatsApp iOS export in y-m-d order
        return 0.9

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the chat's messages oldest first, times in the context's zone.

        Messages stored a little out of order are put in place, later ones read
        at the time before them, each with a warning (see
        `persona_clone.parsers._ordering.ReorderWindow`).

        Raises:
            ParseError: the input is a folder or zip, empty, binary or not text.
        """
        where = check_text_file(source, _WHAT, probe=512)
        messages = _Reader(where=where, context=context).read(source)
        yield from chronological(
            messages, order="oldest-first", late=late_reporter(context, "messages")
        )


@define(kw_only=True)
class _Pending:
    """The message being read: its header and the lines of its body so far."""

    line: int
    sent_at: pendulum.DateTime
    author: str
    body: list[str]


@define(kw_only=True)
class _Reader:
    where: str
    context: ParseContext

    def read(self, source: Source) -> Iterator[Message]:
        pending: _Pending | None = None
        count = 0
        number = 0
        tz = self.context.tz
        try:
            with source.open_text() as handle:
                for number, raw in enumerate(handle, start=1):
                    line = raw.removesuffix("\n")
                    header = _HEADER.fullmatch(line)
                    if header is None:
                        if pending is not None:
                            pending.body.append(line)
                        else:
                            self.context.report(f"{self.where}:{number}", "a message header", line)
                        continue
                    author = _AUTHOR.fullmatch(header["rest"])
                    sent_at = wall_time(header.groups()[:6], tz)
                    if sent_at is None and pending is not None:
                        pending.body.append(line)  # not a real header: a continuation
                        continue
                    if author is None or sent_at is None:
                        if pending is not None:
                            count += 1
                            yield self._message(pending, count)
                            pending = None
                        expected = "'Name: text' after the time" if sent_at else "a valid date"
                        self.context.report(f"{self.where}:{number}", expected, line)
                        continue
                    if pending is not None:
                        count += 1
                        yield self._message(pending, count)
                    pending = _Pending(
                        line=number,
                        sent_at=sent_at,
                        author=author["author"],
                        body=[author["body"]],
                    )
        except UnicodeDecodeError as error:
            raise ParseError(
                f"{self.where}:{number + 1}",
                "UTF-8 (or UTF-16) text",
                excerpt(str(error)),
            ) from None
        if pending is not None:
            count += 1
            yield self._message(pending, count)

    def _message(self, pending: _Pending, count: int) -> Message:
        text = "\n".join(pending.body)
        link = _MEDIA_LINK.fullmatch(text)
        attachments = (
            (Attachment(name=link["name"] or link["url"].rsplit("/", 1)[-1], url=link["url"]),)
            if link
            else ()
        )
        return Message(
            id=str(count),
            sent_at=pending.sent_at,
            author=Participant.from_name(pending.author),
            text="" if link else text,
            kind=MessageKind.MEDIA if link else MessageKind.TEXT,
            attachments=attachments,
            source=SourceRef(file=self.where, line=pending.line),
        )
