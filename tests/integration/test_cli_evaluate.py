"""``persona-clone evaluate`` end to end: the bundled sample, the fake OpenAI server."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from persona_clone.cli import main
from persona_clone.testing import FakeOpenAI
from persona_clone.testing.fake_openai import Replies


MODEL = "ft:gpt-4o-mini-2024-07-18:fake-org:deniz:abc123"
BASE = "gpt-4o-mini"
POLISHED = (
    "Certainly! I would be happy to help you with that. "
    "Please let me know if there is anything else you need."
)


@pytest.fixture(name="validation", scope="module")
def _validation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    built = CliRunner().invoke(
        main,
        ["build", "--sample", "--persona", "Deniz", "--validation-share", "0.3", "-o", str(out)],
    )
    assert 0 == built.exit_code, built.output
    return out / "validation.jsonl"


def real_replies(validation: Path) -> dict[str, str]:
    """Map each context's last message from someone else to the person's real answer."""
    answers: dict[str, str] = {}
    for line in validation.read_text(encoding="utf-8").splitlines():
        messages = json.loads(line)["messages"]
        for before, message in itertools.pairwise(messages):
            if message["role"] == "assistant" and before["role"] == "user":
                answers.setdefault(before["content"], message["content"])
    return answers


def replaying(validation: Path) -> Any:
    """A scripted model that answers what the person answered to the same message."""
    answers = real_replies(validation)

    def reply(body: Mapping[str, Any]) -> str:
        last = body["messages"][-1]
        return answers.get(str(last.get("content")), "haha")

    return reply


def evaluate(
    validation: Path, out: Path, replies: Replies, *args: str
) -> tuple[Result, FakeOpenAI, dict[str, Any]]:
    """Run evaluate against a fake server answering with *replies*."""
    with FakeOpenAI(replies=replies) as fake:
        result = CliRunner().invoke(
            main,
            [
                "evaluate",
                str(validation),
                "--model",
                MODEL,
                "--base-url",
                fake.base_url,
                "-o",
                str(out),
                *args,
            ],
            env={"OPENAI_API_KEY": "test"},
        )
    assert 0 == result.exit_code, result.output
    return result, fake, json.loads((out / "evaluation.json").read_text(encoding="utf-8"))


class TestEvaluateCommand:
    def test_outputs(self, validation: Path, tmp_path: Path) -> None:
        """evaluation.json has the documented keys, replies.jsonl a line per reply, a page."""
        _, _, data = evaluate(validation, tmp_path, ["haha tamam"], "--conversations", "2")

        assert {"model", "replies", "style_distance", "loop_rate", "metrics"} <= set(data)
        assert MODEL == data["model"]
        assert 0 <= data["style_distance"] <= 1
        assert 0 <= data["loop_rate"] <= 1
        assert {"person", "clone"} == set(data["metrics"]["words"])
        lines = (tmp_path / "replies.jsonl").read_text(encoding="utf-8").splitlines()
        assert data["replies"] == len(lines)
        first = json.loads(lines[0])
        assert {"context", "real", "clone"} <= set(first)
        page = (tmp_path / "evaluation.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>")
        assert "<svg" in page
        assert "<script" not in page
        assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")

    def test_lol_model_fixates(self, validation: Path, tmp_path: Path) -> None:
        """A model that only says "lol" comes out with a high loop_rate, the person low."""
        _, _, data = evaluate(validation, tmp_path, ["lol"], "--rounds", "6")

        assert 1.0 == data["loop_rate"]
        assert data["metrics"]["loop_rate"]["person"] < 0.5
        assert data["metrics"]["distinct_1"]["clone"] < data["metrics"]["distinct_1"]["person"]
        assert "lol" == data["fixation"]["clone"]["repeated_phrases"][0]["phrase"]

    def test_replaying_the_person_is_closer_than_polished_english(
        self, validation: Path, tmp_path: Path
    ) -> None:
        """Replaying the person's replies scores a lower style_distance than assistant English."""
        _, _, person_like = evaluate(validation, tmp_path / "a", replaying(validation))
        _, _, polished = evaluate(validation, tmp_path / "b", [POLISHED])

        assert person_like["style_distance"] < 0.1
        assert polished["style_distance"] > 0.5

    def test_against_adds_a_column(self, validation: Path, tmp_path: Path) -> None:
        """--against puts a second model in a third column, asked with its own name."""

        def reply(body: Mapping[str, Any]) -> str:
            return POLISHED if body["model"] == BASE else "haha tamam"

        _, fake, data = evaluate(
            validation, tmp_path, reply, "--against", BASE, "--conversations", "1"
        )

        assert {"person", "clone", "against"} == set(data["metrics"]["words"])
        assert data["against_style_distance"] > data["style_distance"]
        asked = {r.json["model"] for r in fake.requests_to("POST", "/v1/chat/completions")}
        assert {MODEL, BASE} == asked

    def test_plan_is_told_and_bounded(self, validation: Path, tmp_path: Path) -> None:
        """It says how many requests it will send, and --max-requests bounds them."""
        result, fake, data = evaluate(validation, tmp_path, ["ok"], "--max-requests", "12")

        sent = fake.requests_to("POST", "/v1/chat/completions")
        assert 12 >= len(sent)
        assert f"Will send about {len(sent)} requests" in result.stderr
        assert "prompt tokens" in result.stderr
        assert 6 == data["replies"]

    def test_context_rendered_as_serving_renders_it(self, validation: Path, tmp_path: Path) -> None:
        """Each fidelity request holds the conversation as the dataset (and serving) render it."""
        _, fake, _ = evaluate(validation, tmp_path, ["ok"], "--conversations", "1", "--rounds", "1")

        first = json.loads(validation.read_text(encoding="utf-8").splitlines()[0])["messages"]
        expected = [{k: v for k, v in m.items() if k != "weight"} for m in first]
        answer = next(i for i, m in enumerate(expected) if i and m["role"] == "assistant")
        sent = fake.requests_to("POST", "/v1/chat/completions")[0].json["messages"]
        assert expected[:answer] == sent

    def test_not_a_chat_dataset(self, tmp_path: Path) -> None:
        """A file that is not a chat dataset fails with its line, before any request."""
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"prompt": "x", "completion": "y"}\n', encoding="utf-8")

        result = CliRunner().invoke(
            main, ["evaluate", str(bad), "--model", MODEL, "-o", str(tmp_path / "out")]
        )

        assert 1 == result.exit_code
        assert f"{bad}:1: expected a chat example" in result.output
