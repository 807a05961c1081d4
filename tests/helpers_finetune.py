"""Builders shared by the fine-tuning tests: datasets, a validator, an estimator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from attrs import frozen


__all__ = ["FakeEstimate", "FakeValidation", "estimate", "validate", "write_dataset"]


@frozen(kw_only=True)
class FakeValidation:
    """What the tuner reads from a validation result."""

    examples: int
    problems: tuple[str, ...] = ()
    billed_tokens: int = 0
    exact_tokens: bool = False


@frozen(kw_only=True)
class FakeEstimate:
    """What the tuner reads from a cost estimate."""

    epochs: int
    usd: float | None


def validate(path: Path, *, model: str | None = None, **_: Any) -> FakeValidation:
    """Count lines as examples, ten tokens each; report lines that are not objects."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    problems = tuple(
        f"{path}:{number}: not a JSON object"
        for number, line in enumerate(lines, start=1)
        if not line.startswith("{")
    )
    return FakeValidation(examples=len(lines), problems=problems, billed_tokens=10 * len(lines))


def estimate(
    *,
    model: str,
    billed_tokens_per_epoch: int,
    examples: int,
    epochs: int | None = None,
) -> FakeEstimate:
    """Price tokens at $3 per million (gpt-4o-mini, late 2024); 3 epochs for auto."""
    chosen = epochs or 3
    return FakeEstimate(epochs=chosen, usd=billed_tokens_per_epoch * chosen * 3e-6)


def write_dataset(path: Path, examples: int = 12, *, reply: str = "lol") -> Path:
    """Write a valid chat dataset of *examples* lines to *path*."""
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "user", "name": "Bora", "content": f"naber {number}"},
                    {"role": "assistant", "content": reply},
                ]
            }
        )
        for number in range(examples)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
