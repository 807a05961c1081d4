"""Tests for persona_clone.retry, the one retry policy of fine-tuning and serving."""

from __future__ import annotations

import openai
import pendulum
import pytest

from helpers_http import Request, Response
from persona_clone.retry import Backoff, is_refused, is_transient, server_delay


REQUEST = Request("POST", "http://127.0.0.1/v1/chat/completions")


def _status(status: int, *, code: str | None = None, **headers: str) -> openai.APIStatusError:
    """The error the SDK raises for an answer with *status*, *code* and *headers*."""
    body = {"message": "scripted", "type": "scripted", "code": code}
    response = Response(status, headers=headers, json={"error": body}, request=REQUEST)
    kind = openai.RateLimitError if status == 429 else openai.APIStatusError
    return kind("scripted", response=response, body=body)


def _connection(cause: BaseException) -> openai.APIConnectionError:
    """A connection error caused by *cause*, as the SDK chains it."""
    error = openai.APIConnectionError(request=REQUEST)
    error.__cause__ = cause
    return error


class TestIsTransient:
    @pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
    def test_passing_failures_are_retried(self, status: int) -> None:
        """Timeouts, conflicts, rate limits and server errors are worth another try."""
        assert is_transient(_status(status))

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
    def test_refusals_are_not(self, status: int) -> None:
        """A request the service refuses fails the same way next time."""
        assert not is_transient(_status(status))

    @pytest.mark.parametrize("code", ["insufficient_quota", "billing_hard_limit_reached"])
    def test_exhausted_quota_is_not(self, code: str) -> None:
        """Waiting does not pay the bill."""
        assert not is_transient(_status(429, code=code))

    def test_refused_connection_is_not_but_a_dropped_one_is(self) -> None:
        """Nothing listening is not retried; a connection that broke off is."""
        refused = _connection(ConnectionRefusedError(111, "Connection refused"))
        dropped = _connection(ConnectionResetError(104, "Connection reset by peer"))

        assert (True, False) == (is_refused(refused), is_transient(refused))
        assert (False, True) == (is_refused(dropped), is_transient(dropped))
        assert is_transient(openai.APITimeoutError(request=REQUEST))


class TestBackoff:
    def test_retry_after_ms_wins_over_retry_after(self) -> None:
        """The millisecond header is the more precise one and is read first."""
        error = _status(429, **{"retry-after-ms": "250", "retry-after": "7"})

        assert (0.25, 0.25) == (server_delay(error), Backoff().delay(error, 1))

    @pytest.mark.parametrize("value", ["soon", "-3"])
    def test_unreadable_hints_are_ignored(self, value: str) -> None:
        """A hint that is not a number of seconds falls back to the back-off."""
        assert 2.0 == Backoff().delay(_status(503, **{"retry-after": value}), 1)

    def test_waits_grow_and_are_capped(self) -> None:
        """Without a hint the waits grow by *factor*, never beyond *maximum*."""
        backoff = Backoff(attempts=6, maximum=pendulum.duration(seconds=10))
        long_hint = _status(429, **{"retry-after": "300"})

        assert [2.0, 4.0, 8.0, 10.0, 10.0] == list(backoff.delays())
        assert 10.0 == backoff.delay(long_hint, 1)
        assert (True, False) == (backoff.allows(5), backoff.allows(6))
