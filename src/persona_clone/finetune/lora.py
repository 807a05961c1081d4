"""
Local LoRA fine-tuning with Hugging Face ``transformers`` and ``peft``.

`LoraFineTuner` implements `persona_clone.finetune.FineTuner` on the user's own
hardware (CUDA, Apple MPS or the CPU), for any causal language model named by a
hub id or a local folder.
It reads the same ``messages`` JSONL datasets as the OpenAI backend and learns only
from the persona's trained assistant turns.

`LoraFineTuner.start` only records the run; `LoraFineTuner.follow` trains with
TRL's ``SFTTrainer`` (see `persona_clone.finetune.lora_sft`), calling back with
each step's loss, and returns when the adapter is saved.
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
from persona_clone.finetune import lora_sft as sft
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
from persona_clone.finetune.lora_merge import MERGED, merge_adapter
from persona_clone.finetune.lora_settings import LoraSettings, Precision
from persona_clone.finetune.lora_summary import METADATA_FILE, TrainingSummary, peak_memory


__all__ = ["METADATA_FILE", "LoraFineTuner", "LoraSettings", "Precision"]


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
        resume: Go on from the last checkpoint in *output_dir*/checkpoints
            (same dataset and settings).
        merge: Also write the base model with the adapter merged into it, to
            *output_dir*/merged (see `persona_clone.finetune.merge_adapter`).
        clock: Timestamps the run id and the metadata.

    A run: `prepare` reads the dataset and counts its tokens with the model's
    tokenizer (no model weights are loaded), `start` records the run and returns
    its id, and `follow` trains, reporting each optimizer step through
    *on_progress*, and returns a `TuningResult` whose *adapter_path* is
    *output_dir*.
    The trainer saves a checkpoint after every epoch (or every ``save_steps``) in
    *output_dir*/checkpoints; a run that stopped goes on from the last one with
    *resume*.
    Beside the adapter, ``training.json`` (a `TrainingSummary`) records the
    losses, the time, the tokens per second and the peak memory.
    """

    model: str
    output_dir: Path = field(converter=Path)
    settings: LoraSettings = field(factory=LoraSettings)
    overwrite: bool = False
    resume: bool = False
    merge: bool = False
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
        device = training.resolve_device(self.settings.device)
        sft.quantization_config(self.settings, device)  # refuses 4 bits without CUDA
        if ":" in self.settings.device:
            warnings.append(
                f"device {self.settings.device}: the trainer uses the first GPU it sees; "
                "choose one with CUDA_VISIBLE_DEVICES"
            )
        if device.type == "cpu":
            warnings.append(
                "no GPU found: training runs on the CPU, practical only for small models"
            )
        if self._refuses_folder():
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
        if self._refuses_folder():
            raise ConfigError(
                f"{self.output_dir}: expected a folder without an adapter, found one "
                "(choose another folder, pass overwrite, or resume)"
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
        import tempfile  # noqa: PLC0415

        source = str(adapter) if adapter is not None else self.model
        tokenizer, _ = training.load_tokenizer(
            source, trust_remote_code=self.settings.trust_remote_code
        )
        encoded, _ = self._encode(Path(dataset), tokenizer)
        device = training.resolve_device(self.settings.device)
        with _own_random_state(device), tempfile.TemporaryDirectory() as scratch:
            dtype, _, _ = sft.mixed_precision(self.settings.precision, device)
            model = training.load_model(
                self.model,
                device=device,
                dtype=dtype,
                trust_remote_code=self.settings.trust_remote_code,
            )
            if adapter is not None:
                model = training.load_adapter(model, adapter)
            trainer = self._trainer(
                tokenizer,
                encoded,
                encoded,
                device=device,
                callbacks=[],
                model=model,
                checkpoints=Path(scratch),
            )
            return float(trainer.evaluate()["eval_loss"])

    def _refuses_folder(self) -> bool:
        """Whether *output_dir* holds an adapter that this run may not replace."""
        exists = (self.output_dir / "adapter_config.json").exists()
        return exists and not (self.overwrite or self.resume)

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

    def _train(self, job_id: str, run: _Run, report: _Reporter) -> TuningResult:
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
        resume_from = self._last_checkpoint() if self.resume else None
        report(JobStatus.QUEUED, f"loading {self.model} on {device.type}")

        def forward(event: sft.StepEvent) -> None:
            if "valid_loss" in event.metrics:
                message = f"epoch {event.epoch:g}: valid loss {event.metrics['valid_loss']:.4f}"
                report(JobStatus.RUNNING, message, metrics=event.metrics, total=event.total_steps)
                return
            report(
                JobStatus.RUNNING,
                f"step {event.step}/{event.total_steps}: loss {event.metrics['train_loss']:.4f}",
                step=event.step,
                total=event.total_steps,
                metrics=event.metrics,
            )

        follower = sft.TrainerFollower(on_event=forward)
        with _own_random_state(device):
            if device.type == "cuda":
                _reset_peak_memory(device)
            trainer = self._trainer(
                tokenizer, examples, validation, device=device, callbacks=[follower.callback()]
            )
            if validation and resume_from is None:
                trainer.evaluate()  # the base model's loss, to compare the epochs with
            trainer.train(resume_from_checkpoint=resume_from)
        if follower.diverged_at is not None:
            raise FineTuneError(
                f"the loss became infinite or NaN at step {follower.diverged_at}: "
                "lower the learning rate",
                code="diverged",
            )
        report(JobStatus.RUNNING, f"saving the adapter to {self.output_dir}")
        trainer.save_model(str(self.output_dir))
        main = training.is_main_process()
        try:
            if main:
                self._write_results(
                    trainer,
                    follower,
                    tokenizer,
                    device,
                    run,
                    own_template=own_template,
                    examples=len(examples),
                    resumed=resume_from,
                )
        finally:
            training.leave_process_group()
        if main and self.merge:
            del trainer  # frees the training copy before the merge loads the base model
            report(JobStatus.RUNNING, f"merging the adapter into {self.output_dir / MERGED}")
            merge_adapter(self.output_dir, self.output_dir / MERGED)
        return TuningResult(job_id=job_id, status=JobStatus.SUCCEEDED, adapter_path=self.output_dir)

    def _write_results(
        self,
        trainer: Any,
        follower: sft.TrainerFollower,
        tokenizer: Any,
        device: Any,
        run: _Run,
        *,
        own_template: bool,
        examples: int,
        resumed: str | None,
    ) -> None:
        """Write what only the first process writes: tokenizer, template, summary, metadata."""
        tokenizer.save_pretrained(str(self.output_dir))
        training.save_chat_template(tokenizer, self.output_dir)
        targets = sorted(
            {
                name.rsplit(".", 1)[-1]
                for name in trainer.model.peft_config["default"].target_modules
            }
        )
        summary = self._summary(trainer, follower, device, examples=examples, resumed=resumed)
        summary.write(self.output_dir)
        losses: dict[str, float] = {}
        if summary.final_loss is not None:
            losses["train_loss"] = summary.final_loss
        if summary.validation:
            losses["valid_loss"] = summary.validation[-1].loss
        self._write_metadata(
            run,
            own_template=own_template,
            examples=examples,
            steps=summary.steps,
            targets=targets,
            losses=losses,
        )

    def _trainer(
        self,
        tokenizer: Any,
        examples: list[EncodedExample],
        validation: list[EncodedExample],
        *,
        device: Any,
        callbacks: list[Any],
        model: Any = None,
        checkpoints: Path | None = None,
    ) -> Any:
        return sft.build_trainer(
            self.model if model is None else model,
            self.settings,
            tokenizer,
            examples,
            validation,
            device=device,
            callbacks=callbacks,
            checkpoints=checkpoints or self.output_dir / sft.CHECKPOINTS,
        )

    def _last_checkpoint(self) -> str:
        return sft.last_checkpoint(self.output_dir / sft.CHECKPOINTS)

    def _summary(
        self,
        trainer: Any,
        follower: sft.TrainerFollower,
        device: Any,
        *,
        examples: int,
        resumed: str | None,
    ) -> TrainingSummary:
        seconds = follower.final.get("train_runtime", 0.0)
        tokens = int(trainer.state.num_input_tokens_seen)
        memory, kind = peak_memory(device)
        return TrainingSummary(
            base_model=self.model,
            steps=int(trainer.state.global_step),
            epochs=self.settings.epochs,
            examples=examples,
            losses=follower.losses,
            validation=follower.validation,
            seconds=seconds,
            tokens=tokens,
            tokens_per_second=tokens / seconds if seconds > 0 else 0.0,
            peak_memory_bytes=memory,
            memory_kind=kind,
            device=device.type,
            processes=int(trainer.args.world_size),
            distributed=str(trainer.accelerator.distributed_type.value),
            resumed_from=Path(resumed).name if resumed else None,
        )

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


def _reset_peak_memory(device: Any) -> None:
    import torch  # noqa: PLC0415 -- optional dependency

    torch.cuda.reset_peak_memory_stats(device)


def _version() -> str:
    try:
        return metadata.version("persona-clone")
    except metadata.PackageNotFoundError:
        return "unknown"
