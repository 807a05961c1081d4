"""
Which ``openai`` errors are worth another try, and how long to wait first.

`OpenAIFineTuner` retries through its injected sleep, on top of the client's own
retries, so that a transient fault never makes it upload or create twice: before
trying a non-idempotent request again it looks for what the lost answer created.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import openai

from persona_clone.errors import FineTuneError


__all__ = ["RetryingCalls", "call_with_retries", "is_transient", "retry_delay", "translate"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

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


def _message(error: openai.APIStatusError) -> str:
    """Return the service's message (without the SDK's ``Error code: ...`` prefix)."""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return error.message


def translate(what: str, error: openai.OpenAIError) -> FineTuneError | openai.OpenAIError:
    """
    Turn the errors a user can act on into `FineTuneError`; return others as they are.

    The key never appears: a refused key is reported by the variable to check, not
    by the service's message (which may echo part of it).
    """
    if isinstance(error, openai.AuthenticationError):
        return FineTuneError(
            f"{what}: the service refused the API key (check OPENAI_API_KEY)",
            error.code or "invalid_api_key",
        )
    if isinstance(error, openai.RateLimitError):
        return FineTuneError(
            f"{what}: still rate limited after retrying: {_message(error)}", error.code
        )
    if isinstance(error, openai.APIStatusError) and error.status_code in _ACTIONABLE:
        return FineTuneError(f"{what}: {_message(error)}", error.code)
    if isinstance(error, openai.APIConnectionError):
        return FineTuneError(f"{what}: could not reach the service ({type(error).__name__})", None)
    if isinstance(error, openai.APIStatusError):
        return FineTuneError(
            f"{what}: the service failed (HTTP {error.status_code}) after retrying",
            error.code,
        )
    return error


_ACTIONABLE = frozenset({400, 403, 404, 422})


def call_with_retries(
    what: str,
    request: Callable[[], _T],
    *,
    sleep: Callable[[float], None],
    retries: int,
    recover: Callable[[], _T | None] | None = None,
) -> _T:
    """
    Send *request*, retrying transient errors *retries* times through *sleep*.

    Before each retry *recover* (if given) looks for what a lost answer created,
    so that non-idempotent requests never happen twice.

    Args:
        what: What the request does, for messages (``"uploading train.jsonl"``).
        request: Sends the request.
        sleep: Waits between tries.
        retries: Tries after the first.
        recover: Returns what a lost answer created, or ``None``.

    Raises:
        FineTuneError: See `translate`; the ``openai`` error is its ``__cause__``.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return request()
        except openai.OpenAIError as error:
            if not is_transient(error) or attempt > retries:
                raise translate(what, error) from error
            delay = retry_delay(error, attempt)
            logger.info(
                "%s failed (%s); retry %d in %.1fs",
                what,
                type(error).__name__,
                attempt,
                delay,
            )
            sleep(delay)
            if recover is not None:
                found = recover()
                if found is not None:
                    return found


class RetryingCalls:
    """
    Gives a service holding ``sleep`` and ``retries`` a `_call` through `call_with_retries`.

    A mixin for attrs classes (it has no fields and no ``__dict__`` of its own).
    """

    __slots__ = ()

    sleep: Callable[[float], None]
    retries: int

    def _call(
        self,
        what: str,
        request: Callable[[], _T],
        *,
        recover: Callable[[], _T | None] | None = None,
    ) -> _T:
        """Send *request* through `call_with_retries` with this object's settings."""
        return call_with_retries(
            what, request, sleep=self.sleep, retries=self.retries, recover=recover
        )
