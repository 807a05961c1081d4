"""The fake's checks of request parameters, and its list pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import ApiError


__all__ = [
    "check_metadata",
    "check_method",
    "check_seed",
    "check_suffix",
    "default_epochs",
    "page",
    "read_limit",
]

MAX_SUFFIX = 64
MAX_SEED = 2_147_483_647
MAX_METADATA_PAIRS = 16
MAX_METADATA_KEY = 64
MAX_METADATA_VALUE = 512
METHODS = ("supervised", "dpo", "reinforcement")

_RULES: Mapping[str, tuple[type, float, float | None]] = {
    "n_epochs": (int, 1, 50),
    "batch_size": (int, 1, 256),
    "learning_rate_multiplier": (float, 0, None),
    "beta": (float, 0, 2),
}


def page(
    items: list[dict[str, Any]], *, after: str | None, limit: int, ids: bool = False
) -> dict[str, Any]:
    """Cut an ordered list into one cursor page: the items strictly after *after*."""
    start = 0
    if after is not None:
        positions = [i for i, item in enumerate(items) if item["id"] == after]
        start = positions[0] + 1 if positions else len(items)
    data = items[start : start + limit]
    result: dict[str, Any] = {
        "object": "list",
        "data": data,
        "has_more": start + limit < len(items),
    }
    if ids:
        result["first_id"] = data[0]["id"] if data else None
        result["last_id"] = data[-1]["id"] if data else None
    return result


def read_limit(query: Mapping[str, str], default: int) -> int:
    """Read the ``limit`` query parameter: a positive integer."""
    raw = query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError.bad_request(f"Invalid 'limit': {raw!r}.", param="limit") from None
    if value < 1:
        raise ApiError.bad_request("Invalid 'limit': must be at least 1.", param="limit")
    return value


def default_epochs(examples: int) -> int:
    """The service's rule for ``n_epochs: "auto"`` (contract section 4.4)."""
    least, most, usual = 100, 25_000, 3
    if examples * usual < least:
        return min(25, least // max(examples, 1))
    if examples * usual > most:
        return max(1, most // examples)
    return usual


def check_suffix(suffix: Any) -> str | None:
    """Return *suffix* if it is null or 1 to 64 characters; else a 400."""
    if suffix is not None and (not isinstance(suffix, str) or not 1 <= len(suffix) <= MAX_SUFFIX):
        raise ApiError.bad_request("Invalid 'suffix': 1 to 64 characters.", param="suffix")
    return suffix


def check_seed(seed: Any) -> int | None:
    """Return *seed* if it is null or an integer from 0 to 2**31 - 1; else a 400."""
    if seed is not None and (
        not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= MAX_SEED
    ):
        raise ApiError.bad_request(f"Invalid 'seed': {seed!r}.", param="seed")
    return seed


def check_metadata(metadata: Any) -> None:
    """Refuse metadata beyond 16 string pairs (keys 64, values 512 characters)."""
    if metadata is None:
        return
    if not isinstance(metadata, dict) or len(metadata) > MAX_METADATA_PAIRS:
        raise ApiError.bad_request("Invalid 'metadata': at most 16 pairs.", param="metadata")
    for key, value in metadata.items():
        if (
            len(key) > MAX_METADATA_KEY
            or not isinstance(value, str)
            or len(value) > MAX_METADATA_VALUE
        ):
            raise ApiError.bad_request(f"Invalid 'metadata' entry {key[:64]!r}.", param="metadata")


def _check_value(key: str, value: Any, param: str) -> None:
    kind, low, high = _RULES[key]
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int and not isinstance(value, int):
        is_number = False
    too_low = is_number and (value <= low if kind is float else value < low)
    too_high = is_number and high is not None and value > high
    if not is_number or too_low or too_high:
        raise ApiError.bad_request(f"Invalid value for '{key}': {value!r}.", param=f"{param}.{key}")


def check_hyperparameters(hyper: Any, param: str, *, open_ended: bool = False) -> dict[str, Any]:
    """
    Check hyperparameters: each ``"auto"`` or within the service's domain.

    Args:
        hyper: The ``hyperparameters`` object (or ``None``).
        param: Where it is, for the error's ``param``.
        open_ended: Accept keys the fake does not know (reinforcement settings).
    """
    if hyper is None:
        return {}
    if not isinstance(hyper, dict):
        raise ApiError.bad_request(f"Invalid type for '{param}'.", param=param)
    for key, value in hyper.items():
        if key not in _RULES:
            if open_ended:
                continue
            raise ApiError.bad_request(
                f"Unrecognized hyperparameter: '{key}'.", param=f"{param}.{key}"
            )
        if value != "auto":
            _check_value(key, value, param)
    return dict(hyper)


def check_method(body: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Return the method type and its hyperparameters (or the deprecated ones)."""
    hyper = check_hyperparameters(body.get("hyperparameters"), "hyperparameters")
    method = body.get("method")
    if method is None:
        return "supervised", hyper
    if not isinstance(method, dict) or method.get("type") not in METHODS:
        raise ApiError.bad_request("Invalid 'method.type'.", param="method.type")
    kind = str(method["type"])
    settings = method.get(kind) or {}
    hyper = check_hyperparameters(
        settings.get("hyperparameters"),
        f"method.{kind}.hyperparameters",
        open_ended=kind == "reinforcement",
    )
    return kind, hyper
