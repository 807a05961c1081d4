"""
A scripted model endpoint for unit tests, over the SDK's mock transport.

This is the one test module that imports the HTTP library of the pinned openai
major (openai 3.x talks through ``httpx2``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx2
import openai
from attrs import define, field

from persona_clone.serving.responder import connect


__all__ = ["OutOfQuota", "Refused", "ScriptedEndpoint", "Timeout", "Unreachable"]


class Timeout:
    """A script step: the endpoint does not answer in time."""


class Unreachable:
    """A script step: the endpoint refuses the connection."""


class Refused:
    """A script step: the operating system refuses the connection (nothing listens)."""


class OutOfQuota:
    """A script step: a 429 whose code says the account's quota is used up."""


Step = str | int | tuple[int, Mapping[str, str]] | Timeout | Unreachable | Refused | OutOfQuota
"""A reply text, an HTTP error status (with headers), or a network failure."""


@define
class ScriptedEndpoint:
    """
    Answers ``chat/completions`` and ``completions`` from a script, in order.

    The last step repeats once the script is used up. Every request body is kept
    in `requests` (parsed JSON), with its path in `paths`.
    """

    script: list[Step]
    requests: list[dict[str, Any]] = field(factory=list)
    paths: list[str] = field(factory=list)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        self.paths.append(request.url.path)
        step = self.script[min(len(self.requests) - 1, len(self.script) - 1)]
        if isinstance(step, Timeout):
            raise httpx2.ReadTimeout("scripted timeout", request=request)
        if isinstance(step, Unreachable):
            raise httpx2.ConnectError("scripted refusal", request=request)
        if isinstance(step, Refused):
            refused = ConnectionRefusedError(111, "Connection refused")
            raise httpx2.ConnectError(str(refused), request=request) from refused
        if isinstance(step, OutOfQuota):
            error = {"message": "quota", "type": "insufficient_quota", "code": "insufficient_quota"}
            return httpx2.Response(429, json={"error": error})
        if isinstance(step, int | tuple):
            status, headers = (step, {}) if isinstance(step, int) else step
            return httpx2.Response(
                status,
                headers=dict(headers),
                json={"error": {"message": f"scripted {status}", "type": "scripted"}},
            )
        if request.url.path.endswith("/chat/completions"):
            return httpx2.Response(200, json=_chat(body["model"], step))
        return httpx2.Response(200, json=_completion(body["model"], step))

    def http_client(self) -> httpx2.AsyncClient:
        """Return an HTTP client whose requests this endpoint answers."""
        return httpx2.AsyncClient(transport=httpx2.MockTransport(self))

    def client(self) -> openai.AsyncOpenAI:
        """Return an SDK client whose requests this endpoint answers."""
        return connect(
            base_url="http://127.0.0.1/v1",
            api_key="test",
            http_client=self.http_client(),
        )


def _chat(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": text},
            }
        ],
    }


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop", "text": text, "logprobs": None}],
    }
