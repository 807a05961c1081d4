"""
What the parsers of one plain-text file check before they read it.

A line-based format cannot be a folder or a zip archive, and an empty or binary
file is refused with a clear error instead of a stream of line issues.
"""

from __future__ import annotations

from persona_clone.errors import ParseError
from persona_clone.parsers.source import Source


__all__ = ["check_text_file"]

_UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def check_text_file(source: Source, what: str, *, probe: int) -> str:
    """
    Return the display name of *source* after checking it can hold text lines.

    Args:
        source: The input.
        what: What the parser expected, for the error.
        probe: How many leading bytes to look at.

    Raises:
        ParseError: *source* is a folder or zip, empty (or only white space), or
            binary (a NUL byte without a UTF-16 byte-order mark).
    """
    if source.is_dir or source.is_zip:
        raise ParseError(source.display(), what, "a folder or zip archive")
    where = source.display()
    with source.open_binary() as handle:
        head = handle.read(probe)
    if not head.strip():
        raise ParseError(where, what, "an empty file")
    if b"\x00" in head and not head.startswith(_UTF16_MARKS):
        raise ParseError(where, what, "binary data")
    return where
