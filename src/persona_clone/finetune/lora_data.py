"""
Chat datasets for local training, and which tokens the model learns from.

This module needs neither torch nor transformers: it reads the ``messages`` JSONL
datasets that the dataset builders write, renders each example through a chat
template given as a plain function, and marks the characters (then the tokens)
of the persona's trained assistant turns.
Every other token gets the label ``-100`` (`IGNORE_INDEX`), so the loss is
computed only on what the persona wrote.
"""

from __future__ import annotations

import enum
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

from attrs import field, frozen

from persona_clone._jsonl import iter_json_lines
from persona_clone.errors import DatasetError, ParseError, excerpt


__all__ = [
    "CHATML_TEMPLATE",
    "IGNORE_INDEX",
    "EncodedExample",
    "NameStyle",
    "RenderedExample",
    "TemplateError",
    "TextEncoder",
    "TrainingExample",
    "TrainingMessage",
    "encode_example",
    "load_examples",
    "render_example",
    "token_labels",
]

IGNORE_INDEX: Final = -100
"""The label of tokens the loss skips (PyTorch's ``cross_entropy`` default)."""

CHATML_TEMPLATE: Final = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] }}"
    "{% if message.get('name') %}{{ ' ' + message['name'] }}{% endif %}"
    "{{ '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
"""
The chat template used when the model's tokenizer has none (a base model).

It is ChatML, with a speaker's ``name`` after the role; it is saved with the
adapter so that serving renders prompts the same way.
"""

_ROLES: Final = frozenset({"system", "user", "assistant"})
_MAX_PROBLEMS: Final = 1000

Span = tuple[int, int]
"""A half-open range of character positions ``[start, end)``."""


def _short(text: str) -> str:
    return excerpt(text, 24)


def _messages(values: Iterable[TrainingMessage]) -> tuple[TrainingMessage, ...]:
    return tuple(values)


def _spans(values: Iterable[Span]) -> tuple[Span, ...]:
    return tuple(values)


def _ints(values: Iterable[int]) -> tuple[int, ...]:
    return tuple(values)


class NameStyle(enum.Enum):
    """
    How a speaker's ``name`` reaches the model.

    ``TEMPLATE`` passes it to the chat template, as OpenAI-compatible servers do at
    serving time; many templates ignore it.
    ``CONTENT`` writes it before the text (``"Ada: text"``), so every template keeps
    it, and the serving side must do the same.
    """

    TEMPLATE = "template"
    CONTENT = "content"


@frozen(kw_only=True)
class TrainingMessage:
    """
    One message of a training example.

    Args:
        role: ``system``, ``user`` or ``assistant``.
        content: The text.
        name: The speaker's name, if the dataset gives one.
        trained: Whether the model learns to write this message (the persona's turns).
    """

    role: str
    content: str = field(repr=_short)
    name: str | None = None
    trained: bool = False


@frozen(kw_only=True)
class TrainingExample:
    """
    One conversation to learn from.

    Args:
        messages: Its messages, in order.
        location: Where it came from (``file:line``), for error reports.
    """

    messages: tuple[TrainingMessage, ...] = field(converter=_messages)
    location: str

    @property
    def has_trained_turn(self) -> bool:
        """Whether at least one message is trained."""
        return any(message.trained for message in self.messages)

    def template_messages(self, names: NameStyle) -> list[dict[str, str]]:
        """Return the messages as the dictionaries a chat template takes."""
        rendered: list[dict[str, str]] = []
        for message in self.messages:
            item = {"role": message.role, "content": message.content}
            if message.name:
                if names is NameStyle.CONTENT:
                    item["content"] = f"{message.name}: {message.content}"
                else:
                    item["name"] = message.name
            rendered.append(item)
        return rendered


def load_examples(path: str | os.PathLike[str]) -> list[TrainingExample]:
    """
    Read a ``messages`` JSONL dataset (the OpenAI chat format).

    Each line is ``{"messages": [{"role": ..., "content": ..., "name"?: ...,
    "weight"?: 0 | 1, "train"?: bool}, ...]}``.
    Assistant messages are trained unless ``weight`` is 0 or ``train`` is false;
    other messages never are.
    The whole file is read into a list because training visits it once per epoch
    in a shuffled order.

    Raises:
        DatasetError: listing every problem found, as ``file:line: problem``.
        ParseError: a line is not JSON.
    """
    file = Path(path)
    examples: list[TrainingExample] = []
    problems: list[str] = []
    try:
        with file.open(encoding="utf-8-sig") as lines:
            for number, value in iter_json_lines(lines, name=file.name):
                location = f"{file.name}:{number}"
                example = _example(value, location, problems)
                if example is not None:
                    examples.append(example)
                if len(problems) >= _MAX_PROBLEMS:
                    break
    except UnicodeDecodeError as error:
        raise ParseError(file.name, "UTF-8 text", f"byte {error.start}") from None
    if problems:
        raise DatasetError(problems)
    if not examples:
        raise DatasetError([f"{file.name}: expected at least one example, found none"])
    return examples


def _example(value: Any, location: str, problems: list[str]) -> TrainingExample | None:
    """Check one dataset line; report its problems and return it when it has none."""
    if not isinstance(value, dict) or not isinstance(value.get("messages"), list):
        problems.append(f'{location}: expected an object with a "messages" list')
        return None
    raw_messages: list[Any] = value["messages"]
    if not raw_messages:
        problems.append(f"{location}: expected at least one message, found none")
        return None
    count = len(problems)
    messages = [
        _message(raw, f"{location} $.messages[{index}]", problems)
        for index, raw in enumerate(raw_messages)
    ]
    if len(problems) > count:
        return None
    return TrainingExample(
        messages=[message for message in messages if message is not None],
        location=location,
    )


def _message(raw: Any, where: str, problems: list[str]) -> TrainingMessage | None:
    """Check one message of an example; report its problems."""
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected an object, found {excerpt(json.dumps(raw))}")
        return None
    role = raw.get("role")
    if role not in _ROLES:
        problems.append(
            f"{where}.role: expected one of system, user, assistant, found {excerpt(str(role))}"
        )
        return None
    content = _content(raw.get("content"))
    if content is None:
        problems.append(f"{where}.content: expected text")
        return None
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(f"{where}.name: expected a string")
        return None
    trained = _trained(raw, role, where, problems)
    if trained is None:
        return None
    return TrainingMessage(role=role, content=content, name=name or None, trained=trained)


def _content(value: Any) -> str | None:
    """Return a message's text: a string, or the text parts of a list of parts."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value:
        texts = [
            part["text"]
            for part in value
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        ]
        if len(texts) == len(value):
            return "".join(texts)
    return None


def _trained(raw: dict[str, Any], role: str, where: str, problems: list[str]) -> bool | None:
    """Whether a message is trained, from its role and its ``weight``/``train`` keys."""
    weight = raw.get("weight")
    train = raw.get("train")
    problem = _flag_problem(weight, train, role)
    if problem:
        problems.append(f"{where}{problem}")
        return None
    if role != "assistant":
        return False
    if weight is not None:
        return bool(weight)
    return train is not False


def _flag_problem(weight: Any, train: Any, role: str) -> str | None:
    """Return what is wrong with a message's ``weight`` and ``train`` keys, if any."""
    if weight is not None and (isinstance(weight, bool) or weight not in (0, 1)):
        return f".weight: expected 0 or 1, found {excerpt(str(weight))}"
    if train is not None and not isinstance(train, bool):
        return f".train: expected true or false, found {excerpt(str(train))}"
    if role != "assistant" and (weight is not None or train):
        return f": expected weight/train only on assistant messages, found them on {role}"
    if weight is not None and train is not None and bool(weight) != train:
        return f": expected weight and train to agree, found {weight} and {train}"
    return None


class Render(Protocol):
    """Renders messages with a chat template (``tokenizer.apply_chat_template``)."""

    def __call__(self, messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
        """Return *messages* as text, ending with the assistant's prompt if asked."""
        ...


class TemplateError(DatasetError):
    """The chat template cannot render an example, or hides the persona's text."""


@frozen(kw_only=True)
class RenderedExample:
    """
    An example rendered to text, with where its trained turns are.

    Args:
        text: The whole conversation as the chat template renders it.
        spans: ``[start, end)`` character ranges of the trained turns, each with the
            template's end-of-turn marker when it could be located.
        exact: ``False`` when the template is not prefix-stable and the spans cover
            only the turns' text (their end-of-turn markers are not trained).
    """

    text: str = field(repr=_short)
    spans: tuple[Span, ...] = field(converter=_spans)
    exact: bool = True


def render_example(
    example: TrainingExample, render: Render, *, names: NameStyle = NameStyle.TEMPLATE
) -> RenderedExample:
    """
    Render *example* with *render* and find its trained turns in the text.

    A trained turn starts where the template's generation prompt for it ends and
    ends where the template's rendering of the conversation up to it ends, so it
    holds the reply and its end-of-turn marker, exactly what the model writes at
    serving time.
    Templates that are not prefix-stable (they render earlier turns differently
    once more follow) fall back to the turn's text alone.

    Raises:
        TemplateError: the template fails on the example or does not render a
            trained turn's text verbatim.
    """
    messages = example.template_messages(names)
    text = _render(render, messages, example.location, generation_prompt=False)
    spans: list[Span] = []
    exact = True
    cursor = 0
    for index, message in enumerate(example.messages):
        if not message.trained:
            continue
        span = _prefix_span(render, messages, index, text, cursor)
        if span is None:
            exact = False
            span = _content_span(text, messages[index]["content"], cursor, example.location)
        spans.append(span)
        cursor = span[1]
    return RenderedExample(text=text, spans=spans, exact=exact)


def _render(
    render: Render,
    messages: list[dict[str, str]],
    location: str,
    *,
    generation_prompt: bool,
) -> str:
    try:
        return render(messages, generation_prompt=generation_prompt)
    except Exception as error:  # templates raise anything (jinja2, their own raise_exception)
        message = (
            f"{location}: expected the model's chat template to render the example, "
            f"found {type(error).__name__}: {excerpt(str(error), 120)}"
        )
        raise TemplateError([message]) from error


def _prefix_span(
    render: Render, messages: list[dict[str, str]], index: int, text: str, cursor: int
) -> Span | None:
    """Locate message *index* by rendering the conversation before and through it."""
    try:
        before = render(messages[:index], generation_prompt=True)
        through = render(messages[: index + 1], generation_prompt=False)
    except Exception:  # noqa: BLE001 -- some templates refuse partial conversations
        return None
    prefix_stable = text.startswith(through) and through.startswith(before)
    if not prefix_stable or len(before) < cursor or len(through) <= len(before):
        return None
    if messages[index]["content"] not in through[len(before) :]:
        return None
    return (len(before), len(through))


def _content_span(text: str, content: str, cursor: int, location: str) -> Span:
    start = text.find(content, cursor)
    if start < 0 or not content:
        problem = (
            f"{location}: expected the chat template to render each trained "
            "assistant turn verbatim, found it changed or missing"
        )
        raise TemplateError([problem])
    return (start, start + len(content))


class TextEncoder(Protocol):
    """Turns text into token ids, with each token's character range when known."""

    def __call__(self, text: str) -> tuple[list[int], list[Span] | None]:
        """Return the token ids of *text* and their ``(start, end)`` offsets or None."""
        ...


def token_labels(
    token_ids: Sequence[int], offsets: Sequence[Span], spans: Sequence[Span]
) -> list[int]:
    """
    Return the labels of *token_ids*: the id where the token is trained, else -100.

    A token is trained when its first character lies inside one of *spans*.
    """
    labels: list[int] = []
    ordered = sorted(spans)
    position = 0
    for token, (start, _) in zip(token_ids, offsets, strict=True):
        while position < len(ordered) and ordered[position][1] <= start:
            position += 1
        inside = position < len(ordered) and ordered[position][0] <= start
        labels.append(token if inside else IGNORE_INDEX)
    return labels


@frozen(kw_only=True)
class EncodedExample:
    """
    An example as token ids and labels, ready for training.

    Args:
        input_ids: The tokens of the rendered conversation.
        labels: The token where the loss counts it, -100 elsewhere.
        truncated: Whether the example was cut to the maximum length.
        location: Where it came from (``file:line``).
    """

    input_ids: tuple[int, ...] = field(converter=_ints, repr=False)
    labels: tuple[int, ...] = field(converter=_ints, repr=False)
    truncated: bool = False
    location: str = ""

    @property
    def trained_tokens(self) -> int:
        """How many tokens the loss counts (the first token is never predicted)."""
        return sum(1 for label in self.labels[1:] if label != IGNORE_INDEX)


def encode_example(
    rendered: RenderedExample,
    encode: TextEncoder,
    *,
    max_length: int,
    location: str = "",
) -> EncodedExample:
    """
    Tokenize *rendered* and label its tokens, keeping at most *max_length* of them.

    Encoders that give no offsets (slow tokenizers) get the text in pieces cut at
    the span boundaries, so that every token belongs to exactly one piece.
    """
    ids, offsets = encode(rendered.text)
    if offsets is not None:
        labels = token_labels(ids, offsets, rendered.spans)
    else:
        ids, labels = [], []
        for start, end, trained in _pieces(len(rendered.text), rendered.spans):
            piece_ids, _ = encode(rendered.text[start:end])
            ids.extend(piece_ids)
            labels.extend(piece_ids if trained else [IGNORE_INDEX] * len(piece_ids))
    truncated = len(ids) > max_length
    return EncodedExample(
        input_ids=ids[:max_length],
        labels=labels[:max_length],
        truncated=truncated,
        location=location,
    )


def _pieces(length: int, spans: Sequence[Span]) -> Iterator[tuple[int, int, bool]]:
    cursor = 0
    for start, end in sorted(spans):
        if start > cursor:
            yield cursor, start, False
        yield start, end, True
        cursor = end
    if cursor < length:
        yield cursor, length, False
