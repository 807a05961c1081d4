"""Tests of the torch-free side of local LoRA training: reading, rendering, labels."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from persona_clone.errors import ConfigError, DatasetError, FineTuneError, ParseError
from persona_clone.finetune import LoraFineTuner, LoraSettings
from persona_clone.finetune.lora_data import (
    IGNORE_INDEX,
    NameStyle,
    RenderedExample,
    TemplateError,
    TrainingExample,
    TrainingMessage,
    encode_example,
    load_examples,
    render_example,
    token_labels,
)
from persona_clone.finetune.lora_training import LORA_PACKAGES


def chatml(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
    """Render like `CHATML_TEMPLATE` does, without jinja2."""
    parts = []
    for message in messages:
        name = f" {message['name']}" if message.get("name") else ""
        parts.append(f"<|im_start|>{message['role']}{name}\n{message['content']}<|im_end|>\n")
    if generation_prompt:
        parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def unstable(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
    """Render the last message differently from earlier ones (not prefix-stable)."""
    parts = []
    for index, message in enumerate(messages):
        last = "!" if index == len(messages) - 1 else ""
        parts.append(f"[{message['role']}{last}] {message['content']}\n")
    if generation_prompt:
        parts.append("[assistant]")
    return "".join(parts)


def chars(text: str) -> tuple[list[int], list[tuple[int, int]] | None]:
    """Encode one token per character, with offsets."""
    return [ord(c) for c in text], [(i, i + 1) for i in range(len(text))]


def chars_without_offsets(text: str) -> tuple[list[int], list[tuple[int, int]] | None]:
    """Encode one token per character, like a slow tokenizer (no offsets)."""
    return [ord(c) for c in text], None


def trained_text(ids: tuple[int, ...], labels: tuple[int, ...]) -> str:
    """The characters whose label is not ignored."""
    return "".join(chr(i) for i, label in zip(ids, labels, strict=True) if label != -100)


def write(path: Path, *rows: Any) -> Path:
    """Write *rows* as JSON lines (strings as they are)."""
    path.write_text(
        "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows),
        encoding="utf-8",
    )
    return path


EXAMPLE = {
    "messages": [
        {"role": "system", "content": "You are Ada."},
        {"role": "user", "name": "Bob", "content": "coming?"},
        {"role": "assistant", "content": "lol yes"},
        {"role": "user", "name": "Cem", "content": "and me?"},
        {"role": "assistant", "content": "no", "weight": 0},
        {"role": "user", "name": "Bob", "content": "ok"},
        {"role": "assistant", "content": "see you", "train": True},
    ]
}


class TestLoadExamples:
    def test_reads_roles_names_and_trained_flags(self, tmp_path: Path) -> None:
        """Assistant turns are trained unless weight 0 or train false; others never."""
        examples = load_examples(write(tmp_path / "d.jsonl", EXAMPLE))

        assert 1 == len(examples)
        assert [False, False, True, False, False, False, True] == [
            m.trained for m in examples[0].messages
        ]
        assert "Bob" == examples[0].messages[1].name
        assert "d.jsonl:1" == examples[0].location

    def test_text_parts_are_joined(self, tmp_path: Path) -> None:
        """Content given as a list of text parts is read as their joined text."""
        row = {
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "a"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "b"}]},
            ]
        }

        examples = load_examples(write(tmp_path / "d.jsonl", row))

        assert ["a", "b"] == [m.content for m in examples[0].messages]

    def test_every_problem_is_listed_with_its_place(self, tmp_path: Path) -> None:
        """Bad lines are all reported, each as file:line with the JSON path."""
        path = write(
            tmp_path / "d.jsonl",
            {"messages": [{"role": "robot", "content": "x"}]},
            {"messages": [{"role": "user", "content": "x", "weight": 1}]},
            {"messages": [{"role": "assistant", "content": "x", "weight": 2}]},
            {"messages": [{"role": "assistant", "content": "x", "weight": 1, "train": False}]},
            {"messages": [{"role": "assistant", "content": 3}]},
            {"messages": []},
            {"prompt": "x"},
        )

        with pytest.raises(DatasetError) as caught:
            load_examples(path)

        assert [
            (
                "d.jsonl:1 $.messages[0].role: "
                "expected one of system, user, assistant, found 'robot'"
            ),
            (
                "d.jsonl:2 $.messages[0]: "
                "expected weight/train only on assistant messages, found them on user"
            ),
            "d.jsonl:3 $.messages[0].weight: expected 0 or 1, found '2'",
            ("d.jsonl:4 $.messages[0]: expected weight and train to agree, found 1 and False"),
            "d.jsonl:5 $.messages[0].content: expected text",
            "d.jsonl:6: expected at least one message, found none",
            'd.jsonl:7: expected an object with a "messages" list',
        ] == list(caught.value.problems)

    def test_a_line_that_is_not_json_names_its_place(self, tmp_path: Path) -> None:
        """A line that is not JSON raises ParseError at file:line."""
        with pytest.raises(ParseError) as caught:
            load_examples(write(tmp_path / "d.jsonl", EXAMPLE, "{oops"))

        assert "d.jsonl:2" == caught.value.location

    def test_an_empty_file_is_an_error(self, tmp_path: Path) -> None:
        """A dataset without examples is rejected."""
        with pytest.raises(DatasetError):
            load_examples(write(tmp_path / "d.jsonl"))


def example(*turns: tuple[str, str, bool], name: str | None = None) -> TrainingExample:
    """An example from (role, content, trained) triples."""
    return TrainingExample(
        messages=[
            TrainingMessage(role=r, content=c, trained=t, name=name if r == "user" else None)
            for r, c, t in turns
        ],
        location="t.jsonl:1",
    )


class TestRenderExample:
    def test_spans_hold_the_reply_and_its_end_marker(self) -> None:
        """With a prefix-stable template a trained turn spans reply and <|im_end|>."""
        ex = example(("user", "hi", False), ("assistant", "lol", True))

        rendered = render_example(ex, chatml)

        assert rendered.exact
        assert ["lol<|im_end|>\n"] == [rendered.text[a:b] for a, b in rendered.spans]

    def test_untrained_assistant_turns_have_no_span(self) -> None:
        """Only trained turns get spans, in order."""
        ex = example(
            ("user", "a", False),
            ("assistant", "one", False),
            ("user", "b", False),
            ("assistant", "two", True),
        )

        rendered = render_example(ex, chatml)

        assert ["two<|im_end|>\n"] == [rendered.text[a:b] for a, b in rendered.spans]

    def test_unstable_templates_fall_back_to_the_text(self) -> None:
        """A template that is not prefix-stable trains on the replies' text only."""
        ex = example(("user", "hi", False), ("assistant", "lol", True))

        rendered = render_example(ex, unstable)

        assert not rendered.exact
        assert ["lol"] == [rendered.text[a:b] for a, b in rendered.spans]

    def test_names_go_to_the_template_or_into_the_text(self) -> None:
        """NameStyle.CONTENT writes the speaker's name before the text."""
        ex = example(("user", "hi", False), ("assistant", "yo", True), name="Bob")

        assert "<|im_start|>user Bob\nhi" in render_example(ex, chatml).text
        assert (
            "<|im_start|>user\nBob: hi" in render_example(ex, chatml, names=NameStyle.CONTENT).text
        )

    def test_a_failing_template_names_the_example(self) -> None:
        """A template error becomes a TemplateError naming the example."""

        def refuse(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
            raise ValueError("roles must alternate")

        with pytest.raises(TemplateError) as caught:
            render_example(example(("assistant", "x", True)), refuse)

        assert caught.value.problems[0].startswith("t.jsonl:1: expected the model's")
        assert "roles must alternate" in caught.value.problems[0]

    def test_a_template_that_drops_the_reply_is_an_error(self) -> None:
        """A template that does not render a trained reply verbatim is rejected."""

        def shout(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
            return unstable(messages, generation_prompt=generation_prompt).upper()

        with pytest.raises(TemplateError):
            render_example(example(("user", "hi", False), ("assistant", "lol", True)), shout)


class TestTokenLabels:
    def test_tokens_starting_inside_a_span_keep_their_id(self) -> None:
        """A token is trained when its first character is inside a span, not before."""
        offsets = [(0, 2), (2, 4), (4, 6), (6, 8)]

        assert [IGNORE_INDEX, IGNORE_INDEX, 12, IGNORE_INDEX] == token_labels(
            [10, 11, 12, 13], offsets, [(3, 6)]
        )
        assert [IGNORE_INDEX, 11, 12, IGNORE_INDEX] == token_labels(
            [10, 11, 12, 13], offsets, [(2, 6)]
        )

    def test_several_spans(self) -> None:
        """Tokens in any of several spans are trained."""
        offsets = [(i, i + 1) for i in range(6)]

        assert [IGNORE_INDEX, 1, IGNORE_INDEX, IGNORE_INDEX, 4, 5] == token_labels(
            range(6), offsets, [(4, 6), (1, 2)]
        )


class TestEncodeExample:
    @pytest.mark.parametrize("encoder", [chars, chars_without_offsets])
    def test_only_trained_turns_are_labelled(self, encoder: Any) -> None:
        """Labels keep exactly the trained replies and their end markers, either way."""
        ex = example(
            ("system", "be Ada", False),
            ("user", "a", False),
            ("assistant", "one", True),
            ("user", "b", False),
            ("assistant", "two", False),
            ("assistant", "three", True),
        )

        encoded = encode_example(render_example(ex, chatml), encoder, max_length=1000)

        assert "one<|im_end|>\nthree<|im_end|>\n" == trained_text(encoded.input_ids, encoded.labels)
        assert not encoded.truncated

    def test_long_examples_are_cut(self) -> None:
        """Examples longer than max_length keep their first tokens and say so."""
        rendered = RenderedExample(text="abcdef", spans=[(3, 6)])

        encoded = encode_example(rendered, chars, max_length=4)

        assert (97, 98, 99, 100) == encoded.input_ids
        assert (IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, 100) == encoded.labels
        assert encoded.truncated
        assert 1 == encoded.trained_tokens

    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["user", "assistant"]),
                st.text(alphabet="abc xyz\n", min_size=1, max_size=12),
                st.booleans(),
            ),
            min_size=1,
            max_size=8,
        )
    )
    def test_labels_are_the_trained_turns_in_order(
        self, turns: list[tuple[str, str, bool]]
    ) -> None:
        """The labelled characters are the trained replies and end markers, in order."""
        ex = example(*[(role, text, role == "assistant" and t) for role, text, t in turns])

        encoded = encode_example(render_example(ex, chatml), chars, max_length=10_000)

        expected = "".join(f"{m.content}<|im_end|>\n" for m in ex.messages if m.trained)
        assert expected == trained_text(encoded.input_ids, encoded.labels)


class TestLoraSettings:
    @pytest.mark.parametrize(
        "overrides",
        [{"rank": 0}, {"dropout": 1.0}, {"learning_rate": -1.0}, {"device": "tpu"}],
    )
    def test_invalid_values_are_refused(self, overrides: dict[str, Any]) -> None:
        """Impossible settings raise ConfigError naming the setting."""
        with pytest.raises(ConfigError) as caught:
            LoraSettings(**overrides)

        assert str(caught.value).startswith(next(iter(overrides)))

    def test_a_single_target_module_becomes_a_tuple(self) -> None:
        """target_modules accepts one name or several."""
        assert ("q_proj",) == LoraSettings(target_modules="q_proj").target_modules

    def test_settings_are_json(self) -> None:
        """The settings written to the metadata file are plain JSON values."""
        values = LoraSettings(device="cuda:1", target_modules=["q_proj"]).to_json()

        assert "cuda:1" == values["device"]
        assert ["q_proj"] == values["target_modules"]
        assert "template" == values["names"]
        assert json.loads(json.dumps(values)) == values


class TestWithoutTorch:
    @pytest.mark.skipif(
        all(importlib.util.find_spec(name) for name in LORA_PACKAGES),
        reason="torch, transformers and peft are installed",
    )
    def test_training_names_what_to_install(self, tmp_path: Path) -> None:
        """Without the lora packages, prepare raises FineTuneError naming them."""
        tuner = LoraFineTuner(model="some/model", output_dir=tmp_path / "adapter")

        with pytest.raises(FineTuneError) as caught:
            tuner.prepare(write(tmp_path / "d.jsonl", EXAMPLE))

        assert "missing_dependency" == caught.value.code
        assert "persona-clone[lora]" in str(caught.value)


class TestImports:
    def test_importing_the_backend_does_not_import_torch(self) -> None:
        """persona_clone, its fine-tuning package and the CLI import no torch."""
        code = (
            "import sys, persona_clone, persona_clone.finetune.lora, persona_clone.cli;"
            "print(sorted(m for m in ('torch', 'transformers', 'peft')"
            " if m in sys.modules))"
        )

        output = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout

        assert "[]\n" == output
