"""
iMessage conversations as written by imessage-exporter's text export (``--format txt``).

One ``.txt`` file per conversation; each message is a block::

    May 06, 2024  9:15:02 AM (Read by them after 2 minutes, 5 seconds)
    Me
    Günaydın!
    <blank line>

a time line (local time of the Mac, optionally a read receipt in parentheses),
the sender (``Me`` or the contact's name, number or address), the body, and a
blank line. An event of the conversation is one line: the time followed by the
event (``May 06, 2024  9:20:00 AM Ada renamed the conversation to Aile``).
Grammar: ``docs/export-formats.md`` section 8.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import ClassVar, Final

import pendulum
from attrs import define, field
from attrs.validators import ge

from persona_clone.errors import ParseError
from persona_clone.message import Attachment, Message, MessageKind, Participant, SourceRef
from persona_clone.parsers._ordering import chronological, late_reporter
from persona_clone.parsers._text_input import check_text_file
from persona_clone.parsers.base import ParseContext
from persona_clone.parsers.source import Sample, Source


__all__ = ["IMessageParser"]

_WHAT: Final = "an imessage-exporter text export ('May 06, 2024  9:15:02 AM' time lines)"
_MONTHS: Final = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_TIME: Final = (
    r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<day>\d\d?), (?P<year>\d{4})"
    r" {1,2}(?P<hour>\d\d?):(?P<minute>\d\d):(?P<second>\d\d) (?P<half>AM|PM)"
)
_HEADER: Final = re.compile(_TIME + r"(?: \((?:Read|Delivered) [^)]*\))?")
_EVENT: Final = re.compile(_TIME + r" (?P<event>\S.*)")
_EDIT: Final = re.compile(r"Edited .{1,60}? later: (?P<text>.*)", re.DOTALL)
_FIRST_EDIT: Final = re.compile(_TIME + r" (?P<text>.*)", re.DOTALL)
_PATH: Final = re.compile(r"(?:/|~/|[A-Za-z]:\\|\.{0,2}/?attachments/)\S.*\.[A-Za-z0-9]{1,5}")
_REPLY_NOTE: Final = "This message responded to an earlier message."
_REACTIONS: Final = ("Reactions:", "Tapbacks:")
_DELETED: Final = frozenset({"You deleted a message.", "They deleted a message."})
_MISSING: Final = "Attachment missing!"
_EFFECTS: Final = frozenset(
    f"Sent with {effect}"
    for effect in (
        "Confetti", "Echo", "Fireworks", "Balloons", "Heart", "Lasers", "Shooting Star",
        "Shooting Start", "Sparkles", "Spotlight", "Slam", "Loud", "Gentle", "Invisible Ink",
    )
)  # fmt: skip
_INDENT: Final = "    "
_SNIFF_LINES: Final = 40


@define(kw_only=True)
class IMessageParser:
    """
    Read iMessage conversations exported as text by imessage-exporter.

    The input is one conversation's ``.txt`` file, or a folder or zip of them
    (each file is one chat: `Message.chat` is its name without ``.txt``).
    Each block becomes one `Message` whose id is the line number of its time
    line; the sender line is the author (``Me`` for the account's owner).
    Times are the Mac's local time without an offset: they are read in the
    context's zone (``parse(..., tz=...)``).

    A body line that is a file path (or ``Attachment missing!``) is an
    attachment and makes the message media; ``You deleted a message.`` makes it
    deleted; an edit history keeps the last version and sets `Message.edited`.
    What the exporter adds around the words is left out of the text: the read
    receipt, tapbacks (``Reactions:`` and the lines after it), ``Sent with ...``
    effects, the note ``This message responded to an earlier message.`` and the
    indented copy of each reply under the message it answers; that copy tells
    which message the reply answers (`Message.reply_to`, when it was among the
    last *reply_memory* replies seen). A one-line block (time, then an event
    such as a rename) is a system event.

    Args:
        reply_memory: How many indented reply copies are remembered while
            waiting for the reply itself.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "imessage"

    reply_memory: int = field(default=10_000, validator=ge(0))

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: 0.9 when its first block is an imessage-exporter block."""
        if not sample.is_container:
            return _sniff_text(sample.text())
        scores = [
            _sniff_text(sample.text(member))
            for member in sample.heads
            if member.lower().endswith(".txt")
        ]
        return max(scores, default=0.0) * 0.95

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the messages of each conversation at *source*, oldest first.

        Raises:
            ParseError: *source* is empty, binary, or a folder or zip without a
                ``.txt`` file; (strict mode) the first unreadable line.
        """
        if source.is_dir or source.is_zip:
            members = [m for m in source.members() if m.lower().endswith(".txt")]
            if not members:
                raise ParseError(source.display(), _WHAT, "no .txt file inside")
            for member in members:
                chat = PurePosixPath(member).name.removesuffix(".txt")
                yield from self._file(source, member, context, chat)
            return
        check_text_file(source, _WHAT, probe=4096)
        yield from self._file(source, "", context, None)

    def _file(
        self, source: Source, member: str, context: ParseContext, chat: str | None
    ) -> Iterator[Message]:
        where = source.display(member)
        reader = _Reader(where=where, context=context, chat=chat, memory=self.reply_memory)
        with source.open_text(member) as handle:
            messages = reader.messages(handle)
            yield from chronological(
                messages, order="oldest-first", late=late_reporter(context, "messages")
            )


def _sniff_text(text: str) -> float:
    lines = text.split("\n")[:_SNIFF_LINES]
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _HEADER.fullmatch(line):
            sender = lines[index + 1] if index + 1 < len(lines) else ""
            return 0.9 if sender.strip() else 0.5
        return 0.6 if _EVENT.fullmatch(line) else 0.0
    return 0.0


def _when(
    match: re.Match[str], zone: pendulum.Timezone | pendulum.FixedTimezone
) -> pendulum.DateTime | None:
    hour = int(match["hour"]) % 12 + (12 if match["half"] == "PM" else 0)
    try:
        return pendulum.datetime(
            int(match["year"]),
            _MONTHS[match["month"]],
            int(match["day"]),
            hour,
            int(match["minute"]),
            int(match["second"]),
            tz=zone,
        )
    except ValueError:
        return None


@define
class _Block:
    """The lines of one message block, from its time line on."""

    number: int
    header: re.Match[str]
    lines: list[str] = field(factory=list)


@define(kw_only=True)
class _Reader:
    """Turns the lines of one conversation file into messages, reporting the rest."""

    where: str
    context: ParseContext
    chat: str | None
    memory: int
    _replies: OrderedDict[tuple[str, str, str], str] = field(factory=OrderedDict)
    _authors: dict[str, Participant] = field(factory=dict)

    def messages(self, lines: Iterator[str]) -> Iterator[Message]:
        """Yield the messages of *lines* in file order."""
        block: _Block | None = None
        blank_before = True
        for number, raw in enumerate(lines, start=1):
            line = raw.removesuffix("\n")
            header = _HEADER.fullmatch(line) if blank_before else None
            if header is not None:
                if block is not None:
                    yield from self._finish(block)
                block = _Block(number, header)
            elif blank_before and (event := _EVENT.fullmatch(line)) is not None:
                if block is not None:
                    yield from self._finish(block)
                block = None
                yield from self._event(event, number)
            elif block is not None:
                block.lines.append(line)
            elif line.strip():
                self.context.report(f"{self.where}:{number}", _WHAT, line)
            blank_before = not line.strip()
        if block is not None:
            yield from self._finish(block)

    def _event(self, match: re.Match[str], number: int) -> Iterator[Message]:
        sent_at = _when(match, self.context.tz)
        location = f"{self.where}:{number}"
        if sent_at is None:
            self.context.report(location, "a real date and time", match.group(0)[:30])
            return
        yield Message(
            id=str(number),
            sent_at=sent_at,
            author=None,
            text=match["event"],
            kind=MessageKind.SYSTEM,
            source=SourceRef(file=self.where, line=number),
            chat=self.chat,
        )

    def _finish(self, block: _Block) -> Iterator[Message]:
        lines = block.lines
        while lines and not lines[-1].strip():
            lines.pop()
        location = f"{self.where}:{block.number}"
        sent_at = _when(block.header, self.context.tz)
        if sent_at is None:
            self.context.report(
                location, "a real date and time", block.header.group(0)[:30], lines=len(lines) + 1
            )
            return
        if not lines or not lines[0].strip():
            self.context.report(location, "a sender line after the time line", "nothing")
            return
        sender = lines[0]
        body, replied = self._body(lines[1:], block.number)
        text, attachments, edited = _content(body)
        kind = MessageKind.TEXT
        if attachments:
            kind = MessageKind.MEDIA
        elif text in _DELETED:
            kind = MessageKind.DELETED
        key = (sent_at.isoformat(), sender, text)
        reply_to = self._replies.pop(key, None) if replied else None
        yield Message(
            id=str(block.number),
            sent_at=sent_at,
            author=self._author(sender),
            text=text,
            kind=kind,
            reply_to=reply_to,
            attachments=attachments,
            edited=edited,
            source=SourceRef(file=self.where, line=block.number),
            chat=self.chat,
        )

    def _body(self, lines: list[str], number: int) -> tuple[list[str], bool]:
        """Return the body lines written by the sender, and whether it is a reply."""
        body: list[str] = []
        replied = False
        in_reactions = False
        nested: list[str] = []
        for line in lines:
            if line.startswith(_INDENT):
                nested.append(line.removeprefix(_INDENT))
                continue
            if nested:
                self._remember(nested, number)
                nested = []
            if in_reactions and line.strip():
                continue
            in_reactions = False
            if line in _REACTIONS:
                in_reactions = True
            elif line == _REPLY_NOTE:
                replied = True
            elif line not in _EFFECTS:
                body.append(line)
        if nested:
            self._remember(nested, number)
        while body and not body[-1].strip():
            body.pop()
        return body, replied

    def _remember(self, nested: list[str], parent: int) -> None:
        """Remember the indented copy of a reply: its time, sender and text name its parent."""
        if self.memory <= 0 or len(nested) < 2:  # noqa: PLR2004 - a time line and a sender
            return
        header = _HEADER.fullmatch(nested[0])
        sent_at = _when(header, self.context.tz) if header is not None else None
        if sent_at is None:
            return
        text, _, _ = _content([line for line in nested[2:] if line not in _EFFECTS])
        self._replies[(sent_at.isoformat(), nested[1], text)] = str(parent)
        if len(self._replies) > self.memory:
            self._replies.popitem(last=False)

    def _author(self, name: str) -> Participant:
        known = self._authors.get(name)
        if known is None:
            known = self._authors[name] = Participant.from_name(name)
        return known


def _content(body: list[str]) -> tuple[str, tuple[Attachment, ...], bool]:
    """Return the text, the attachments and whether the body is an edit history."""
    edits = [_EDIT.fullmatch(line) for line in body[1:]]
    first = _FIRST_EDIT.fullmatch(body[0]) if body else None
    if first is not None and edits and all(edits):
        last = edits[-1]
        return (last["text"] if last is not None else first["text"]), (), True
    attachments = tuple(
        Attachment(name=PurePosixPath(line).name, url=line)
        if line != _MISSING
        else Attachment(name=_MISSING)
        for line in body
        if line == _MISSING or _PATH.fullmatch(line)
    )
    if attachments:
        body = [line for line in body if line != _MISSING and not _PATH.fullmatch(line)]
    return "\n".join(body), attachments, False
