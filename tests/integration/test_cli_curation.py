"""``persona-clone build``'s curation options: rules counted in the report, reviews reapplied."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from persona_clone.cli import main
from persona_clone.curation import Decision, ReviewState, example_key, review_path


class TestBuildCuration:
    def test_rules_are_counted(self, tmp_path: Path) -> None:
        """Build's curation rules each count what they leave out in the report."""
        out = tmp_path / "out"
        args = ["build", "--sample", "--persona", "Deniz", "-o", str(out)]

        result = CliRunner().invoke(
            main, [*args, "--drop-laughter", "--cap-phrase", "lol=3", "--min-words", "3"]
        )

        assert 0 == result.exit_code, result.output
        skipped = json.loads((out / "report.json").read_text("utf-8"))["skipped_turns"]
        assert {"laughter only", "over the cap of 'lol'", "shorter than 3 words"} <= set(skipped)
        assert "over the cap of 'lol'" in result.output

    def test_review_applies_to_a_rebuild(self, tmp_path: Path) -> None:
        """Examples dropped in review stay out of a rebuild, and the review is kept beside it."""
        out = tmp_path / "out"
        args = ["build", "--sample", "--persona", "Deniz", "-o", str(out)]
        assert 0 == CliRunner().invoke(main, args).exit_code
        first = json.loads((out / "train.jsonl").read_text("utf-8").splitlines()[0])
        state = ReviewState()
        state.decide(example_key(first), Decision.DROP)
        state.save(review_path(out / "train.jsonl"))

        result = CliRunner().invoke(main, [*args, "--review", str(out / "train.review.json")])

        assert 0 == result.exit_code, result.output
        keys = [
            example_key(json.loads(x))
            for x in (out / "train.jsonl").read_text("utf-8").splitlines()
        ]
        assert example_key(first) not in keys
        assert state == ReviewState.load(out / "train.review.json")
        skipped = json.loads((out / "report.json").read_text("utf-8"))["skipped_turns"]
        assert skipped["dropped in review"] >= 1
