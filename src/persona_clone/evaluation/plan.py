"""
The request plan: how many requests an evaluation sends, and about how many tokens.

A paid model costs money per request and token, so ``persona-clone evaluate``
says what it will send before it sends anything, and *max_requests* bounds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from attrs import frozen

from ..errors import ConfigError


__all__ = ["RequestPlan", "plan_requests"]


@frozen(kw_only=True)
class RequestPlan:
    """
    What an evaluation will send to each model.

    Args:
        replies: Fidelity requests: one per place where the person answered.
        conversations: Replayed conversations (fixation).
        rounds: Replies per replayed conversation (one request each).
        models: How many models are asked (2 with a model to compare with).
        prompt_tokens: About how many prompt tokens all the requests hold together.
        max_reply_tokens: The longest reply asked for, in tokens.
    """

    replies: int
    conversations: int
    rounds: int
    models: int = 1
    prompt_tokens: int = 0
    max_reply_tokens: int = 256

    @property
    def per_model(self) -> int:
        """Requests to each model."""
        return self.replies + self.conversations * self.rounds

    @property
    def requests(self) -> int:
        """Requests in all (retries after endpoint errors not counted)."""
        return self.per_model * self.models

    def describe(self) -> str:
        """
        Say what will be sent, in one sentence.

        Example:
            >>> plan = RequestPlan(replies=12, conversations=5, rounds=10, prompt_tokens=9400)
            >>> print(plan.describe())
            about 62 requests (12 replies + 5 conversations x 10 rounds), about 9,400 prompt tokens,
            replies up to 256 tokens each

        """
        each = f"{self.per_model} to each of {self.models} models: " if self.models > 1 else ""
        return (
            f"about {self.requests} requests ({each}{self.replies} replies + "
            f"{self.conversations} conversations x {self.rounds} rounds), about "
            f"{self.prompt_tokens:,} prompt tokens,\nreplies up to {self.max_reply_tokens} "
            "tokens each"
        )


def plan_requests(
    context_tokens: Sequence[int],
    *,
    conversations: int,
    rounds: int,
    models: int = 1,
    max_requests: int | None = None,
    max_reply_tokens: int = 256,
) -> RequestPlan:
    """
    Plan the requests of an evaluation within *max_requests*.

    Without a bound, every place where the person answered is asked once and
    the replay takes *conversations* x *rounds* requests, for each model. With
    one, each model gets an equal share of *max_requests*; within it, the
    fidelity replies get at least half (fewer when there are fewer places to
    ask), the replay the rest: first fewer conversations, then fewer rounds.

    Args:
        context_tokens: The prompt tokens of each place where the person answered.
        conversations: Conversations to replay.
        rounds: Replies per replayed conversation.
        models: How many models are asked.
        max_requests: The most requests in all.
        max_reply_tokens: The longest reply asked for.

    Raises:
        ConfigError: *max_requests* leaves fewer than two requests per model.

    Example:
        >>> plan_requests([100] * 40, conversations=5, rounds=10, max_requests=60).per_model
        60
        >>> p = plan_requests([100] * 40, conversations=5, rounds=10, max_requests=60)
        >>> p.replies, p.conversations, p.rounds
        (30, 3, 10)

    """
    available = len(context_tokens)
    replies, fixation = available, conversations * rounds
    if max_requests is not None:
        per_model = max_requests // models
        if per_model < 2:  # noqa: PLR2004 - one reply and one round
            msg = (
                f"--max-requests: expected at least {2 * models} "
                f"(two per model), found {max_requests}"
            )
            raise ConfigError(msg)
        replies = min(available, max(per_model - fixation, per_model // 2))
        budget = per_model - replies
        if fixation > budget:
            rounds = min(rounds, budget)
            conversations = max(1, budget // rounds) if rounds else 0
    chosen = context_tokens[:replies]
    mean = fmean(context_tokens) if context_tokens else 0.0
    tokens = sum(chosen) + round(mean * conversations * rounds)
    return RequestPlan(
        replies=replies,
        conversations=conversations,
        rounds=rounds,
        models=models,
        prompt_tokens=tokens * models,
        max_reply_tokens=max_reply_tokens,
    )
