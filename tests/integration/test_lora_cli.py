"""
``persona-clone finetune-local`` through the CLI: summary, resume, merge, errors.

On the CPU with the tiny model of `lora_support`; skipped unless the lora extra
is installed (``nox -s lora``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lora_support import build_base_model, conversations, write_jsonl
from persona_clone.cli import main
from persona_clone.finetune.lora_summary import SUMMARY_FILE, TrainingSummary


pytestmark = pytest.mark.lora

REASON = "local LoRA training needs torch, transformers, peft and trl (nox -s lora)"
torch = pytest.importorskip("torch", reason=REASON)
transformers = pytest.importorskip("transformers", reason=REASON)
peft = pytest.importorskip("peft", reason=REASON)
pytest.importorskip("trl", reason=REASON)
safetensors = pytest.importorskip("safetensors.torch", reason=REASON)

ADAPTER_WEIGHTS = "adapter_model.safetensors"


@pytest.fixture(name="folder", scope="module")
def _folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lora-cli")
    build_base_model(folder / "base")
    write_jsonl(folder / "train.jsonl", conversations(12, seed=2))
    write_jsonl(folder / "validation.jsonl", conversations(4, seed=3))
    return folder


def train(folder: Path, output: Path, *extra: str) -> tuple[int, str, str]:
    """Run finetune-local on the tiny model; return the exit code, stdout, stderr."""
    args = ["finetune-local", str(folder / "train.jsonl"), "--model", str(folder / "base")]
    args += ["-o", str(output), "--device", "cpu", "--batch-size", "4"]
    args += ["--learning-rate", "0.05", "--dropout", "0", "--rank", "4", *extra]
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def adapter_weights(folder: Path) -> dict[str, object]:
    """The adapter's tensors, by name."""
    loaded: dict[str, object] = safetensors.load_file(str(folder / ADAPTER_WEIGHTS))
    return loaded


@pytest.fixture(name="run", scope="module")
def _run(folder: Path) -> tuple[Path, str]:
    """Two epochs with validation and --merge; returns the folder and standard error."""
    output = folder / "ada"
    code, stdout, stderr = train(
        folder, output, "--epochs", "2", "--validation", str(folder / "validation.jsonl"), "--merge"
    )
    assert 0 == code, stderr
    assert str(output) == stdout.splitlines()[-1]
    return output, stderr


class TestSummary:
    def test_training_json_records_the_run(self, run: tuple[Path, str]) -> None:
        """training.json holds steps, every step's loss, validation per epoch, speed, memory."""
        output, _ = run

        summary = TrainingSummary.read(output)

        assert 6 == summary.steps  # 12 examples, batches of 4, 2 epochs
        assert [1, 2, 3, 4, 5, 6] == [point.step for point in summary.losses]
        assert [0.0, 1.0, 2.0] == [point.epoch for point in summary.validation]
        assert summary.validation[-1].loss < summary.validation[0].loss
        assert summary.tokens > 0
        assert summary.seconds > 0
        assert summary.tokens == pytest.approx(summary.tokens_per_second * summary.seconds)
        assert summary.peak_memory_bytes > 0
        assert ("process", "cpu", 1) == (summary.memory_kind, summary.device, summary.processes)
        assert summary.resumed_from is None

    def test_progress_shows_bar_loss_time_left_and_validation(self, run: tuple[Path, str]) -> None:
        """Standard error shows each step with its loss and time left, and each epoch's loss."""
        _, stderr = run

        assert "[############------------] step 3/6 loss " in stderr
        assert " left" in stderr
        assert "epoch 1: valid loss " in stderr
        assert "epoch 2: valid loss " in stderr
        assert "6 steps in " in stderr
        assert "tokens/s, peak process memory" in stderr

    def test_checkpoints_are_kept_per_epoch(self, run: tuple[Path, str]) -> None:
        """The trainer saved a checkpoint after each epoch, inside the adapter's folder."""
        output, _ = run

        assert ["checkpoint-3", "checkpoint-6"] == sorted(
            path.name for path in (output / "checkpoints").glob("checkpoint-*")
        )


class TestMerge:
    def test_merged_folder_has_weights_tokenizer_and_template(self, run: tuple[Path, str]) -> None:
        """--merge writes safetensors, the tokenizer and the chat template used in training."""
        merged = run[0] / "merged"

        assert (merged / "model.safetensors").is_file()
        assert (merged / "config.json").is_file()
        assert (merged / "tokenizer.json").is_file()
        assert (merged / "chat_template.jinja").read_text().startswith("{% for message")
        assert not (merged / "adapter_config.json").exists()

    def test_transformers_loads_the_merged_model_as_the_adapted_one(
        self, run: tuple[Path, str], folder: Path
    ) -> None:
        """Plain transformers loads the merged folder; it computes what base + adapter do."""
        output = run[0]
        merged = transformers.AutoModelForCausalLM.from_pretrained(output / "merged")
        tokenizer = transformers.AutoTokenizer.from_pretrained(output / "merged")
        base = transformers.AutoModelForCausalLM.from_pretrained(folder / "base")
        adapted = peft.PeftModel.from_pretrained(base, output)
        text = tokenizer.apply_chat_template(
            [{"role": "user", "name": "Bob", "content": "are you coming tonight"}],
            tokenize=False,
            add_generation_prompt=True,
        )
        ids = tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]

        with torch.no_grad():
            expected = adapted(input_ids=ids).logits
            found = merged(input_ids=ids).logits

        assert torch.allclose(expected, found, atol=1e-4)
        assert text.endswith("<|im_start|>assistant\n")

    def test_generation_stops_at_the_end_of_the_turn(self, run: tuple[Path, str]) -> None:
        """The merged model's generation config ends at ChatML's <|im_end|> as well."""
        merged = run[0] / "merged"
        tokenizer = transformers.AutoTokenizer.from_pretrained(merged)
        config = json.loads((merged / "generation_config.json").read_text())

        assert tokenizer.convert_tokens_to_ids("<|im_end|>") in config["eos_token_id"]


class TestResume:
    def test_resume_from_an_epoch_checkpoint_gives_the_same_adapter(self, folder: Path) -> None:
        """A run stopped after epoch 1 and resumed ends with the uninterrupted run's adapter."""
        whole, cut = folder / "whole", folder / "cut"
        assert 0 == train(folder, whole, "--epochs", "2")[0]
        assert 0 == train(folder, cut, "--epochs", "2")[0]
        # as if the run had stopped after its first epoch's checkpoint
        shutil.rmtree(cut / "checkpoints" / "checkpoint-6")
        (cut / ADAPTER_WEIGHTS).unlink()

        code, stdout, stderr = train(folder, cut, "--epochs", "2", "--resume")

        assert 0 == code, stderr
        assert str(cut) == stdout.splitlines()[-1]
        assert "checkpoint-3" == TrainingSummary.read(cut).resumed_from
        expected, found = adapter_weights(whole), adapter_weights(cut)
        assert expected.keys() == found.keys()
        for name, tensor in expected.items():
            assert torch.allclose(tensor, found[name], atol=1e-5), name

    def test_resume_without_a_checkpoint_is_a_clean_error(self, folder: Path) -> None:
        """--resume in a folder with no checkpoint says so, without a traceback."""
        code, _, stderr = train(folder, folder / "nothing-yet", "--resume")

        assert 1 == code
        assert "resume: expected a checkpoint in" in stderr
        assert "Traceback" not in stderr

    def test_an_existing_adapter_is_not_replaced(self, run: tuple[Path, str]) -> None:
        """Training into a folder that holds an adapter is refused."""
        output = run[0]
        before = (output / ADAPTER_WEIGHTS).read_bytes()

        code, _, stderr = train(output.parent, output)

        assert 1 == code
        assert "found one (choose another folder" in stderr
        assert before == (output / ADAPTER_WEIGHTS).read_bytes()
        assert (output / SUMMARY_FILE).is_file()


class TestQuantization:
    @pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
    def test_load_in_4bit_without_cuda_says_why(self, folder: Path) -> None:
        """--load-in-4bit on a machine without CUDA is a clear error before any training."""
        code, _, stderr = train(folder, folder / "qlora", "--load-in-4bit")

        assert 1 == code
        assert "load_in_4bit: expected a CUDA GPU" in stderr
        assert not (folder / "qlora" / ADAPTER_WEIGHTS).exists()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the rendezvous binds it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def failure(stderr: str) -> str:
    """The lines of *stderr* that say why a worker failed, then its tail."""
    causes = [line for line in stderr.splitlines() if "Error" in line or "terminate" in line]
    return "\n".join([*causes[:20], "...", stderr[-1500:]])


def launch(folder: Path, output: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """Run finetune-local under ``accelerate launch`` with *options*; one epoch, 2 per batch."""
    command = [sys.executable, "-m", "accelerate.commands.launch", *options]
    command += ["--main_process_port", str(free_port())]
    command += ["-m", "persona_clone", "finetune-local", str(folder / "train.jsonl")]
    command += ["--model", str(folder / "base"), "-o", str(output), "--device", "cpu"]
    command += ["--epochs", "1", "--batch-size", "2"]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "MASTER_ADDR": "127.0.0.1"}
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=environment, check=False
    )


class TestAccelerate:
    def test_two_processes_train_data_parallel(self, folder: Path) -> None:
        """Under accelerate launch, two CPU processes split each step's batch between them."""
        output = folder / "parallel"

        done = launch(
            folder,
            output,
            *("--multi_gpu", "--num_processes", "2", "--num_machines", "1"),
            *("--mixed_precision", "no", "--dynamo_backend", "no"),
            *("--num_cpu_threads_per_process", "1"),
        )

        assert 0 == done.returncode, failure(done.stderr)
        assert [str(output)] == done.stdout.splitlines()  # printed once, by the first process
        summary = TrainingSummary.read(output)
        assert (2, "MULTI_CPU") == (summary.processes, summary.distributed)
        assert 3 == summary.steps  # 12 examples, 2 per process, 2 processes
        assert (output / ADAPTER_WEIGHTS).is_file()
