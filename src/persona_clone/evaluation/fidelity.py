"""
Reply fidelity: the clone answers held-out conversations where the person answered.

For every persona turn of a held-out conversation that answers someone else,
the clone is given the conversation up to that point, exactly as serving
renders it, and its reply is kept beside what the person really wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from .conversations import Entry, HeldOutConversation


if TYPE_CHECKING:  # the clone's module loads the openai SDK; a run is handed one
    from .clone import CloneModel


__all__ = ["ReplyPair", "Target", "fidelity_replies", "targets"]

logger = logging.getLogger(__name__)


@frozen(kw_only=True)
class Target:
    """
    A place where the person answered: the conversation before it, and the answer.

    Args:
        conversation: The held-out conversation.
        position: The index of the person's entry in it.
    """

    conversation: HeldOutConversation
    position: int

    @property
    def context(self) -> tuple[Entry, ...]:
        """The entries before the person's answer."""
        return self.conversation.entries[: self.position]

    @property
    def real(self) -> str:
        """What the person really wrote."""
        return self.conversation.entries[self.position].text


def targets(conversations: Sequence[HeldOutConversation]) -> Iterator[Target]:
    """Yield every place in *conversations* where the person answers someone, in order."""
    for conversation in conversations:
        for position in conversation.reply_positions():
            yield Target(conversation=conversation, position=position)


@frozen(kw_only=True)
class ReplyPair:
    """
    The person's real reply and the clone's, to one context.

    Args:
        context: The conversation as it was sent to the model (chat messages).
        real: What the person wrote.
        clone: What the clone wrote ("" when it stayed silent).
        against: What the model compared with wrote, if there is one.
        line: The conversation's line in the dataset.
    """

    context: list[dict[str, Any]] = field(factory=list)
    real: str
    clone: str
    against: str | None = None
    line: int = 0


async def fidelity_replies(
    model: CloneModel,
    chosen: Sequence[Target],
    *,
    progress: Callable[[int], None] | None = None,
) -> list[ReplyPair]:
    """
    Ask *model* for a reply at each of the *chosen* targets (one request each).

    Args:
        model: The model under evaluation.
        chosen: Where to ask.
        progress: Called with how many replies are done after each one.
    """
    pairs: list[ReplyPair] = []
    for done, target in enumerate(chosen, start=1):
        chat = model.chat(target.conversation.system_prompt)
        *before, last = target.context
        for entry in before:
            chat.remember(entry)
        await chat.say(last)
        context = chat.rendered()
        text, _ = await chat.reply()
        await chat.close()
        pairs.append(
            ReplyPair(context=context, real=target.real, clone=text, line=target.conversation.line)
        )
        if progress is not None:
            progress(done)
    return pairs
