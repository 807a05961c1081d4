"""Tests for the dataset builders (chat, legacy, ShareGPT, messages)."""

from __future__ import annotations

from dataset_support import NoAliases, PlainNames, chat
from persona_clone import Merger, Participant
from persona_clone.dataset import (
    ChatDatasetBuilder,
    Example,
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
