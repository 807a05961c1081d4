"""
Streaming JSON for the parsers of large JSON exports (ijson, C backend when built).

Nothing here holds a whole document: `JsonInput` hands bytes to ijson in chunks,
`top_level_keys` looks at the start of a document, and `iter_array_items`
yields the elements of one array as they are read.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from types import ModuleType
from typing import IO, Any, Final, final

import ijson

from .source import detect_encoding


__all__ = [
    "BACKEND",
    "JsonInput",
    "JsonStreamError",
    "iter_array_items",
    "top_level_keys",
]


def _backend() -> ModuleType:
    """Return ijson's C backend (yajl2_c) when it is built, else ijson's default."""
    try:
        return ijson.get_backend("yajl2_c")  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - depends on the installed wheel
        return ijson  # type: ignore[no-any-return]


BACKEND: Final = _backend()
"""The ijson backend every streaming parser uses."""

_CHUNK: Final = 64 * 1024
_TAIL: Final = 4096


class JsonStreamError(Exception):
    """
    The JSON stream stopped being valid (truncated, binary, or not JSON).

    Args:
        reason: The first line of the JSON library's message.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


@final
class JsonInput:
    """
    A readable byte stream for ijson.

    It removes a UTF-8 byte-order mark, turns UTF-16/UTF-32 into UTF-8 on the
    fly, and remembers the last bytes it read (`tail`).

    Args:
        raw: The binary stream to read from (closed by `close`).
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        head = raw.read(_CHUNK)
        self.empty = not head.strip()
        encoding = detect_encoding(head)
        self._decoder: codecs.IncrementalDecoder | None = None
        if encoding == "utf-8-sig":
            head = head[len(codecs.BOM_UTF8) :]
        elif encoding != "utf-8":
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
            head = self._decoder.decode(head).lstrip("\ufeff").encode("utf-8")
        self._pending = head
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        """
        Return up to about *size* bytes of UTF-8 JSON (empty at the end).

        A negative *size* reads everything that is left, as ``read()`` does on files.
        """
        if size == 0:  # ijson probes the stream's type with read(0)
            return b""
        if size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        if self._pending:
            chunk, self._pending = self._pending, b""
        else:
            chunk = self._raw.read(size if size > 0 else _CHUNK)
            if self._decoder is not None:
                final = not chunk
                chunk = self._decoder.decode(chunk, final=final).encode("utf-8")
        if chunk:
            self.tail = (self.tail + chunk)[-_TAIL:] if len(chunk) < _TAIL else chunk
        return chunk

    def close(self) -> None:
        """Close the underlying stream."""
        self._raw.close()

    def __enter__(self) -> JsonInput:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def top_level_keys(  # noqa: C901 - one pass over the events, each case a line
    stream: JsonInput | IO[bytes], *, stop_at: str | None = None
) -> tuple[str | None, list[str], dict[str, Any]]:
    """
    Read the start of a JSON document and return what its top level looks like.

    Args:
        stream: The document (read only as far as needed).
        stop_at: Stop when this top-level key is reached.

    Returns:
        The top-level JSON type (``"map"``, ``"array"``, ``"string"``, ...; ``None``
        when the document ends or breaks first), the top-level keys seen in order,
        and the scalar values found one level down (``{"channel.type": ...}``);
        with *stop_at*, that key's value's JSON type is in the scalars too
        (``{"messages": "array"}``).

    Raises:
        JsonStreamError: the bytes are not JSON (a truncated end is not an error).
    """
    kind: str | None = None
    keys: list[str] = []
    scalars: dict[str, Any] = {}
    try:
        events = BACKEND.parse(stream)
        for prefix, event, value in events:
            if kind is None:
                kind = event.replace("start_", "")
                if kind not in ("map", "array"):
                    kind = event
            if event == "map_key" and prefix == "":
                keys.append(value)
                if value == stop_at:
                    _, following, _ = next(events, ("", "", None))
                    if following:
                        scalars[value] = following.replace("start_", "")
                    break
            elif (
                prefix.count(".") == 1
                and event in ("string", "number", "boolean", "null")
                and not prefix.startswith("messages")
            ):
                scalars[prefix] = value
    except ijson.IncompleteJSONError as error:
        if "premature EOF" not in str(error):
            raise JsonStreamError(_reason(error)) from None
    except ijson.JSONError as error:
        raise JsonStreamError(_reason(error)) from None
    return kind, keys, scalars


def iter_array_items(stream: JsonInput | IO[bytes], prefix: str) -> Iterator[Any]:
    """
    Yield the elements of the array at *prefix* (e.g. ``"messages.item"``), lazily.

    Raises:
        JsonStreamError: the JSON breaks off or is invalid; raised after every
            element before the break has been yielded.
    """
    try:
        yield from BACKEND.items(stream, prefix, use_float=True)
    except ijson.JSONError as error:
        raise JsonStreamError(_reason(error)) from None
