"""Tests for the dataset builders (chat, legacy, ShareGPT, messages)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve

from dataset_support import START, NoAliases, PlainNames, chat, conversation, sessions_of
from persona_clone import Merger, Message, Participant
from persona_clone.dataset import (
    CapRepeats,
    ChatDatasetBuilder,
    Example,
    Exports,
    LegacyDatasetBuilder,
    MessagesDatasetBuilder,
    ShareGPTDatasetBuilder,
)
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.dataset.tokens import EstimatingCounter, chat_tokens


DENIZ = Participant.from_name("Deniz")


def renderer(system_prompt: str | None = None) -> ChatRenderer:
    return ChatRenderer(
        persona=DENIZ,
        names=PlainNames(),
        aliases=NoAliases(),
        system_prompt=system_prompt,
    )


def example(*lines: tuple[str, str], trained: tuple[bool, ...] | None = None) -> Example:
    turns = tuple(Merger().merge(chat(*lines)))
    persona = tuple(t.author is not None and t.author.name == "Deniz" for t in turns)
    return Example(
        session="s",
        turns=turns,
        persona=persona,
        trained=persona if trained is None else trained,
        quoted=(False,) * len(turns),
    )


class TestChatDatasetBuilder:
    def test_no_weights_when_every_persona_turn_is_trained(self) -> None:
        """A missing weight means 1, so fully trained examples carry none."""
        line = ChatDatasetBuilder(renderer=renderer()).lines(example(("Ayşe", "a"), ("Deniz", "b")))

        assert [
            {
                "messages": [
                    {"role": "user", "name": "Ayse", "content": "a"},
                    {"role": "assistant", "content": "b"},
                ]
            }
        ] == line

    def test_weights_when_some_persona_turn_is_context(self) -> None:
        """When a persona turn is untrained, every assistant message has a weight."""
        line = ChatDatasetBuilder(renderer=renderer()).lines(
            example(
                ("Deniz", "a"),
                ("Ayşe", "b"),
                ("Deniz", "c"),
                trained=(False, False, True),
            )
        )

        assert [0, 1] == [m["weight"] for m in line[0]["messages"] if m["role"] == "assistant"]

    def test_costs_add_up_to_the_cookbook_count(self) -> None:
        """Overhead plus turn costs equal the validator's count of the rendered line."""
        builder = ChatDatasetBuilder(renderer=renderer("Deniz, 29, İzmir"))
        counter = EstimatingCounter()
        ex = example(("Çağrı Öztürk", "naber"), ("Deniz", "iyi\nsen?"))

        total = builder.overhead(counter) + sum(
            builder.turn_cost(t, counter, persona=p)
            for t, p in zip(ex.turns, ex.persona, strict=True)
        )

        assert chat_tokens(builder.lines(ex)[0]["messages"], counter) == total


class TestLegacyDatasetBuilder:
    def test_one_line_per_trained_turn(self) -> None:
        """Each trained persona turn is a completion after what came before."""
        builder = LegacyDatasetBuilder(
            renderer=LegacyRenderer(persona=DENIZ, names=PlainNames(), aliases=NoAliases())
        )

        lines = builder.lines(example(("Ayşe", "a"), ("Deniz", "b"), ("Mert", "c"), ("Deniz", "d")))

        assert [
            {"prompt": "User: a\nAssistant:", "completion": " b\n###\n"},
            {
                "prompt": "User: a\nAssistant: b\nUser: c\nAssistant:",
                "completion": " d\n###\n",
            },
        ] == lines


class TestOpenSourceBuilders:
    def test_sharegpt_alternates_starting_with_human(self) -> None:
        """Others merge into one labelled human message; an opener comes first."""
        builder = ShareGPTDatasetBuilder(renderer=renderer("sys"))

        line = builder.lines(example(("Deniz", "a"), ("Ayşe", "b"), ("Mert", "c"), ("Deniz", "d")))

        assert [
            {
                "conversations": [
                    {"from": "human", "value": "<conversation starts>"},
                    {"from": "gpt", "value": "a"},
                    {"from": "human", "value": "Ayşe: b\nMert: c"},
                    {"from": "gpt", "value": "d"},
                ],
                "system": "sys",
            }
        ] == line

    def test_sharegpt_untrained_persona_turns_join_the_human_side(self) -> None:
        """ShareGPT trains every gpt message, so untrained persona turns are context."""
        builder = ShareGPTDatasetBuilder(renderer=renderer())

        line = builder.lines(
            example(
                ("Deniz", "a"),
                ("Ayşe", "b"),
                ("Deniz", "c"),
                trained=(False, False, True),
            )
        )

        assert [
            {"from": "human", "value": "Deniz: a\nAyşe: b"},
            {"from": "gpt", "value": "c"},
        ] == line[0]["conversations"]

    def test_dataset_info_entry(self) -> None:
        """dataset_info.json registers each split file in the ShareGPT layout."""
        builder = ShareGPTDatasetBuilder(renderer=renderer(), dataset_name="deniz")

        info = builder.extra_files({"train": "train.jsonl", "validation": "validation.jsonl"})

        entry = info["dataset_info.json"]
        assert {"deniz", "deniz_validation"} == set(entry)
        assert "sharegpt" == entry["deniz"]["formatting"]
        assert {
            "role_tag": "from",
            "content_tag": "value",
            "user_tag": "human",
            "assistant_tag": "gpt",
        } == entry["deniz"]["tags"]

    def test_messages_carry_training_flags(self) -> None:
        """Every message says whether it is trained; only trained persona turns are."""
        builder = MessagesDatasetBuilder(renderer=renderer())

        line = builder.lines(
            example(
                ("Ayşe", "a"),
                ("Deniz", "b"),
                ("Mert", "c"),
                ("Deniz", "d"),
                trained=(False, False, False, True),
            )
        )

        assert [
            ("user", False),
            ("assistant", False),
            ("user", False),
            ("assistant", True),
        ] == [(m["role"], m["training"]) for m in line[0]["messages"]]


class TestBuildersOnSessions:
    """Every builder is called on sessions of turns and writes them."""

    @pytest.fixture(
        name="builder_class",
        params=[
            ChatDatasetBuilder,
            LegacyDatasetBuilder,
            ShareGPTDatasetBuilder,
            MessagesDatasetBuilder,
        ],
    )
    def _builder_class(self, request: pytest.FixtureRequest) -> Any:
        return request.param

    def test_called_on_sessions_it_yields_one_example_per_session(self, builder_class: Any) -> None:
        """Sessions of turns from the Merger become examples ending with the persona."""
        builder = builder_class.for_persona("Deniz", counter=EstimatingCounter())

        examples = list(builder(sessions_of(conversation(3))))

        assert 3 == len(examples)
        assert all("süper" == e.turns[-1].text for e in examples)

    def test_write_writes_jsonl_and_returns_the_report(
        self, builder_class: Any, tmp_path: Path
    ) -> None:
        """write() writes the training file and names.json, checks them and reports."""
        builder = builder_class.for_persona(
            "Deniz", counter=EstimatingCounter(), model="davinci-002"
        )

        report = builder.write(sessions_of(conversation(12)), tmp_path / "train.jsonl")

        lines = (tmp_path / "train.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == sum(report.examples.values())
        assert str(tmp_path / "train.jsonl") == report.files["train"]
        assert (tmp_path / "names.json").exists()
        assert {} == report.privacy

    def test_a_failed_write_leaves_no_file(self, tmp_path: Path) -> None:
        """A step that fails mid-way leaves neither the file nor a temporary one."""

        def broken(messages: Iterable[Message]) -> Iterator[Message]:
            yield from messages
            raise OSError("disk full")

        builder = ChatDatasetBuilder.for_persona(
            "Deniz", counter=EstimatingCounter(), message_steps=[broken]
        )

        with pytest.raises(OSError, match="disk full"):
            builder.write(sessions_of(conversation(3)), tmp_path / "train.jsonl")

        assert [] == list(tmp_path.iterdir())

    def test_an_example_step_plugs_in_and_is_reported(self, tmp_path: Path) -> None:
        """A user's example step drops examples, and its reason lands in the report."""

        def long_replies(examples: Iterable[Example], skipped: Counter[str]) -> Iterator[Example]:
            for example in examples:
                if len(example.turns[-1].text) > len("süper"):
                    yield example
                else:
                    skipped["reply too short"] += example.trained_turns

        builder = ChatDatasetBuilder.for_persona(
            "Deniz",
            counter=EstimatingCounter(),
            example_steps=[long_replies, CapRepeats(max_repeats=1)],
        )

        report = builder.write(sessions_of(conversation(12)), tmp_path / "train.jsonl")

        assert {"train": 0} == report.examples
        assert {"reply too short": 24} == report.skipped_turns
        assert {"no trainable persona turn fits": 12} == report.skipped_sessions

    def test_several_exports_combine_in_time_order(self) -> None:
        """Exports of several exports yield their sessions merged by start time."""
        early, late = conversation(2), conversation(2, persona="Ayşe", others=("Deniz", "Mert"))
        late = [
            evolve(m, id=f"b{m.id}", sent_at=m.sent_at + dt.timedelta(minutes=30)) for m in late
        ]
        builder = ChatDatasetBuilder.for_persona("Deniz", counter=EstimatingCounter())

        examples = list(builder(Exports(streams=[sessions_of(late), sessions_of(early)])))

        assert sorted(e.turns[0].start for e in examples) == [e.turns[0].start for e in examples]
        assert 4 == len(examples)


class TestCapRepeats:
    def test_repeats_over_the_cap_are_context_and_counted(self) -> None:
        """The third 'haha' is not trained; an example left with nothing to train goes."""
        messages = [
            evolve(m, id=f"{n}-{m.id}")
            for n in range(3)
            for m in chat(("Ayşe", "naber"), ("Deniz", "haha"), start=START.add(hours=n))
        ]
        builder = ChatDatasetBuilder.for_persona("Deniz", counter=EstimatingCounter())
        skipped: Counter[str] = Counter()

        kept = list(CapRepeats(max_repeats=2)(builder(sessions_of(messages)), skipped))

        assert 2 == len(kept)
        assert {"near-duplicate over the cap": 1} == dict(skipped)

    def test_max_repeats_must_be_positive(self) -> None:
        """A cap of zero is refused."""
        with pytest.raises(ValueError, match="max_repeats >= 1"):
            CapRepeats(max_repeats=0)
