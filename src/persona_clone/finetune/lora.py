"""
Local LoRA fine-tuning with Hugging Face ``transformers`` and ``peft``.

`LoraFineTuner` implements `persona_clone.finetune.FineTuner` on the user's own
hardware (CUDA, Apple MPS or the CPU), for any causal language model named by a
hub id or a local folder.
It reads the same ``messages`` JSONL datasets as the OpenAI backend and learns only
from the persona's trained assistant turns.

`LoraFineTuner.start` only records the run; `LoraFineTuner.follow` trains, calling
back with each step's loss, and returns when the adapter is saved.
Needs the ``lora`` extra and PyTorch (installed first, for the user's hardware);
importing this module imports neither.
"""

from __future__ import annotations

import json
import logging
import math
from importlib import metadata
from pathlib import Path
from typing import Any, Final

from attrs import define, field, frozen

from persona_clone.clock import Clock, SystemClock
from persona_clone.errors import ConfigError, DatasetError, FineTuneError, excerpt
from persona_clone.finetune import lora_training as training
from persona_clone.finetune._digest import content_hash
from persona_clone.finetune.base import (
    JobStatus,
    Progress,
    ProgressCallback,
    TuningPlan,
    TuningResult,
)
from persona_clone.finetune.lora_data import (
    EncodedExample,
    NameStyle,
    encode_example,
    load_examples,
    render_example,
)
from persona_clone.finetune.lora_settings import LoraSettings, Precision


__all__ = ["METADATA_FILE", "LoraFineTuner", "LoraSettings", "Precision"]


METADATA_FILE: Final = "persona-clone-lora.json"
"""The file beside the adapter that records the base model and the training settings."""

_METADATA_FORMAT: Final = 1

logger = logging.getLogger(__name__)


@frozen(kw_only=True)
class _Run:
    plan: TuningPlan
    created_at: str


@define(kw_only=True)
class LoraFineTuner:
    """
    Trains a LoRA adapter for a causal language model on the local machine.

    Args:
        model: The base model: a Hugging Face hub id or a local folder.
        output_dir: Where the adapter, its tokenizer, chat template and metadata go.
        settings: The adapter's shape and the training settings.
        overwrite: Replace an adapter already in *output_dir*.
        clock: Timestamps the run id and the metadata.

    A run: `prepare` reads the dataset and counts its tokens with the model's
    tokenizer (no model weights are loaded), `start` records the run and returns
    its id, and `follow` trains, reporting each optimizer step through
    *on_progress*, and returns a `TuningResult` whose *adapter_path* is
    *output_dir*.
    Runs live in this object only; there is nothing to resume after a crash.
    """

    model: str
    output_dir: Path = field(converter=Path)
    settings: LoraSettings = field(factory=LoraSettings)
    overwrite: bool = False
    clock: Clock = field(factory=SystemClock)
    _runs: dict[str, _Run] = field(init=False, factory=dict)
    _results: dict[str, TuningResult] = field(init=False, factory=dict)

    def prepare(self, training_file: Path, *, validation_file: Path | None = None) -> TuningPlan:
        """
        Check the dataset(s) and count their tokens with the model's tokenizer.

        Raises:
            FineTuneError: torch, transformers or peft is missing.
            DatasetError: the dataset has problems (all listed) or the chat template
                cannot render it.
            ConfigError: the tokenizer cannot be loaded.
        """
        training.require_packages()
        tokenizer, own_template = training.load_tokenizer(
            self.model, trust_remote_code=self.settings.trust_remote_code
        )
        encoded, warnings = self._encode(Path(training_file), tokenizer)
        if validation_file is not None:
            _, validation_warnings = self._encode(Path(validation_file), tokenizer)
            warnings += [f"validation: {warning}" for warning in validation_warnings]
        if not own_template:
            warnings.append(
                "the tokenizer has no chat template: training uses ChatML, "
                "saved with the adapter as chat_template.jinja (serve with it)"
            )
        if self.settings.names is NameStyle.TEMPLATE and _ignores_names(tokenizer):
            warnings.append(
                "the chat template ignores speakers' names: use names=content "
                "to keep who said what in group chats"
            )
        if training.resolve_device(self.settings.device).type == "cpu":
            warnings.append(
                "no GPU found: training runs on the CPU, practical only for small models"
            )
        if (self.output_dir / "adapter_config.json").exists() and not self.overwrite:
            warnings.append(
                f"{self.output_dir} already holds an adapter: start refuses to replace it"
            )
        notes: tuple[str, ...] = tuple(warnings)
        return TuningPlan(
            training_file=Path(training_file),
            validation_file=None if validation_file is None else Path(validation_file),
            model=self.model,
            examples=len(encoded),
            trained_tokens=sum(len(example.input_ids) for example in encoded),
            epochs=self.settings.epochs,
            estimated_cost_usd=None,
            exact_tokens=True,
            warnings=notes,
        )

    def start(self, plan: TuningPlan) -> str:
        """
        Record a run of *plan* and create the output folder.

        Training happens in `follow`.

        Raises:
            ConfigError: *plan* is for another model, or the output folder already
                holds an adapter and *overwrite* is false.
        """
        if plan.model != self.model:
            raise ConfigError(
                f"plan: expected a plan for {self.model!r}, found one for {plan.model!r}"
            )
        if (self.output_dir / "adapter_config.json").exists() and not self.overwrite:
            raise ConfigError(
                f"{self.output_dir}: expected a folder without an adapter, found one "
                "(choose another folder or pass overwrite)"
            )
        self.output_dir.mkdir(parents=True, exist_ok=True)
        now = self.clock.now()
        job_id = f"lora-{now.format('YYYYMMDD-HHmmss')}-{len(self._runs) + 1}"
        self._runs[job_id] = _Run(plan=plan, created_at=now.isoformat())
        return job_id

    def follow(self, job_id: str, *, on_progress: ProgressCallback | None = None) -> TuningResult:
        """
        Train run *job_id* to the end and save its adapter.

        Progress reports the stages, every optimizer step (``train_loss``,
        ``learning_rate``, ``epoch``) and, with a validation file, ``valid_loss``
        before training and after each epoch.
        A run that already ended returns its result again.
        A run that runs out of memory or whose loss diverges ends as failed.

        Raises:
            FineTuneError: *job_id* is not a run of this object, or torch,
                transformers or peft is missing.
        """
        training.require_packages()
        if job_id in self._results:
            return self._results[job_id]
        run = self._runs.get(job_id)
        if run is None:
            raise FineTuneError(
                f"{job_id!r}: expected a run started by this fine-tuner",
                code="unknown_run",
            )
        report = _Reporter(job_id=job_id, callback=on_progress)
        try:
            result = self._train(job_id, run, report)
        except FineTuneError as error:
            result = TuningResult(
                job_id=job_id,
                status=JobStatus.FAILED,
                error_code=error.code,
                error_message=error.message,
            )
        except MemoryError as error:
            result = _out_of_memory(job_id, error)
        except RuntimeError as error:
            if "out of memory" not in str(error).lower():
                raise
            result = _out_of_memory(job_id, error)
        report(result.status, result.error_message or "adapter saved")
        self._results[job_id] = result
        return result

    def evaluate(self, dataset: Path, *, adapter: Path | None = None) -> float:
        """
        Return the mean loss per trained token on *dataset*, with or without *adapter*.

        Without *adapter*, the base model is measured; comparing both tells how much
        closer the adapter comes to the persona's turns.
        """
        training.require_packages()
        import torch  # noqa: PLC0415 -- optional dependency

        source = str(adapter) if adapter is not None else self.model
        tokenizer, _ = training.load_tokenizer(
            source, trust_remote_code=self.settings.trust_remote_code
        )
        encoded, _ = self._encode(Path(dataset), tokenizer)
        device = training.resolve_device(self.settings.device)
        model = self._base_model(device)
        if adapter is not None:
            model = training.load_adapter(model, adapter)
        with torch.inference_mode():
            return training.mean_loss(
                model,
                encoded,
                size=self.settings.batch_size,
                pad_id=_pad_id(tokenizer),
                device=device,
            )

    def _encode(self, dataset: Path, tokenizer: Any) -> tuple[list[EncodedExample], list[str]]:
        """Read, render and tokenize *dataset*; return usable examples and warnings."""
        render = training.render_function(tokenizer)
        encode = training.text_encoder(tokenizer)
        encoded: list[EncodedExample] = []
        untrained = inexact = truncated = emptied = 0
        problems: list[str] = []
        for example in load_examples(dataset):
            if not example.has_trained_turn:
                untrained += 1
                continue
            try:
                rendered = render_example(example, render, names=self.settings.names)
            except DatasetError as error:
                problems.extend(error.problems)
                continue
            inexact += not rendered.exact
            item = encode_example(
                rendered,
                encode,
                max_length=self.settings.max_length,
                location=example.location,
            )
            truncated += item.truncated
            if item.trained_tokens == 0:
                emptied += 1
                continue
            encoded.append(item)
        if problems:
            raise DatasetError(problems)
        warnings = [
            f"{count} {what}"
            for count, what in (
                (untrained, "examples have no trained assistant turn and are skipped"),
                (
                    truncated,
                    (f"examples are longer than {self.settings.max_length} tokens and are cut"),
                ),
                (
                    emptied,
                    "examples keep no trained token after the cut and are skipped",
                ),
                (
                    inexact,
                    ("examples train on their replies' text only (template not prefix-stable)"),
                ),
            )
            if count
        ]
        if not encoded:
            raise DatasetError(
                [(f"{dataset.name}: expected at least one example with a trained turn, found none")]
            )
        return encoded, warnings

    def _base_model(self, device: Any) -> Any:
        dtype = training.resolve_dtype(self.settings.precision.value, device)
        return training.load_model(
            self.model,
            device=device,
            dtype=dtype,
            trust_remote_code=self.settings.trust_remote_code,
        )

    def _train(self, job_id: str, run: _Run, report: _Reporter) -> TuningResult:
        import peft  # noqa: PLC0415 -- optional dependency
        import torch  # noqa: PLC0415 -- optional dependency

        settings = self.settings
        plan = run.plan
        report(JobStatus.VALIDATING_FILES, "reading the dataset")
        tokenizer, own_template = training.load_tokenizer(
            self.model, trust_remote_code=settings.trust_remote_code
        )
        examples, _ = self._encode(plan.training_file, tokenizer)
        validation = (
            self._encode(plan.validation_file, tokenizer)[0] if plan.validation_file else []
        )
        device = training.resolve_device(settings.device)
        pad_id = _pad_id(tokenizer)
        report(JobStatus.QUEUED, f"loading {self.model} on {device}")
        schedule = training.Schedule(
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            accumulation=settings.gradient_accumulation,
            learning_rate=settings.learning_rate,
            warmup_ratio=settings.warmup_ratio,
            weight_decay=settings.weight_decay,
            seed=settings.seed,
        )
        total = schedule.total_steps(len(examples))
        losses: dict[str, float] = {}

        def measure(epoch: int) -> None:
            if validation:
                value = training.mean_loss(
                    model,
                    validation,
                    size=settings.batch_size,
                    pad_id=pad_id,
                    device=device,
                )
                losses["valid_loss"] = value
                report(
                    JobStatus.RUNNING,
                    f"epoch {epoch}: valid loss {value:.4f}",
                    metrics={"valid_loss": value, "epoch": float(epoch)},
                    total=total,
                )

        def step(done: training.StepReport) -> None:
            losses["train_loss"] = done.loss
            report(
                JobStatus.RUNNING,
                f"step {done.step}/{done.total_steps}: loss {done.loss:.4f}",
                step=done.step,
                total=done.total_steps,
                metrics={
                    "train_loss": done.loss,
                    "learning_rate": done.learning_rate,
                    "epoch": done.epoch,
                },
            )

        with _own_random_state(device):
            torch.manual_seed(settings.seed)
            model = self._base_model(device)
            if settings.gradient_checkpointing:
                training.enable_checkpointing(model)
            config = peft.LoraConfig(
                r=settings.rank,
                lora_alpha=settings.alpha,
                lora_dropout=settings.dropout,
                target_modules=list(settings.target_modules)
                if settings.target_modules
                else "all-linear",
                task_type="CAUSAL_LM",
            )
            model = training.wrap_with_lora(model, config)
            measure(0)
            training.train(
                model,
                examples,
                schedule,
                pad_id=pad_id,
                device=device,
                on_step=step,
                on_epoch=measure,
            )
        report(
            JobStatus.RUNNING,
            f"saving the adapter to {self.output_dir}",
            step=total,
            total=total,
        )
        model.save_pretrained(str(self.output_dir))
        tokenizer.save_pretrained(str(self.output_dir))
        training.save_chat_template(tokenizer, self.output_dir)
        targets = sorted(
            {name.rsplit(".", 1)[-1] for name in model.peft_config["default"].target_modules}
        )
        self._write_metadata(
            run,
            own_template=own_template,
            examples=len(examples),
            steps=total,
            targets=targets,
            losses=losses,
        )
        return TuningResult(job_id=job_id, status=JobStatus.SUCCEEDED, adapter_path=self.output_dir)

    def _write_metadata(
        self,
        run: _Run,
        *,
        own_template: bool,
        examples: int,
        steps: int,
        targets: list[str],
        losses: dict[str, float],
    ) -> None:
        plan = run.plan
        content = {
            "format": _METADATA_FORMAT,
            "base_model": self.model,
            "created_at": run.created_at,
            "persona_clone_version": _version(),
            "dataset": {
                "file": plan.training_file.name,
                "sha256": content_hash(plan.training_file),
                "examples": examples,
                "tokens_per_epoch": plan.trained_tokens,
                "validation_file": plan.validation_file.name if plan.validation_file else None,
            },
            "chat_template": "model" if own_template else "chatml",
            "target_modules": targets,
            "steps": steps,
            "final": {key: value for key, value in losses.items() if math.isfinite(value)},
            "settings": self.settings.to_json(),
        }
        path = self.output_dir / METADATA_FILE
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@define(kw_only=True)
class _Reporter:
    """Sends `Progress` values to an optional callback and to the log."""

    job_id: str
    callback: ProgressCallback | None

    def __call__(
        self,
        status: JobStatus,
        message: str,
        *,
        step: int | None = None,
        total: int | None = None,
        metrics: dict[str, float] | None = None,
    ) -> None:
        logger.info("%s: %s", self.job_id, message)
        if self.callback is not None:
            self.callback(
                Progress(
                    job_id=self.job_id,
                    status=status,
                    message=message,
                    step=step,
                    total_steps=total,
                    metrics=metrics or {},
                )
            )


def _ignores_names(tokenizer: Any) -> bool:
    """Whether the tokenizer's chat template leaves speakers' names out."""
    render = training.render_function(tokenizer)
    named = [{"role": "user", "name": "Zq_Name_Probe", "content": "hi"}]
    try:
        return "Zq_Name_Probe" not in render(named, generation_prompt=False)
    except Exception:  # noqa: BLE001 -- a template that refuses names ignores them too
        return True


def _own_random_state(device: Any) -> Any:
    """Fork torch's random state (CPU, and the CUDA device used) for the run."""
    import torch  # noqa: PLC0415 -- optional dependency

    if device.type == "cuda":
        index = torch.cuda.current_device() if device.index is None else device.index
        return torch.random.fork_rng(devices=[index], device_type="cuda")
    return torch.random.fork_rng(devices=[])


def _pad_id(tokenizer: Any) -> int:
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if isinstance(candidate, int):
            return candidate
    return 0


def _out_of_memory(job_id: str, error: BaseException) -> TuningResult:
    return TuningResult(
        job_id=job_id,
        status=JobStatus.FAILED,
        error_code="out_of_memory",
        error_message=(
            "the device ran out of memory "
            f"({excerpt(str(error), 80)}): lower batch_size or max_length, "
            "raise gradient_accumulation, or turn on gradient_checkpointing"
        ),
    )


def _version() -> str:
    try:
        return metadata.version("persona-clone")
    except metadata.PackageNotFoundError:
        return "unknown"
