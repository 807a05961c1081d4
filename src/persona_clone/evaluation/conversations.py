"""
Held-out conversations: a chat-format dataset read back as conversations to replay.

`read_conversations` reads the JSONL that ``persona-clone build`` wrote
(normally ``validation.jsonl``, never seen in training): each line is one
conversation, the persona's turns as ``assistant`` messages and everyone
else's as ``user`` messages with a ``name``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from attrs import frozen

from .._jsonl import iter_json_lines
from ..errors import ParseError, excerpt


__all__ = ["Entry", "HeldOutConversation", "iter_conversations", "read_conversations"]

_UNNAMED = "User"


@frozen(kw_only=True)
class Entry:
    """
    One turn of a held-out conversation.

    Args:
        speaker: Who said it (the ``name`` of a ``user`` message), ``None`` for the persona.
        text: What was said (a merged turn: its messages one a line).
    """

    speaker: str | None
    text: str

    @property
    def persona(self) -> bool:
        """Whether the persona said it."""
        return self.speaker is None


@frozen(kw_only=True)
class HeldOutConversation:
    """
    One conversation of the dataset.

    Args:
        entries: Its turns, oldest first.
        system_prompt: The system message it opens with, if any (as in training).
        line: Its line in the dataset file.
    """

    entries: tuple[Entry, ...]
    system_prompt: str | None = None
    line: int = 0

    def reply_positions(self) -> Iterator[int]:
        """Yield the index of every persona entry that answers someone else."""
        for index, entry in enumerate(self.entries):
            if entry.persona and index and not self.entries[index - 1].persona:
                yield index


def _entry(message: Any, where: str) -> Entry | str:
    """Return the entry of one message, or the system prompt's text."""
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise ParseError(where, "a message with a string 'content'", excerpt(repr(message)))
    role, content = message.get("role"), str(message["content"])
    if role == "assistant":
        return Entry(speaker=None, text=content)
    if role == "user":
        name = message.get("name")
        return Entry(speaker=name if isinstance(name, str) and name else _UNNAMED, text=content)
    if role == "system":
        return content
    raise ParseError(where, "role 'system', 'user' or 'assistant'", excerpt(str(role)))


def iter_conversations(lines: Iterable[str], *, name: str) -> Iterator[HeldOutConversation]:
    """
    Yield the conversations of a chat-format dataset's *lines*, lazily.

    Raises:
        ParseError: A line is not a chat example; names *name*, the line and the message.
    """
    for number, value in iter_json_lines(lines, name=name):
        messages = value.get("messages") if isinstance(value, dict) else None
        if not isinstance(messages, list):
            raise ParseError(
                f"{name}:{number}",
                "a chat example with a 'messages' list (build --format chat)",
                excerpt(repr(value)),
            )
        system: str | None = None
        entries: list[Entry] = []
        for index, message in enumerate(messages):
            found = _entry(message, f"{name}:{number} $.messages[{index}]")
            if isinstance(found, str):
                system = found if system is None else f"{system}\n{found}"
            else:
                entries.append(found)
        yield HeldOutConversation(entries=tuple(entries), system_prompt=system, line=number)


def read_conversations(path: Path) -> list[HeldOutConversation]:
    """
    Read every conversation of the chat-format dataset at *path*.

    Raises:
        ParseError: A line is not a chat example.
        OSError: The file cannot be read.
    """
    with path.open(encoding="utf-8") as file:
        return list(iter_conversations(file, name=str(path)))
