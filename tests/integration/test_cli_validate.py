"""The ``persona-clone validate`` command: problems named, nothing private printed."""

from __future__ import annotations

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
