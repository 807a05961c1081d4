"""The one byte stream every JSON parser reads: JsonInput, opened by open_json_bytes."""

from __future__ import annotations

import codecs
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.parsers._json_input import open_json_bytes
from persona_clone.parsers._json_stream import JsonInput
from persona_clone.parsers.source import as_source


DOCUMENT = {"name": "Çağrı", "messages": [{"text": "şöyle böyle 😀 " * 5000}]}


@pytest.mark.parametrize(
    ("encoding", "mark"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
    ],
    ids=["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le"],
)
def test_read_all_gives_the_whole_document_as_utf8(
    tmp_path: Path, encoding: str, mark: bytes
) -> None:
    """read() with no size is the whole rest, in UTF-8 without a mark, past the first chunk."""
    text = json.dumps(DOCUMENT, ensure_ascii=False)
    path = tmp_path / "result.json"
    path.write_bytes(mark + text.encode(encoding))

    with open_json_bytes(as_source(path)) as stream:
        whole = stream.read()

    assert len(whole) > 64 * 1024
    assert DOCUMENT == json.loads(whole)


@given(st.lists(st.integers(min_value=1, max_value=70_000), min_size=1, max_size=6))
def test_reads_of_any_size_join_to_the_document(sizes: list[int]) -> None:
    """However it is read, the pieces join to the same bytes as one read()."""
    data = json.dumps(DOCUMENT, ensure_ascii=False).encode("utf-16")
    whole = JsonInput(io.BytesIO(data)).read()
    stream = JsonInput(io.BytesIO(data))
    pieces = [stream.read(size) for size in sizes]

    assert whole == b"".join(pieces) + stream.read()
