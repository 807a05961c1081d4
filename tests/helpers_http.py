"""
The one place tests touch the openai SDK's HTTP library (``httpx2`` for openai 3.x).

Unit tests build the real client over a `MockTransport` whose handler is a plain
function from request to response; nothing in the SDK is patched.
"""

from __future__ import annotations

from collections.abc import Callable

import openai
from httpx2 import Client, MockTransport, Request, Response


__all__ = ["Request", "Response", "mock_openai"]


def mock_openai(handler: Callable[[Request], Response]) -> openai.OpenAI:
    """Return an ``openai.OpenAI`` client whose requests go to *handler*."""
    return openai.OpenAI(
        api_key="sk-test-secret",
        base_url="http://127.0.0.1/v1",
        max_retries=0,
        http_client=Client(transport=MockTransport(handler)),
    )
