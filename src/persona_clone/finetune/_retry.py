"""
Calling the service with retries, and turning its errors into `FineTuneError`.

Which errors are worth another try and how long to wait are the project's one
retry policy, `persona_clone.retry`. `OpenAIFineTuner` retries through its
injected sleep, on top of the client's own retries, so that a transient fault
never makes it upload or create twice: before trying a non-idempotent request
again it looks for what the lost answer created.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import openai
import pendulum

from persona_clone.errors import FineTuneError
from persona_clone.retry import Backoff, is_refused, is_transient


__all__ = ["RetryingCalls", "call_with_retries", "translate"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_WAITS = Backoff(
    initial=pendulum.duration(seconds=1),
    factor=2.0,
    maximum=pendulum.duration(seconds=60),
)
"""How long the tuner waits between its own tries (exponential from a second, at most a minute)."""


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
        return FineTuneError(f"{what}: {_unreachable(error)}", None)
    if isinstance(error, openai.APIStatusError):
        return FineTuneError(
            f"{what}: the service failed (HTTP {error.status_code}) after retrying",
            error.code,
        )
    return error


_ACTIONABLE = frozenset({400, 403, 404, 422})


def _unreachable(error: openai.APIConnectionError) -> str:
    """Say which URL could not be reached and how (refused, timed out, dropped)."""
    url = str(error.request.url).split("?", 1)[0]
    if is_refused(error):
        how = "the connection was refused (nothing listens there; check OPENAI_BASE_URL)"
    elif isinstance(error, openai.APITimeoutError):
        how = "it timed out after retrying"
    else:
        how = f"the connection failed after retrying ({type(error).__name__})"
    return f"could not reach {url}: {how}"


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
            delay = _WAITS.delay(error, attempt)
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
