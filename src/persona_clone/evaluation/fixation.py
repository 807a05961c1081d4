"""
Fixation: does the clone latch onto one phrase when it talks for a while?

A replay is a held-out group chat played live: the other people's real
messages arrive in order, and wherever the person answered, the clone answers
instead, after the quiet window, into the same `ConversationBuffer` that
serving uses (20 entries by default), with the loop guard off. After
*rounds* replies the replay ends; when a conversation runs out first, the next
held-out conversation follows in the same chat (as a group chat goes on, with
nobody resetting the log).

A replay *fixated* when the `LoopGuard` would have stepped in at least once:
a reply that is one word or pair of words repeated (``lol lol lol lol``), or
that is near-identical to, or shares a phrase of three words with, two of the
recent replies in the buffer. ``loop_rate`` is the share of replays that
fixated. The person's own replies at the same places go through the same
check, as the baseline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from attrs import frozen

from ..dataset.repetition import PhraseStat, repeated_phrases, tokens
from ..serving.loop_guard import LoopGuard, RepetitionKind
from .conversations import Entry, HeldOutConversation


if TYPE_CHECKING:  # the clone's module loads the openai SDK; a run is handed one
    from .clone import CloneModel


__all__ = [
    "FixationSummary",
    "Replay",
    "Round",
    "distinct_n",
    "person_replays",
    "replay",
    "starts",
    "summarize",
]


@frozen(kw_only=True)
class Round:
    """
    One reply in a replay.

    Args:
        reply: What was said ("" when the clone stayed silent).
        flagged: How it repeats itself, as the loop guard would have flagged it.
    """

    reply: str
    flagged: RepetitionKind | None = None


@frozen(kw_only=True)
class Replay:
    """
    One replayed conversation.

    Args:
        start: Which held-out conversation it started with (its index).
        rounds: The replies, in order.
    """

    start: int
    rounds: tuple[Round, ...]

    @property
    def fixated(self) -> bool:
        """Whether the loop guard would have stepped in at least once."""
        return any(r.flagged is not None for r in self.rounds)

    @property
    def first_fixation(self) -> int | None:
        """The round (from 1) of the first flagged reply, if any."""
        return next((i for i, r in enumerate(self.rounds, 1) if r.flagged is not None), None)


def starts(total: int, conversations: int) -> list[int]:
    """
    Return which of *total* held-out conversations each of *conversations* replays starts with.

    They are spread evenly over the dataset.

    Example:
        >>> starts(10, 3), starts(2, 4)
        ([0, 3, 6], [0, 0, 1, 1])

    """
    return [index * total // conversations for index in range(conversations)]


def _stream(conversations: Sequence[HeldOutConversation], start: int) -> Iterator[Entry]:
    """The entries of the conversations from *start* on, wrapping around, forever."""
    if not any(c.entries for c in conversations):
        return
    index = start
    while True:
        yield from conversations[index % len(conversations)].entries
        index += 1


def _has_answers(conversations: Sequence[HeldOutConversation]) -> bool:
    return any(any(c.reply_positions()) for c in conversations)


async def replay(
    model: CloneModel,
    conversations: Sequence[HeldOutConversation],
    *,
    start: int,
    rounds: int,
) -> Replay:
    """
    Replay the held-out chat from conversation *start* until the clone has answered *rounds* times.

    Each answer is one request to the model.
    """
    if not _has_answers(conversations):
        return Replay(start=start, rounds=())
    chat = model.chat(conversations[start].system_prompt)
    played: list[Round] = []
    try:
        for entry in _stream(conversations, start):
            if len(played) >= rounds:
                break
            if not entry.persona:
                await chat.say(entry)
            elif chat.buffer.pending:
                text, flagged = await chat.reply()
                played.append(Round(reply=text, flagged=flagged))
    finally:
        await chat.close()
    return Replay(start=start, rounds=tuple(played))


def person_replays(
    model: CloneModel,
    conversations: Sequence[HeldOutConversation],
    *,
    start_at: Sequence[int],
    rounds: int,
) -> list[Replay]:
    """
    Replay the same places with the person's real replies, checked as the clone's are.

    No model is asked: the person's entries go into a buffer like the clone's,
    and each is checked by a default `LoopGuard` against the persona's earlier
    entries in the buffer, as the responder checks a reply.
    """
    guard = LoopGuard()
    replays: list[Replay] = []
    for start in start_at:
        played: list[Round] = []
        if _has_answers(conversations):
            chat = model.chat(conversations[start].system_prompt)
            buffer = chat.buffer
            for entry in _stream(conversations, start):
                if len(played) >= rounds:
                    break
                if entry.persona and not buffer.pending:
                    continue
                if entry.persona:
                    history = [t.text for t in buffer.entries if buffer.is_persona(t.author)]
                    found = guard.check(entry.text, history)
                    played.append(
                        Round(reply=entry.text, flagged=None if found is None else found.kind)
                    )
                chat.remember(entry)
        replays.append(Replay(start=start, rounds=tuple(played)))
    return replays


def distinct_n(texts: Sequence[str], n: int) -> float:
    """
    Return the share of distinct word n-grams among all n-grams of *texts* (1.0 when none).

    N-grams are counted within each reply; a reply shorter than *n* words counts
    as one n-gram of its own, so a clone that only says "lol" scores low on
    distinct-2 too.

    Example:
        >>> distinct_n(["lol", "lol", "lol ok"], 1), distinct_n(["a b c", "a b d"], 2)
        (0.5, 0.75)
        >>> distinct_n(["lol"] * 4, 2)
        0.25

    """
    seen: set[tuple[str, ...]] = set()
    total = 0
    for text in texts:
        words = tokens(text)
        if not words:
            continue
        grams = list(zip(*(words[i:] for i in range(n)), strict=False)) or [tuple(words)]
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 1.0


@frozen(kw_only=True)
class FixationSummary:
    """
    What the replays of one side show.

    Args:
        loop_rate: Share of replays that fixated (0-1).
        distinct_1: Distinct words over all words of the replies.
        distinct_2: Distinct word pairs over all word pairs of the replies.
        phrases: The most repeated phrases of the replies.
        replays: The replays themselves.
    """

    loop_rate: float
    distinct_1: float
    distinct_2: float
    phrases: tuple[PhraseStat, ...]
    replays: tuple[Replay, ...]


def summarize(replays: Sequence[Replay], *, top: int = 5) -> FixationSummary:
    """Summarize *replays*: loop rate, distinct-1 and -2, most repeated phrases."""
    replies = [r.reply for replay_ in replays for r in replay_.rounds]
    return FixationSummary(
        loop_rate=sum(r.fixated for r in replays) / len(replays) if replays else 0.0,
        distinct_1=distinct_n(replies, 1),
        distinct_2=distinct_n(replies, 2),
        phrases=tuple(repeated_phrases(replies, top=top, min_count=2, min_share=0.0)),
        replays=tuple(replays),
    )
