"""The ``persona-clone validate`` command: problems named, nothing private printed."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from persona_clone.cli import main


PHONE = "+90 532 765 43 21"
LINES = (
    f"{PHONE}: a chat export line, given by mistake\n"
    f'{{"messages":[{{"role":"user","name":"{PHONE}","content":"x"}},'
    '{"role":"assistant","content":"y"}]}\n'
)


class TestValidate:
    def test_problems_quote_no_personal_data(self, tmp_path: Path) -> None:
        """Quoted lines and values are redacted; the file name and line numbers stay."""
        dataset = tmp_path / "data-0532.jsonl"
        dataset.write_text(LINES, encoding="utf-8")

        result = CliRunner().invoke(main, ["validate", str(dataset)])

        assert 1 == result.exit_code
        assert "532" not in result.stdout.replace(str(dataset), "")
        assert f"{dataset}:1: expected one JSON object per line" in result.stdout
        assert f"{dataset}:2: messages[0]: expected 'name'" in result.stdout
        assert "'<PHONE>'" in result.stdout

    def test_a_broken_line_is_named_not_quoted(self, tmp_path: Path) -> None:
        """A line that is not JSON: its number and the parser's whole message, 0 examples."""
        dataset = tmp_path / "data.jsonl"
        dataset.write_text('{"content": "x" "\u202a+90 532 111 22 33\u202c"}\n', encoding="utf-8")

        result = CliRunner().invoke(main, ["validate", str(dataset), "--min-examples", "1"])

        assert 1 == result.exit_code
        assert (
            f"{dataset}:1: expected one JSON object per line: "
            "Expecting ',' delimiter: line 1 column 17 (char 16)\n"
        ) in result.stdout
        assert "0 valid example(s) of 0" in result.output
        for piece in ("+90", "532", "22 33", '"content"'):
            assert piece not in result.output

    def test_numbers_in_direction_marks_are_redacted_whole(self, tmp_path: Path) -> None:
        """A value holding a number wrapped in WhatsApp's direction marks shows none of it."""
        number = "\u202a+90 532 111 22 33\u202c"
        dataset = tmp_path / "data.jsonl"
        dataset.write_text(
            json.dumps(
                {
                    "messages": [
                        {"role": "user", "name": number, "content": "x"},
                        {"role": "assistant", "content": "y"},
                    ]
                }
            )
            + "\n",
            encoding="utf-8",
        )

        result = CliRunner().invoke(main, ["validate", str(dataset), "--min-examples", "1"])

        assert 1 == result.exit_code
        assert f"{dataset}:1: messages[0]: expected 'name'" in result.stdout
        assert "<PHONE>" in result.stdout
        for piece in ("+90", "532", "22 33"):
            assert piece not in result.output
