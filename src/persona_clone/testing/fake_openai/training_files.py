"""
How the fake service checks an uploaded training file (contract section 4).

The fake has its own checks and its own rough token counter on purpose: tests of
the library against the fake would prove nothing if both ran the same code. What
they share is the contract's data, kept in one place
(`persona_clone.dataset.validation`): the minimum number of examples, the legacy
models, and the roles and keys a chat message may have.
"""

from __future__ import annotations

import json
import re
from typing import Any

from attrs import frozen

from persona_clone.dataset.validation import (
    CHAT_MESSAGE_KEYS,
    CHAT_ROLES,
    LEGACY_MODELS,
    MIN_TRAINING_EXAMPLES,
)


__all__ = ["FileCheck", "FileProblem", "check_training_file", "count_tokens"]

_SPECIAL_TOKENS = (
    "<|endoftext|>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
)
_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def count_tokens(text: str) -> int:
    """
    Count tokens the fake's way: words and punctuation marks, one each.

    A documented approximation, deliberately unlike any real tokenizer.
    """
    return len(_WORD.findall(text))


@frozen(kw_only=True)
class FileProblem:
    """
    Why the service would fail a job on this file.

    Args:
        code: The job error code (``invalid_n_examples``, ``invalid_file_format``, ...).
        message: The job error message, in the service's words.
    """

    code: str
    message: str


@frozen(kw_only=True)
class FileCheck:
    """
    The result of checking one file.

    Args:
        examples: Number of examples found.
        billed_tokens: Tokens of one epoch, by `count_tokens`.
        problem: The first problem, or ``None`` when the file is valid.
        is_jsonl: Whether every line is a JSON object (the upload-time check).
    """

    examples: int
    billed_tokens: int
    problem: FileProblem | None
    is_jsonl: bool


def _content_problem(number: int, where: str, message: dict[str, Any]) -> str | None:
    content = message.get("content")
    calls = "tool_calls" in message or "function_call" in message
    if message["role"] == "assistant" and calls:
        return None
    if not isinstance(content, str) or not content:
        return f"{where} is missing content."
    found = next((token for token in _SPECIAL_TOKENS if token in content), None)
    if found is not None:
        return f"Example {number} message contains an invalid token: {found}."
    return None


def _message_problem(number: int, index: int, message: Any) -> str | None:
    where = f"Example {number}, message {index}"
    if not isinstance(message, dict):
        return f"{where} is not an object."
    if "role" not in message:
        return f"{where} Discriminator 'role' is missing in value"
    role = message["role"]
    extra = next((key for key in message if key not in CHAT_MESSAGE_KEYS), None)
    weight = message.get("weight", 1)
    problems = (
        (role not in CHAT_ROLES, f"{where} has an unrecognized role {role!r}."),
        (extra is not None, f'{where} contains an extra "{extra}".'),
        (
            "weight" in message and (role != "assistant" or weight not in (0, 1)),
            f'Example {number} contains an extra "weight".',
        ),
        (
            not isinstance(message.get("name", ""), str),
            f"{where} has a non-string name.",
        ),
    )
    found = next((text for bad, text in problems if bad), None)
    return found or _content_problem(number, where, message)


def _chat_problem(number: int, example: dict[str, Any]) -> str | None:
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        return f"Example {number} is missing a non-empty 'messages' list."
    for index, message in enumerate(messages, start=1):
        problem = _message_problem(number, index, message)
        if problem is not None:
            return problem
    if not any(message["role"] == "assistant" for message in messages):
        return f"Example {number} is missing an assistant message."
    return None


def _legacy_problem(number: int, example: dict[str, Any]) -> str | None:
    if set(example) != {"prompt", "completion"}:
        return f"Example {number} must have exactly the keys 'prompt' and 'completion'."
    if not isinstance(example["prompt"], str) or not isinstance(example["completion"], str):
        return f"Example {number} has a non-string prompt or completion."
    if not example["completion"]:
        return f"Example {number} has an empty completion."
    return None


def _tokens(example: dict[str, Any]) -> int:
    if "messages" in example and isinstance(example["messages"], list):
        total = 3
        for message in example["messages"]:
            if isinstance(message, dict):
                total += 3 + sum(
                    count_tokens(str(message.get(key) or "")) for key in ("role", "content", "name")
                )
        return total
    return count_tokens(str(example.get("prompt", ""))) + count_tokens(
        str(example.get("completion", ""))
    )


def _example_problem(number: int, example: dict[str, Any], *, base: str) -> str | None:
    """The first problem of one example for a model whose base is *base*."""
    legacy = base in LEGACY_MODELS
    if legacy and "messages" in example:
        return f"Unexpected file format, expected prompt/completion pairs for {base}."
    if not legacy and "messages" not in example:
        return "Unexpected file format, expected either prompt/completion pairs or chat messages."
    found = _legacy_problem(number, example) if legacy else _chat_problem(number, example)
    return None if found is None else f"Invalid file format. {found}"


def check_training_file(
    content: bytes, *, model: str, role: str = "training", minimum: int | None = None
) -> FileCheck:
    """
    Check *content* the way the service does while a job is ``validating_files``.

    Args:
        content: The uploaded bytes.
        model: The job's base model (decides chat or prompt/completion format).
        role: ``"training"`` or ``"validation"``: names the file in messages and codes.
        minimum: Fewest examples accepted (default 10 for training, 1 for validation).

    Returns:
        What was found, with the first problem in the service's code and words.
    """
    base = model.split(":")[1] if model.startswith("ft:") else model
    least = minimum if minimum is not None else (MIN_TRAINING_EXAMPLES if role == "training" else 1)
    format_code = "invalid_file_format" if role == "training" else f"invalid_{role}_file"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return FileCheck(
            examples=0,
            billed_tokens=0,
            problem=FileProblem(
                code=format_code, message="Invalid file format. File is not UTF-8."
            ),
            is_jsonl=False,
        )
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    examples = 0
    tokens = 0
    problem: str | None = None
    is_jsonl = True
    for number, line in enumerate(lines, start=1):
        try:
            example = json.loads(line)
        except json.JSONDecodeError as error:
            is_jsonl = False
            problem = problem or (
                f"Invalid file format. Example {number} cannot be parsed. "
                f"Error: line contains invalid json: {error.msg}"
            )
            continue
        if not isinstance(example, dict):
            is_jsonl = False
            problem = problem or f"Invalid file format. Example {number} is not a JSON object."
            continue
        examples += 1
        tokens += _tokens(example)
        problem = problem or _example_problem(number, example, base=base)
    what = "Training" if role == "training" else "Validation"
    if problem is not None:
        prefix = (
            "The job failed due to a file format error in the training file. "
            if role == "training"
            else f"The job failed due to an invalid {role} file. "
        )
        return FileCheck(
            examples=examples,
            billed_tokens=tokens,
            problem=FileProblem(code=format_code, message=prefix + problem),
            is_jsonl=is_jsonl,
        )
    if examples < least:
        code = "invalid_n_examples" if role == "training" else format_code
        return FileCheck(
            examples=examples,
            billed_tokens=tokens,
            problem=FileProblem(
                code=code,
                message=f"{what} file has {examples} example(s), "
                f"but must have at least {least} examples",
            ),
            is_jsonl=True,
        )
    return FileCheck(examples=examples, billed_tokens=tokens, problem=None, is_jsonl=True)
