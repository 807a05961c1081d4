"""Tests for `Source` and `Sample`: plain files, folders, zips and text encodings."""

from __future__ import annotations

import codecs
import os
import zipfile
from pathlib import Path

import pytest

from persona_clone import ParseError, Sample, Source
from persona_clone.parsers import detect_encoding
from persona_clone.parsers.source import SAMPLE_SIZE


TEXT = "Işık: ğüşöç 😀\nikinci satır\n"


@pytest.fixture(name="folder")
def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    (root / "inbox" / "ada_1").mkdir(parents=True)
    (root / "inbox" / "ada_1" / "message_1.json").write_text('{"messages": []}', encoding="utf-8")
    (root / "inbox" / "ada_1" / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (root / "users.json").write_text("[]", encoding="utf-8")
    return root


@pytest.fixture(name="archive")
def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as out:
        out.writestr("chats/", "")
        out.writestr("chats/_chat.txt", TEXT.encode("utf-8"))
        out.writestr("media/IMG-1.jpg", b"\xff\xd8")
    return path


class TestPlainFile:
    def test_has_no_members_and_a_head(self, tmp_path: Path) -> None:
        """A plain file has no members; its sample holds its first bytes."""
        path = tmp_path / "chat.txt"
        path.write_bytes(b"x" * (SAMPLE_SIZE + 10))
        source = Source(path=path)

        sample = source.sample()

        assert ((), False, SAMPLE_SIZE) == (
            source.members(),
            sample.is_container,
            len(sample.head),
        )
        assert "chat.txt" == sample.name == source.display()

    def test_missing_file_is_parse_error(self, tmp_path: Path) -> None:
        """Opening a file that is not there raises ParseError naming it."""
        with pytest.raises(ParseError, match=r"gone\.txt"):
            Source(path=tmp_path / "gone.txt").open_binary()

    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
    def test_fifo_is_refused_without_blocking(self, tmp_path: Path) -> None:
        """A named pipe is refused by sample() and open_binary() before anything is opened."""
        path = tmp_path / "chat.txt"
        os.mkfifo(path)
        source = Source(path=path)

        with pytest.raises(ParseError, match=r"expected a regular file.*FIFO \(named pipe\)"):
            source.sample()
        with pytest.raises(ParseError, match="FIFO"):
            source.open_binary()

    def test_not_a_zip_despite_its_name(self, tmp_path: Path) -> None:
        """A file called .zip that is not an archive is read as a plain file."""
        path = tmp_path / "chat.zip"
        path.write_text("hello", encoding="utf-8")

        assert (False, ()) == (Source(path=path).is_zip, Source(path=path).members())


class TestFolder:
    def test_members_are_sorted_posix_paths(self, folder: Path) -> None:
        """A folder lists its files (not subfolders) as sorted posix paths."""
        assert (
            "inbox/ada_1/message_1.json",
            "inbox/ada_1/photo.jpg",
            "users.json",
        ) == Source(path=folder).members()

    def test_sample_heads_only_text_like_members(self, folder: Path) -> None:
        """The sample of a folder holds the heads of its JSON/text members only."""
        sample = Source(path=folder).sample()

        assert {"inbox/ada_1/message_1.json", "users.json"} == set(sample.heads)
        assert sample.is_container
        assert b"" == sample.head

    def test_open_member_and_display(self, folder: Path) -> None:
        """A member opens by its posix path and is displayed with a slash."""
        source = Source(path=folder)

        with source.open_text("users.json") as handle:
            content = handle.read()

        assert ("[]", "export/users.json") == (content, source.display("users.json"))

    def test_walk_by_suffix(self, folder: Path) -> None:
        """walk() yields the members with a given suffix, in order."""
        assert ["inbox/ada_1/message_1.json", "users.json"] == list(
            Source(path=folder).walk(".json")
        )


class TestZip:
    def test_members_skip_directories(self, archive: Path) -> None:
        """A zip lists its files, not its directory entries."""
        source = Source(path=archive)

        assert (True, ("chats/_chat.txt", "media/IMG-1.jpg")) == (
            source.is_zip,
            source.members(),
        )

    def test_open_member_text(self, archive: Path) -> None:
        """A zip member opens as text, and is displayed with an exclamation mark."""
        source = Source(path=archive)

        with source.open_text("chats/_chat.txt") as handle:
            content = handle.read()

        assert (TEXT, "export.zip!chats/_chat.txt") == (
            content,
            source.display("chats/_chat.txt"),
        )

    def test_sample_of_zip(self, archive: Path) -> None:
        """The sample of a zip holds its text member heads."""
        sample = Source(path=archive).sample()

        assert TEXT == sample.text("chats/_chat.txt")
        assert "" == sample.text("missing.txt")

    def test_missing_member(self, archive: Path) -> None:
        """A member not in the zip raises ParseError naming archive and member."""
        with pytest.raises(ParseError, match=r"export\.zip!nope\.txt"):
            Source(path=archive).open_binary("nope.txt")


class TestEncodings:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
            (TEXT.encode("utf-16"), "utf-16"),
            (TEXT.encode("utf-16-le"), "utf-16-le"),
            (TEXT.encode("utf-16-be"), "utf-16-be"),
            (TEXT.encode("utf-32"), "utf-32"),
            (TEXT.encode("utf-8"), "utf-8"),
            (b"", "utf-8"),
        ],
    )
    def test_detect_encoding(self, raw: bytes, expected: str) -> None:
        """A byte-order mark, or the zero bytes of UTF-16, decide the encoding."""
        assert expected == detect_encoding(raw)

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
    def test_open_text_decodes(self, tmp_path: Path, encoding: str) -> None:
        """open_text() gives the same text whatever the encoding, without a BOM."""
        path = tmp_path / "chat.txt"
        path.write_bytes(TEXT.encode(encoding))

        with Source(path=path).open_text() as handle:
            content = handle.read()

        assert TEXT == content

    def test_line_ends_are_normalised(self, tmp_path: Path) -> None:
        """CRLF and lone CR become LF."""
        path = tmp_path / "chat.txt"
        path.write_bytes(b"a\r\nb\rc\n")

        with Source(path=path).open_text() as handle:
            content = handle.read()

        assert "a\nb\nc\n" == content

    def test_sample_text_drops_bom(self) -> None:
        """Sample.text() decodes the head and drops a byte-order mark."""
        sample = Sample(name="x.txt", heads={"": codecs.BOM_UTF8 + b"hi"})

        assert "hi" == sample.text()
