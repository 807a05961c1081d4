"""
The model under evaluation, answering through the serving code itself.

`CloneModel` holds what serving needs to reach a model (the ``openai`` client,
the model name, the buffer bound, the quiet window, the sampling settings).
`CloneModel.chat` opens a `ReplayChat`: one chat of a real `persona_clone.Responder`
on a virtual clock, so the clone sees conversations rendered exactly as in
serving (the dataset's `ChatRenderer`, a `ConversationBuffer` of *max_entries*
entries, the quiet-window rule) while nothing waits for real time. Its loop
guard is off (`LoopPolicy.OFF`): replies are taken as they come and what the
guard would have flagged is recorded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import openai
import pendulum
from attrs import define, field, frozen

from ..dataset.rendering import ChatRenderer
from ..durations import to_duration
from ..message import Message, Participant
from ..privacy.identity import NameBook
from ..serving.buffer import ConversationBuffer
from ..serving.loop_guard import Intervention, LoopGuard, LoopPolicy, RepetitionKind
from ..serving.responder import Backoff, Responder
from .conversations import Entry


__all__ = ["PERSONA", "CloneModel", "ReplayChat", "VirtualClock"]

PERSONA = Participant(id="persona", name="persona")
"""Who the clone is in a replay (the dataset's ``assistant``; chat rendering never names it)."""

_CHAT = "evaluation"
_START = pendulum.datetime(2024, 1, 1, tz="UTC")
_BETWEEN_MESSAGES = 5.0  # seconds: a burst, well inside any quiet window


@define
class VirtualClock:
    """A clock that moves only when waited on, so a replay takes no real time."""

    current: pendulum.DateTime = _START

    def now(self) -> pendulum.DateTime:
        """Return the virtual time."""
        return self.current

    async def sleep(self, seconds: float) -> None:
        """Move the virtual time on by *seconds*, at once."""
        self.current = self.current.add(seconds=seconds)


@frozen(kw_only=True)
class CloneModel:
    """
    A model to evaluate, reached as serving reaches it.

    Args:
        client: The ``openai.AsyncOpenAI`` client (`persona_clone.serving.responder.connect`).
        model: The model name.
        max_entries: Most entries of conversation the model sees (as in serving).
        quiet: How long a chat must be quiet before the clone answers.
        temperature: Sampling temperature (default: the endpoint's).
        max_reply_tokens: Longest reply, in tokens.
        backoff: Retries after endpoint failures.
    """

    client: openai.AsyncOpenAI = field(repr=False)
    model: str
    max_entries: int = 20
    quiet: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=25), converter=to_duration
    )
    temperature: float | None = None
    max_reply_tokens: int = 256
    backoff: Backoff = field(factory=Backoff)

    def renderer(self, system_prompt: str | None) -> ChatRenderer:
        """Return the renderer a conversation with *system_prompt* is served with."""
        return ChatRenderer(persona=PERSONA, names=NameBook(), system_prompt=system_prompt)

    def buffer(self) -> ConversationBuffer:
        """Return an empty buffer as serving makes one."""
        return ConversationBuffer(PERSONA, max_entries=self.max_entries, quiet=self.quiet)

    def chat(self, system_prompt: str | None) -> ReplayChat:
        """Open a chat with the clone, served with *system_prompt*."""
        return ReplayChat(model=self, system_prompt=system_prompt)


@define
class ReplayChat:
    """
    One live chat with the clone: a `Responder` on a `VirtualClock`, loop guard off.

    Args:
        model: The model and its serving settings.
        system_prompt: The system message, as in training.
    """

    model: CloneModel
    system_prompt: str | None
    clock: VirtualClock = field(factory=VirtualClock, init=False)
    flags: list[Intervention] = field(factory=list, init=False)
    _sent: list[str] = field(factory=list, init=False)
    _renderer: ChatRenderer = field(init=False)
    _responder: Responder = field(init=False)
    _ids: Iterator[int] = field(factory=itertools.count, init=False)

    def __attrs_post_init__(self) -> None:
        async def send(_chat: str, text: str) -> None:
            self._sent.append(text)

        self._renderer = self.model.renderer(self.system_prompt)
        self._responder = Responder(
            client=self.model.client,
            model=self.model.model,
            renderer=self._renderer,
            send=send,
            quiet=self.model.quiet,
            max_entries=self.model.max_entries,
            guard=LoopGuard(policy=LoopPolicy.OFF, on_intervention=self.flags.append),
            clock=self.clock,
            sleep=self.clock.sleep,
            line_delay=pendulum.duration(seconds=1),
            max_reply_tokens=self.model.max_reply_tokens,
            temperature=self.model.temperature,
            backoff=self.model.backoff,
        )

    @property
    def buffer(self) -> ConversationBuffer:
        """The chat's buffer, as the clone sees it."""
        return self._responder.buffer(_CHAT)

    def rendered(self) -> list[dict[str, Any]]:
        """The conversation as it is sent to the model now."""
        return self._renderer.messages(self.buffer.entries)

    def _message(self, entry: Entry) -> Message:
        self.clock.current = self.clock.current.add(seconds=_BETWEEN_MESSAGES)
        author = PERSONA if entry.speaker is None else Participant.from_name(entry.speaker)
        return Message(
            id=f"replay-{next(self._ids)}", sent_at=self.clock.now(), author=author, text=entry.text
        )

    def remember(self, entry: Entry) -> None:
        """Put *entry* in the conversation without asking for a reply."""
        self.buffer.add(self._message(entry))

    async def say(self, entry: Entry) -> None:
        """Someone says *entry* in the live chat (the wait for a reply restarts)."""
        await self._responder.receive(_CHAT, self._message(entry))

    async def reply(self) -> tuple[str, RepetitionKind | None]:
        """
        Let the chat go quiet and return the clone's reply ("" if it stayed silent).

        Returns:
            The reply (its messages one a line) and how it repeats itself, as
            the loop guard would have flagged it (``None`` if not).
        """
        self._sent.clear()
        flagged = len(self.flags)
        if self.buffer.pending:
            await self._responder.wait_idle()
            if self.buffer.pending:  # answered nothing yet (no waiter): answer now
                await self._responder.flush()
        text = "\n".join(self._sent)
        kind = self.flags[-1].repetition.kind if len(self.flags) > flagged else None
        return text, kind

    async def close(self) -> None:
        """Cancel anything still scheduled."""
        await self._responder.aclose()
