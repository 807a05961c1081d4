"""
Local LoRA training end to end, on the CPU, with a tiny model made here.

The base model is a two-layer Llama built from a config and its tokenizer is
trained on this file's own texts with the ``tokenizers`` library: nothing is
downloaded.
Skipped unless torch, transformers and peft are installed (``nox -s lora``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest
from click.testing import CliRunner

from lora_support import build_base_model, conversations, write_jsonl
from persona_clone.cli import main
from persona_clone.errors import ConfigError, DatasetError
from persona_clone.finetune import (
    FineTuner,
    JobStatus,
    LoraFineTuner,
    LoraSettings,
    NameStyle,
    Progress,
    TuningResult,
)
from persona_clone.finetune.lora import METADATA_FILE
from persona_clone.finetune.lora_data import (
    IGNORE_INDEX,
    encode_example,
    load_examples,
    render_example,
)
from persona_clone.finetune.lora_training import (
    load_tokenizer,
    render_function,
    text_encoder,
)


pytestmark = pytest.mark.lora

REASON = "local LoRA training needs torch, transformers and peft (nox -s lora)"
torch = pytest.importorskip("torch", reason=REASON)
transformers = pytest.importorskip("transformers", reason=REASON)
peft = pytest.importorskip("peft", reason=REASON)
tokenizers = pytest.importorskip("tokenizers", reason=REASON)
trl = pytest.importorskip("trl", reason=REASON)

SETTINGS = LoraSettings(
    rank=8,
    alpha=16,
    dropout=0.0,
    epochs=4,
    learning_rate=0.05,
    batch_size=4,
    warmup_ratio=0.0,
    device="cpu",
    seed=0,
)


@pytest.fixture(name="folder", scope="module")
def _folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lora")
    build_base_model(folder / "base")
    write_jsonl(folder / "train.jsonl", conversations(24, seed=1))
    return folder


class Trained:
    """The result of one training run shared by the tests of this module."""

    def __init__(self, tuner: LoraFineTuner, result: TuningResult, events: list[Progress]):
        self.tuner = tuner
        self.result = result
        self.events = events

    @property
    def valid_losses(self) -> list[float]:
        """The validation losses reported, before training and after each epoch."""
        return [e.metrics["valid_loss"] for e in self.events if "valid_loss" in e.metrics]


@pytest.fixture(name="trained", scope="module")
def _trained(folder: Path) -> Trained:
    tuner = LoraFineTuner(
        model=str(folder / "base"), output_dir=folder / "adapter", settings=SETTINGS
    )
    data = folder / "train.jsonl"
    plan = tuner.prepare(data, validation_file=data)
    events: list[Progress] = []
    result = tuner.follow(tuner.start(plan), on_progress=events.append)
    return Trained(tuner, result, events)


@pytest.fixture(name="tokenizer", scope="module")
def _tokenizer(folder: Path) -> Any:
    return load_tokenizer(str(folder / "base"))[0]


class TestLoraFineTuner:
    def test_is_a_fine_tuner(self, folder: Path) -> None:
        """LoraFineTuner implements the FineTuner protocol."""
        tuner = LoraFineTuner(model="m", output_dir=folder / "x")

        assert isinstance(tuner, FineTuner)

    def test_prepare_counts_examples_and_tokens(self, folder: Path) -> None:
        """Preparing reads the dataset with the model's tokenizer and counts it."""
        tuner = LoraFineTuner(
            model=str(folder / "base"), output_dir=folder / "unused", settings=SETTINGS
        )

        plan = tuner.prepare(folder / "train.jsonl")

        assert 24 == plan.examples
        assert plan.trained_tokens > 24 * 20
        assert plan.exact_tokens
        assert plan.estimated_cost_usd is None
        assert any("no chat template" in warning for warning in plan.warnings)

    def test_training_succeeds_and_saves_the_adapter(self, trained: Trained, folder: Path) -> None:
        """Following the run trains to the end and returns the adapter's folder."""
        adapter = folder / "adapter"

        assert JobStatus.SUCCEEDED == trained.result.status
        assert adapter == trained.result.adapter_path
        assert (adapter / "adapter_config.json").is_file()
        assert (adapter / "adapter_model.safetensors").is_file()
        assert (adapter / "chat_template.jinja").read_text().startswith("{% for message")

    def test_the_loss_on_the_personas_turns_goes_down(self, trained: Trained) -> None:
        """After training, the loss on Ada's trained turns is far below the base's."""
        before, *_, after = trained.valid_losses

        assert 5 == len(trained.valid_losses)
        assert after < before / 3

    def test_every_step_is_reported_once_in_order(self, trained: Trained) -> None:
        """Progress reports steps 1..total exactly once, each with its loss."""
        steps = [e for e in trained.events if "train_loss" in e.metrics]

        assert list(range(1, 25)) == [e.step for e in steps]
        assert {24} == {e.total_steps for e in steps}
        assert JobStatus.SUCCEEDED == trained.events[-1].status

    def test_metadata_records_the_base_model_and_settings(
        self, trained: Trained, folder: Path
    ) -> None:
        """The metadata file names the base model, the dataset and the settings."""
        metadata = json.loads((folder / "adapter" / METADATA_FILE).read_text())

        assert str(folder / "base") == metadata["base_model"]
        assert "train.jsonl" == metadata["dataset"]["file"]
        assert 24 == metadata["dataset"]["examples"]
        assert "chatml" == metadata["chat_template"]
        assert {"q_proj", "k_proj", "v_proj", "o_proj"} <= set(metadata["target_modules"])
        assert SETTINGS.to_json() == metadata["settings"]
        assert trained.valid_losses[-1] == metadata["final"]["valid_loss"]

    def test_the_saved_adapter_gives_the_trained_models_outputs(
        self, trained: Trained, folder: Path
    ) -> None:
        """Loaded back with peft, the adapter scores the data as the trained model."""
        data = folder / "train.jsonl"

        assert trained.valid_losses[-1] == pytest.approx(
            trained.tuner.evaluate(data, adapter=folder / "adapter"), rel=1e-5
        )
        assert trained.valid_losses[0] == pytest.approx(trained.tuner.evaluate(data), rel=1e-5)

    @pytest.mark.filterwarnings("ignore:`is_gradient_checkpointing` is deprecated:FutureWarning")
    def test_peft_loads_the_adapter_on_the_base_model(self, folder: Path) -> None:
        """The adapter loads with plain peft and changes the base model's outputs."""
        base = transformers.AutoModelForCausalLM.from_pretrained(folder / "base")
        ids = torch.tensor([[4, 20, 30, 40, 5]])
        with torch.no_grad():
            plain = base(input_ids=ids).logits
            tuned = peft.PeftModel.from_pretrained(base, folder / "adapter")(input_ids=ids).logits

        assert plain.shape == tuned.shape
        assert not torch.allclose(plain, tuned)

    def test_start_refuses_to_overwrite_an_adapter(self, trained: Trained, folder: Path) -> None:
        """Starting again into a folder that holds an adapter is refused."""
        tuner = LoraFineTuner(
            model=str(folder / "base"), output_dir=folder / "adapter", settings=SETTINGS
        )
        plan = tuner.prepare(folder / "train.jsonl")

        with pytest.raises(ConfigError):
            tuner.start(plan)

        assert any("already holds an adapter" in warning for warning in plan.warnings)


class TestSchedule:
    def run(self, folder: Path, name: str, **overrides: Any) -> list[float]:
        """Train one epoch with *overrides* and return each step's loss."""
        settings = attrs.evolve(SETTINGS, epochs=1, **overrides)
        tuner = LoraFineTuner(
            model=str(folder / "base"), output_dir=folder / name, settings=settings
        )
        events: list[Progress] = []
        tuner.follow(
            tuner.start(tuner.prepare(folder / "train.jsonl")),
            on_progress=events.append,
        )
        return [e.metrics["train_loss"] for e in events if "train_loss" in e.metrics]

    def test_accumulation_and_checkpointing_keep_the_steps(self, folder: Path) -> None:
        """Accumulating 2 passes of 2, or checkpointing, gives the steps of 1 of 4."""
        whole = self.run(folder, "whole", batch_size=4)
        halves = self.run(folder, "halves", batch_size=2, gradient_accumulation=2)
        checkpointed = self.run(folder, "checkpointed", gradient_checkpointing=True)

        assert 6 == len(whole)
        assert whole == pytest.approx(halves, rel=1e-4)
        assert whole == pytest.approx(checkpointed, rel=1e-4)


class TestArchitectures:
    def test_gpt2_conv1d_layers_are_adapted(self, folder: Path) -> None:
        """A GPT-2 model (Conv1D layers) trains with the automatic target modules."""
        tokenizer = load_tokenizer(str(folder / "base"))[0]
        config = transformers.GPT2Config(
            vocab_size=len(tokenizer),
            n_embd=32,
            n_layer=2,
            n_head=4,
            n_positions=256,
            initializer_range=0.3,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        torch.manual_seed(0)
        transformers.GPT2LMHeadModel(config).save_pretrained(folder / "gpt2")
        tokenizer.save_pretrained(folder / "gpt2")
        settings = attrs.evolve(SETTINGS, epochs=1)
        tuner = LoraFineTuner(
            model=str(folder / "gpt2"),
            output_dir=folder / "gpt2-ada",
            settings=settings,
        )

        result = tuner.follow(tuner.start(tuner.prepare(folder / "train.jsonl")))

        metadata = json.loads((folder / "gpt2-ada" / METADATA_FILE).read_text())
        assert result.succeeded
        assert ["c_attn", "c_fc", "c_proj"] == metadata["target_modules"]


class TestLabels:
    def test_only_the_trained_assistant_turns_are_labelled(
        self, tokenizer: Any, folder: Path
    ) -> None:
        """With the real tokenizer, the labelled tokens decode to the trained turns."""
        example = load_examples(folder / "train.jsonl")[1]
        rendered = render_example(example, render_function(tokenizer))
        encoded = encode_example(rendered, text_encoder(tokenizer), max_length=1024)
        pairs = zip(encoded.input_ids, encoded.labels, strict=True)
        kept = [token for token, label in pairs if label != IGNORE_INDEX]

        expected = "".join(f"{m.content}<|im_end|>\n" for m in example.messages if m.trained)
        assert 2 == sum(m.trained for m in example.messages)
        assert expected == tokenizer.decode(kept)


HEADERS_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{{ message['content'] + '<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}"
    "{% endif %}"
)
"""A Llama 3 style template: prefix-stable, and it leaves names out."""

ALTERNATING_TEMPLATE = (
    "{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant') }}"
    "{% endif %}{{ message['content'] }}{% endfor %}"
)
"""A Mistral style template that refuses system prompts and group chats."""


class TestModelTemplates:
    def folder_with(self, folder: Path, name: str, template: str) -> Path:
        """A model folder with only a tokenizer using *template* (enough to prepare)."""
        tokenizer = load_tokenizer(str(folder / "base"))[0]
        tokenizer.chat_template = template
        tokenizer.save_pretrained(folder / name)
        return folder / name

    def test_the_models_template_renders_and_marks_the_turns(self, folder: Path) -> None:
        """With the model's template a trained turn is its text and end-of-turn mark."""
        model = self.folder_with(folder, "headers", HEADERS_TEMPLATE)
        tokenizer = load_tokenizer(str(model))[0]
        example = load_examples(folder / "train.jsonl")[1]

        rendered = render_example(example, render_function(tokenizer))
        encoded = encode_example(rendered, text_encoder(tokenizer), max_length=1024)
        pairs = zip(encoded.input_ids, encoded.labels, strict=True)
        kept = [token for token, label in pairs if label != IGNORE_INDEX]

        expected = "".join(f"{m.content}<|eot_id|>" for m in example.messages if m.trained)
        assert rendered.exact
        assert expected == tokenizer.decode(kept)

    def test_prepare_warns_when_the_template_drops_names(self, folder: Path) -> None:
        """A template that ignores names gets a warning, unless names go in the text."""
        model = str(self.folder_with(folder, "headers", HEADERS_TEMPLATE))
        data = folder / "train.jsonl"

        def warned(names: NameStyle) -> bool:
            settings = attrs.evolve(SETTINGS, names=names)
            tuner = LoraFineTuner(model=model, output_dir=folder / "x", settings=settings)
            return any("ignores speakers' names" in w for w in tuner.prepare(data).warnings)

        assert warned(NameStyle.TEMPLATE)
        assert not warned(NameStyle.CONTENT)

    def test_a_template_refusing_the_chat_names_the_lines(self, folder: Path) -> None:
        """A template that raises on the data is a DatasetError naming each line."""
        model = str(self.folder_with(folder, "alternating", ALTERNATING_TEMPLATE))
        tuner = LoraFineTuner(model=model, output_dir=folder / "x", settings=SETTINGS)

        with pytest.raises(DatasetError) as caught:
            tuner.prepare(folder / "train.jsonl")

        assert 24 == len(caught.value.problems)
        assert caught.value.problems[0].startswith("train.jsonl:1: expected the model's")
        assert "roles must alternate" in caught.value.problems[0]


class TestCommand:
    def test_finetune_local_prints_the_adapter_last(self, folder: Path) -> None:
        """The command trains and prints the adapter's folder as its last line."""
        output = folder / "cli-adapter"
        args = ["finetune-local", str(folder / "train.jsonl"), "--model"]
        args += [str(folder / "base"), "-o", str(output), "--device", "cpu"]
        args += ["--epochs", "1", "--batch-size", "8", "--learning-rate", "0.05"]

        result = CliRunner().invoke(main, args)

        assert 0 == result.exit_code, result.output
        assert str(output) == result.stdout.splitlines()[-1]
        assert (output / METADATA_FILE).is_file()

    def test_finetune_backend_lora_prints_the_adapter_last(self, folder: Path) -> None:
        """Finetune --backend lora trains the same adapter and prints its folder last."""
        output = folder / "backend-adapter"
        args = ["finetune", str(folder / "train.jsonl"), "--backend", "lora", "--model"]
        args += [str(folder / "base"), "-o", str(output), "--epochs", "1", "--batch-size", "8"]

        result = CliRunner().invoke(main, args)

        assert 0 == result.exit_code, result.output
        assert str(output) == result.stdout.splitlines()[-1]
        assert (output / METADATA_FILE).is_file()

    def test_a_dataset_problem_is_a_clean_error(self, folder: Path) -> None:
        """A bad dataset ends the command with its problems, not a traceback."""
        bad = write_jsonl(folder / "bad.jsonl", [{"messages": [{"role": "robot"}]}])
        args = ["finetune-local", str(bad), "--model", str(folder / "base")]
        args += ["-o", str(folder / "never"), "--dry-run"]

        result = CliRunner().invoke(main, args)

        assert 1 == result.exit_code
        assert "bad.jsonl:1 $.messages[0].role" in result.stderr
