"""
Serving shows the model a conversation exactly as the dataset builder trained it.

The real path on both sides: the bundled sample parsed by the WhatsApp parser,
`build_dataset` writing train.jsonl and names.json, and a `ConversationBuffer`
fed the same messages, rendered with the name book the build saved.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from persona_clone import ConversationBuffer, Participant, Session, Sessionizer, build_dataset
from persona_clone import parse as parse_export
from persona_clone.dataset import DatasetFormat
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.parsers import ParserRegistry
from persona_clone.privacy.identity import NameBook
from persona_clone.samples import SAMPLE_PARTICIPANTS, SAMPLE_TZ, sample_path


pytestmark = pytest.mark.skipif(
    "whatsapp" not in ParserRegistry.default().names, reason="no WhatsApp parser registered"
)

DENIZ = Participant.from_name("Deniz")
PROMPT = "Deniz, 27, Istanbul."


@pytest.fixture(name="sessions", scope="module")
def _sessions() -> list[Session]:
    with sample_path() as path:
        messages = list(parse_export(path, format="whatsapp", tz=SAMPLE_TZ))
    return list(Sessionizer()(messages))


def _built(
    session: Session, directory: Path, fmt: DatasetFormat
) -> tuple[list[dict[str, Any]], NameBook]:
    """Build a dataset of *session* alone; return its examples and its saved name book."""
    build_dataset(
        [list(session.messages)],
        directory,
        persona="Deniz",
        consenting=SAMPLE_PARTICIPANTS,
        format=fmt,
        system_prompt=PROMPT if fmt is DatasetFormat.CHAT else None,
        max_entries=10_000,
        redact=False,  # the live chat is not redacted: compare the rendering alone
    )
    lines = (directory / "train.jsonl").read_text(encoding="utf-8").splitlines()
    book = NameBook.from_json((directory / "names.json").read_text(encoding="utf-8"))
    return [json.loads(line) for line in lines], book


def _buffer(session: Session) -> ConversationBuffer:
    """The buffer after the session's messages, up to the persona's last message."""
    messages = list(session.messages)
    last = max(i for i, m in enumerate(messages) if m.author == DENIZ)
    buffer = ConversationBuffer("Deniz", max_entries=10_000)
    for message in messages[: last + 1]:
        buffer.add(message)
    return buffer


def _with_persona(sessions: list[Session]) -> Iterator[Session]:
    return (s for s in sessions if any(m.author == DENIZ for m in s.messages))


class TestParity:
    def test_chat_format(self, sessions: list[Session], tmp_path: Path) -> None:
        """Each session's chat example equals the buffer rendered with the saved names."""
        compared = 0
        for index, session in enumerate(_with_persona(sessions)):
            examples, book = _built(session, tmp_path / str(index), DatasetFormat.CHAT)
            if len(examples) != 1:
                continue
            renderer = ChatRenderer(persona=DENIZ, names=book, system_prompt=PROMPT)
            trained = [
                {k: v for k, v in m.items() if k != "weight"} for m in examples[0]["messages"]
            ]

            assert trained == renderer.messages(_buffer(session).entries), index
            compared += 1

        assert compared >= 30  # nearly every session of the sample

    def test_legacy_format(self, sessions: list[Session], tmp_path: Path) -> None:
        """Each session's last legacy example equals the buffer's prompt and completion."""
        compared = 0
        for index, session in enumerate(_with_persona(sessions)):
            examples, book = _built(session, tmp_path / str(index), DatasetFormat.LEGACY)
            renderer = LegacyRenderer(persona=DENIZ, names=book)
            *context, reply = _buffer(session).entries

            assert examples[-1] == {
                "prompt": renderer.prompt(context),
                "completion": renderer.completion(reply),
            }, index
            compared += 1

        assert compared >= 30
