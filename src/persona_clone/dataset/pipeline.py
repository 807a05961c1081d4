"""
`DatasetPipeline`: from sessions of turns to dataset files, streaming throughout.

What every `DatasetBuilder` runs when it is called or writes. Per session of
turns: `renderable` -> (sessions where the persona speaks) message steps
(redaction) -> turns merged again where something changed -> slots (with
quoted replies) -> `Slicer` -> examples. Sessions the persona is silent in are
counted and dropped before the message steps, so redaction only runs on text
that can be written. The examples then pass the example steps (repeat caps),
are sent to train or validation by session, and written by the builder.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import operator
import os
import random
from collections import Counter, OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import IO, Any, Final

from attrs import define, field

from persona_clone._jsonl import dumps_line
from persona_clone.conversation.merger import MergedSession, Merger
from persona_clone.conversation.streams import MessageStep, apply
from persona_clone.dataset.rendering import MEDIA_PLACEHOLDER, renderable
from persona_clone.dataset.tokens import UNKNOWN_MODEL_LIMIT, EstimatingCounter, TokenCounter
from persona_clone.message import Message, Participant
from persona_clone.session import Turn

from .._fast import slot as fast_slot
from .base import DEFAULT_REPLY_MEMORY, DatasetBuilder, DatasetFormat
from .example import DEFAULT_MAX_ENTRIES, Example, Slicer, Slot, WeightPolicy
from .exports import Exports
from .split import SessionSplit, message_key
from .steps import ExampleStep
from .validation import LineChecker


__all__ = [
    "DEFAULT_REPLY_MEMORY",
    "BuildStats",
    "DatasetPipeline",
    "validation_path",
    "write_atomically",
]

logger = logging.getLogger(__name__)

_LOCATIONS: Final = 10
_SAMPLE: Final = 10_000
"""Texts per side in the phrase report's samples: shares within a few tenths of a percent."""
_MAX_PROBLEMS: Final = 10_000


@define(kw_only=True)
class BuildStats:
    """What a pipeline run saw; filled while the examples stream."""

    sessions: int = 0
    sessions_used: int = 0
    skipped_sessions: Counter[str] = field(factory=Counter)
    skipped_turns: Counter[str] = field(factory=Counter)
    skipped_turn_locations: list[str] = field(factory=list)
    dropped_messages: Counter[str] = field(factory=Counter)
    messages: int = 0
    persona_messages: int = 0
    persona_turns: int = 0
    turns: int = 0
    trained_turns: int = 0
    quoted_turns: int = 0
    examples: Counter[str] = field(factory=Counter)
    tokens: dict[str, list[int]] = field(factory=dict)
    problems: list[str] = field(factory=list)
    speakers: Counter[str] = field(factory=Counter)
    persona_sample: list[str] = field(factory=list)
    others_sample: list[str] = field(factory=list)
    _persona: _Reservoir | None = field(default=None, init=False, repr=False, eq=False)
    _others: _Reservoir | None = field(default=None, init=False, repr=False, eq=False)

    def sample_persona(self, text: str, rng: random.Random) -> None:
        """Keep a bounded, uniform sample of persona texts (reservoir sampling)."""
        if self._persona is None:
            self._persona = _Reservoir(self.persona_sample, rng)
        self._persona.add(text)

    def sample_others(self, text: str, rng: random.Random) -> None:
        """Keep a bounded, uniform sample of the other speakers' texts."""
        if self._others is None:
            self._others = _Reservoir(self.others_sample, rng)
        self._others.add(text)


class _Reservoir:
    """
    A uniform random sample of at most *size* texts of a stream, in *items*.

    Li's "Algorithm L": once the sample is full, it draws how many texts to
    pass over before the next one is kept, so a text passed over costs a
    counter, not a random number.
    """

    def __init__(self, items: list[str], rng: random.Random, size: int = _SAMPLE) -> None:
        self.items = items
        self.rng = rng
        self.size = size
        self.seen = 0
        self.weight = 1.0
        self.next = size  # the number of texts seen before the next one kept

    def add(self, text: str) -> None:
        """Offer *text* to the sample."""
        seen = self.seen
        self.seen = seen + 1
        if seen < self.size:
            self.items.append(text)
            if seen + 1 == self.size:
                self._draw()
        elif seen == self.next:
            self.items[self.rng.randrange(self.size)] = text
            self._draw()

    def _draw(self) -> None:
        rng = self.rng
        self.weight *= math.exp(math.log(1.0 - rng.random()) / self.size)
        skip = 0
        if self.weight < 1.0:
            skip = math.floor(math.log(1.0 - rng.random()) / math.log1p(-self.weight))
        self.next = self.seen + skip


class _ReplyMemory:
    """
    The last *size* messages of one export, for replies to earlier sessions.

    Until the first reply appears (WhatsApp exports have none) it only keeps
    whole sessions in a queue; the index by id is built on the first lookup and
    kept up to date from then on.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.sessions: deque[Sequence[Message]] = deque()
        self.count = 0
        self.index: OrderedDict[str, Message] | None = None

    def remember(self, messages: Sequence[Message]) -> None:
        """Add one session's messages, forgetting the oldest beyond *size*."""
        index = self.index
        if index is not None:
            for message in messages:
                index[message.id] = message
            while len(index) > self.size:
                index.popitem(last=False)
            return
        self.sessions.append(messages)
        self.count += len(messages)
        while self.sessions and self.count - len(self.sessions[0]) >= self.size:
            self.count -= len(self.sessions.popleft())

    def get(self, message_id: str) -> Message | None:
        """Return the remembered message with *message_id*, if any."""
        if self.index is None:
            self.index = OrderedDict(
                (message.id, message) for session in self.sessions for message in session
            )
            self.sessions.clear()
            while len(self.index) > self.size:
                self.index.popitem(last=False)
        return self.index.get(message_id)


_AUTHOR: Final = operator.attrgetter("author")
_MESSAGES: Final = operator.attrgetter("messages")
_ROLES_LIMIT: Final = 4096


class _Roles:
    """
    Whether each author is the persona, asked once per author object.

    Keyed by ``id(author)``: the cache holds the authors it answers for, so no
    other live object can share an id with one of them. Hashing a `Participant`
    runs Python code; hashing an int does not.
    """

    def __init__(self, is_persona: Callable[[Participant | None], bool]) -> None:
        self.is_persona = is_persona
        self.cache: dict[int, tuple[Participant, bool]] = {}

    def of(self, author: Participant | None) -> bool:
        """Whether *author* is the persona."""
        found = self.cache.get(id(author))
        if found is not None:
            return found[1]
        if author is None:
            return False
        return self._learn(author)[1]

    def known(self, key: int, messages: Sequence[Message]) -> tuple[Participant, bool]:
        """The author with ``id(author) == key`` among *messages*' authors, and its role."""
        found = self.cache.get(key)
        if found is not None:
            return found
        author = next(m.author for m in messages if id(m.author) == key)
        assert author is not None  # noqa: S101  (rendered messages have authors)
        return self._learn(author)

    def _learn(self, author: Participant) -> tuple[Participant, bool]:
        if len(self.cache) >= _ROLES_LIMIT:
            self.cache.clear()
        found = self.cache[id(author)] = (author, self.is_persona(author))
        return found


def _through(steps: Sequence[MessageStep], messages: list[Message]) -> list[Message]:
    """*messages* after *steps* (the list itself when there are none)."""
    if not steps:
        return messages
    if len(steps) == 1:
        return list(steps[0](messages))
    return list(apply(messages, steps))


@define(kw_only=True)
class _Prepared:
    start: Any
    order: int
    key: str
    slots: list[Slot]


def _flatten(turns: Sequence[Turn]) -> list[Message]:
    """The messages of a session of turns, in order."""
    if type(turns) is MergedSession:  # read without merging
        return list(turns.messages)
    if len(turns) == 1:
        return list(turns[0].messages)
    return list(chain.from_iterable(map(_MESSAGES, turns)))


def _merged_again(
    merger: Merger, turns: Sequence[Turn], messages: list[Message], visible: list[Message]
) -> Sequence[Turn]:
    """
    The turns of *visible*, the session's *messages* after rendering and the message steps.

    *turns* are those of *messages*. A `MergedSession` of this merger is
    merged once, from *visible*. Otherwise, when no message was left out and
    every author is the same, the turns keep their bounds: only a turn whose
    messages changed is merged again (media placeholders, redactions); else
    the whole session is.
    """
    if type(turns) is MergedSession and turns.merger == merger:
        return list(merger.merge(visible))
    if len(visible) != len(messages):
        return list(merger.merge(visible))
    same = list(map(operator.is_, visible, messages))
    if all(same):
        return turns
    if not all(map(operator.is_, map(_AUTHOR, visible), map(_AUTHOR, messages))):
        return list(merger.merge(visible))
    again: list[Turn] = []
    start = 0
    for turn in turns:
        end = start + len(turn.messages)
        if all(same[start:end]):
            again.append(turn)
        else:
            again.extend(merger.merge(visible[start:end]))
        start = end
    return again


@define(kw_only=True)
class DatasetPipeline:
    """
    Cut sessions of turns into examples and write them; what builders run.

    Per session (as `persona_clone.Merger` yields them): the messages a model
    may see are kept (`renderable`); sessions the persona is silent in are
    counted and left out; the *message_steps* (redaction) run on the rest, and
    the turns are merged again where a step changed them; a reply to an
    earlier session brings the message it answers in; then `Slicer` cuts
    examples, and the *example_steps* (repeat caps) see them in order.
    `Exports` of several exports are prepared one by one (each with its own
    reply memory) and their sessions merged by start time.

    Args:
        builder: Writes the chosen format and decides who the persona is.
        merger: Merges a speaker's consecutive messages again where a message
            step or rendering changed a session (the merger that made the turns).
        message_steps: Applied to the rendered messages of each session the
            persona speaks in, and to messages quoted from earlier sessions,
            before merging (redaction: only text that can be written is read).
        example_steps: Applied to the examples in the order they are cut.
        counter: Counts tokens for the budget.
        budget: Most tokens in one example (the model's training limit).
        max_entries: Most turns in one example (default 20).
        overlap: Turns of the previous example a new one may repeat as context.
        policy: Which persona turns are trained.
        split: Sends each session to training or validation.
        reply_memory: How many recent messages per export are kept so a reply
            to an earlier session can bring in the message it answers (0 for
            exports without reply links, such as WhatsApp's: keeping them costs
            time and memory for nothing).
        media: The text media messages get (``None`` drops them).
        seed: Seeds the sample of persona turns used for the phrase report.
    """

    builder: DatasetBuilder
    merger: Merger = field(factory=Merger)
    message_steps: Sequence[MessageStep] = ()
    example_steps: Sequence[ExampleStep] = ()
    counter: TokenCounter = field(factory=EstimatingCounter)
    budget: int = UNKNOWN_MODEL_LIMIT
    max_entries: int = DEFAULT_MAX_ENTRIES
    overlap: int = 2
    policy: WeightPolicy = WeightPolicy.ALL
    split: SessionSplit = field(factory=SessionSplit)
    reply_memory: int = DEFAULT_REPLY_MEMORY
    media: str | None = MEDIA_PLACEHOLDER
    seed: int = 0
    stats: BuildStats = field(factory=BuildStats, init=False)
    _last_used: str | None = field(default=None, init=False, repr=False)

    def examples(self, sessions: Iterable[Sequence[Turn]]) -> Iterator[Example]:
        """
        Yield every example of *sessions* (sessions of turns, or `Exports`), lazily.

        The run's counts accumulate in `stats`.
        """
        self.stats = stats = BuildStats()
        self._last_used = None
        slicer = Slicer(
            budget=self.budget,
            overhead=self.builder.overhead(self.counter),
            max_entries=self.max_entries,
            overlap=self.overlap,
            policy=self.policy,
        )
        examples: Iterable[Example] = self._sliced(self._prepared(sessions), slicer)
        for step in self.example_steps:
            examples = step(examples, stats.skipped_turns)
        rng = random.Random(self.seed)  # noqa: S311  (sampling, not security)
        keep_persona = _Reservoir(stats.persona_sample, rng).add
        keep_other = _Reservoir(stats.others_sample, rng).add
        offered: set[int] = set()  # ids of the turns sampled; a context turn may recur
        for example in examples:
            if example.session != self._last_used:
                self._last_used = example.session
                stats.sessions_used += 1
                offered.clear()
            for turn, trained, is_persona in zip(
                example.turns, example.trained, example.persona, strict=False
            ):
                if trained:
                    stats.trained_turns += 1
                    keep_persona(turn.text)
                elif not is_persona and turn.author is not None and id(turn) not in offered:
                    offered.add(id(turn))
                    keep_other(turn.text)
            yield example

    def _prepared(self, sessions: Iterable[Sequence[Turn]]) -> Iterator[_Prepared]:
        """Every session to slice, the exports' sessions merged by start time."""
        streams = (
            [self._prepare(stream, order) for order, stream in enumerate(sessions.streams)]
            if isinstance(sessions, Exports)
            else [self._prepare(sessions, 0)]
        )
        if len(streams) == 1:
            return streams[0]
        return heapq.merge(*streams, key=lambda p: (p.start, p.order))

    def _sliced(self, prepared: Iterable[_Prepared], slicer: Slicer) -> Iterator[Example]:
        """Slice each session; a session none of whose examples survived is counted."""
        on_skip = self._skipped
        for session in prepared:
            yield from slicer(session.slots, session=session.key, on_skip=on_skip)
            # Steps pass examples on one at a time: every survivor of this
            # session has been read when the next example is asked for.
            if self._last_used != session.key:
                self.stats.skipped_sessions["no trainable persona turn fits"] += 1

    def _skipped(self, slot: Slot) -> None:
        self.stats.skipped_turns["over the token budget alone"] += 1
        if len(self.stats.skipped_turn_locations) < _LOCATIONS:
            source = slot.turn.messages[0].source
            where = str(source) if source is not None else f"message {slot.turn.messages[0].id}"
            self.stats.skipped_turn_locations.append(f"{where} ({slot.cost:,} tokens)")

    def _prepare(self, sessions: Iterable[Sequence[Turn]], order: int) -> Iterator[_Prepared]:
        """The sessions of one export the persona speaks in, as slots."""
        stats = self.stats
        recent = _ReplyMemory(self.reply_memory)
        roles = _Roles(self.builder.is_persona)
        for turns in sessions:
            messages = _flatten(turns)
            stats.sessions += 1
            stats.messages += len(messages)
            shown = list(renderable(messages, media=self.media, dropped=stats.dropped_messages))
            if not shown:
                stats.skipped_sessions["nothing to render"] += 1
            elif not self._persona_speaks(shown, roles):
                stats.skipped_sessions["persona silent"] += 1
            else:
                slots = self._slots(turns, messages, shown, recent, roles)
                if slots is not None:
                    first = messages[0]
                    yield _Prepared(
                        start=first.sent_at, order=order, key=message_key(first), slots=slots
                    )
                else:  # the message steps removed every persona message
                    stats.skipped_sessions["persona silent"] += 1
            if self.reply_memory:
                recent.remember(shown)

    def _persona_speaks(self, shown: Sequence[Message], roles: _Roles) -> bool:
        """Count who spoke in *shown*; whether the persona did."""
        stats = self.stats
        speakers = stats.speakers
        persona_speaks = False
        # Who spoke how often, counted in C by author object; a session
        # holds few distinct authors, each looked up once.
        for key, count in Counter(map(id, map(_AUTHOR, shown))).items():
            author, persona = roles.known(key, shown)
            speakers[author.name] += count
            if persona:
                persona_speaks = True
                stats.persona_messages += count
        return persona_speaks

    def _slots(
        self,
        turns: Sequence[Turn],
        messages: list[Message],
        shown: list[Message],
        recent: _ReplyMemory,
        roles: _Roles,
    ) -> list[Slot] | None:
        """The slots of one session the persona speaks in (None: no persona turn left)."""
        stats = self.stats
        builder, counter, merger, steps = (
            self.builder,
            self.counter,
            self.merger,
            self.message_steps,
        )
        # The message steps (redaction) only see what can be written.
        visible = _through(steps, shown)
        turns = _merged_again(merger, turns, messages, visible)
        quoted = self._quoted(turns, visible, recent, steps) if self.reply_memory else {}
        role_of = roles.of
        flags = [role_of(turn.author) for turn in turns]
        stats.turns += len(turns)
        stats.persona_turns += sum(flags)
        slots: list[Slot] = []
        for index, (turn, persona) in enumerate(zip(turns, flags, strict=False)):
            for quote in quoted.get(index, ()):
                quote_turn = merger.start(quote)
                quote_persona = role_of(quote.author)
                slots.append(
                    fast_slot(
                        quote_turn,
                        persona=quote_persona,
                        quoted=True,
                        cost=builder.turn_cost(quote_turn, counter, persona=quote_persona),
                    )
                )
                stats.quoted_turns += 1
            slots.append(
                fast_slot(
                    turn, persona=persona, cost=builder.turn_cost(turn, counter, persona=persona)
                )
            )
        return slots if any(flags) else None

    @staticmethod
    def _quoted(
        turns: Sequence[Turn],
        shown: Sequence[Message],
        recent: _ReplyMemory,
        steps: Sequence[MessageStep],
    ) -> dict[int, list[Message]]:
        """Map turn index -> earlier messages (outside the session) it replies to."""
        if all(m.reply_to is None for m in shown):
            return {}
        inside = {m.id for m in shown}
        found: dict[int, list[Message]] = {}
        brought: set[str] = set()
        for index, turn in enumerate(turns):
            for message in turn.messages:
                target = message.reply_to
                if target is None or target in inside or target in brought:
                    continue
                quote = recent.get(target)
                if quote is not None:
                    # remembered as read: the message steps run on what is written
                    found.setdefault(index, []).extend(apply((quote,), steps))
                    brought.add(target)
        return found

    def _check(
        self,
        checker: LineChecker,
        split: str,
        path: Path,
        lines: list[dict[str, Any]],
        tokens_of: int | None,
    ) -> None:
        stats = self.stats
        tokens = stats.tokens.setdefault(split, [])
        number = stats.examples[split]
        known = tokens_of if len(lines) == 1 else None
        for line in lines:
            number += 1
            found, count = checker.check(line, tokens=known)
            tokens.append(count)
            if found and len(stats.problems) < _MAX_PROBLEMS:
                stats.problems.extend(f"{path}:{number}: {problem}" for problem in found)

    def write(
        self,
        sessions: Iterable[Sequence[Turn]],
        path: str | os.PathLike[str],
        *,
        checker: LineChecker | None = None,
    ) -> dict[str, Path]:
        """
        Write the examples of *sessions* to the JSONL file *path*, and its companions.

        The folder is created if needed. Beside *path* go ``validation.jsonl``
        (``NAME_validation.jsonl`` unless *path* is ``train.jsonl``) when the
        split holds sessions out, and the builder's extra files
        (``dataset_info.json`` for ShareGPT). Each file is written whole or not
        at all (a temporary file renamed when complete). With a *checker*,
        every line is checked as it is written: the problems (``FILE:LINE:
        problem``) and each line's tokens land in `stats`.

        Returns:
            The files written, by role (``train``, ``validation``, ...).
        """
        paths = {"train": Path(path)}
        if self.split.validation_share > 0:
            paths["validation"] = validation_path(paths["train"])
        paths["train"].parent.mkdir(parents=True, exist_ok=True)
        with _AtomicFiles(paths) as handles:
            lines = self.builder.lines
            chat = self.builder.format is DatasetFormat.CHAT
            is_validation = self.split.is_validation
            last_key, split = "", "train"
            for example in self.examples(sessions):
                if example.session != last_key:
                    last_key = example.session
                    split = "validation" if is_validation(last_key) else "train"
                rendered = lines(example)
                write = handles[split].write
                for line in rendered:
                    write(dumps_line(line))
                if checker is not None:
                    # chat examples are counted exactly as the validator counts them
                    exact = example.tokens if chat else None
                    self._check(checker, split, paths[split], rendered, exact)
                self.stats.examples[split] += len(rendered)
        extra = self.builder.extra_files({split: p.name for split, p in paths.items()})
        for name, content in extra.items():
            target = paths["train"].with_name(name)
            write_atomically(target, json.dumps(content, ensure_ascii=False, indent=2) + "\n")
            paths[name.rsplit(".", 1)[0]] = target
        return paths


def validation_path(train: Path) -> Path:
    """
    Where the validation file of the training file *train* goes.

    Example:
        >>> validation_path(Path("out/train.jsonl")).name, validation_path(Path("deniz.jsonl")).name
        ('validation.jsonl', 'deniz_validation.jsonl')

    """
    if train.name == "train.jsonl":
        return train.with_name("validation.jsonl")
    return train.with_name(f"{train.stem}_validation{train.suffix}")


def write_atomically(path: Path, text: str) -> None:
    """Write *text* to *path* whole or not at all."""
    with _AtomicFiles({"file": path}) as handles:
        handles["file"].write(text)


class _AtomicFiles:
    """
    Open files for writing under temporary names; rename them when all are written.

    On an error every temporary file is removed and the targets are left as
    they were.
    """

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.temporary: dict[str, Path] = {}
        self.handles: dict[str, IO[str]] = {}

    def __enter__(self) -> dict[str, IO[str]]:
        try:
            for role, path in self.paths.items():
                temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
                self.handles[role] = temporary.open("w", encoding="utf-8", newline="\n")
                self.temporary[role] = temporary
        except BaseException:
            self.__exit__(OSError, None, None)
            raise
        return self.handles

    def __exit__(self, kind: object, *_: object) -> None:
        for handle in self.handles.values():
            handle.close()
        if kind is None:
            for role, temporary in self.temporary.items():
                temporary.replace(self.paths[role])
        else:
            for temporary in self.temporary.values():
                temporary.unlink(missing_ok=True)
