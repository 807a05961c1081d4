"""
What parsers read: a `Source` and the `Sample` of it that sniffers look at.

A source is a file, a ``.zip`` export or a folder.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import IO, Final

from attrs import field, frozen

from ..errors import ParseError


__all__ = ["SAMPLE_SIZE", "Sample", "Source", "detect_encoding"]

SAMPLE_SIZE: Final = 64 * 1024
"""How many bytes of each file a `Sample` holds."""

_MAX_SAMPLED_MEMBERS: Final = 64
_MIN_UTF16_PROBE: Final = 4
_SAMPLED_SUFFIXES: Final = (".txt", ".json", ".csv", ".jsonl")
_KINDS: Final = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def detect_encoding(head: bytes) -> str:
    """
    Return the encoding of a text file from its first bytes.

    A byte-order mark decides (UTF-8, UTF-16, UTF-32); UTF-16 without a mark is
    recognised by its zero bytes; anything else is read as UTF-8.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:200]
    if len(sample) >= _MIN_UTF16_PROBE:
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        # Mostly-ASCII UTF-16 has a zero in every other byte; a few zeros on the
        # other side come from characters such as U+0100 or emoji surrogates.
        if odd > len(sample) // 4 and odd > 4 * even:
            return "utf-16-le"
        if even > len(sample) // 4 and even > 4 * odd:
            return "utf-16-be"
    return "utf-8"


@frozen(kw_only=True)
class Sample:
    """
    The start of an input, for sniffing: sniffers never open files themselves.

    Args:
        name: The input's file or folder name as the user gave it.
        members: For a zip or a folder, the files inside (posix paths); empty for
            a plain file.
        heads: The first `SAMPLE_SIZE` bytes of the plain file (key ``""``) or of
            the text-like members of a container (``.txt``, ``.json``, ``.csv``).
    """

    name: str
    members: tuple[str, ...] = ()
    heads: Mapping[str, bytes] = field(factory=dict)

    @property
    def is_container(self) -> bool:
        """Whether the input is a zip or a folder."""
        return bool(self.members)

    @property
    def head(self) -> bytes:
        """The first bytes of a plain file (empty for a container)."""
        return self.heads.get("", b"")

    def text(self, member: str = "") -> str:
        """The decoded first bytes of the plain file or of *member* (best effort)."""
        raw = self.heads.get(member, b"")
        return raw.decode(detect_encoding(raw), errors="replace").lstrip("\ufeff")


@frozen(kw_only=True)
class Source:
    """
    An input a parser reads: a file, a ``.zip`` export, or a folder.

    Args:
        path: The path the user gave.
    """

    path: Path = field(converter=Path)

    @property
    def name(self) -> str:
        """The input's name, for messages and error reports."""
        return self.path.name or str(self.path)

    @property
    def is_zip(self) -> bool:
        """Whether the input is a zip archive."""
        return self.path.is_file() and zipfile.is_zipfile(self.path)

    @property
    def is_dir(self) -> bool:
        """Whether the input is a folder."""
        return self.path.is_dir()

    def members(self) -> tuple[str, ...]:
        """The files inside a zip or folder (posix paths, sorted); empty for a plain file."""
        if self.is_dir:
            return tuple(
                sorted(
                    p.relative_to(self.path).as_posix() for p in self.path.rglob("*") if p.is_file()
                )
            )
        if self.is_zip:
            with zipfile.ZipFile(self.path) as archive:
                return tuple(
                    sorted(info.filename for info in archive.infolist() if not info.is_dir())
                )
        return ()

    def display(self, member: str = "") -> str:
        """How to name *member* of this input in error reports (``export.zip!_chat.txt``)."""
        if not member:
            return self.name
        joiner = "!" if self.is_zip else "/"
        return f"{self.name}{joiner}{member}"

    def open_binary(self, member: str = "") -> IO[bytes]:
        """
        Open the plain file, or *member* of a zip or folder, for reading bytes.

        Raises:
            ParseError: the input or member does not exist or cannot be read.
        """
        try:
            if not member:
                self.check_regular()
                return self.path.open("rb")
            if self.is_dir:
                return (self.path / PurePosixPath(member)).open("rb")
            archive = zipfile.ZipFile(self.path)
            handle = archive.open(member)
            return _ClosingWith(handle, archive)
        except (OSError, KeyError, zipfile.BadZipFile) as error:
            raise ParseError(self.display(member), "a readable file", str(error)) from error

    def check_regular(self) -> None:
        """
        Refuse an input that is neither a regular file nor a folder.

        Reading a FIFO (named pipe) would wait for a writer, and a device may
        never end: both are refused instead.

        Raises:
            ParseError: the input is a FIFO, socket or device (or does not exist).
        """
        try:
            mode = self.path.stat().st_mode
        except OSError as error:
            raise ParseError(self.display(), "a readable file", str(error)) from error
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            return
        raise ParseError(
            self.display(),
            "a regular file, a zip archive or a folder",
            _KINDS.get(stat.S_IFMT(mode), "a special file"),
        )

    def open_text(self, member: str = "") -> IO[str]:
        r"""
        Open the plain file or *member* as text in its detected encoding.

        Line ends are normalised to ``\\n`` (CRLF and lone CR included) and a
        byte-order mark is removed.
        """
        with self.open_binary(member) as probe:
            head = probe.read(256)
        binary = self.open_binary(member)
        encoding = detect_encoding(head)
        if encoding == "utf-8":
            encoding = "utf-8-sig"
        return io.TextIOWrapper(binary, encoding=encoding, newline=None)

    def sample(self) -> Sample:
        """Read the `Sample` that sniffers look at."""
        self.check_regular()
        members = self.members()
        heads: dict[str, bytes] = {}
        if not members and not self.is_dir:
            with self.open_binary() as handle:
                heads[""] = handle.read(SAMPLE_SIZE)
        else:
            sampled = [m for m in members if m.lower().endswith(_SAMPLED_SUFFIXES)]
            for member in sampled[:_MAX_SAMPLED_MEMBERS]:
                with self.open_binary(member) as handle:
                    heads[member] = handle.read(SAMPLE_SIZE)
        return Sample(name=self.name, members=members, heads=heads)

    def walk(self, suffix: str = "") -> Iterator[str]:
        """Yield the members whose names end with *suffix*, in sorted order."""
        for member in self.members():
            if member.endswith(suffix):
                yield member


class _ClosingWith(io.BufferedReader):
    """A zip member stream that also closes its archive."""

    def __init__(self, raw: IO[bytes], archive: zipfile.ZipFile) -> None:
        super().__init__(raw)  # type: ignore[arg-type]
        self._archive = archive

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._archive.close()


def as_source(path: str | os.PathLike[str] | Source) -> Source:
    """Return *path* as a `Source`."""
    return path if isinstance(path, Source) else Source(path=Path(path))
