"""
Which ``openai`` errors are worth another try, and how long to wait first.

`OpenAIFineTuner` retries through its injected sleep, on top of the client's own
retries, so that a transient fault never makes it upload or create twice: before
trying a non-idempotent request again it looks for what the lost answer created.
"""

from __future__ import annotations

import openai


__all__ = ["is_transient", "retry_delay"]

_MAX_DELAY = 60.0


def is_transient(error: BaseException) -> bool:
    """Whether *error* may go away by itself (connection, timeout, 408/409/429/5xx)."""
    if isinstance(error, openai.APIConnectionError):
        return True
    if isinstance(error, openai.RateLimitError):
        return error.code not in ("insufficient_quota", "billing_hard_limit_reached")
    if isinstance(error, openai.APIStatusError):
        return error.status_code in (408, 409) or error.status_code >= 500  # noqa: PLR2004
    return False


def retry_delay(error: BaseException, attempt: int, *, base: float = 1.0) -> float:
    """
    Return the seconds to wait before attempt number *attempt* + 1.

    The server's ``retry-after-ms`` or ``retry-after`` wins when present; else
    exponential back-off from *base*, capped at a minute.
    """
    if isinstance(error, openai.APIStatusError):
        headers = error.response.headers
        for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
            raw = headers.get(name)
            if raw is None:
                continue
            try:
                seconds = float(raw) / scale
            except ValueError:
                continue
            if seconds >= 0:
                return min(seconds, _MAX_DELAY)
    return min(base * 2.0 ** (attempt - 1), _MAX_DELAY)
