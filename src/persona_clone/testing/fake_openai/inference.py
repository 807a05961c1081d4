"""The fake's ``chat/completions`` and ``completions`` endpoints."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

from .errors import ApiError
from .training_files import count_tokens


__all__ = [
    "Replies",
    "ReplyScript",
    "chat_completion",
    "check_sampling",
    "text_completion",
]

ReplyScript: TypeAlias = Callable[[Mapping[str, Any]], str]
"""A function from the request body to the reply text."""

Replies: TypeAlias = "Sequence[str] | ReplyScript"
"""Scripted replies: a list used in turn (and again from the start), or a function."""

_RANGES: Mapping[str, tuple[float, float]] = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
    "n": (1, 128),
    "logprobs": (0, 5),
}


def check_sampling(body: Mapping[str, Any]) -> None:
    """Reject sampling parameters outside the service's ranges with a 400."""
    for name, (low, high) in _RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if (
            not isinstance(value, (int, float))
            or isinstance(value, bool)
            or not low <= value <= high
        ):
            raise ApiError.bad_request(
                f"Invalid value for '{name}': expected a number from {low} to {high}, "
                f"got {value!r}.",
                param=name,
            )
    stop = body.get("stop")
    if isinstance(stop, list) and len(stop) > 4:  # noqa: PLR2004 - the service's limit
        raise ApiError.bad_request("Invalid 'stop': at most 4 sequences.", param="stop")
    for name in ("max_tokens", "max_completion_tokens"):
        value = body.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ApiError.bad_request(f"Invalid value for '{name}': {value!r}.", param=name)


class ReplySource:
    """Hands out scripted replies, thread-unsafe (the server holds its lock)."""

    def __init__(self, replies: Replies | None) -> None:
        self._function: ReplyScript | None = None
        self._cycle: Iterator[str] | None = None
        if callable(replies):
            self._function = replies
        else:
            self._cycle = itertools.cycle(list(replies) if replies else ["ok"])

    def next(self, body: Mapping[str, Any]) -> str:
        """Return the reply for *body*."""
        if self._function is not None:
            return self._function(body)
        assert self._cycle is not None  # noqa: S101 - set in __init__ when there is no function
        return next(self._cycle)


def _cut(text: str, body: Mapping[str, Any]) -> tuple[str, str]:
    """Apply ``stop`` and ``max_tokens`` as the service does; return text and reason."""
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    for sequence in stops:
        if sequence and sequence in text:
            text = text[: text.index(sequence)]
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if isinstance(limit, int) and count_tokens(text) > limit:
        words = text.split(" ")
        while words and count_tokens(" ".join(words)) > limit:
            words.pop()
        return " ".join(words), "length"
    return text, "stop"


def _completion(
    kind: str,
    body: Mapping[str, Any],
    *,
    choices: list[dict[str, Any]],
    prompt_tokens: int,
    completion_tokens: int,
    now: int,
    completion_id: str,
) -> dict[str, Any]:
    """Return a completion object of *kind* with its choices and token usage."""
    return {
        "id": completion_id,
        "object": kind,
        "created": now,
        "model": body["model"],
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def chat_completion(
    body: Mapping[str, Any], *, reply: Callable[[], str], now: int, completion_id: str
) -> dict[str, Any]:
    """Answer a chat completion request with scripted replies, one per choice."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError.bad_request("'messages' must be a non-empty array.", param="messages")
    check_sampling(body)
    prompt_tokens = sum(
        3 + count_tokens(str(m.get("content") or "")) for m in messages if isinstance(m, dict)
    )
    choices = []
    completion_tokens = 0
    for index in range(int(body.get("n") or 1)):
        text, reason = _cut(reply(), body)
        completion_tokens += count_tokens(text)
        choices.append(
            {
                "index": index,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "finish_reason": reason,
                "logprobs": None,
            }
        )
    return _completion(
        "chat.completion",
        body,
        choices=choices,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        now=now,
        completion_id=completion_id,
    )


def text_completion(
    body: Mapping[str, Any], *, reply: Callable[[], str], now: int, completion_id: str
) -> dict[str, Any]:
    """Answer a legacy completion request with scripted replies, one per choice."""
    prompt = body.get("prompt")
    if not isinstance(prompt, (str, list)):
        raise ApiError.bad_request("'prompt' must be a string or an array.", param="prompt")
    check_sampling(body)
    limited = dict(body)
    limited.setdefault("max_tokens", 16)
    prompts = prompt if isinstance(prompt, list) else [prompt]
    prompt_tokens = sum(count_tokens(str(p)) for p in prompts)
    choices = []
    completion_tokens = 0
    for index in range(int(body.get("n") or 1) * len(prompts)):
        text, reason = _cut(reply(), limited)
        completion_tokens += count_tokens(text)
        choices.append({"text": text, "index": index, "logprobs": None, "finish_reason": reason})
    return _completion(
        "text_completion",
        body,
        choices=choices,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        now=now,
        completion_id=completion_id,
    )
