"""
The clone on this machine: ``chat --backend local`` and `LocalChatModel`.

A tiny model (see `lora_support`) is trained through the CLI to answer "lol ...",
then served in-process; skipped unless the lora extra is installed.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lora_support import build_base_model, conversations, write_jsonl
from persona_clone.cli import main
from persona_clone.errors import ConfigError


pytestmark = pytest.mark.lora

REASON = "the local backend needs torch, transformers, peft and trl (nox -s lora)"
pytest.importorskip("torch", reason=REASON)
pytest.importorskip("transformers", reason=REASON)
pytest.importorskip("trl", reason=REASON)

from persona_clone.serving.local_backend import (  # noqa: E402
    LocalChatModel,
    _penalties,
    local_client,
)


CHAT = [
    {"role": "system", "content": "You are Ada."},
    {"role": "user", "name": "Bob", "content": "are you coming tonight"},
]


@pytest.fixture(name="adapter", scope="module")
def _adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An adapter trained to answer like Ada, with its merged model in adapter/merged."""
    folder = tmp_path_factory.mktemp("local")
    build_base_model(folder / "base")
    write_jsonl(folder / "train.jsonl", conversations(16, seed=1))
    args = ["finetune-local", str(folder / "train.jsonl"), "--model", str(folder / "base")]
    args += ["-o", str(folder / "ada"), "--device", "cpu", "--epochs", "4", "--batch-size", "4"]
    args += ["--learning-rate", "0.05", "--dropout", "0", "--merge"]
    result = CliRunner().invoke(main, args)
    assert 0 == result.exit_code, result.stderr
    return folder / "ada"


def chat(model: Path, lines: str) -> subprocess.CompletedProcess[str]:
    """Run ``persona-clone chat --backend local`` with *lines* on standard input."""
    command = [sys.executable, "-m", "persona_clone", "chat", "--backend", "local"]
    command += ["--model", str(model), "--persona", "Ada", "--quiet", "0", "--device", "cpu"]
    command += ["--temperature", "0", "--system-prompt", "You are Ada.", "--line-delay", "0"]
    return subprocess.run(
        command,
        input=lines,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        check=False,
    )


class TestChatCommand:
    def test_the_adapter_answers_in_a_pipe(self, adapter: Path) -> None:
        """Chat --backend local answers each line as the persona, with what it learned."""
        done = chat(adapter, "Bob: are you coming tonight\nCem: did you see the match\n")

        assert 0 == done.returncode, done.stderr[-2000:]
        replies = done.stdout.splitlines()
        assert 2 == len(replies)
        assert all(reply.startswith("Ada: lol") for reply in replies), replies

    def test_the_merged_model_answers_as_the_adapter(self, adapter: Path) -> None:
        """The merged folder gives the adapter's greedy replies."""
        lines = "Bob: are you coming tonight\n"

        assert chat(adapter, lines).stdout == chat(adapter / "merged", lines).stdout

    def test_a_folder_without_a_model_is_a_clean_error(self, tmp_path: Path) -> None:
        """A folder with no model or adapter ends the command with why, not a traceback."""
        done = chat(tmp_path, "Bob: hi\n")

        assert 1 == done.returncode
        assert "expected an adapter (adapter_config.json) or a model folder" in done.stderr
        assert "Traceback" not in done.stderr


@pytest.fixture(name="model", scope="module")
def _model(adapter: Path) -> LocalChatModel:
    return LocalChatModel.load(adapter, device="cpu")


class TestEvaluateCommand:
    def test_evaluate_runs_the_local_model_in_process(self, adapter: Path, tmp_path: Path) -> None:
        """Evaluate --backend local measures the adapter on held-out chats, no server needed."""
        held_out = write_jsonl(tmp_path / "validation.jsonl", conversations(6, seed=7))
        args = ["evaluate", str(held_out), "--backend", "local", "--device", "cpu"]
        args += ["--model", str(adapter), "--against", str(adapter / "merged")]
        args += ["--conversations", "2", "--rounds", "2", "--temperature", "0"]
        args += ["-o", str(tmp_path / "eval")]

        result = CliRunner().invoke(main, args, env={"HF_HUB_OFFLINE": "1"})

        assert 0 == result.exit_code, result.output[-2000:]
        assert "to the local model on this machine" in result.stderr
        report = json.loads((tmp_path / "eval" / "evaluation.json").read_text(encoding="utf-8"))
        assert report["replies"] > 0
        assert 0 <= report["style_distance"] <= 1
        replies = (tmp_path / "eval" / "replies.jsonl").read_text(encoding="utf-8")
        assert "lol" in replies  # what the adapter learned to say


class TestLocalChatModel:
    def test_complete_answers_a_chat(self, model: LocalChatModel) -> None:
        """Other code (an evaluation) gets the persona's reply with one call."""
        reply = model.complete(CHAT, max_tokens=12, temperature=0)

        assert reply.startswith("lol")
        assert "<|im_end|>" not in reply

    def test_penalties_are_openais(self) -> None:
        """Each token of the reply so far loses frequency x count + presence; the prompt none."""
        torch = pytest.importorskip("torch")
        prompt = [7, 7, 8]
        reply = [5, 5, 5, 6]
        scores = torch.zeros((1, 10))

        penalised = _penalties(len(prompt), 0.5, 2.0)(torch.tensor([prompt + reply]), scores)

        expected = [0.0] * 10
        expected[5] = -(0.5 * 3 + 2.0)
        expected[6] = -(0.5 * 1 + 2.0)
        assert expected == penalised[0].tolist()

    def test_the_openai_client_reaches_the_model_in_process(self, model: LocalChatModel) -> None:
        """local_client answers chat and text completions through the openai SDK."""

        async def ask() -> tuple[str | None, str]:
            client = local_client(model)
            answer = await client.chat.completions.create(
                model="ada",
                messages=[
                    {"role": "system", "content": "You are Ada."},
                    {"role": "user", "name": "Bob", "content": "are you coming tonight"},
                ],
                max_tokens=12,
                temperature=0,
            )
            text = await client.completions.create(
                model="ada", prompt="<|im_start|>assistant\n", max_tokens=12, stop=["lol"]
            )
            return answer.choices[0].message.content, text.choices[0].text

        chat_reply, text_reply = asyncio.run(ask())

        assert chat_reply == model.complete(CHAT, max_tokens=12, temperature=0)
        assert "lol" not in text_reply

    def test_loading_a_folder_without_a_model_is_refused(self, tmp_path: Path) -> None:
        """LocalChatModel.load names what it expected."""
        with pytest.raises(ConfigError, match="expected an adapter"):
            LocalChatModel.load(tmp_path)
