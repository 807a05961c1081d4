"""
Streaming JSON Lines reading and writing, with line numbers for error reports.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from .errors import ParseError, excerpt


__all__ = ["dumps_line", "iter_json_lines"]


def iter_json_lines(lines: Iterable[str], *, name: str) -> Iterator[tuple[int, Any]]:
    """
    Yield ``(line_number, value)`` for each non-blank line of *lines*.

    Raises:
        ParseError: a line is not valid JSON; names *name* and the line.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            raise ParseError(
                f"{name}:{number}",
                f"one JSON value per line ({error.msg})",
                excerpt(line),
            ) from None
        yield number, value


# Built once: json.dumps with options builds a new encoder on every call. The values
# written are plain data built here (no cycles), so the cycle check is skipped.
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def dumps_line(value: Any) -> str:
    """Return *value* as one JSON line (UTF-8 text kept as is, newline-terminated)."""
    return _ENCODE(value) + "\n"


def write_lines(values: Iterable[Any], file: IO[str]) -> int:
    """Write each of *values* as a JSON line to *file*; return how many were written."""
    count = 0
    for value in values:
        file.write(dumps_line(value))
        count += 1
    return count
