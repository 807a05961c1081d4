"""
The one retry policy for calls to an OpenAI-compatible service.

Fine-tuning (`persona_clone.OpenAIFineTuner`) and serving
(`persona_clone.serving.responder.Responder`) both ask `is_transient` whether a
failed request is worth another try and `Backoff.delay` how long to wait first:

- a refused connection is not retried here (nothing listens at the URL; waiting
  does not start a server), nor are refusals (4xx) and exhausted quotas
  (``insufficient_quota``, ``billing_hard_limit_reached``);
- timeouts, dropped connections, 408, 409, 429 and 5xx are retried;
- the service's ``retry-after-ms`` or ``retry-after`` header sets the wait when
  present (up to the maximum), else the wait grows exponentially.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pendulum
from attrs import field, frozen

from .durations import to_duration


__all__ = ["Backoff", "is_refused", "is_transient", "server_delay"]

_NO_RETRY_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})
_RETRY_STATUSES = frozenset({408, 409, 429})


def is_refused(error: BaseException) -> bool:
    """Whether *error* is (caused by) a refused connection: nothing listens there."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ConnectionRefusedError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def is_transient(error: BaseException) -> bool:
    """
    Whether *error* may go away by itself, so the request is worth another try.

    Timeouts and dropped connections, 408, 409, 429 (but not an exhausted quota)
    and 5xx are; a refused connection and every other refusal are not.
    """
    if isinstance(error, openai.APIConnectionError):  # timeouts included
        return not is_refused(error)
    if isinstance(error, openai.RateLimitError):
        return error.code not in _NO_RETRY_CODES
    if isinstance(error, openai.APIStatusError):
        return error.status_code in _RETRY_STATUSES or error.status_code >= 500  # noqa: PLR2004
    return False


def server_delay(error: BaseException) -> float | None:
    """Return the wait the service asked for (``retry-after-ms``, ``retry-after``), if any."""
    if not isinstance(error, openai.APIStatusError):
        return None
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
            return seconds
    return None


@frozen(kw_only=True)
class Backoff:
    """
    How often and how long to wait after a transient failure.

    Args:
        attempts: Most requests in all (at least 1).
        initial: Wait after the first failure.
        factor: Each further wait is this many times longer.
        maximum: Longest wait (a server's ``retry-after`` is honoured up to it).

    .. versionadded:: 0.1.0
    """

    attempts: int = 3
    initial: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=2), converter=to_duration
    )
    factor: float = 2.0
    maximum: pendulum.Duration = field(
        factory=lambda: pendulum.duration(seconds=60), converter=to_duration
    )

    def delays(self) -> Iterator[float]:
        """Yield the waits, in seconds, between the *attempts* requests (no server hint)."""
        for attempt in range(1, self.attempts):
            yield self.delay(None, attempt)

    def delay(self, error: BaseException | None, attempt: int) -> float:
        """
        Return the seconds to wait after failed attempt number *attempt* (from 1).

        The service's ``retry-after-ms`` or ``retry-after`` wins when *error*
        carries one; else ``initial x factor ** (attempt - 1)``. Never more than
        *maximum*.
        """
        longest = self.maximum.total_seconds()
        hint = None if error is None else server_delay(error)
        if hint is not None:
            return min(hint, longest)
        return min(self.initial.total_seconds() * self.factor ** (attempt - 1), longest)

    def allows(self, attempt: int) -> bool:
        """Whether another request may follow failed attempt number *attempt*."""
        return attempt < self.attempts
