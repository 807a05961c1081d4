"""
The library's own JSON Lines files, as written by `persona_clone.parsers.write_jsonl`.

Reading them through the parser registry lets every tool that takes an export
also take messages saved earlier (for example after redaction).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar, Final

import attrs
import cattrs
from attrs import define

from persona_clone._serialization import converter
from persona_clone.errors import ParseError, excerpt
from persona_clone.message import Message, SourceRef
from persona_clone.parsers._text_input import check_text_file
from persona_clone.parsers.base import ParseContext, Severity
from persona_clone.parsers.interchange_format import HEADER_KEY, INTERCHANGE_VERSION, Record
from persona_clone.parsers.source import Sample, Source
from persona_clone.session import Session, Turn


__all__ = ["InterchangeParser"]

_WHAT: Final = "a persona_clone JSON Lines file (written by write_jsonl)"
_HEADER = re.compile(rf'\{{\s*"{HEADER_KEY}"\s*:\s*"(?:message|session|turn)"')
_TYPES: Final[dict[str, type[Message | Session | Turn]]] = {
    Record.MESSAGE.value: Message,
    Record.SESSION.value: Session,
    Record.TURN.value: Turn,
}


@define(kw_only=True)
class InterchangeParser:
    """
    Read a file written by `persona_clone.parsers.write_jsonl` back as messages.

    The header line says what the file holds: messages are yielded as they are;
    sessions and turns are yielded as the messages they hold. Records keep the
    `persona_clone.SourceRef` they were written with; records without one get
    this file and line. A line that is not JSON or not a record of the header's
    type is reported and skipped.

    .. versionadded:: 0.1.0
    """

    name: ClassVar[str] = "persona-clone-jsonl"

    def sniff(self, sample: Sample) -> float:
        """Score *sample*: the first non-blank line is an interchange header."""
        if sample.is_container:
            return 0.0
        first = next((line for line in sample.text().splitlines() if line.strip()), "")
        return 1.0 if _HEADER.match(first.strip()) else 0.0

    def parse(self, source: Source, context: ParseContext) -> Iterator[Message]:
        """
        Yield the messages of the file, in file order.

        Raises:
            ParseError: the input is a folder or zip, empty or binary, or its header
                names a newer interchange version.
        """
        where = check_text_file(source, _WHAT, probe=256)
        cls: type[Message | Session | Turn] | None = None
        number = 0
        try:
            with source.open_text() as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    at = f"{where}:{number}"
                    value = _load(line, at, context)
                    if value is None:
                        continue
                    if cls is None:
                        cls = _header(value, at, context)
                        if isinstance(value, dict) and HEADER_KEY in value:
                            continue
                    yield from _messages(
                        value, cls, at, SourceRef(file=where, line=number), context
                    )
        except UnicodeDecodeError as error:
            raise ParseError(f"{where}:{number + 1}", "UTF-8 text", excerpt(str(error))) from None


def _load(line: str, at: str, context: ParseContext) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        context.report(at, f"one JSON value per line ({error.msg})", line)
        return None


def _header(value: Any, at: str, context: ParseContext) -> type[Message | Session | Turn]:
    if not isinstance(value, dict) or HEADER_KEY not in value:
        context.report(
            at,
            f"a header line {{{HEADER_KEY!r}: 'message', 'version': {INTERCHANGE_VERSION}}}",
            "a record; reading the file as messages",
            severity=Severity.WARNING,
            lines=0,
        )
        return Message
    version = value.get("version")
    if not isinstance(version, int) or version > INTERCHANGE_VERSION:
        raise ParseError(at, f"interchange version <= {INTERCHANGE_VERSION}", repr(version))
    cls = _TYPES.get(str(value.get(HEADER_KEY)))
    if cls is None:
        raise ParseError(at, "a message, session or turn file", repr(value.get(HEADER_KEY)))
    return cls


def _messages(
    value: Any,
    cls: type[Message | Session | Turn],
    at: str,
    fallback: SourceRef,
    context: ParseContext,
) -> Iterator[Message]:
    try:
        item = converter.structure(value, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as error:
        detail = (
            "; ".join(cattrs.transform_error(error))
            if isinstance(error, cattrs.BaseValidationError)
            else str(error)
        )
        context.report(at, f"a {cls.__name__} record ({detail})", str(value))
        return
    messages = item.messages if isinstance(item, (Session, Turn)) else (item,)
    for message in messages:
        yield (message if message.source is not None else attrs.evolve(message, source=fallback))
