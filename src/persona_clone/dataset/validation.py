"""
Check a dataset file the way the fine-tuning service would, before uploading it.

`validate_file` reads any JSONL file (written by persona_clone or not), line by
line, and returns every problem as ``FILE:LINE: problem`` together with the
token figures the service bills. A problem never quotes personal data: what it
quotes of the file is redacted first (`persona_clone.BuiltinRedactor`), and a
line that is not JSON is not quoted at all.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from attrs import define, field, frozen

from persona_clone.dataset.tokens import (
    DEFAULT_MODEL,
    UNKNOWN_MODEL_LIMIT,
    TokenCounter,
    base_model,
    chat_tokens,
    counter_for,
    training_limit,
)
from persona_clone.errors import excerpt

from .base import DatasetFormat


__all__ = [
    "CHAT_MESSAGE_KEYS",
    "CHAT_ROLES",
    "LEGACY_MODELS",
    "MAX_FILE_BYTES",
    "MIN_TRAINING_EXAMPLES",
    "DatasetFormat",
    "LineChecker",
    "ValidationResult",
    "file_problems",
    "validate_file",
]

MAX_FILE_BYTES: Final = 512 * 1024 * 1024
"""The largest file the service accepts (512 MB)."""

MIN_TRAINING_EXAMPLES: Final = 10
"""The fewest examples a training file may hold."""

LEGACY_MODELS: Final = ("babbage-002", "davinci-002")
"""Base models that take prompt/completion files (the one list the package keeps)."""

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SPECIAL_TOKEN = re.compile(r"<\|[A-Za-z0-9_]{1,40}\|>")
_CHAT_TOP_KEYS: Final = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
CHAT_MESSAGE_KEYS: Final = frozenset(
    {
        "role",
        "content",
        "name",
        "weight",
        "function_call",
        "tool_calls",
        "tool_call_id",
        "refusal",
    }
)
"""The keys a chat message may carry."""
CHAT_ROLES: Final = frozenset({"system", "user", "assistant", "tool", "function"})
"""The roles a chat message may have."""
_MAX_PROBLEMS: Final = 10_000


_PLAIN_KEYS: Final = frozenset({"role", "content", "name", "weight"})
_PLAIN_ROLES: Final = frozenset({"system", "user", "assistant"})


def _plain_chat_message(message: object) -> bool:
    """
    Whether *message* passes every per-message check, known cheaply.

    The messages a dataset build writes take this path; anything else gets the
    full checks, which name each problem.
    """
    if type(message) is not dict or not message.keys() <= _PLAIN_KEYS:
        return False
    content = message.get("content")
    if type(content) is not str or not content or "<|" in content:
        return False
    role = message.get("role")
    if role not in _PLAIN_ROLES:
        return False
    if "name" in message:
        name = message["name"]
        if type(name) is not str or not _NAME.fullmatch(name):
            return False
    if "weight" in message:
        return (
            role == "assistant" and type(message["weight"]) is int and message["weight"] in (0, 1)
        )
    return True


@frozen(kw_only=True)
class ValidationResult:
    """
    What `validate_file` found.

    Args:
        examples: Lines that hold a JSON value, the examples (valid or not);
            a blank line, or one that is not UTF-8 or not JSON, is a problem
            but not an example.
        problems: Every problem, as ``FILE:LINE: problem`` (``FILE: problem``
            for the file as a whole).
        billed_tokens: Tokens of one epoch as the service bills them: each
            example's tokens, capped at the model's limit, summed.
        tokens_per_example: Each example's tokens, in file order.
        exact_tokens: Whether the counts are exact (tiktoken) or estimates.
        format: The format checked (given, or detected from the first line).
        model: The model whose limits were applied.
    """

    examples: int
    problems: tuple[str, ...]
    billed_tokens: int
    tokens_per_example: tuple[int, ...]
    exact_tokens: bool
    format: DatasetFormat | None = None
    model: str = DEFAULT_MODEL
    valid_examples: int = 0
    """Examples without any problem of their own."""

    @property
    def ok(self) -> bool:
        """Whether the service would accept the file."""
        return not self.problems


@functools.cache
def _redact() -> Callable[[str], str]:
    """The redaction of quoted values: every kind the built-in redactor knows."""
    # the privacy modules load only when there is something to quote
    from persona_clone.privacy.redaction import BuiltinRedactor  # noqa: PLC0415

    redactor = BuiltinRedactor()
    return lambda text: redactor.redact(text)[0]


def _quoted(text: str) -> str:
    """
    *text* quoted in a problem message: redacted, then cut short and escaped.

    Redacted before `excerpt` escapes invisible characters and cuts the text, so
    a phone number in WhatsApp's direction marks (``"\u202a+90 532 ...\u202c"``)
    or cut at the end is still found whole.
    """
    return excerpt(_redact()(text))


def _shown(value: Any) -> str:
    """A short, redacted excerpt of a JSON value for a problem message."""
    return _quoted(json.dumps(value, ensure_ascii=False))


def _detect(value: Any) -> DatasetFormat | None:
    if not isinstance(value, dict):
        return None
    if "conversations" in value:
        return DatasetFormat.SHAREGPT
    if "prompt" in value or "completion" in value:
        return DatasetFormat.LEGACY
    messages = value.get("messages")
    if isinstance(messages, list) and any(
        isinstance(m, dict) and "training" in m for m in messages
    ):
        return DatasetFormat.MESSAGES
    return DatasetFormat.CHAT


def _decode(raw: bytes) -> tuple[str | None, str]:
    """Return ``(text, "")``, or ``(None, problem)`` when *raw* is not UTF-8."""
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as error:
        return None, f"expected UTF-8 text ({error.reason} at byte {error.start})"


def _lines(path: Path) -> Iterator[tuple[int, str | None, str]]:
    """Yield ``(number, text, error)`` per line; *text* is None when not UTF-8."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            yield (number, *_decode(raw))


def validate_file(
    path: str | os.PathLike[str],
    *,
    format: DatasetFormat | None = None,  # noqa: A002
    model: str | None = None,
    counter: TokenCounter | None = None,
    min_examples: int = MIN_TRAINING_EXAMPLES,
) -> ValidationResult:
    """
    Check *path* as the fine-tuning service would.

    Chat files: one JSON object per line with a non-empty ``messages`` list;
    known keys only; roles ``system``/``user``/``assistant`` (and the tool
    roles); content a non-empty string; ``name`` matching
    ``[A-Za-z0-9_-]{1,64}``; ``weight`` only on assistant messages and only 0 or
    1; at least one trained assistant message; no special-token text. Legacy
    files: exactly ``prompt`` and ``completion`` strings, the completion
    non-empty. ShareGPT and messages files get the structural checks their
    trainers apply. Every file: UTF-8, no blank lines, at least *min_examples*
    examples, at most 512 MB, a ``.jsonl`` name, and no example over the
    model's token limit (the service would cut it silently; persona_clone
    refuses it instead).

    Args:
        path: The JSONL file.
        format: The format to check; detected from the first line when omitted.
        model: The model the file is for (its token limit applies); default
            ``gpt-4o-mini-2024-07-18``, or ``davinci-002`` for legacy files.
        counter: Counts tokens; default `persona_clone.dataset.tokens.counter_for` (*model*).
        min_examples: The fewest examples accepted (10 for training files).

    Returns:
        A `ValidationResult`; its ``problems`` are empty when the file is fine.
    """
    file = Path(path)
    problems = _Problems(str(path))
    try:
        size = file.stat().st_size
    except OSError as error:
        problems.add(None, f"expected a readable file ({error.strerror or error})")
        return ValidationResult(
            examples=0,
            problems=tuple(problems.found),
            billed_tokens=0,
            tokens_per_example=(),
            exact_tokens=False,
            format=format,
            model=model or DEFAULT_MODEL,
        )
    if size > MAX_FILE_BYTES:
        problems.add(None, f"expected at most 512 MB, found {size:,} bytes")
    if file.suffix != ".jsonl":
        problems.add(None, f"expected a .jsonl file name, found {file.suffix or 'no suffix'!r}")
    read = _read(file, problems, format=format, model=model, counter=counter)
    checker = read.checker
    for text_problem in file_problems(
        examples=read.examples, fmt=read.format, model=model, min_examples=min_examples
    ):
        problems.add(None, text_problem)
    limit = checker.limit if checker else UNKNOWN_MODEL_LIMIT
    return ValidationResult(
        examples=read.examples,
        problems=tuple(problems.found),
        billed_tokens=sum(min(limit, t) for t in read.tokens),
        tokens_per_example=tuple(read.tokens),
        exact_tokens=bool(checker and checker.counter.exact),
        format=read.format,
        model=checker.model if checker else (model or DEFAULT_MODEL),
        valid_examples=read.valid,
    )


class _Problems:
    """The problems of one file, as ``FILE:LINE: problem``, at most `_MAX_PROBLEMS`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.found: list[str] = []

    def add(self, line: int | None, text: str) -> None:
        if len(self.found) < _MAX_PROBLEMS:
            where = f"{self.name}:{line}" if line is not None else self.name
            self.found.append(f"{where}: {text}")


@define(kw_only=True)
class _Read:
    """What reading a file's lines found."""

    examples: int = 0
    valid: int = 0
    tokens: list[int] = field(factory=list)
    format: DatasetFormat | None = None
    checker: LineChecker | None = None


def _read(
    file: Path,
    problems: _Problems,
    *,
    format: DatasetFormat | None,  # noqa: A002
    model: str | None,
    counter: TokenCounter | None,
) -> _Read:
    """Check every line of *file*; the format is detected from the first one if not given."""
    read = _Read(format=format)
    for number, text, unreadable in _lines(file):
        if text is None:
            problems.add(number, unreadable)
            continue
        if not text.strip():
            problems.add(number, "expected a JSON object, found a blank line")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as decode_error:
            # the parser's whole message says where; the line itself is not quoted
            problems.add(number, f"expected one JSON object per line: {decode_error}")
            continue
        read.examples += 1
        if read.checker is None:
            read.format = read.format or _detect(value) or DatasetFormat.CHAT
            used_model = model or (
                "davinci-002" if read.format is DatasetFormat.LEGACY else DEFAULT_MODEL
            )
            read.checker = LineChecker(
                fmt=read.format,
                model=used_model,
                counter=counter if counter is not None else counter_for(used_model),
            )
        found, count = read.checker.check(value)
        for text_problem in found:
            problems.add(number, text_problem)
        read.valid += not found
        read.tokens.append(count)
    return read


def file_problems(
    *,
    examples: int,
    fmt: DatasetFormat | None,
    model: str | None,
    min_examples: int = MIN_TRAINING_EXAMPLES,
) -> list[str]:
    """
    Return the problems of a file as a whole (without the file name).

    Args:
        examples: How many examples the file holds.
        fmt: Its format, if known.
        model: The model it is for, when the caller named one.
        min_examples: The fewest examples accepted.
    """
    found: list[str] = []
    if fmt is not None and model is not None:
        legacy_model = base_model(model).startswith(LEGACY_MODELS)
        if legacy_model and fmt is not DatasetFormat.LEGACY:
            found.append(f"{model} takes prompt/completion files, found the {fmt.value} format")
        if fmt is DatasetFormat.LEGACY and not legacy_model:
            found.append(f"{model} takes chat files, found the legacy prompt/completion format")
    if examples < min_examples:
        found.append(f"expected at least {min_examples} examples, found {examples}")
    return found


class LineChecker:
    """
    The per-line checks of one format.

    `validate_file` uses it on the lines it reads; writers use it on the lines
    they write.

    Args:
        fmt: The format.
        model: The model whose token limit applies.
        counter: Counts tokens.
    """

    def __init__(self, *, fmt: DatasetFormat, model: str, counter: TokenCounter) -> None:
        self.format = fmt
        self.model = model
        self.counter = counter
        self.limit = training_limit(model) or UNKNOWN_MODEL_LIMIT

    def check(self, value: Any, *, tokens: int | None = None) -> tuple[list[str], int]:
        """
        Return the problems of one line and its tokens.

        Args:
            value: The line's JSON value.
            tokens: The line's chat-format tokens when the caller already
                counted them the same way (they are then not counted again).
        """
        if not isinstance(value, dict):
            return [f"expected a JSON object, found {type(value).__name__} {_shown(value)}"], 0
        found: list[str] = []
        if self.format is DatasetFormat.LEGACY:
            tokens = self._legacy(value, found)
        elif self.format is DatasetFormat.SHAREGPT:
            tokens = self._sharegpt(value, found)
        elif self.format is DatasetFormat.MESSAGES:
            tokens = self._messages(value, found)
        else:
            counted = self._chat(value, found, count=tokens is None)
            tokens = counted if tokens is None else tokens
        if tokens > self.limit:
            found.append(
                f"example has {tokens:,} tokens, "
                f"over the {self.limit:,}-token limit of "
                f"{self.model} (the service would cut it)"
            )
        return found, tokens

    def _chat(  # noqa: C901, PLR0912  (the service's checks, listed in order)
        self, value: Mapping[str, Any], found: list[str], *, count: bool = True
    ) -> int:
        found.extend(
            f"unrecognized key {_quoted(str(key))} on the example (allowed: messages)"
            for key in value
            if key not in _CHAT_TOP_KEYS
        )
        messages = value.get("messages")
        if not isinstance(messages, list) or not messages:
            found.append("missing_messages_list: expected a non-empty 'messages' list")
            return 0
        trained = False
        for index, message in enumerate(messages):
            if _plain_chat_message(message):
                if message["role"] == "assistant" and message.get("weight", 1) != 0:
                    trained = True
                continue
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                found.append(f"{where}: expected an object, found {type(message).__name__}")
                continue
            role = message.get("role")
            found.extend(
                f"{where}: message_unrecognized_key {_quoted(str(key))}"
                for key in message
                if key not in CHAT_MESSAGE_KEYS
            )
            if "role" not in message:
                found.append(f"{where}: message_missing_key 'role'")
            elif role not in CHAT_ROLES:
                found.append(f"{where}: unrecognized_role {_quoted(str(role))}")
            calls = "tool_calls" in message or "function_call" in message
            if "content" not in message:
                if not (role == "assistant" and calls):
                    found.append(f"{where}: message_missing_key 'content'")
            else:
                self._content(message["content"], where, found)
            if "name" in message:
                name = message["name"]
                if not isinstance(name, str) or not _NAME.fullmatch(name):
                    found.append(
                        f"{where}: expected 'name' matching [A-Za-z0-9_-]{{1,64}}, "
                        f"found {_quoted(str(name))}"
                    )
            if "weight" in message:
                weight = message["weight"]
                if role != "assistant":
                    found.append(f"{where}: 'weight' is allowed only on assistant messages")
                elif isinstance(weight, bool) or weight not in (0, 1):
                    found.append(f"{where}: expected 'weight' 0 or 1, found {_shown(weight)}")
            if role == "assistant" and message.get("weight", 1) != 0:
                trained = True
        if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
            found.append(
                "example_missing_assistant_message: expected at least one assistant message"
            )
        elif not trained:
            found.append("expected at least one trained assistant message, found every weight 0")
        if not count:
            return 0
        return chat_tokens((m for m in messages if isinstance(m, dict)), self.counter)

    @staticmethod
    def _content(content: Any, where: str, found: list[str]) -> None:
        if not isinstance(content, str) or not content:
            found.append(
                f"{where}: missing_content: expected a non-empty string, found {_shown(content)}"
            )
        elif _SPECIAL_TOKEN.search(content):
            token = _SPECIAL_TOKEN.search(content)
            found.append(
                f"{where}: special-token text {token.group() if token else ''!r} "
                "is not allowed in content"
            )

    def _legacy(self, value: Mapping[str, Any], found: list[str]) -> int:
        found.extend(
            f"unrecognized key {_quoted(str(key))} (allowed: prompt, completion)"
            for key in value
            if key not in ("prompt", "completion")
        )
        prompt, completion = value.get("prompt"), value.get("completion")
        if not isinstance(prompt, str):
            found.append(f"expected 'prompt' as a string, found {_shown(prompt)}")
            prompt = ""
        if not isinstance(completion, str) or not completion:
            found.append(f"expected 'completion' as a non-empty string, found {_shown(completion)}")
            completion = ""
        for key, text in (("prompt", prompt), ("completion", completion)):
            token = _SPECIAL_TOKEN.search(text)
            if token:
                found.append(f"special-token text {token.group()!r} is not allowed in {key}")
        return self.counter.count(prompt) + self.counter.count(completion)

    def _sharegpt(self, value: Mapping[str, Any], found: list[str]) -> int:
        found.extend(
            f"unrecognized key {_quoted(str(key))} (allowed: conversations, system, tools)"
            for key in value
            if key not in ("conversations", "system", "tools")
        )
        system = value.get("system")
        if system is not None and not isinstance(system, str):
            found.append("expected 'system' as a string")
        turns = value.get("conversations")
        if not isinstance(turns, list) or not turns:
            found.append("expected a non-empty 'conversations' list")
            return 0
        messages: list[dict[str, Any]] = []
        if isinstance(system, str) and system:
            messages.append({"role": "system", "content": system})
        for index, turn in enumerate(turns):
            where = f"conversations[{index}]"
            if not isinstance(turn, dict):
                found.append(f"{where}: expected an object")
                continue
            expected = "human" if index % 2 == 0 else "gpt"
            if turn.get("from") != expected:
                found.append(
                    f"{where}: expected 'from' {expected!r} (human and gpt "
                    f"alternate, human first), found {_shown(turn.get('from'))}"
                )
            self._content(turn.get("value"), where, found)
            messages.append(
                {
                    "role": "user" if expected == "human" else "assistant",
                    "content": turn.get("value"),
                }
            )
        if len(turns) % 2:
            found.append("expected the conversation to end with a 'gpt' message")
        return chat_tokens(messages, self.counter)

    def _messages(self, value: Mapping[str, Any], found: list[str]) -> int:
        messages = value.get("messages")
        if not isinstance(messages, list) or not messages:
            found.append("expected a non-empty 'messages' list")
            return 0
        trained = False
        for index, message in enumerate(messages):
            if _plain_chat_message(message):
                if message["role"] == "assistant" and message.get("weight", 1) != 0:
                    trained = True
                continue
            where = f"messages[{index}]"
            if not isinstance(message, dict):
                found.append(f"{where}: expected an object")
                continue
            if message.get("role") not in ("system", "user", "assistant"):
                found.append(
                    f"{where}: expected 'role' system, user or assistant, "
                    f"found {_shown(message.get('role'))}"
                )
            self._content(message.get("content"), where, found)
            flag = message.get("training", message.get("role") == "assistant")
            if not isinstance(flag, bool):
                found.append(f"{where}: expected 'training' true or false")
            elif flag and message.get("role") == "assistant":
                trained = True
        if not trained:
            found.append("expected at least one assistant message with training true")
        return chat_tokens((m for m in messages if isinstance(m, dict)), self.counter)
