"""
Token counting: `TokenCounter`, exact (tiktoken) or a labelled estimate.

Also the chat format's per-message overhead and each model's example limit.

The fine-tuning service bills and limits examples in tokens. persona_clone counts
them exactly when the optional ``tiktoken`` extra is installed and knows the
model's encoding (and its encoding file is available), and otherwise estimates:
every figure it reports says which (`TokenCounter.exact`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol, runtime_checkable

from attrs import field, frozen


__all__ = [
    "DEFAULT_MODEL",
    "TRAINING_LIMITS",
    "UNKNOWN_MODEL_LIMIT",
    "EstimatingCounter",
    "TiktokenCounter",
    "TokenCounter",
    "base_model",
    "chat_tokens",
    "counter_for",
    "encoding_for",
    "training_limit",
]

logger = logging.getLogger(__name__)

DEFAULT_MODEL: Final = "gpt-4o-mini-2024-07-18"
"""The model persona_clone plans datasets for when none is named."""

TRAINING_LIMITS: Final[Mapping[str, int]] = {
    # Training-example context length per base model, from OpenAI's fine-tuning
    # guide (late 2024) as recorded in docs/openai-finetuning-contract.md §4.2.
    # Keys match a model name by longest prefix; the values change: keep them here only.
    "gpt-4o-2024-08-06": 65_536,
    "gpt-4o-mini-2024-07-18": 65_536,
    "gpt-4o-mini": 65_536,
    "gpt-4o": 65_536,
    "gpt-3.5-turbo-0125": 16_385,
    "gpt-3.5-turbo-1106": 16_385,
    "gpt-3.5-turbo-0613": 4_096,
    "gpt-3.5-turbo": 16_385,
    "babbage-002": 16_384,
    "davinci-002": 16_384,
}
"""Tokens one training example may hold, by base model (longest-prefix match)."""

UNKNOWN_MODEL_LIMIT: Final = 16_384
"""The per-example budget used for a model missing from `TRAINING_LIMITS`."""

_ENCODINGS: Final[Mapping[str, str]] = {
    # model name prefix -> tiktoken encoding (advice from the contract doc §4.2:
    # the gpt-4o family uses o200k_base, older chat and completion models cl100k_base)
    "gpt-4o": "o200k_base",
    "gpt-4.1": "o200k_base",
    "gpt-4.5": "o200k_base",
    "o1": "o200k_base",
    "o3": "o200k_base",
    "o4": "o200k_base",
    "gpt-4": "cl100k_base",
    "gpt-3.5-turbo": "cl100k_base",
    "babbage-002": "cl100k_base",
    "davinci-002": "cl100k_base",
}


@runtime_checkable
class TokenCounter(Protocol):
    """Counts the tokens of a text, exactly or by estimate (`exact` says which)."""

    @property
    def exact(self) -> bool:
        """Whether `count` gives the model's real token count."""
        ...

    def count(self, text: str) -> int:
        """Return the number of tokens in *text*."""
        ...


@frozen(kw_only=True)
class EstimatingCounter:
    """
    An estimate: one token per four bytes of UTF-8, rounded up.

    Used when tiktoken or the model's encoding is unavailable. It overestimates
    English a little and Turkish letters, emoji and digits more, so budgets
    computed with it stay on the safe side; reports label its figures as
    estimates. It is subadditive (the estimate of a concatenation is at most the
    sum of the estimates of its parts), which keeps budgets computed part by part
    safe.

    Example:
        >>> EstimatingCounter().count("merhaba dünya")
        4

    """

    exact: bool = field(default=False, init=False)
    bytes_per_token: int = 4

    def count(self, text: str) -> int:
        """Return the estimated number of tokens in *text*."""
        return -(-len(text.encode("utf-8")) // self.bytes_per_token)


@frozen(kw_only=True)
class TiktokenCounter:
    """
    The exact count of a tiktoken encoding.

    Special-token text (``<|endoftext|>``) inside content is counted as ordinary
    text, as the service sees user content.

    Args:
        encoding: A ``tiktoken.Encoding``.
    """

    encoding: Any = field(repr=lambda encoding: repr(getattr(encoding, "name", "?")))
    exact: bool = field(default=True, init=False)

    def count(self, text: str) -> int:
        """Return the number of tokens in *text*."""
        return len(self.encoding.encode(text, disallowed_special=()))


def base_model(model: str) -> str:
    """Return the base model of *model* (``ft:<base>:org::id`` -> ``<base>``)."""
    if model.startswith("ft:"):
        return model.split(":")[1]
    return model


def _longest_prefix(model: str, table: Mapping[str, Any]) -> Any | None:
    name = base_model(model)
    best = max((key for key in table if name.startswith(key)), key=len, default=None)
    return None if best is None else table[best]


def training_limit(model: str) -> int | None:
    """
    Return how many tokens one training example for *model* may hold, if known.

    Example:
        >>> training_limit("gpt-3.5-turbo-0613"), training_limit("some-new-model")
        (4096, None)

    """
    limit: int | None = _longest_prefix(model, TRAINING_LIMITS)
    return limit


def encoding_for(model: str) -> str | None:
    """Return the tiktoken encoding name *model* uses, if known."""
    encoding: str | None = _longest_prefix(model, _ENCODINGS)
    return encoding


@functools.cache
def _load_encoding(name: str) -> Any | None:
    try:
        import tiktoken  # noqa: PLC0415
    except ImportError:
        logger.info("tiktoken is not installed; token counts are estimates")
        return None
    try:
        return tiktoken.get_encoding(name)
    except (OSError, ValueError, KeyError) as error:
        # tiktoken downloads encoding files on first use; offline that fails
        logger.warning(
            "tiktoken encoding %s is unavailable (%s); token counts are estimates",
            name,
            type(error).__name__,
        )
        return None


def counter_for(model: str) -> TokenCounter:
    """
    Return the best counter for *model*.

    Exact (`TiktokenCounter`) when the ``tiktoken`` extra is installed, knows the
    model's encoding and can load it (tiktoken fetches encoding files once and
    caches them; set ``TIKTOKEN_CACHE_DIR`` for offline machines), otherwise an
    `EstimatingCounter`.
    """
    name = encoding_for(model)
    encoding = None if name is None else _load_encoding(name)
    if encoding is None:
        return EstimatingCounter()
    return TiktokenCounter(encoding=encoding)


def chat_tokens(messages: Iterable[Mapping[str, Any]], counter: TokenCounter) -> int:
    """
    Return the tokens of one chat-format example, as OpenAI's cookbook counts them.

    Each message costs 3 tokens plus the tokens of its ``role``, ``content`` and
    ``name`` values, plus 1 more when it has a ``name``; the example costs 3 more.
    Other keys (``weight``) cost nothing. The cookbook itself calls this "not
    exact"; it is the count the validator and the dataset builders share.

    Example:
        >>> chat_tokens([{"role": "user", "content": "selam"}], EstimatingCounter())
        9

    """
    total = 3
    count = counter.count
    for message in messages:
        total += 3
        for key in ("role", "content", "name"):
            value = message.get(key)
            if isinstance(value, str):
                total += count(value)
                if key == "name":
                    total += 1
    return total
