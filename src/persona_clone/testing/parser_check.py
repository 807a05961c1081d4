"""
`check_parser`: the rules every parser obeys, checked on one sample export.

A parser author runs it in their own tests; the built-in parsers' tests run it
on their samples too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import IO, Any, Final

from attrs import define, field, frozen

from ..errors import NaiveTimestampError, ParseError, PersonaCloneError
from ..message import Message
from ..parsers.base import IssueSink, ParseIssue, Parser, Severity
from ..parsers.registry import parse
from ..parsers.source import Source, as_source


__all__ = ["RULES", "check_parser"]

SNIFF = "sniff score in [0, 1], high on its own sample"
LAZY = "lazy: nothing read before the first next()"
ORDER = "chronological order per chat"
ACCOUNTED = "every line or record accounted for (a message, a continuation or a located issue)"
AWARE = "timezone-aware times"
IDS = "stable ids, unique per chat"
SYSTEM = "system events without an author, every other message with one"
ERRORS = "no exception other than the library's errors"
READ = "its own sample read without a ParseError"

RULES: Final = (SNIFF, LAZY, ORDER, ACCOUNTED, AWARE, IDS, SYSTEM, ERRORS, READ)
"""The rules `check_parser` checks, as its report names them."""

_SHOWN: Final = 3
_LINE: Final = re.compile(r"(?P<file>.+):(?P<line>\d+)")
_RECORD: Final = re.compile(r"(?P<file>.+?) (?P<array>\$[^\[]*)\[(?P<index>\d+)\]")
_TEXT_SUFFIXES: Final = (".txt", ".csv", ".md", ".log", ".jsonl")


@define
class _RecordingSink:
    """Keeps every issue and passes it on to the caller's sink."""

    passed_to: IssueSink | None
    strict: bool
    issues: list[ParseIssue] = field(factory=list)

    def report(self, issue: ParseIssue) -> None:
        self.issues.append(issue)
        if self.passed_to is not None:
            self.passed_to.report(issue)
        elif self.strict and issue.severity is Severity.ERROR:
            raise issue.to_error()


@frozen(kw_only=True)
class _WatchedSource(Source):
    """A source that notes every time a parser opens or lists it."""

    opened: list[str] = field(factory=list, eq=False)

    def open_binary(self, member: str = "") -> IO[bytes]:
        self.opened.append(member or self.name)
        return super().open_binary(member)

    def members(self) -> tuple[str, ...]:
        self.opened.append(f"the members of {self.name}")
        return super().members()


@define
class _Run:
    messages: list[Message] = field(factory=list)
    issues: list[ParseIssue] = field(factory=list)
    broken: dict[str, list[str]] = field(factory=dict)
    completed: bool = False

    def fail(self, rule: str, detail: str) -> None:
        self.broken.setdefault(rule, []).append(detail)


def check_parser(
    parser: Parser,
    path: str | os.PathLike[str] | Source,
    *,
    min_score: float = 0.5,
    preamble: int = 0,
    **parse_kwargs: Any,
) -> list[Message]:
    r"""
    Run *parser* on *path* the way `persona_clone.parse` does and check its rules.

    The rules (`RULES`): its sniff score is a number in [0, 1], at least
    *min_score* on *path*'s sample; it reads nothing before the first ``next()``;
    messages come in chronological order within each chat; every line of a text
    file (or record of a JSON array) is a message, a continuation line whose text
    is in the message above it (or one of the lines its text spans), a blank
    line, or covered by a located issue
    (``file:line`` or ``file $.path[index]``, ``ParseIssue.lines`` long); times
    are timezone-aware; two runs give the same ids, unique within each chat;
    system events have no author and every other message has one; nothing but
    the library's errors (`persona_clone.errors.PersonaCloneError`) escapes; and
    a lenient run reads the sample without raising `ParseError`.

    Args:
        parser: The parser to check, configured as you use it.
        path: A sample export in the parser's format (a file, a zip or a folder).
        min_score: The least score *parser* must give its own sample.
        preamble: How many lines at the start of each text file are the
            format's own header, neither messages nor issues.
        parse_kwargs: Passed on to `persona_clone.parse` (*tz*, *strict*, *issues*).

    Returns:
        The messages of the first run, to check further.

    Raises:
        AssertionError: one or more rules are broken; the message lists each
            broken rule by name with up to three places where it broke.

    Example:
        >>> from persona_clone.parsers.whatsapp import WhatsAppParser
        >>> import pathlib, tempfile
        >>> chat = pathlib.Path(tempfile.mkdtemp()) / "chat.txt"
        >>> _ = chat.write_text("06/05/2024, 09:15 - Ada: selam\n", encoding="utf-8")
        >>> [m.text for m in check_parser(WhatsAppParser(), chat, tz="Europe/Istanbul")]
        ['selam']

    .. versionadded:: 0.1.0
    """
    source = as_source(path)
    run = _Run()
    _check_sniff(parser, source, min_score, run)
    _check_run(parser, source, parse_kwargs, run)
    if run.completed or (run.messages and READ not in run.broken):
        # a run cut short by an error is checked as far as it got
        _check_messages(run)
        _check_accounted(source, run, preamble)
    if run.completed:
        again = _Run()
        quiet = {key: value for key, value in parse_kwargs.items() if key != "issues"}
        _check_run(parser, source, quiet, again)
        if [m.id for m in again.messages] != [m.id for m in run.messages]:
            run.fail(IDS, "a second run over the same input gave other ids (or another order)")
    if run.broken:
        raise AssertionError(_report(parser, source, run))
    return run.messages


def _check_sniff(parser: Parser, source: Source, min_score: float, run: _Run) -> None:
    try:
        score = parser.sniff(source.sample())
    except Exception as error:  # noqa: BLE001 - reported as a broken rule
        run.fail(SNIFF, f"sniff raised {type(error).__name__}: {error}")
        return
    if not isinstance(score, (int, float)) or isinstance(score, bool):  # type: ignore[redundant-expr]
        run.fail(SNIFF, f"sniff returned {type(score).__name__}, not a float")
    elif not 0.0 <= score <= 1.0:
        run.fail(SNIFF, f"sniff returned {score}, outside [0, 1]")
    elif score < min_score:
        run.fail(SNIFF, f"sniff gave its own sample {score}, below {min_score}")


def _check_run(parser: Parser, source: Source, parse_kwargs: dict[str, Any], run: _Run) -> None:
    options = dict(parse_kwargs)
    sink = _RecordingSink(options.pop("issues", None), bool(options.pop("strict", False)))
    watched = _WatchedSource(path=source.path)
    try:
        stream = parse(watched, format=parser, issues=sink, **options)
        if watched.opened:
            run.fail(LAZY, f"parse() read {watched.opened[0]} before the first next()")
        if not isinstance(stream, Iterator):  # a plugin may return a list, whatever it says
            run.fail(LAZY, f"parse() returned a {type(stream).__name__}, not an iterator")  # type: ignore[unreachable]
        run.messages.extend(stream)
        run.completed = True
    except NaiveTimestampError as error:
        run.fail(AWARE, f"a message was built with a naive time: {error}")
    except ParseError as error:
        run.fail(READ, f"{type(error).__name__}: {error}")
    except PersonaCloneError:
        raise
    except ValueError as error:
        if "expected an author exactly when" in str(error):
            run.fail(SYSTEM, str(error))
        run.fail(ERRORS, f"ValueError: {error}")
    except Exception as error:  # noqa: BLE001 - reported as a broken rule
        run.fail(ERRORS, f"{type(error).__name__}: {error}")
    run.issues.extend(sink.issues)


def _check_messages(run: _Run) -> None:
    last: dict[str | None, Message] = {}
    ids: dict[str | None, set[str]] = {}
    for message in run.messages:
        where = str(message.source) if message.source else f"message {message.id!r}"
        when = message.sent_at
        if when.tzinfo is None or when.utcoffset() is None:
            run.fail(AWARE, f"{where}: naive time {when.isoformat()}")
        previous = last.get(message.chat)
        if previous is not None and when < previous.sent_at:
            run.fail(
                ORDER,
                f"{where}: {when.isoformat()} comes after {previous.sent_at.isoformat()}"
                f" ({previous.source or previous.id})",
            )
        last[message.chat] = message
        seen = ids.setdefault(message.chat, set())
        if message.id in seen:
            run.fail(IDS, f"{where}: id {message.id!r} given twice in one chat")
        seen.add(message.id)
        if message.is_system != (message.author is None):
            run.fail(SYSTEM, f"{where}: kind {message.kind.value} with author {message.author}")


def _check_accounted(source: Source, run: _Run, preamble: int) -> None:  # noqa: C901
    lines: dict[str, set[int]] = {}
    records: dict[tuple[str, str], set[int]] = {}
    starts: dict[str, dict[int, Message]] = {}
    for message in run.messages:
        ref = message.source
        if ref is None:
            run.fail(ACCOUNTED, f"message {message.id!r} has no source (a SourceRef)")
            continue
        if ref.line is not None:
            lines.setdefault(ref.file, set()).add(ref.line)
            starts.setdefault(ref.file, {})[ref.line] = message
        elif ref.path is not None:
            _claim_record(f"{ref.file} {ref.path}", records)
    for issue in run.issues:
        if issue.lines <= 0:
            continue
        match = _LINE.fullmatch(issue.location)
        if match is not None:
            first = int(match["line"])
            claimed = lines.setdefault(match["file"], set())
            claimed.update(range(first, first + issue.lines))
        else:
            _claim_record(issue.location, records)
    for (file, array), indices in records.items():
        missing = sorted(set(range(max(indices) + 1)) - indices)
        for index in missing[:_SHOWN]:
            run.fail(ACCOUNTED, f"{file} {array}[{index}]: neither a message nor an issue")
    for file, claimed in lines.items():
        # a run cut short is checked up to the last line it reached
        reached = None if run.completed else max(claimed)
        _check_lines(source, file, claimed, starts.get(file, {}), preamble, run, reached=reached)


def _claim_record(location: str, records: dict[tuple[str, str], set[int]]) -> None:
    match = _RECORD.match(location)
    if match is not None:
        records.setdefault((match["file"], match["array"]), set()).add(int(match["index"]))


def _check_lines(  # noqa: PLR0917 - private, one call site
    source: Source,
    file: str,
    claimed: set[int],
    starts: dict[int, Message],
    preamble: int,
    run: _Run,
    *,
    reached: int | None,
) -> None:
    text = _text_of(source, file)
    if text is None:
        return
    above: Message | None = None
    spans_to = 0
    lost = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if number in starts:
            above = starts[number]
            spans_to = number + above.text.count("\n")
            continue
        if number in claimed:
            above = None
            continue
        if reached is not None and number > reached:
            break
        if number <= preamble or number <= spans_to or not line.strip():
            continue
        if above is not None and _belongs(line.strip(), above):
            continue
        lost += 1
        if lost <= _SHOWN:
            run.fail(ACCOUNTED, f"{file}:{number}: neither a message, a continuation nor an issue")
    if lost > _SHOWN:
        run.fail(ACCOUNTED, f"{file}: {lost - _SHOWN} more such line(s)")


def _belongs(line: str, message: Message) -> bool:
    """Whether *line* is part of *message*: its text, its author or an attachment."""
    if line in message.text:
        return True
    if message.author is not None and line in (message.author.name, message.author.id):
        return True
    return any(line in (a.name, a.url) for a in message.attachments)


def _text_of(source: Source, file: str) -> str | None:
    """Return the text of the file of *source* shown as *file*, or None if not a text file."""
    members = source.members() if (source.is_dir or source.is_zip) else ("",)
    for member in members:
        if source.display(member) == file and (
            not member or member.lower().endswith(_TEXT_SUFFIXES)
        ):
            with source.open_text(member) as handle:
                return handle.read().removesuffix("\n")
    return None


def _report(parser: Parser, source: Source, run: _Run) -> str:
    name = getattr(parser, "name", type(parser).__name__)
    lines = [f"parser {name!r} broke {len(run.broken)} rule(s) on {source.display()}:"]
    for rule in RULES:
        details = run.broken.get(rule)
        if details:
            lines.append(f"- {rule}:")
            lines.extend(f"    {detail}" for detail in details[:_SHOWN])
            if len(details) > _SHOWN:
                lines.append(f"    ... and {len(details) - _SHOWN} more")
    return "\n".join(lines)
