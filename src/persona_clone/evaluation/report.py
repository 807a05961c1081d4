"""
`Evaluation`: the result of ``persona-clone evaluate``, and the files it is written to.

``OUTDIR/evaluation.json`` holds the figures, ``OUTDIR/replies.jsonl`` every
context with the person's real reply and the clone's (one a line), and
``OUTDIR/evaluation.html`` the page to look at (`persona_clone.evaluation.html`).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from attrs import frozen

from .._jsonl import dumps_line
from .fidelity import ReplyPair
from .fixation import FixationSummary, Replay
from .plan import RequestPlan


__all__ = ["CLONE", "OTHER", "PERSON", "Evaluation", "write_outputs"]

PERSON: Final = "person"
"""The column of the person's real replies."""
CLONE: Final = "clone"
"""The column of the model under evaluation."""
OTHER: Final = "against"
"""The column of the model it is compared with (``--against``)."""


@frozen(kw_only=True)
class Evaluation:
    """
    How well a clone texts like the person, beside the person's own figures.

    Args:
        model: The model evaluated.
        against: The model it was compared with, if any.
        replies: How many replies were compared (fidelity).
        style_distance: 0 (indistinguishable from the person) to 1 (nothing alike).
        loop_rate: Share of replayed conversations in which the clone fixated (0-1).
        metrics: Each figure by name, per column (``person``, ``clone``, ``against``).
        components: Each part of ``style_distance`` by name, per model column.
        pairs: The replies compared.
        fixation: The replays' summary, per column.
        plan: The requests that were planned.
        signature: The person's signature phrases found in the data.
    """

    model: str
    against: str | None
    replies: int
    style_distance: float
    loop_rate: float
    metrics: Mapping[str, Mapping[str, float]]
    components: Mapping[str, Mapping[str, float]]
    pairs: tuple[ReplyPair, ...]
    fixation: Mapping[str, FixationSummary]
    plan: RequestPlan
    signature: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns shown: the person, the clone, and the other model if any."""
        return (PERSON, CLONE, OTHER) if self.against is not None else (PERSON, CLONE)

    def style_distance_of(self, column: str) -> float:
        """``style_distance`` of a model column (the mean of its components)."""
        values = [parts[column] for parts in self.components.values() if column in parts]
        return sum(values) / len(values) if values else 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the content of ``evaluation.json``."""
        data: dict[str, Any] = {
            "model": self.model,
            "against": self.against,
            "replies": self.replies,
            "style_distance": round(self.style_distance, 4),
            "loop_rate": round(self.loop_rate, 4),
            "metrics": {
                name: {column: round(value, 4) for column, value in values.items()}
                for name, values in self.metrics.items()
            },
            "style_components": {
                name: {column: round(value, 4) for column, value in values.items()}
                for name, values in self.components.items()
            },
            "signature_phrases": list(self.signature),
            "fixation": {
                column: _fixation_json(summary) for column, summary in self.fixation.items()
            },
            "requests": {
                "replies": self.plan.replies,
                "conversations": self.plan.conversations,
                "rounds": self.plan.rounds,
                "per_model": self.plan.per_model,
            },
        }
        if self.against is not None:
            data["against_style_distance"] = round(self.style_distance_of(OTHER), 4)
            data["against_loop_rate"] = round(self.fixation[OTHER].loop_rate, 4)
        return data


def _fixation_json(summary: FixationSummary) -> dict[str, Any]:
    return {
        "loop_rate": round(summary.loop_rate, 4),
        "distinct_1": round(summary.distinct_1, 4),
        "distinct_2": round(summary.distinct_2, 4),
        "repeated_phrases": [
            {"phrase": stat.phrase, "count": stat.count, "whole_message": stat.whole_message}
            for stat in summary.phrases
        ],
        "conversations": [_replay_json(replay) for replay in summary.replays],
    }


def _replay_json(replay: Replay) -> dict[str, Any]:
    return {
        "start": replay.start,
        "fixated": replay.fixated,
        "first_fixation": replay.first_fixation,
        "rounds": [
            {"reply": r.reply, "flagged": None if r.flagged is None else r.flagged.value}
            for r in replay.rounds
        ],
    }


def _pair_json(pair: ReplyPair) -> dict[str, Any]:
    data: dict[str, Any] = {
        "line": pair.line,
        "context": pair.context,
        "real": pair.real,
        "clone": pair.clone,
    }
    if pair.against is not None:
        data["against"] = pair.against
    return data


def _write_whole(path: Path, parts: Iterable[str]) -> None:
    """Write *parts* to *path* through a temporary file: the file is whole or absent."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            for part in parts:
                file.write(part)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_outputs(evaluation: Evaluation, outdir: Path, *, page: str) -> dict[str, Path]:
    """
    Write ``evaluation.json``, ``replies.jsonl`` and ``evaluation.html`` (*page*) into *outdir*.

    Each file is written whole or not at all.

    Returns:
        The paths written, by kind (``json``, ``replies``, ``html``).
    """
    outdir.mkdir(parents=True, exist_ok=True)
    paths = {
        "json": outdir / "evaluation.json",
        "replies": outdir / "replies.jsonl",
        "html": outdir / "evaluation.html",
    }
    _write_whole(
        paths["json"], [json.dumps(evaluation.to_json(), ensure_ascii=False, indent=2), "\n"]
    )
    _write_whole(paths["replies"], map(dumps_line, map(_pair_json, evaluation.pairs)))
    _write_whole(paths["html"], [page])
    return paths
