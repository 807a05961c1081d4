"""
Training with Hugging Face TRL's ``SFTTrainer``: its data, its configuration, its callback.

`persona_clone.finetune.LoraFineTuner` reads and labels the dataset itself (only the
persona's trained turns count, see `persona_clone.finetune.lora_data`) and hands the
trainer token ids with their labels; the trainer does the rest: batching, the LoRA
model (through peft), gradient accumulation and checkpointing, mixed precision,
evaluation, checkpoints and resuming, logging, and data-parallel runs under
``accelerate launch``.
Types from the optional libraries are ``Any`` here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from attrs import define, field

from persona_clone.errors import ConfigError, FineTuneError, excerpt
from persona_clone.finetune import lora_training as training
from persona_clone.finetune.lora_data import EncodedExample
from persona_clone.finetune.lora_settings import LoraSettings, Precision
from persona_clone.finetune.lora_summary import LossPoint


__all__ = [
    "CHECKPOINTS",
    "StepEvent",
    "TrainerFollower",
    "build_trainer",
    "last_checkpoint",
    "lora_config",
    "mixed_precision",
    "quantization_config",
    "sft_config",
    "training_dataset",
]

CHECKPOINTS: Final = "checkpoints"
"""The folder, inside the adapter's, where the trainer keeps its checkpoints."""


def training_dataset(examples: Sequence[EncodedExample]) -> Any:
    """
    Return *examples* as a ``datasets.Dataset`` of ``input_ids`` and ``labels``.

    The labels are -100 everywhere but on the persona's trained turns, so the
    trainer uses them as they are.
    """
    from datasets import Dataset  # noqa: PLC0415 -- optional dependency

    return Dataset.from_dict(
        {
            "input_ids": [list(example.input_ids) for example in examples],
            "labels": [list(example.labels) for example in examples],
        }
    )


def mixed_precision(precision: Precision, device: Any) -> tuple[str, bool, bool]:
    """
    Return the base model's dtype name and the trainer's ``bf16`` and ``fp16`` flags.

    ``auto`` is bfloat16 on a CUDA GPU that supports it and float32 elsewhere.
    """
    import torch  # noqa: PLC0415 -- optional dependency

    if precision is Precision.AUTO:
        cuda_bf16 = device.type == "cuda" and torch.cuda.is_bf16_supported()
        precision = Precision.BFLOAT16 if cuda_bf16 else Precision.FLOAT32
    return (
        precision.value,
        precision is Precision.BFLOAT16,
        precision is Precision.FLOAT16,
    )


def quantization_config(settings: LoraSettings, device: Any) -> Any:
    """
    Return the bitsandbytes 4-bit configuration for QLoRA, or None without it.

    Raises:
        ConfigError: 4-bit loading was asked for without a CUDA GPU.
        FineTuneError: bitsandbytes is not installed (code ``missing_dependency``).
    """
    if not settings.load_in_4bit:
        return None
    if device.type != "cuda":
        raise ConfigError(
            "load_in_4bit: expected a CUDA GPU (bitsandbytes 4-bit needs one), "
            f"found {device.type}; train without --load-in-4bit, or on a machine with an NVIDIA GPU"
        )
    import importlib.util  # noqa: PLC0415

    if importlib.util.find_spec("bitsandbytes") is None:
        raise FineTuneError(
            "load_in_4bit needs bitsandbytes: pip install 'persona-clone[qlora]'",
            code="missing_dependency",
        )
    import torch  # noqa: PLC0415 -- optional dependency
    from transformers import BitsAndBytesConfig  # noqa: PLC0415 -- optional dependency

    compute = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=compute,
    )


def lora_config(settings: LoraSettings) -> Any:
    """Return the peft ``LoraConfig`` of *settings*."""
    import peft  # noqa: PLC0415 -- optional dependency

    return peft.LoraConfig(
        r=settings.rank,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=list(settings.target_modules) if settings.target_modules else "all-linear",
        task_type="CAUSAL_LM",
    )


def sft_config(settings: LoraSettings, *, checkpoints: Path, device: Any, evaluate: bool) -> Any:
    """
    Return the ``trl.SFTConfig`` for *settings*.

    Checkpoints go to *checkpoints* after every epoch (or every ``save_steps``),
    the loss is logged at every optimizer step, and with *evaluate* the
    validation set is measured after every epoch.
    """
    from trl import SFTConfig  # noqa: PLC0415 -- optional dependency

    dtype, bf16, fp16 = mixed_precision(settings.precision, device)
    by_steps = settings.save_steps is not None
    return SFTConfig(
        output_dir=str(checkpoints),
        num_train_epochs=settings.epochs,
        per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        learning_rate=settings.learning_rate,
        lr_scheduler_type="linear",
        warmup_steps=settings.warmup_ratio,  # a float below 1 is a share of the steps
        weight_decay=settings.weight_decay,
        max_grad_norm=1.0,
        seed=settings.seed,
        data_seed=settings.seed,
        activation_checkpointing=settings.gradient_checkpointing,
        bf16=bf16,
        fp16=fp16,
        use_cpu=device.type == "cpu",
        max_length=settings.max_length,
        logging_strategy="steps",
        logging_steps=1,
        eval_strategy="epoch" if evaluate else "no",
        save_strategy="steps" if by_steps else "epoch",
        save_steps=settings.save_steps if by_steps else 500,
        save_total_limit=settings.save_total_limit,
        report_to=list(settings.report_to) or "none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        ddp_find_unused_parameters=False,
        dataloader_num_workers=0,
        trust_remote_code=settings.trust_remote_code,
        model_init_kwargs={"dtype": dtype},
    )


def build_trainer(
    model: Any,
    settings: LoraSettings,
    tokenizer: Any,
    examples: Sequence[EncodedExample],
    validation: Sequence[EncodedExample],
    *,
    device: Any,
    callbacks: list[Any],
    checkpoints: Path,
) -> Any:
    """
    Return TRL's ``SFTTrainer`` for *model* on *examples*.

    *model* is a hub id or folder, loaded by the trainer (quantized with
    ``load_in_4bit``) and wrapped with LoRA; or a model object, used as it is.
    The trainer's own progress bar and log printer are removed: progress goes
    through *callbacks*.

    Raises:
        ConfigError: the model cannot be loaded, or 4 bits are asked for without CUDA.
    """
    from transformers import PrinterCallback, ProgressCallback  # noqa: PLC0415
    from trl import SFTTrainer  # noqa: PLC0415 -- optional dependency

    config = sft_config(settings, checkpoints=checkpoints, device=device, evaluate=bool(validation))
    by_name = isinstance(model, str)
    try:
        with training.quiet_peft():
            trainer = SFTTrainer(
                model=model,
                args=config,
                train_dataset=training_dataset(examples),
                eval_dataset=training_dataset(validation) if validation else None,
                processing_class=tokenizer,
                peft_config=lora_config(settings) if by_name else None,
                quantization_config=quantization_config(settings, device) if by_name else None,
                callbacks=callbacks,
            )
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"model: expected a causal language model (hub id or folder), "
            f"found {model if by_name else type(model).__name__!r} ({excerpt(str(error), 200)})"
        ) from error
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return trainer


def last_checkpoint(folder: Path) -> str:
    """
    Return the trainer's last checkpoint in *folder*.

    Raises:
        ConfigError: there is none.
    """
    from transformers.trainer_utils import get_last_checkpoint  # noqa: PLC0415

    found = get_last_checkpoint(str(folder)) if folder.is_dir() else None
    if found is None:
        raise ConfigError(
            f"resume: expected a checkpoint in {folder}, found none (train without resume)"
        )
    return str(found)


@define(kw_only=True)
class StepEvent:
    """
    What the trainer logged: an optimizer step's loss, or a validation loss.

    Args:
        step: The optimizer step reached.
        total_steps: Steps in the whole run.
        epoch: The (fractional) epoch reached.
        metrics: ``train_loss``, ``learning_rate``, ``seconds_left`` for a step;
            ``valid_loss`` for an evaluation.
    """

    step: int
    total_steps: int
    epoch: float
    metrics: dict[str, float]


def _follower_base() -> type:
    from transformers import TrainerCallback  # noqa: PLC0415 -- optional dependency

    return TrainerCallback  # type: ignore[no-any-return]


@define(kw_only=True)
class TrainerFollower:
    """
    Collects what the trainer logs and passes it on, on the first process only.

    Used through `callback`, a ``transformers.TrainerCallback`` that forwards to
    this object. A loss that is not finite stops training (see `diverged_at`).

    Args:
        on_event: Receives each step's loss and each validation loss.
        monotonic: Seconds from an arbitrary start (for the time left).
    """

    on_event: Callable[[StepEvent], None]
    monotonic: Callable[[], float] = time.perf_counter
    losses: list[LossPoint] = field(factory=list)
    validation: list[LossPoint] = field(factory=list)
    final: dict[str, float] = field(factory=dict)
    diverged_at: int | None = None
    _started: float | None = None
    _first_step: int = 0

    def callback(self) -> Any:
        """Return the ``TrainerCallback`` that feeds this object."""
        follower = self

        class _Callback(_follower_base()):  # type: ignore[misc]
            def on_train_begin(self, _args: Any, state: Any, _control: Any, **_: Any) -> None:
                follower.begin(state.global_step)

            def on_log(
                self, _args: Any, state: Any, control: Any, logs: Any = None, **_: Any
            ) -> None:
                if follower.log(state, logs or {}) is False:
                    control.should_training_stop = True

        return _Callback()

    def begin(self, step: int) -> None:
        """Note when (and from which step, after a resume) training started."""
        self._started = self.monotonic()
        self._first_step = step

    def log(self, state: Any, logs: dict[str, Any]) -> bool:
        """Take one log entry of the trainer; return False to stop (the loss diverged)."""
        step = int(state.global_step)
        total = int(state.max_steps)
        epoch = float(logs.get("epoch") or state.epoch or 0.0)
        if "eval_loss" in logs:
            loss = float(logs["eval_loss"])
            self.validation.append(LossPoint(step=step, epoch=epoch, loss=loss))
            if state.is_world_process_zero:
                self.on_event(
                    StepEvent(
                        step=step,
                        total_steps=total,
                        epoch=epoch,
                        metrics={"valid_loss": loss, "epoch": epoch},
                    )
                )
            return True
        if "loss" not in logs:
            if "train_loss" in logs:  # the end of training: runtime and averages
                self.final = {
                    key: float(value)
                    for key, value in logs.items()
                    if isinstance(value, int | float)
                }
            return True
        loss = float(logs["loss"])
        if not math.isfinite(loss):
            self.diverged_at = step
            return False
        self.losses.append(LossPoint(step=step, epoch=epoch, loss=loss))
        metrics = {
            "train_loss": loss,
            "learning_rate": float(logs.get("learning_rate", 0.0)),
            "epoch": epoch,
        }
        left = self._seconds_left(step, total)
        if left is not None:
            metrics["seconds_left"] = left
        if state.is_world_process_zero:
            self.on_event(StepEvent(step=step, total_steps=total, epoch=epoch, metrics=metrics))
        return True

    def _seconds_left(self, step: int, total: int) -> float | None:
        done = step - self._first_step
        if self._started is None or done <= 0:
            return None
        return (self.monotonic() - self._started) / done * max(total - step, 0)
