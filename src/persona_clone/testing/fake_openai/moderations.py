"""The fake's ``moderations`` endpoint: flags inputs that contain a listed word."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ApiError


__all__ = ["CATEGORIES", "moderation"]

CATEGORIES: Sequence[str] = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
"""The categories of OpenAI's moderation models, in the service's order."""


def _result(text: str, flagged: Mapping[str, str]) -> dict[str, Any]:
    folded = text.casefold()
    hits = {category for word, category in flagged.items() if word.casefold() in folded}
    return {
        "flagged": bool(hits),
        "categories": {name: name in hits for name in CATEGORIES},
        "category_scores": {name: 0.99 if name in hits else 0.001 for name in CATEGORIES},
        "category_applied_input_types": {name: ["text"] for name in CATEGORIES},
    }


def moderation(body: Any, *, flagged: Mapping[str, str], moderation_id: str) -> dict[str, Any]:
    """
    Answer ``POST /v1/moderations``: one result per input text.

    An input is flagged in a word's category when it contains that word of
    *flagged* (word -> category), without regard to letter case.
    """
    if not isinstance(body, dict) or "input" not in body:
        raise ApiError.bad_request("Missing required parameter: 'input'.", param="input")
    given = body["input"]
    texts = [given] if isinstance(given, str) else given
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise ApiError.bad_request(
            "'input' must be a string or an array of strings.", param="input"
        )
    return {
        "id": moderation_id,
        "model": str(body.get("model") or "omni-moderation-latest"),
        "results": [_result(text, flagged) for text in texts],
    }
