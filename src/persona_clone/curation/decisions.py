"""
Review decisions: which examples a person kept or dropped, keyed by their content.

A decision is stored under the example's `example_key`, a hash of its
conversation (roles, names and texts; not its weights), so it still applies
after a rebuild that writes the same example again (``build --review FILE``),
whatever its position. `ReviewState` is saved beside the dataset
(``train.jsonl`` -> ``train.review.json``) after every decision, written whole
or not at all, so a review can stop at any time and resume.
"""

from __future__ import annotations

import enum
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from attrs import define, field

from .._jsonl import iter_json_lines
from ..errors import ConfigError, ParseError, excerpt
from .rules import content_key


__all__ = [
    "Decision",
    "ReviewState",
    "example_key",
    "kept",
    "read_examples",
    "review_path",
]

_VERSION: Final = 1


class Decision(enum.Enum):
    """What the reviewer decided about an example."""

    KEEP = "keep"
    DROP = "drop"


def example_key(example: Mapping[str, Any]) -> str:
    """
    Return the key of a chat-format *example*: a hash of who said what in it.

    Only the roles (the persona's ``assistant`` turns, everyone else's) and the
    texts count: not the weights, the names or the system prompt, so retraining
    with other weights or prompt keeps the decisions, and ``build --review``
    finds the same examples again.

    Example:
        >>> a = {"messages": [{"role": "user", "name": "Bob", "content": "hi"},
        ...                   {"role": "assistant", "content": "lol", "weight": 1}]}
        >>> b = {"messages": [{"role": "system", "content": "Be Ada."},
        ...                   {"role": "user", "name": "Bob", "content": "hi"},
        ...                   {"role": "assistant", "content": "lol", "weight": 0}]}
        >>> example_key(a) == example_key(b), len(example_key(a))
        (True, 24)

    """
    messages = example.get("messages", ())
    return content_key(
        (m.get("role") == "assistant", str(m.get("content", "")))
        for m in messages
        if isinstance(m, dict) and m.get("role") in ("user", "assistant")
    )


def read_examples(path: Path) -> list[dict[str, Any]]:
    """
    Read the chat-format examples of *path*.

    Raises:
        ParseError: A line is not a chat example (``{"messages": [...]}``).
    """
    examples: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as file:
        for number, value in iter_json_lines(file, name=str(path)):
            if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
                raise ParseError(
                    f"{path}:{number}",
                    "a chat example with a 'messages' list (build --format chat or messages)",
                    excerpt(repr(value)),
                )
            examples.append(value)
    return examples


def review_path(dataset: Path) -> Path:
    """
    Return where the review of *dataset* is saved: beside it, ``NAME.review.json``.

    Example:
        >>> review_path(Path("out/train.jsonl")).as_posix()
        'out/train.review.json'

    """
    return dataset.with_name(f"{dataset.stem}.review.json")


@define
class ReviewState:
    """
    The decisions of a review, and the order they were made in (for undo).

    Args:
        decisions: Each decided example's `Decision`, by `example_key`.
        history: The keys in the order they were decided.
    """

    decisions: dict[str, Decision] = field(factory=dict)
    history: list[str] = field(factory=list)

    def decide(self, key: str, decision: Decision) -> None:
        """Record *decision* for the example *key* (a new decision replaces an old one)."""
        if key in self.decisions:
            self.history.remove(key)
        self.decisions[key] = decision
        self.history.append(key)

    def undo(self) -> str | None:
        """Forget the latest decision; return its key (``None`` when there is none)."""
        if not self.history:
            return None
        key = self.history.pop()
        del self.decisions[key]
        return key

    def dropped(self) -> frozenset[str]:
        """The keys of the dropped examples."""
        return frozenset(k for k, d in self.decisions.items() if d is Decision.DROP)

    def first_undecided(self, keys: Sequence[str]) -> int:
        """The position of the first of *keys* not decided yet (``len(keys)`` when all are)."""
        return next((i for i, key in enumerate(keys) if key not in self.decisions), len(keys))

    @classmethod
    def load(cls, path: Path) -> ReviewState:
        """
        Load the review saved at *path* (an empty one when there is none).

        Raises:
            ConfigError: The file is not a saved review.
        """
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if raw.get("version") != _VERSION:
                msg = (
                    f"{path}: expected a review of version {_VERSION}, found {raw.get('version')!r}"
                )
                raise ConfigError(msg)
            decisions = {str(k): Decision(v) for k, v in raw["decisions"].items()}
            history = [str(k) for k in raw["history"] if k in decisions]
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            if isinstance(error, ConfigError):
                raise
            msg = f"{path}: expected a saved review (decisions and history), found {error}"
            raise ConfigError(msg) from error
        history += [k for k in decisions if k not in history]
        return cls(decisions=decisions, history=history)

    def save(self, path: Path) -> None:
        """Save the review at *path*, whole or not at all."""
        data = {
            "version": _VERSION,
            "decisions": {key: decision.value for key, decision in self.decisions.items()},
            "history": self.history,
        }
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(data, file, indent=1)
                file.write("\n")
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def kept(
    examples: Iterable[Mapping[str, Any]], dropped: frozenset[str]
) -> Iterator[Mapping[str, Any]]:
    """Yield the *examples* whose key is not in *dropped*, lazily."""
    for example in examples:
        if example_key(example) not in dropped:
            yield example
