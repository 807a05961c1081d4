"""
The library's own interchange format: messages, sessions or turns as JSON Lines.

The first line is a header naming what the file holds, every other line is one
value as the project converter unstructures it. Reading a file back gives values
equal to those written.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, Final, TypeVar, overload

import cattrs

from .._jsonl import iter_json_lines, write_lines
from .._serialization import converter
from ..errors import ParseError, excerpt
from ..message import Message
from ..session import Session, Turn


__all__ = ["INTERCHANGE_VERSION", "Record", "read_jsonl", "write_jsonl"]

INTERCHANGE_VERSION: Final = 1
"""Version of the interchange format written by `write_jsonl`."""

HEADER_KEY: Final = "persona_clone"

T = TypeVar("T", Message, Session, Turn)


class Record(enum.Enum):
    """What an interchange file holds."""

    MESSAGE = "message"
    SESSION = "session"
    TURN = "turn"


_TYPES: Final[dict[Record, type[Message | Session | Turn]]] = {
    Record.MESSAGE: Message,
    Record.SESSION: Session,
    Record.TURN: Turn,
}
_RECORDS: Final = {cls: record for record, cls in _TYPES.items()}


def write_jsonl(
    items: Iterable[T],
    file: str | os.PathLike[str] | IO[str],
    *,
    record: Record | None = None,
) -> int:
    """
    Write *items* (all of one type) to *file* as interchange JSON Lines.

    Args:
        items: Messages, sessions or turns; streamed, never held in memory.
        file: A path, or a text file open for writing.
        record: What the items are; inferred from the first item when omitted
            (an empty stream then writes a message file).

    Returns:
        How many items were written.
    """
    if isinstance(file, (str, os.PathLike)):
        with Path(file).open("w", encoding="utf-8", newline="\n") as handle:
            return write_jsonl(items, handle, record=record)
    iterator = iter(items)
    first = next(iterator, None)
    if record is None:
        record = Record.MESSAGE if first is None else _RECORDS[type(first)]
    write_lines([{HEADER_KEY: record.value, "version": INTERCHANGE_VERSION}], file)
    if first is None:
        return 0
    return write_lines((converter.unstructure(item) for item in _chain(first, iterator)), file)


def _chain(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest


@overload
def read_jsonl(file: str | os.PathLike[str] | IO[str]) -> Iterator[Message]: ...
@overload
def read_jsonl(file: str | os.PathLike[str] | IO[str], cls: type[T]) -> Iterator[T]: ...
def read_jsonl(file: str | os.PathLike[str] | IO[str], cls: type[Any] = Message) -> Iterator[Any]:
    """
    Read interchange JSON Lines written by `write_jsonl`, lazily.

    Args:
        file: A path, or a text file open for reading.
        cls: `Message` (default), `Session` or `Turn`: what the file must hold.

    Raises:
        ParseError: a line is not JSON, the header names another record type, or
            a record does not match *cls*; the error names the line.
    """
    if isinstance(file, (str, os.PathLike)):
        with Path(file).open(encoding="utf-8") as handle:
            yield from read_jsonl(handle, cls)
        return
    name = getattr(file, "name", "<stream>")
    for number, value in iter_json_lines(file, name=str(name)):
        if isinstance(value, dict) and HEADER_KEY in value:
            _check_header(value, cls, f"{name}:{number}")
            continue
        try:
            yield converter.structure(value, cls)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as error:
            detail = (
                "; ".join(cattrs.transform_error(error, format_exception=_why))
                if isinstance(error, cattrs.BaseValidationError)
                else str(error)
            )
            raise ParseError(
                f"{name}:{number}",
                f"a {cls.__name__} record ({detail})",
                excerpt(str(value)),
            ) from error


def _why(error: BaseException, type_: type | None) -> str:
    """The project's own hooks say what they expected; cattrs words the rest."""
    if isinstance(error, (ValueError, TypeError)) and str(error).startswith("expected"):
        return str(error)
    return cattrs.v.format_exception(error, type_)


def _check_header(value: dict[str, Any], cls: type[Any], where: str) -> None:
    expected = _RECORDS.get(cls)
    if expected is not None and value.get(HEADER_KEY) != expected.value:
        raise ParseError(where, f"a {expected.value} file", f"a {value.get(HEADER_KEY)!r} file")
    version = value.get("version")
    if not isinstance(version, int) or version > INTERCHANGE_VERSION:
        raise ParseError(where, f"interchange version <= {INTERCHANGE_VERSION}", repr(version))
