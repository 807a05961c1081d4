"""Hypothesis laws of rendering, slicing, splitting and validation."""

from __future__ import annotations

import itertools
import json
import re
import tempfile
from pathlib import Path

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from dataset_support import NoAliases, PlainNames
from persona_clone import Merger, Message, Participant, Sessionizer, Turn
from persona_clone.dataset import (
    DatasetFormat,
    DatasetPipeline,
    SessionSplit,
    make_builder,
    validate_file,
)
from persona_clone.dataset.rendering import ChatRenderer, NameRenderer, renderable
from persona_clone.dataset.tokens import EstimatingCounter, chat_tokens
from persona_clone.dataset.validation import LineChecker
from persona_clone.privacy.identity import NameBook
from persona_clone.testing.strategies import chats, participants


NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
CAST = st.lists(participants(), min_size=2, max_size=4, unique_by=lambda p: p.id)


@st.composite
def cast_and_chat(draw: st.DrawFn, max_size: int = 40) -> tuple[Participant, list[Message]]:
    cast = draw(CAST)
    chat = draw(chats(authors=st.sampled_from(cast), max_size=max_size))
    return cast[0], chat


def names() -> NameRenderer:
    book: NameRenderer = NameBook()
    return book


class TestRenderingLaws:
    @given(cast_and_chat())
    def test_persona_turns_are_assistant_and_names_are_valid(
        self, drawn: tuple[Participant, list[Message]]
    ) -> None:
        """Persona turns are assistant, others named users; no two assistants touch."""
        persona, chat = drawn
        renderer = ChatRenderer(persona=persona, names=names(), aliases=NoAliases())
        turns = list(Merger().merge(renderable(chat)))

        rendered = renderer.messages(turns)

        authored = [t for t in turns if t.author is not None]
        assert len(authored) == len(rendered)
        for turn, message in zip(authored, rendered, strict=True):
            expected = "assistant" if turn.author == persona else "user"
            assert expected == message["role"]
            if expected == "user":
                assert NAME.fullmatch(message["name"])
        roles = [m["role"] for m in rendered]
        assert all(not (a == b == "assistant") for a, b in itertools.pairwise(roles))


def run(
    persona: Participant, chat: list[Message], fmt: DatasetFormat, **options: object
) -> DatasetPipeline:
    builder = make_builder(fmt, persona=persona, names=PlainNames(), aliases=NoAliases())
    values: dict[str, object] = {"builder": builder, "counter": EstimatingCounter()}
    values.update(options)
    return DatasetPipeline(**values)  # type: ignore[arg-type]


def sessions(chat: list[Message]) -> list[tuple[Turn, ...]]:
    return list(Merger()(Sessionizer(gap=pendulum.duration(minutes=5))(chat)))


class TestPipelineLaws:
    @given(cast_and_chat(max_size=60), st.floats(0.1, 0.9), st.integers(0, 5))
    def test_a_session_never_lands_in_both_splits(
        self, drawn: tuple[Participant, list[Message]], share: float, seed: int
    ) -> None:
        """Every example lands in the file its session draws, so no session is in both."""
        persona, chat = drawn
        split = SessionSplit(validation_share=share, seed=seed)
        pipeline = run(persona, chat, DatasetFormat.CHAT, split=split)
        drawn_validation = [
            split.is_validation(e.session) for e in pipeline.examples(sessions(chat))
        ]

        with tempfile.TemporaryDirectory() as folder:
            pipeline.write(sessions(chat), Path(folder) / "train.jsonl")

        assert drawn_validation.count(True) == pipeline.stats.examples["validation"]
        assert drawn_validation.count(False) == pipeline.stats.examples["train"]

    @given(cast_and_chat(max_size=60), st.integers(20, 300), st.integers(1, 8))
    def test_the_token_budget_is_never_exceeded(
        self, drawn: tuple[Participant, list[Message]], budget: int, entries: int
    ) -> None:
        """No chat example holds more tokens (as validated) or turns than allowed."""
        persona, chat = drawn
        pipeline = run(persona, chat, DatasetFormat.CHAT, budget=budget, max_entries=entries)
        counter = EstimatingCounter()

        for example in pipeline.examples(sessions(chat)):
            (line,) = pipeline.builder.lines(example)
            assert chat_tokens(line["messages"], counter) <= budget
            assert len(example.turns) <= entries

    @settings(max_examples=25)
    @given(cast_and_chat(max_size=50), st.sampled_from(list(DatasetFormat)))
    def test_validation_accepts_what_the_builders_write(
        self, drawn: tuple[Participant, list[Message]], fmt: DatasetFormat
    ) -> None:
        """Every file a builder writes passes validation."""
        persona, chat = drawn
        with tempfile.TemporaryDirectory() as folder:
            paths = run(persona, chat, fmt).write(sessions(chat), Path(folder) / "train.jsonl")
            result = validate_file(
                paths["train"],
                format=fmt,
                counter=EstimatingCounter(),
                min_examples=0,
                model="davinci-002" if fmt is DatasetFormat.LEGACY else None,
            )

        assert result.ok, result.problems[:3]

    @settings(max_examples=25)
    @given(cast_and_chat(max_size=50), st.data())
    def test_validation_rejects_a_mutated_line_on_that_line(
        self, drawn: tuple[Participant, list[Message]], data: st.DataObject
    ) -> None:
        """Breaking one line of a valid chat file gives problems on that line only."""
        persona, chat = drawn
        with tempfile.TemporaryDirectory() as folder:
            path = run(persona, chat, DatasetFormat.CHAT).write(
                sessions(chat), Path(folder) / "train.jsonl"
            )["train"]
            lines = path.read_text(encoding="utf-8").splitlines()
            if not lines:
                return
            index = data.draw(st.integers(0, len(lines) - 1))
            value = json.loads(lines[index])
            mutation = data.draw(
                st.sampled_from(
                    [
                        "no messages",
                        "extra key",
                        "user weight",
                        "bad role",
                        "empty content",
                    ]
                )
            )
            first = value["messages"][0]
            if mutation == "no messages":
                value = {"messages": []}
            elif mutation == "extra key":
                value["weight"] = 1
            elif mutation == "user weight":
                value["messages"].append({"role": "user", "content": "x", "weight": 1})
            elif mutation == "bad role":
                first["role"] = "narrator"
            else:
                first["content"] = ""
            lines[index] = json.dumps(value, ensure_ascii=False)
            Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

            problems = validate_file(path, counter=EstimatingCounter(), min_examples=0).problems

        assert problems
        assert all(p.startswith(f"{path}:{index + 1}: ") for p in problems)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1, 2),
    st.sampled_from(
        ["", "user", "assistant", "system", "tool", "Ada_1", "Çağrı", "a<|endoftext|>"]
    ),
    st.text(max_size=8),
)


class TestChatValidationFastPath:
    """The validator's shortcut for plain messages never hides a problem."""

    @given(
        st.dictionaries(
            st.sampled_from(["role", "content", "name", "weight", "tool_calls", "extra"]),
            _VALUES,
            max_size=5,
        )
    )
    def test_a_message_taking_the_shortcut_has_no_problem(self, message: dict[str, object]) -> None:
        """Whatever the shortcut accepts, the full checks accept too."""
        checker = LineChecker(
            fmt=DatasetFormat.CHAT, model="gpt-4o-mini-2024-07-18", counter=EstimatingCounter()
        )
        ok = {"role": "assistant", "content": "ok"}
        with_shortcut, _ = checker.check({"messages": [message, ok]})
        # a dict subclass never takes the shortcut: the full checks run
        full, _ = checker.check({"messages": [_FullChecks(message), ok]})

        assert full == with_shortcut


class _FullChecks(dict[str, object]):
    """A message the validator's shortcut does not take."""
