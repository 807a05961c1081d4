"""Tests for persona_clone.dataset.validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from persona_clone.dataset import DatasetFormat, validate_file
from persona_clone.dataset.tokens import EstimatingCounter


GOOD = {
    "messages": [
        {"role": "user", "name": "Ayse", "content": "selam"},
        {"role": "assistant", "content": "naber"},
    ]
}
COUNTER = EstimatingCounter()


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join(json.dumps(v, ensure_ascii=False) + "\n" for v in lines),
        encoding="utf-8",
    )
    return path


def local(path: Path, problems: tuple[str, ...]) -> list[str]:
    """The problems with the file name taken off the front."""
    return [p.removeprefix(str(path)) for p in problems]


def problems_of(tmp_path: Path, bad: Any, **options: Any) -> list[str]:
    path = write(tmp_path / "data.jsonl", [GOOD] * 10 + [bad])
    return list(validate_file(path, counter=COUNTER, **options).problems)


class TestChatValidation:
    def test_good_file_is_accepted(self, tmp_path: Path) -> None:
        """Ten valid chat examples are accepted, with their tokens."""
        result = validate_file(write(tmp_path / "d.jsonl", [GOOD] * 10), counter=COUNTER)

        assert result.ok
        assert (10, DatasetFormat.CHAT) == (result.examples, result.format)
        assert sum(result.tokens_per_example) == result.billed_tokens

    @pytest.mark.parametrize(
        ("bad", "expected"),
        [
            ([1, 2], "expected a JSON object"),
            ({}, "missing_messages_list"),
            ({"messages": []}, "missing_messages_list"),
            ({"messages": GOOD["messages"], "weight": 1}, "unrecognized key 'weight'"),
            (
                {"messages": [{"role": "user", "content": "a"}]},
                "example_missing_assistant_message",
            ),
            (
                {
                    "messages": [
                        {"role": "robot", "content": "a"},
                        {"role": "assistant", "content": "b"},
                    ]
                },
                "unrecognized_role",
            ),
            ({"messages": [{"role": "assistant", "content": ""}]}, "missing_content"),
            ({"messages": [{"role": "assistant"}]}, "message_missing_key 'content'"),
            (
                {"messages": [{"role": "assistant", "content": "a", "mood": 1}]},
                "message_unrecognized_key 'mood'",
            ),
            (
                {
                    "messages": [
                        {"role": "user", "content": "a", "weight": 0},
                        {"role": "assistant", "content": "b"},
                    ]
                },
                "only on assistant",
            ),
            (
                {"messages": [{"role": "assistant", "content": "a", "weight": 2}]},
                "0 or 1",
            ),
            (
                {"messages": [{"role": "assistant", "content": "a", "weight": True}]},
                "0 or 1",
            ),
            (
                {"messages": [{"role": "assistant", "content": "a", "weight": 0}]},
                "every weight 0",
            ),
            (
                {
                    "messages": [
                        {"role": "user", "name": "Çağrı", "content": "a"},
                        {"role": "assistant", "content": "b"},
                    ]
                },
                "'name' matching",
            ),
            (
                {"messages": [{"role": "assistant", "content": "a<|endoftext|>"}]},
                "special-token",
            ),
        ],
    )
    def test_each_mutation_is_reported_on_its_line(
        self, tmp_path: Path, bad: Any, expected: str
    ) -> None:
        """A broken example is reported as FILE:11: problem."""
        problems = problems_of(tmp_path, bad)

        assert 1 == len(problems), problems
        assert problems[0].startswith(f"{tmp_path / 'data.jsonl'}:11: ")
        assert expected in problems[0]

    def test_invalid_json_and_blank_lines(self, tmp_path: Path) -> None:
        """A line that is not JSON and a blank line are problems on their lines."""
        path = tmp_path / "d.jsonl"
        path.write_text("\n".join([json.dumps(GOOD)] * 10 + ["{oops", ""]) + "\n", encoding="utf-8")

        problems = validate_file(path, counter=COUNTER).problems

        found = local(path, problems)
        assert 2 == len(found)
        assert found[0].startswith(":11: expected one JSON object per line")
        assert ":12: expected a JSON object, found a blank line" == found[1]

    def test_a_line_that_is_not_json_is_no_example(self, tmp_path: Path) -> None:
        """A broken line is named with the parser's whole message, not quoted, not counted."""
        path = tmp_path / "d.jsonl"
        path.write_text('{"content": "x" "+90 532 111 22 33"}\n', encoding="utf-8")

        result = validate_file(path, counter=COUNTER, min_examples=1)

        assert (0, 0) == (result.examples, result.valid_examples)
        assert [
            (
                f"{path}:1: expected one JSON object per line: "
                "Expecting ',' delimiter: line 1 column 17 (char 16)"
            ),
            f"{path}: expected at least 1 examples, found 0",
        ] == list(result.problems)

    def test_valid_examples_are_counted(self, tmp_path: Path) -> None:
        """Examples with a problem of their own are examples, but not valid ones."""
        path = write(tmp_path / "d.jsonl", [GOOD] * 10 + [{"messages": []}])

        result = validate_file(path, counter=COUNTER)

        assert (11, 10) == (result.examples, result.valid_examples)

    @pytest.mark.parametrize(
        "number",
        [
            "\u202a+90 532 111 22 33\u202c",
            "+90\u00a0532\u00a0111\u00a022\u00a033",
            "\u202a+90 532 111 22 33\u202c / \u202a+90 533 444 55 66\u202c and more text after",
        ],
    )
    def test_quoted_values_are_redacted_whole(self, tmp_path: Path, number: str) -> None:
        """A number in direction marks or no-break spaces is redacted in every quote."""
        bad = {
            number: 1,
            "messages": [
                {"role": "user", "name": number, "content": "x"},
                {"role": number, "content": "y"},
                {"role": "assistant", "content": [number]},
            ],
        }

        problems = local(tmp_path / "data.jsonl", tuple(problems_of(tmp_path, bad)))

        assert 4 == len(problems), problems
        assert all("<PHONE>" in problem for problem in problems), problems
        for piece in ("+90", "532", "533", "22 33", "\\xa0"):
            assert not any(piece in problem for problem in problems), problems

    def test_too_few_examples_and_wrong_suffix(self, tmp_path: Path) -> None:
        """Fewer than ten examples and a non-.jsonl name are file-level problems."""
        path = write(tmp_path / "d.json", [GOOD] * 3)

        problems = validate_file(path, counter=COUNTER).problems

        assert [
            f"{path}: expected a .jsonl file name, found '.json'",
            f"{path}: expected at least 10 examples, found 3",
        ] == list(problems)

    def test_token_limit_of_the_model(self, tmp_path: Path) -> None:
        """An example over the model's limit is refused rather than silently cut."""
        long = {"messages": [{"role": "assistant", "content": "x" * 20_000}]}

        problems = problems_of(tmp_path, long, model="gpt-3.5-turbo-0613")

        assert "over the 4,096-token limit of gpt-3.5-turbo-0613" in problems[0]

    def test_model_and_format_must_match(self, tmp_path: Path) -> None:
        """A chat file for davinci-002 is refused."""
        problems = problems_of(tmp_path, GOOD, model="davinci-002")

        assert ["davinci-002 takes prompt/completion files"] == [
            p.split(": ", 1)[1][:41] for p in problems
        ]


class TestOtherFormats:
    def test_legacy(self, tmp_path: Path) -> None:
        """Legacy lines need exactly prompt and a non-empty completion."""
        good = {"prompt": "User: a\nAssistant:", "completion": " b\n###\n"}
        path = write(
            tmp_path / "l.jsonl",
            [good] * 10
            + [
                {"prompt": "a", "completion": ""},
                {"prompt": "a", "completion": "b", "x": 1},
            ],
        )

        result = validate_file(path, counter=COUNTER)

        assert DatasetFormat.LEGACY == result.format
        found = local(path, result.problems)
        assert 2 == len(found)
        assert found[0].startswith(":11: expected 'completion' as a non-empty string")
        assert found[1].startswith(":12: unrecognized key 'x'")

    def test_sharegpt_must_alternate(self, tmp_path: Path) -> None:
        """ShareGPT conversations alternate human and gpt, human first, gpt last."""
        good = {
            "conversations": [
                {"from": "human", "value": "a"},
                {"from": "gpt", "value": "b"},
            ]
        }
        bad = {"conversations": [{"from": "gpt", "value": "a"}]}
        path = write(tmp_path / "s.jsonl", [good] * 10 + [bad])

        result = validate_file(path, counter=COUNTER)

        assert DatasetFormat.SHAREGPT == result.format
        assert 2 == len(result.problems)
        assert all(":11: " in p for p in result.problems)

    def test_messages_need_a_trained_assistant(self, tmp_path: Path) -> None:
        """A messages example with nothing to train is refused."""
        good = {
            "messages": [
                {"role": "user", "content": "a", "training": False},
                {"role": "assistant", "content": "b", "training": True},
            ]
        }
        bad = {"messages": [{"role": "assistant", "content": "b", "training": False}]}
        path = write(tmp_path / "m.jsonl", [good] * 10 + [bad])

        result = validate_file(path, counter=COUNTER)

        assert DatasetFormat.MESSAGES == result.format
        assert [f"{path}:11: expected at least one assistant message with training true"] == list(
            result.problems
        )


class TestEdgeCases:
    def test_a_line_that_is_not_utf8(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 are a problem on their line, not a crash."""
        path = tmp_path / "d.jsonl"
        path.write_bytes((json.dumps(GOOD) + "\n").encode() * 10 + b'{"x": "\xff"}\n')

        problems = validate_file(path, counter=COUNTER).problems

        assert 1 == len(problems)
        assert problems[0].startswith(f"{path}:11: expected UTF-8 text")

    def test_a_missing_file(self, tmp_path: Path) -> None:
        """A file that cannot be read is one problem naming it."""
        result = validate_file(tmp_path / "none.jsonl", counter=COUNTER)

        assert not result.ok
        assert "expected a readable file" in result.problems[0]

    @pytest.mark.parametrize(
        ("bad", "expected"),
        [
            (
                {"messages": ["hi", {"role": "assistant", "content": "a"}]},
                "expected an object",
            ),
            (
                {"messages": [{"role": "assistant", "content": "a", "training": "yes"}]},
                "'training' true or false",
            ),
            (
                {
                    "messages": [
                        {"role": "robot", "content": "a"},
                        {"role": "assistant", "content": "b", "training": True},
                    ]
                },
                "'role' system",
            ),
        ],
    )
    def test_messages_format_mutations(self, tmp_path: Path, bad: Any, expected: str) -> None:
        """Each broken messages example is reported on its line."""
        good = {"messages": [{"role": "assistant", "content": "b", "training": True}]}
        path = write(tmp_path / "m.jsonl", [good] * 10 + [bad])

        problems = validate_file(path, format=DatasetFormat.MESSAGES, counter=COUNTER).problems

        assert problems
        assert all(p.startswith(f"{path}:11: ") for p in problems)
        assert any(expected in p for p in problems)

    def test_sharegpt_system_and_keys(self, tmp_path: Path) -> None:
        """A non-string system prompt and unknown keys are reported."""
        good = {
            "conversations": [
                {"from": "human", "value": "a"},
                {"from": "gpt", "value": "b"},
            ]
        }
        bad = {**good, "system": 1, "extra": True}
        path = write(tmp_path / "s.jsonl", [good] * 10 + [bad])

        problems = validate_file(path, counter=COUNTER).problems

        assert 2 == len(problems)

    def test_legacy_special_tokens_and_prompt_type(self, tmp_path: Path) -> None:
        """Legacy prompts must be strings and free of special-token text."""
        good = {"prompt": "a", "completion": " b"}
        path = write(
            tmp_path / "l.jsonl",
            [good] * 10 + [{"prompt": 1, "completion": " <|endoftext|>"}],
        )

        problems = local(path, validate_file(path, counter=COUNTER).problems)

        assert 2 == len(problems)
        assert problems[0].startswith(":11: expected 'prompt' as a string")
        assert "special-token text '<|endoftext|>' is not allowed in completion" in problems[1]
