"""
Serving: the clone in a live chat.

- ``serving.buffer``: `ConversationBuffer`, the bounded context and the quiet-window rule.
- ``serving.responder``: `Responder`, one model call rendered exactly as in training.
- ``serving.loop_guard``: `LoopGuard`, which keeps the clone from fixating on one phrase.
- ``serving.privacy``: `LivePrivacy`, the live chat filtered like the dataset (opt-outs, redaction).
- ``serving.moderation``: moderators that hold back replies the clone should not send.
- ``serving.discord``: the Discord adapter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .buffer import ConversationBuffer
    from .loop_guard import (
        Intervention,
        LoopGuard,
        LoopPolicy,
        Repetition,
        RepetitionKind,
    )
    from .responder import (
        Backoff,
        Responder,
        Send,
        Typing,
        connect,
    )


__all__ = [
    "Backoff",
    "ConversationBuffer",
    "Intervention",
    "LoopGuard",
    "LoopPolicy",
    "Repetition",
    "RepetitionKind",
    "Responder",
    "Send",
    "Typing",
    "connect",
]

_NAMES: Final = {
    "Backoff": ".responder",
    "ConversationBuffer": ".buffer",
    "Intervention": ".loop_guard",
    "LoopGuard": ".loop_guard",
    "LoopPolicy": ".loop_guard",
    "Repetition": ".loop_guard",
    "RepetitionKind": ".loop_guard",
    "Responder": ".responder",
    "Send": ".responder",
    "Typing": ".responder",
    "connect": ".responder",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
