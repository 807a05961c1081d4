"""
A local fake of OpenAI's files, fine-tuning and inference API, for tests.

`FakeOpenAI` runs on ``127.0.0.1`` and honours the service's shapes, status codes,
error bodies, job lifecycle and training-file checks, so code that uses the real
``openai`` client can be tested offline. `Fault` scripts what goes wrong.
"""

from __future__ import annotations

from .errors import ApiError
from .inference import Replies, ReplyScript
from .server import FakeOpenAI, Fault, RecordedRequest, refused_base_url
from .service import BASE_MODELS, JobFailure
from .training_files import count_tokens


__all__ = [
    "BASE_MODELS",
    "ApiError",
    "FakeOpenAI",
    "Fault",
    "JobFailure",
    "RecordedRequest",
    "Replies",
    "ReplyScript",
    "count_tokens",
    "refused_base_url",
]
