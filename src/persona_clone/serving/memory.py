"""
A bot's memory across restarts: every chat's buffer, saved as JSON.

Every bot command (``discord``, ``telegram``) takes ``--memory FILE``: the
buffers are restored at start and saved at a clean stop, so the clone picks up
each conversation where it left off.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import ConfigError
from .buffer import ConversationBuffer
from .responder import Responder


__all__ = ["load_memory", "save_memory"]


def save_memory(responder: Responder, path: Path) -> None:
    """Write every chat's buffer to *path* (JSON), to restore after a restart."""
    memory = {chat: json.loads(buffer.to_json()) for chat, buffer in responder.buffers.items()}
    text = json.dumps(memory, ensure_ascii=False)
    # whole or not at all: a crash while writing leaves the previous memory in place
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_memory(responder: Responder, path: Path) -> int:
    """
    Restore the buffers saved in *path*; return how many chats were restored.

    Raises:
        ConfigError: *path* does not hold saved buffers.
    """
    try:
        memory = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        msg = f"{path}: expected saved conversations (JSON), found {error}"
        raise ConfigError(msg) from error
    if not isinstance(memory, dict):
        msg = f"{path}: expected an object of chats, found {type(memory).__name__}"
        raise ConfigError(msg)
    aliases = responder.renderer.aliases
    for chat, saved in memory.items():
        buffer = ConversationBuffer.from_json(json.dumps(saved), aliases=aliases)
        responder.restore(chat, buffer)
    return len(memory)
